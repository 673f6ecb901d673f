"""Writes test/fixtures/array_ops.json: NumPy / PyTorch results for keras-ts's shape and indexing ops.

Run with /usr/bin/python3 (Debian's python3-numpy and python3-torch). Each case stores its inputs,
the call's arguments in keras-ts terms, and the expected values (and gradients, from torch).
"""
import json
import os

import numpy as np
import torch


def t(a):
    a = np.asarray(a)
    return {"shape": list(a.shape), "values": a.astype(np.float64).ravel().tolist()}


x234 = (np.arange(24, dtype=np.float64) * 0.5 - 3.0).reshape(2, 3, 4)
x23 = np.array([[1.0, -2.0, 3.5], [4.0, 0.25, -6.0]])
cases = []

# pad, every mode, within one reflection
for mode in ["constant", "reflect", "symmetric", "edge", "wrap"]:
    pw = [[1, 2], [2, 1]] if mode != "reflect" else [[1, 1], [2, 2]]
    kw = {"constant_values": 7.0} if mode == "constant" else {}
    cases.append({"op": "pad", "x": t(x23), "padWidth": pw, "mode": mode,
                  "constantValues": kw.get("constant_values"), "expected": t(np.pad(x23, pw, mode=mode, **kw))})

# tile with shorter, equal and longer reps
for reps in [[2], [2, 1, 3], [2, 1, 1, 2]]:
    cases.append({"op": "tile", "x": t(x234), "reps": reps, "expected": t(np.tile(x234, reps))})

# take with negative indices along each axis, and flattened
idx = np.array([[2, -1], [0, 0]])
for axis in [0, 1, 2, None]:
    n = x234.size if axis is None else x234.shape[axis]
    i = np.clip(idx, -n, n - 1)
    cases.append({"op": "take", "x": t(x234), "indices": i.tolist(), "axis": axis,
                  "expected": t(np.take(x234, i, axis=axis))})

# take_along_axis with broadcasting of the other axes
ia = np.array([[[3, 0, 1]], [[2, 2, 0]]])  # [2, 1, 3] against x234 [2, 3, 4] on axis 2
cases.append({"op": "takeAlongAxis", "x": t(x234), "indices": ia.tolist(), "axis": 2,
              "expected": t(np.take_along_axis(x234, ia, axis=2))})
ib = np.array([[0, 2, 1, 1], [1, 0, 2, 0]])[:, None, :]  # [2,1,4] on axis 1 of [2,3,4]
cases.append({"op": "takeAlongAxis", "x": t(x234), "indices": ib.tolist(), "axis": 1,
              "expected": t(np.take_along_axis(x234, ib, axis=1))})

# repeat
cases.append({"op": "repeat", "x": t(x23), "repeats": [2, 0, 1], "axis": 1, "expected": t(np.repeat(x23, [2, 0, 1], axis=1))})
cases.append({"op": "repeat", "x": t(x23), "repeats": 2, "axis": None, "expected": t(np.repeat(x23, 2))})

# Python slicing
for key, (b, e, s) in {
    "rev_step2": ([None, None, None], [None, None, None], [1, -1, -2]),
    "neg_bounds": ([-1, 1, -3], [None, -1, None], [-1, 1, 2]),
    "clamped": ([0, -10, 1], [5, 10, 100], [1, 2, 2]),
}.items():
    sl = tuple(slice(bb, ee, ss) for bb, ee, ss in zip(b, e, s))
    cases.append({"op": "stridedSlice", "name": key, "x": t(x234), "begin": b, "end": e, "strides": s, "expected": t(x234[sl])})

# split at points
for points, axis in [([1, 3], 2), (3, 1), ([0, 2], 0)]:
    parts = np.split(x234, points, axis=axis)
    cases.append({"op": "split", "x": t(x234), "indicesOrSections": points, "axis": axis, "expected": [t(p) for p in parts]})

# gradients from torch: take with repeated indices accumulates, reflect-pad folds back
xt = torch.tensor(x234, requires_grad=True)
w = torch.tensor(np.sin(np.arange(2 * 4 * 4) * 1.3).reshape(2, 4, 4))
gi = torch.tensor([1, 1, 0, 1])
(torch.index_select(xt, 1, gi) * w).sum().backward()
cases.append({"op": "takeGrad", "x": t(x234), "indices": gi.tolist(), "axis": 1, "w": t(w.numpy()), "expected": t(xt.grad.numpy())})

xr = torch.tensor(x23[None], requires_grad=True)  # [1, 2, 3]: torch reflect pads the last axis
yr = torch.nn.functional.pad(xr, (2, 2), mode="reflect")
wr = torch.tensor(np.cos(np.arange(yr.numel()) * 0.7).reshape(yr.shape))
(yr * wr).sum().backward()
cases.append({"op": "padReflectGrad", "x": t(x23), "padWidth": [[0, 0], [2, 2]], "w": t(wr.numpy()[0]), "expected": t(xr.grad.numpy()[0])})

out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "array_ops.json")
with open(out, "w") as f:
    json.dump({"generator": "scripts/gen_array_fixtures.py", "numpy": np.__version__, "torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {os.path.normpath(out)}")
