"""Writes .keras files whose weights are float16 and bfloat16, laid out as Keras 3 saves a model
with `dtype="float16"` / `"bfloat16"` (bfloat16: 2-byte opaque data with a `dtype` attribute, as
Keras 3's H5IOStore writes ml_dtypes.bfloat16), plus the outputs of a NumPy forward pass on the
weights widened to float32. Output: test/fixtures/saving/half_*.keras and half_precision.json.

Run: /usr/bin/python3 scripts/make_half_precision_fixtures.py
"""
import io
import json
import os
import zipfile

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'saving')
rng = np.random.default_rng(7)


def policy(name):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}


def dense(name, units, activation, dtype, in_dim):
    return {"module": "keras.layers", "class_name": "Dense", "config": {
        "name": name, "trainable": True, "dtype": policy(dtype), "units": units, "activation": activation, "use_bias": True,
        "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None}, "registered_name": None},
        "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None},
        "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None, "bias_constraint": None},
        "registered_name": None, "build_config": {"input_shape": [None, in_dim]}}


def to_bf16_bits(x):
    """Round-to-nearest-even float32 -> bfloat16 bits (what ml_dtypes does)."""
    u = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype(np.uint16)


def from_bf16_bits(b):
    return (b.astype(np.uint32) << 16).view(np.float32)


def write(dtype):
    sizes = [(6, 5, "relu"), (5, 3, "softmax")]
    weights = []
    for i, o, _ in sizes:
        weights.append([rng.normal(0, 0.7, (i, o)).astype(np.float32), rng.normal(0, 0.3, (o,)).astype(np.float32)])
    names = ["dense", "dense_1"]
    config = {"module": "keras", "class_name": "Sequential", "config": {
        "name": "sequential", "trainable": True, "dtype": policy(dtype),
        "layers": [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 6], "dtype": dtype, "sparse": False, "ragged": False, "name": "input_layer"}, "registered_name": None}]
        + [dense(n, o, a, dtype, i) for n, (i, o, a) in zip(names, sizes)],
        "build_input_shape": [None, 6]}, "registered_name": None, "build_config": {"input_shape": [None, 6]}}
    buf = io.BytesIO()
    widened = []
    with h5py.File(buf, "w") as f:
        f.create_group("layers")
        for n, ws in zip(names, weights):
            g = f.create_group(f"layers/{n}/vars")
            g.attrs["name"] = n
            ww = []
            for k, w in enumerate(ws):
                if dtype == "float16":
                    h = w.astype(np.float16)
                    g[str(k)] = h
                    ww.append(h.astype(np.float32))
                else:
                    bits = to_bf16_bits(w)
                    ds = g.create_dataset(str(k), data=bits.view("V2"))
                    ds.attrs["dtype"] = "bfloat16"
                    ww.append(from_bf16_bits(bits))
            widened.append(ww)
        f.create_group("vars").attrs["name"] = "sequential"
    x = rng.normal(0, 1, (4, 6)).astype(np.float32)
    h = np.maximum(x @ widened[0][0] + widened[0][1], 0)
    z = h @ widened[1][0] + widened[1][1]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    path = os.path.join(OUT, f"half_{dtype}.keras")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.10.0", "date_saved": "2026-12-03@12:00:00"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buf.getvalue())
    return {"x": x.tolist(), "y": y.astype(np.float32).tolist(), "kernel0": widened[0][0].ravel()[:8].tolist()}


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    out = {d: write(d) for d in ["float16", "bfloat16"]}
    with open(os.path.join(OUT, "half_precision.json"), "w") as f:
        json.dump(out, f)
    print("wrote", OUT)
