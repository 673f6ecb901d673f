#!/usr/bin/python3
"""Writes test/fixtures/datasets_numpy.json: NumPy / Python truth for the keras.datasets readers.

Run with Debian's python3-numpy:  /usr/bin/python3 scripts/gen_datasets_fixture.py

Everything binary is stored base64-encoded. Nothing here is executed when loading: the malicious
pickles are only *written* (pickle.dumps never runs __reduce__'s callable).
"""
import base64
import io
import json
import os
import pickle
import random
import struct
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "datasets_numpy.json")


def b64(b):
    return base64.b64encode(b).decode("ascii")


# ------------------------------------------------------------------------------------------------
# Random streams: NumPy's legacy RandomState (MT19937) and Python's `random`.


def numpy_random():
    out = {}
    shuffles = []
    for seed, n in [(113, 1), (113, 2), (113, 5), (113, 10), (113, 100), (113, 1000), (0, 37), (4294967295, 50), (1, 3)]:
        rng = np.random.RandomState(seed)
        idx = np.arange(n)
        rng.shuffle(idx)
        shuffles.append({"seed": seed, "n": n, "result": idx.tolist()})
    out["shuffle"] = shuffles
    # imdb's pattern: one RandomState, two shuffles in a row.
    rng = np.random.RandomState(113)
    a = np.arange(7)
    rng.shuffle(a)
    b = np.arange(9)
    rng.shuffle(b)
    out["twoShuffles"] = {"seed": 113, "n1": 7, "n2": 9, "first": a.tolist(), "second": b.tolist()}
    out["permutation"] = {"seed": 5, "n": 20, "result": np.random.RandomState(5).permutation(20).tolist()}
    rng = np.random.RandomState(113)
    out["randomSample"] = {"seed": 113, "values": [float(v) for v in rng.random_sample(5)]}
    # The first raw 32-bit outputs of MT19937 seeded with 5489 (the reference implementation's default).
    rng = np.random.RandomState(5489)
    out["rawUint32"] = {"seed": 5489, "values": [int(v) for v in rng.randint(0, 2**32, size=5, dtype=np.uint64)]}
    return out


def python_random():
    res = []
    for seed, n in [(0, 10), (113, 25), (123456789012, 17), (7, 1000)]:
        random.seed(seed)
        x = list(range(n))
        random.shuffle(x)
        res.append({"seed": seed, "n": n, "result": x})
    return res


# ------------------------------------------------------------------------------------------------
# .npy / .npz


def npy_bytes(arr):
    f = io.BytesIO()
    np.save(f, arr, allow_pickle=True)
    return f.getvalue()


def npz_bytes(arrays, compressed):
    f = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(f, **arrays)
    return f.getvalue()


def numeric_arrays():
    return {
        "u1": np.array([[0, 1, 255], [7, 8, 9]], dtype="u1"),
        "i1": np.array([-128, -1, 0, 127], dtype="i1"),
        "i2be": np.array([-300, 2, 30000], dtype=">i2"),
        "u2": np.array([0, 65535, 3], dtype="<u2"),
        "i4": np.array([[-5, 6], [2147483647, -2147483648]], dtype="<i4"),
        "i4be": np.array([1, -2, 65536], dtype=">i4"),
        "i8": np.array([3, -4, 2000000000], dtype="<i8"),
        "f4": np.array([1.5, -0.25, 3.0e-8], dtype="<f4"),
        "f8be": np.array([1.0 / 3.0, -2.5e300], dtype=">f8"),
        "f8": np.arange(6, dtype="<f8").reshape(2, 3) / 7.0,
        "f2": np.array([0.5, -2.0, 65504.0], dtype="<f2"),
        "b1": np.array([True, False, True], dtype="?"),
        "fortran": np.asfortranarray(np.arange(6, dtype="<i4").reshape(2, 3)),
        "scalar": np.array(42, dtype="<i4"),
        "empty": np.zeros((0, 3), dtype="<f4"),
    }


def expected(arrays):
    out = {}
    for k, a in arrays.items():
        c = np.ascontiguousarray(a)
        vals = c.reshape(-1).tolist()
        if a.dtype == np.bool_:
            vals = [bool(v) for v in vals]
        out[k] = {"shape": list(a.shape), "descr": a.dtype.str, "values": vals}
    return out


def object_arrays():
    seqs = [[5, 17, 300, 1], [2], [9, 9, 9, 70000, 3], [], [4, 100000000000]]
    x = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        x[i] = list(s)
    return x, seqs


# ------------------------------------------------------------------------------------------------
# Python-2 style pickles (CIFAR batches were written by cPickle in Python 2): `str` is a byte string
# there, so keys and array payloads are (SHORT_)BINSTRING, which Python 3 reads as bytes with
# encoding="bytes". We get the same stream by teaching the pure-Python pickler to write bytes that way.


class Py2Pickler(pickle._Pickler):
    dispatch = dict(pickle._Pickler.dispatch)

    def save_bytes_as_py2_str(self, obj):
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", n) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_bytes_as_py2_str


def py2_pickle(obj):
    f = io.BytesIO()
    Py2Pickler(f, protocol=2).dump(obj)
    return f.getvalue()


def cifar_batch(n, label_key, seed):
    rng = np.random.RandomState(seed)
    data = rng.randint(0, 256, size=(n, 3072)).astype("uint8")
    labels = [int(v) for v in rng.randint(0, 10, size=n)]
    d = {
        b"batch_label": b"training batch 1 of 5",
        label_key: labels,
        b"data": data,
        b"filenames": [b"img_%d.png" % i for i in range(n)],
    }
    return d, data, labels


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/keras_ts_pwned",))


class EvilEval:
    def __reduce__(self):
        return (eval, ("1+1",))


# ------------------------------------------------------------------------------------------------
# Expected loader outputs on tiny files, following the steps of Keras's imdb / reuters /
# boston_housing load_data (keras/src/datasets/*.py), re-stated here with NumPy's own RandomState.


def seq_steps(xs, labels, start_char, index_from, maxlen):
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    else:
        xs = [list(x) for x in xs]
    labels = list(labels)
    if maxlen:
        keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
        xs = [xs[i] for i in keep]
        labels = [labels[i] for i in keep]
    return xs, labels


def vocab(xs, num_words, skip_top, oov_char):
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def imdb_expected(f, num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2, index_from=3):
    rng = np.random.RandomState(seed)
    xtr, ytr, xte, yte = f["x_train"], f["y_train"], f["x_test"], f["y_test"]
    i = np.arange(len(xtr)); rng.shuffle(i); xtr, ytr = xtr[i], ytr[i]
    i = np.arange(len(xte)); rng.shuffle(i); xte, yte = xte[i], yte[i]
    xtr, ytr = seq_steps(xtr, ytr, start_char, index_from, maxlen)
    xte, yte = seq_steps(xte, yte, start_char, index_from, maxlen)
    xs = vocab(xtr + xte, num_words, skip_top, oov_char)
    n = len(xtr)
    return {"xTrain": xs[:n], "yTrain": [int(v) for v in ytr], "xTest": xs[n:], "yTest": [int(v) for v in yte]}


def reuters_expected(f, num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113, start_char=1, oov_char=2, index_from=3):
    rng = np.random.RandomState(seed)
    xs, ys = f["x"], f["y"]
    i = np.arange(len(xs)); rng.shuffle(i); xs, ys = xs[i], ys[i]
    xs, ys = seq_steps(xs, ys, start_char, index_from, maxlen)
    xs = vocab(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return {"xTrain": xs[:cut], "yTrain": [int(v) for v in ys[:cut]], "xTest": xs[cut:], "yTest": [int(v) for v in ys[cut:]]}


def ragged(seqs):
    a = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        a[i] = list(s)
    return a


def loaders():
    rng = np.random.RandomState(7)
    mk = lambda n: [list(rng.randint(0, 40, size=rng.randint(1, 9))) for _ in range(n)]
    mk2 = lambda n: [[int(w) for w in s] for s in mk(n)]
    imdb = {"x_train": ragged(mk2(9)), "y_train": rng.randint(0, 2, size=9).astype("<i8"),
            "x_test": ragged(mk2(7)), "y_test": rng.randint(0, 2, size=7).astype("<i8")}
    reuters = {"x": ragged(mk2(13)), "y": rng.randint(0, 46, size=13).astype("<i8")}
    cases = [{}, {"num_words": 20, "skip_top": 2}, {"maxlen": 6, "seed": 1}, {"start_char": None, "oov_char": None, "index_from": 0, "num_words": 30},
             {"oov_char": None, "skip_top": 5, "seed": 42}]
    out = {"imdbNpz": b64(npz_bytes(imdb, compressed=False)), "reutersNpz": b64(npz_bytes(reuters, compressed=True)),
           "imdbCases": [], "reutersCases": []}
    for c in cases:
        out["imdbCases"].append({"args": c, "expected": imdb_expected(imdb, **c)})
        out["reutersCases"].append({"args": c, "expected": reuters_expected(reuters, **c)})
    out["reutersCases"].append({"args": {"test_split": 0.5, "seed": 3}, "expected": reuters_expected(reuters, test_split=0.5, seed=3)})
    x = rng.rand(11, 3) * 100
    y = rng.rand(11) * 50
    out["housingNpz"] = b64(npz_bytes({"x": x, "y": y}, compressed=False))
    out["housingCases"] = []
    for ts, seed in [(0.2, 113), (0.5, 9), (0.0, 113)]:
        r = np.random.RandomState(seed); i = np.arange(len(x)); r.shuffle(i)
        cut = int(len(x) * (1 - ts))
        out["housingCases"].append({"testSplit": ts, "seed": seed, "xTrain": x[i][:cut].reshape(-1).tolist(), "yTrain": y[i][:cut].tolist(),
                                    "xTest": x[i][cut:].reshape(-1).tolist(), "yTest": y[i][cut:].tolist()})
    a = rng.randn(3, 4)
    a[1] = 0
    out["normalize"] = {"x": a.reshape(-1).tolist(), "shape": [3, 4], "cases": []}
    for axis in (-1, 0):
        for order in (1, 2, 3, float("inf")):
            norm = np.atleast_1d(np.linalg.norm(a, order, axis)); norm[norm == 0] = 1
            out["normalize"]["cases"].append({"axis": axis, "order": "inf" if order == float("inf") else order,
                                              "values": (a / np.expand_dims(norm, axis)).reshape(-1).tolist()})
    return out


def main():
    fx = {"numpyRandom": numpy_random(), "pythonRandom": python_random()}

    arrs = numeric_arrays()
    fx["npzStored"] = b64(npz_bytes(arrs, compressed=False))
    fx["npzDeflated"] = b64(npz_bytes(arrs, compressed=True))
    fx["npzExpected"] = expected(arrs)

    x, seqs = object_arrays()
    y = np.array([1, 0, 1, 1, 0], dtype="<i8")
    fx["objectNpz"] = b64(npz_bytes({"x": x, "y": y}, compressed=False))
    fx["objectSeqs"] = seqs
    # the same object array as a lone .npy pickled with protocols 2 and 5 (frames, MEMOIZE, ...)
    hdr_npy = npy_bytes(x)
    fx["objectNpyDefault"] = b64(hdr_npy)
    for proto in (2, 5):
        # a version-1.0 header for an object array, followed by the pickle stream
        header = "{'descr': '|O', 'fortran_order': False, 'shape': (%d,), }" % len(seqs)
        pad = 64 - ((10 + len(header) + 1) % 64)
        header = header + " " * pad + "\n"
        head = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1")
        fx["objectNpyProto%d" % proto] = b64(head + pickle.dumps(x, protocol=proto))

    # CIFAR-10-like and CIFAR-100-like batches (py2-style pickles), checked to load in Python 3 as Keras does.
    b10, data10, labels10 = cifar_batch(3, b"labels", 1)
    p10 = py2_pickle(b10)
    back = pickle.loads(p10, encoding="bytes")
    assert back[b"labels"] == labels10 and (back[b"data"] == data10).all()
    fx["cifar10Batch"] = {"pickle": b64(p10), "data": b64(data10.tobytes()), "labels": labels10}
    d100 = {
        b"fine_labels": [3, 99, 0],
        b"coarse_labels": [1, 19, 0],
        b"data": data10,
        b"filenames": [b"a", b"b", b"c"],
    }
    fx["cifar100Batch"] = {"pickle": b64(py2_pickle(d100)), "fine": [3, 99, 0], "coarse": [1, 19, 0]}
    # protocol-4 python3 pickle with bytes keys (BINBYTES) and the numpy >= 2 spelling of _reconstruct
    fx["cifarProto4"] = b64(pickle.dumps(b10, protocol=4))

    fx["evil"] = {
        "osSystemProto2": b64(pickle.dumps(Evil(), protocol=2)),
        "osSystemProto4": b64(pickle.dumps(Evil(), protocol=4)),
        "evalProto0": b64(pickle.dumps(EvilEval(), protocol=0)),
        # an object .npy whose pickle payload is the os.system gadget
        "npy": b64(b"\x93NUMPY\x01\x00" + struct.pack("<H", 118) + (
            "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }".ljust(117) + "\n").encode("latin1")
            + pickle.dumps(Evil(), protocol=3)),
    }

    fx["loaders"] = loaders()

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fx, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(OUT), os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
