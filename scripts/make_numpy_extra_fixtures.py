"""Writes test/fixtures/numpy_extra_ops.json: NumPy values and PyTorch gradients for the composite ops
of src/ops/numpy_extra.ts (var, std, moments, tril, triu, unstack, linspace, norm, isfinite,
nanToNum, cumprod, roll, einsum) and logsumexp.

Run with /usr/bin/python3 (Debian's python3-numpy and python3-torch). For a differentiable case the
gradient is d/dx sum(op(x) * w) for the stored weights w (one per output element).
"""
import json
import os

import numpy as np
import torch

rng = np.random.RandomState(7)


def t(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "values": a.ravel().tolist()}


def case(op, x, args, fn_np, fn_torch=None):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(fn_np(x), dtype=np.float64)
    c = {"op": op, "x": t(x), "args": args, "expected": t(y)}
    if fn_torch is not None:
        w = rng.uniform(-1, 1, size=y.shape)
        xt = torch.tensor(x, requires_grad=True)
        (fn_torch(xt) * torch.tensor(w)).sum().backward()
        c["w"] = t(w)
        c["grad"] = t(xt.grad.numpy())
    return c


x34 = rng.uniform(-2, 2, size=(3, 4))
x234 = rng.uniform(-2, 2, size=(2, 3, 4))
pos = rng.uniform(0.5, 1.5, size=(2, 5))
cases = [
    case("var", x234, {"axis": None}, lambda a: a.var(), lambda a: a.var(unbiased=False)),
    case("var", x234, {"axis": 1, "keepdims": True}, lambda a: a.var(axis=1, keepdims=True), lambda a: a.var(dim=1, unbiased=False, keepdim=True)),
    case("std", x234, {"axis": [0, 2]}, lambda a: a.std(axis=(0, 2)), lambda a: a.std(dim=(0, 2), unbiased=False)),
    case("moments_mean", x234, {"axes": [0, 1]}, lambda a: a.mean(axis=(0, 1)), lambda a: a.mean(dim=(0, 1))),
    case("moments_var", x234, {"axes": [0, 1]}, lambda a: a.var(axis=(0, 1)), lambda a: a.var(dim=(0, 1), unbiased=False)),
    case("tril", x234, {"k": 0}, np.tril, torch.tril),
    case("tril", x34, {"k": -1}, lambda a: np.tril(a, -1), lambda a: torch.tril(a, -1)),
    case("triu", x34, {"k": 1}, lambda a: np.triu(a, 1), lambda a: torch.triu(a, 1)),
    case("unstack1", x234, {"axis": 1}, lambda a: a[:, 1, :], lambda a: torch.unbind(a, 1)[1]),
    case("linspace", np.zeros(0), {"start": -1.0, "stop": 2.0, "num": 7}, lambda a: np.linspace(-1.0, 2.0, 7)),
    case("linspace", np.zeros(0), {"start": 0.0, "stop": 1.0, "num": 4, "endpoint": False}, lambda a: np.linspace(0.0, 1.0, 4, endpoint=False)),
    case("norm", x34, {"ord": None, "axis": 1}, lambda a: np.linalg.norm(a, axis=1), lambda a: torch.linalg.vector_norm(a, dim=1)),
    case("norm", x34, {"ord": 1, "axis": 0}, lambda a: np.linalg.norm(a, ord=1, axis=0), lambda a: torch.linalg.vector_norm(a, ord=1, dim=0)),
    case("norm", x34, {"ord": "inf", "axis": 1}, lambda a: np.linalg.norm(a, ord=np.inf, axis=1), lambda a: torch.linalg.vector_norm(a, ord=float("inf"), dim=1)),
    case("norm", x34, {"ord": 3, "axis": 1}, lambda a: np.linalg.norm(a, ord=3, axis=1), lambda a: torch.linalg.vector_norm(a, ord=3, dim=1)),
    case("norm", x34, {"ord": "fro", "axis": None}, lambda a: np.linalg.norm(a, "fro"), lambda a: torch.linalg.matrix_norm(a, "fro")),
    case("cumprod", x234, {"axis": 2}, lambda a: np.cumprod(a, axis=2), lambda a: torch.cumprod(a, 2)),
    case("cumprod", x34, {"axis": None}, lambda a: np.cumprod(a), lambda a: torch.cumprod(a.reshape(-1), 0)),
    case("roll", x234, {"shift": 2, "axis": 2}, lambda a: np.roll(a, 2, axis=2), lambda a: torch.roll(a, 2, 2)),
    case("roll", x234, {"shift": [-1, 1], "axis": [0, 1]}, lambda a: np.roll(a, (-1, 1), axis=(0, 1)), lambda a: torch.roll(a, (-1, 1), (0, 1))),
    case("roll", x34, {"shift": 5, "axis": None}, lambda a: np.roll(a, 5), lambda a: torch.roll(a, 5)),
    case("logsumexp", x234, {"axis": 2}, lambda a: np.log(np.exp(a).sum(axis=2)), lambda a: torch.logsumexp(a, 2)),
    case("std", pos, {"axis": None}, lambda a: a.std(), lambda a: a.std(unbiased=False)),
]
# einsum: x is the first operand; the others are stored with the case (the gradient is x's)
b45 = rng.uniform(-1, 1, size=(4, 5))
b245 = rng.uniform(-1, 1, size=(2, 4, 5))
v4 = rng.uniform(-1, 1, size=(4,))
for spec, others in [("ij,jk->ik", [b45]), ("ij,jk", [b45]), ("bij,bjk->bik", [b245]), ("ij->ji", []), ("ij->", []),
                     ("ij,j->i", [v4]), ("bij,jk->bk", [b45]), ("ij,ij->ij", [x34 * 0.5])]:
    x = x234 if spec.startswith("b") else x34
    c = case("einsum", x, {"subscripts": spec, "others": [t(o) for o in others]},
             lambda a, spec=spec, others=others: np.einsum(spec, a, *others),
             lambda a, spec=spec, others=others: torch.einsum(spec, a, *[torch.tensor(o) for o in others]))
    cases.append(c)

# sort / argsort (distinct values: no ties, so every library gives one order)
cases.append(case("sort", x234, {"axis": -1}, lambda a: np.sort(a, axis=-1), lambda a: torch.sort(a, dim=-1).values))
cases.append(case("sort", x234, {"axis": 1}, lambda a: np.sort(a, axis=1), lambda a: torch.sort(a, dim=1).values))
cases.append(case("argsort", x234, {"axis": 0}, lambda a: np.argsort(a, axis=0)))
cases.append(case("argsort", x34, {"axis": -1}, lambda a: np.argsort(a, axis=-1)))

special = np.array([1.0, np.nan, np.inf, -np.inf, -2.5, 0.0])
cases.append({"op": "isfinite", "x": {"shape": [6], "values": [1.0, "nan", "inf", "-inf", -2.5, 0.0]}, "args": {},
              "expected": t(np.isfinite(special).astype(np.float64))})
cases.append({"op": "nanToNum", "x": {"shape": [6], "values": [1.0, "nan", "inf", "-inf", -2.5, 0.0]}, "args": {"nan": 9.0, "posinf": 100.0, "neginf": -100.0},
              "expected": t(np.nan_to_num(special, nan=9.0, posinf=100.0, neginf=-100.0))})

out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "numpy_extra_ops.json")
with open(out, "w") as f:
    json.dump({"numpy": np.__version__, "torch": torch.__version__, "cases": cases}, f, indent=0)
print(f"wrote {len(cases)} cases to {out}")
