"""Writes test/fixtures/attention.json: PyTorch (float64) oracles for ops.einsum,
ops.dotProductAttention and the attention layers of src/layers/attention/.

Run with /usr/bin/python3 (Debian's python3-torch 1.13, python3-numpy):

    /usr/bin/python3 scripts/make_attention_fixtures.py

- einsum: np.einsum values, torch.einsum gradients of sum(y * w) for every operand.
- dotProductAttention: torch 1.13 has no scaled_dot_product_attention, so the oracle is its
  definition written in torch, softmax(q k^T * scale + bias, masked) v per head (masked logits get
  -0.7 * float32 max as Keras's backends do; grouped heads read key head n // (N / K)); values and
  the gradients of sum(y * w) for query, key and value.
- MultiHeadAttention: torch.nn.MultiheadAttention(batch_first=True) with its weights mapped to
  Keras's layout (query kernel [E, heads, headDim] = W_q^T reshaped, bias [heads, headDim],
  attention_output kernel [heads, headDim, E] = W_o^T reshaped); key padding through a Keras mask
  (compared on the unpadded query positions only: Keras also masks padded query rows, torch does
  not) and causal masking. Gradients of sum(y * w) for the inputs and every weight, mapped back.
- Attention / AdditiveAttention: their definitions (Keras's `_calculate_scores` and
  `_apply_scores`) written in torch.
Inputs are drawn as float32 values, so the float32 implementation sees exactly the oracle's inputs.
"""
import json
import os

import numpy as np
import torch

torch.manual_seed(0)
rng = np.random.RandomState(11)
NEG = -0.7 * float(np.finfo(np.float32).max)


def f32(shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32).astype(np.float64)


def t(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "values": a.ravel().tolist()}


def grads_of(fn, inputs):
    xs = [torch.tensor(x, requires_grad=True) for x in inputs]
    y = fn(*xs)
    w = f32(tuple(y.shape))
    (y * torch.tensor(w)).sum().backward()
    return y.detach().numpy(), w, [x.grad.numpy() for x in xs]


# --- einsum ---------------------------------------------------------------------------------------
einsum_cases = []
for spec, shapes in [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("...x,xy->...y", [(2, 3, 4), (4, 5)]),
    ("abc,cde->abde", [(2, 3, 4), (4, 2, 3)]),
    ("abcd,cde->abe", [(2, 3, 2, 3), (2, 3, 4)]),
    ("aecd,abcd->acbe", [(2, 5, 2, 3), (2, 4, 2, 3)]),
    ("acbe,aecd->abcd", [(2, 2, 4, 5), (2, 5, 2, 3)]),
    ("bij,bjk", [(2, 3, 4), (2, 4, 5)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("bii->b", [(2, 3, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("bi,i->b", [(1, 4), (4,)]),
    ("ij,kj->ik", [(1, 4), (3, 4)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (3, 4, 2)]),
    ("ab...,bc->ac...", [(2, 3, 4, 5), (3, 2)]),
]:
    xs = [f32(s) for s in shapes]
    y, w, gs = grads_of(lambda *a, spec=spec: torch.einsum(spec, *a), xs)
    np.testing.assert_allclose(y, np.einsum(spec, *xs), rtol=1e-12, atol=1e-12)
    einsum_cases.append({"subscripts": spec, "operands": [t(x) for x in xs], "expected": t(y), "w": t(w), "grads": [t(g) for g in gs]})


# --- dotProductAttention --------------------------------------------------------------------------
def sdpa(q, k, v, bias=None, mask=None, scale=None, is_causal=False):
    B, T, N, H = q.shape
    S, K = k.shape[1], k.shape[2]
    if K < N:
        k = k.repeat_interleave(N // K, dim=2)
        v = v.repeat_interleave(N // K, dim=2)
    scale = 1.0 / np.sqrt(H) if scale is None else scale
    logits = torch.einsum("btnh,bsnh->bnts", q * scale, k)
    if bias is not None:
        logits = logits + bias
    keep = torch.ones(logits.shape, dtype=torch.bool)
    if mask is not None:
        keep = keep & mask
    if is_causal:
        keep = keep & torch.tril(torch.ones(T, S, dtype=torch.bool))
    logits = torch.where(keep, logits, torch.tensor(NEG, dtype=logits.dtype))
    p = torch.softmax(logits, dim=-1)
    return torch.einsum("bnts,bsnh->btnh", p, v)


dpa_cases = []
for name, (B, T, S, N, K, H, Hv), opts in [
    ("plain", (2, 5, 5, 2, 2, 4, 4), {}),
    ("cross-length", (2, 3, 6, 2, 2, 4, 3), {}),
    ("causal", (2, 6, 6, 2, 2, 4, 4), {"is_causal": True}),
    ("padding-mask", (2, 5, 5, 2, 2, 4, 4), {"mask": "padding"}),
    ("mask-and-causal", (2, 5, 5, 2, 2, 4, 4), {"mask": "padding", "is_causal": True}),
    ("bias-and-scale", (1, 4, 5, 2, 2, 3, 3), {"bias": True, "scale": 0.3}),
    ("grouped-query", (2, 4, 4, 4, 2, 3, 3), {"is_causal": True}),
    ("multi-query", (1, 4, 6, 3, 1, 2, 2), {}),
]:
    q, k, v = f32((B, T, N, H), -2, 2), f32((B, S, K, H), -2, 2), f32((B, S, K, Hv))
    case = {"name": name, "query": t(q), "key": t(k), "value": t(v), "isCausal": bool(opts.get("is_causal", False))}
    mask = bias = None
    if opts.get("mask") == "padding":
        lengths = rng.randint(1, S + 1, size=B)
        lengths[0] = S - 2
        m = np.arange(S)[None, :] < lengths[:, None]  # [B, S]
        mask = torch.tensor(m[:, None, None, :])
        case["mask"] = t(m[:, None, None, :].astype(np.float64))
    if opts.get("bias"):
        b = f32((1, N, T, S))
        bias = torch.tensor(b)
        case["bias"] = t(b)
    if "scale" in opts:
        case["scale"] = opts["scale"]
    y, w, gs = grads_of(lambda q_, k_, v_: sdpa(q_, k_, v_, bias=bias, mask=mask, scale=opts.get("scale"), is_causal=opts.get("is_causal", False)), [q, k, v])
    case.update({"expected": t(y), "w": t(w), "grads": [t(g) for g in gs]})
    dpa_cases.append(case)


# --- MultiHeadAttention vs torch.nn.MultiheadAttention ----------------------------------------------
def mha_case(name, B, T, S, E, heads, causal=False, padding=False, cross=False):
    hd = E // heads
    mha = torch.nn.MultiheadAttention(E, heads, batch_first=True).double()
    with torch.no_grad():
        mha.in_proj_bias.uniform_(-0.5, 0.5)
        mha.out_proj.bias.uniform_(-0.5, 0.5)
        for p in mha.parameters():  # float32-representable weights
            p.copy_(p.float().double())
    q = f32((B, T, E), -2, 2)
    kv = f32((B, S, E), -2, 2) if cross else q
    lengths = None
    key_padding = None
    if padding:
        lengths = [S, S - 2] if B == 2 else [S - 1]
        key_padding = torch.tensor(np.arange(S)[None, :] >= np.array(lengths)[:, None])  # True = ignore
    attn_mask = torch.triu(torch.ones(T, S, dtype=torch.bool), 1) if causal else None
    qt = torch.tensor(q, requires_grad=True)
    kvt = torch.tensor(kv, requires_grad=True) if cross else qt
    y, _ = mha(qt, kvt, kvt, key_padding_mask=key_padding, attn_mask=attn_mask, need_weights=False)
    # the compared positions: every query row, or (with padding) the unpadded ones of a self-attention
    valid = np.ones((B, T), dtype=bool)
    if padding and not cross:
        valid = np.arange(T)[None, :] < np.array(lengths)[:, None]
    w = f32((B, T, E)) * valid[:, :, None]
    (y * torch.tensor(w)).sum().backward()
    Wq, Wk, Wv = mha.in_proj_weight.detach().numpy().reshape(3, E, E)
    bq, bk, bv = mha.in_proj_bias.detach().numpy().reshape(3, E)
    Wo, bo = mha.out_proj.weight.detach().numpy(), mha.out_proj.bias.detach().numpy()
    gW, gb = mha.in_proj_weight.grad.numpy().reshape(3, E, E), mha.in_proj_bias.grad.numpy().reshape(3, E)
    kern = lambda W: W.T.reshape(E, heads, hd)
    weights = [kern(Wq), bq.reshape(heads, hd), kern(Wk), bk.reshape(heads, hd), kern(Wv), bv.reshape(heads, hd), Wo.T.reshape(heads, hd, E), bo]
    wgrads = [kern(gW[0]), gb[0].reshape(heads, hd), kern(gW[1]), gb[1].reshape(heads, hd), kern(gW[2]), gb[2].reshape(heads, hd),
              mha.out_proj.weight.grad.numpy().T.reshape(heads, hd, E), mha.out_proj.bias.grad.numpy()]
    c = {"name": name, "numHeads": heads, "keyDim": hd, "causal": causal, "cross": cross, "query": t(q), "value": t(kv),
         "weights": [t(x) for x in weights], "expected": t(y.detach().numpy()), "valid": t(valid.astype(np.float64)), "w": t(w),
         "weightGrads": [t(g) for g in wgrads], "queryGrad": t(qt.grad.numpy())}
    if cross:
        c["valueGrad"] = t(kvt.grad.numpy())
    if padding:
        c["lengths"] = lengths
    return c


mha_cases = [
    mha_case("self-attention", 2, 5, 5, 8, 2),
    mha_case("cross-attention", 2, 4, 6, 6, 3, cross=True),
    mha_case("causal", 2, 5, 5, 8, 2, causal=True),
    mha_case("key-padding", 2, 6, 6, 8, 2, padding=True),
    mha_case("key-padding-causal", 1, 5, 5, 4, 1, padding=True, causal=True),
]


# --- Attention / AdditiveAttention ------------------------------------------------------------------
def luong(q, v, k, scale=None, causal=False, vmask=None, additive=False, concat_weight=None):
    if additive:
        s = torch.tanh(q[:, :, None, :] + k[:, None, :, :])
        scores = (s * (scale if scale is not None else 1.0)).sum(-1)
    elif concat_weight is not None:
        s = q[:, :, None, :] + k[:, None, :, :]
        scores = concat_weight * torch.tanh(scale * s if scale is not None else s).sum(-1)
    else:
        scores = q @ k.transpose(-1, -2)
        if scale is not None:
            scores = scores * scale
    keep = torch.ones(scores.shape, dtype=torch.bool)
    if vmask is not None:
        keep = keep & vmask[:, None, :]
    if causal:
        keep = keep & torch.tril(torch.ones(scores.shape[-2:], dtype=torch.bool))
    scores = torch.where(keep, scores, scores - 1e9)
    return torch.softmax(scores, -1) @ v


attn_cases = []
for name, layer, opts in [
    ("dot", "Attention", {}),
    ("dot-scale-causal", "Attention", {"useScale": True, "causal": True, "scale": 0.7}),
    ("concat", "Attention", {"scoreMode": "concat", "useScale": True, "scale": 0.5, "concat": 1.5}),
    ("additive", "AdditiveAttention", {"additive": True}),
    ("additive-value-mask", "AdditiveAttention", {"additive": True, "vmask": True}),
]:
    B, Tq, Tv, D = 2, 3, 4, 5
    q, v, k = f32((B, Tq, D), -2, 2), f32((B, Tv, D), -2, 2), f32((B, Tv, D), -2, 2)
    case = {"name": name, "layer": layer, "options": {x: opts[x] for x in ("useScale", "scoreMode") if x in opts},
            "causal": bool(opts.get("causal")), "query": t(q), "value": t(v), "key": t(k)}
    weights = []
    scale = None
    if opts.get("additive"):
        sc = f32((D,))
        scale = torch.tensor(sc)
        weights.append(sc)
    elif "scale" in opts:
        scale = opts["scale"]
        weights.append(np.array(scale, dtype=np.float64))
    cw = None
    if "concat" in opts:
        cw = opts["concat"]
        weights.append(np.array(cw, dtype=np.float64))
    vmask = None
    if opts.get("vmask"):
        m = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], dtype=bool)
        vmask = torch.tensor(m)
        case["valueMask"] = t(m.astype(np.float64))
    y, w, gs = grads_of(lambda q_, v_, k_: luong(q_, v_, k_, scale=scale, causal=opts.get("causal", False), vmask=vmask,
                                                    additive=opts.get("additive", False), concat_weight=cw), [q, v, k])
    case.update({"weights": [t(x) for x in weights], "expected": t(y), "w": t(w), "grads": [t(g) for g in gs]})
    attn_cases.append(case)

out = {"einsum": einsum_cases, "dotProductAttention": dpa_cases, "multiHeadAttention": mha_cases, "attention": attn_cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "attention.json")
with open(path, "w") as f:
    json.dump(out, f)
print(f"wrote {path}: {len(einsum_cases)} einsum, {len(dpa_cases)} dotProductAttention, {len(mha_cases)} MultiHeadAttention, {len(attn_cases)} Attention cases")
