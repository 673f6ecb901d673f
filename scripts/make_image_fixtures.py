"""Writes test/fixtures/image_ops.json: oracle values for src/ops/image.ts (keras.ops.image).

Run with /usr/bin/python3 (Debian's python3-torch 1.13 and python3-numpy).

resize: PyTorch's torch.nn.functional.interpolate (float64, NCHW) where it computes what Keras 3
computes, a NumPy transcription of Keras's NumPy backend (jax.image.resize weights) elsewhere. This
script checks the transcription against PyTorch on every case where both apply, so the mapping below
is verified, not assumed:
  - Keras "bilinear" (antialias False)  == torch "bilinear", align_corners=False, antialias=False
  - Keras "bilinear", antialias True   == torch "bilinear", align_corners=False, antialias=True
  - Keras "bicubic" upsampling (either) == torch "bicubic", align_corners=False, antialias=True
    (torch's antialiased path uses Keys a=-0.5 and renormalizes at the borders as Keras does; its
    plain bicubic uses a=-0.75 with clamped borders: a different function)
  - Keras "bicubic" downsampling, antialias True == torch "bicubic", antialias=True
  - Keras "nearest"                      == torch "nearest-exact" (half-pixel centres)
  - no torch equivalent: bicubic downsampling without antialias, lanczos3/5, and the
    crop/pad-to-aspect-ratio steps (transcription only).
affine_transform: Keras's NumPy backend transcribed (the coordinate swap, then the input padded by
the fill mode and sampled there, as keras/src/backend/numpy/image.py does; SciPy's map_coordinates,
which it calls on the padded array with every point inside, is written out as plain linear / nearest
sampling, since SciPy is not among Debian's packages here).
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.RandomState(11)


def t(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "values": a.ravel().tolist()}


# --- Keras NumPy backend, transcribed -----------------------------------------------------------

def triangle(x):
    return np.maximum(0, 1 - np.abs(x))


def keys_cubic(x):
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return np.where(x >= 2.0, 0.0, out)


def lanczos(radius):
    def k(x):
        y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
        out = np.where(x > 1e-3, np.divide(y, np.where(x != 0, np.pi**2 * x**2, 1)), 1)
        return np.where(x > radius, 0.0, out)
    return k


KERNELS = {"bilinear": triangle, "bicubic": keys_cubic, "lanczos3": lanczos(3.0), "lanczos5": lanczos(5.0)}


def weight_mat(m, n, kernel, antialias):
    scale = n / m
    inv = 1.0 / scale
    kscale = max(inv, 1.0) if antialias else 1.0
    sample = (np.arange(n, dtype=np.float64) + 0.5) * inv - 0.5
    x = np.abs(sample[None, :] - np.arange(m, dtype=np.float64)[:, None]) / kscale
    w = kernel(x)
    tot = np.sum(w, axis=0, keepdims=True)
    w = np.where(np.abs(tot) > 1000.0 * np.finfo(np.float32).eps, np.divide(w, np.where(tot != 0, tot, 1)), 0)
    return np.where(np.logical_and(sample >= -0.5, sample <= m - 0.5)[None, :], w, 0)


def keras_resize(x, size, method, antialias=False, crop=False, pad=False, fill_value=0.0):
    """x: NHWC float64."""
    th, tw = size
    b, h, w, c = x.shape
    if crop:
        ch = max(min(h, int(float(w * th) / tw)), 1)
        cw = max(min(w, int(float(h * tw) / th)), 1)
        hs, ws = int(float(h - ch) / 2), int(float(w - cw) / 2)
        x = x[:, hs:hs + ch, ws:ws + cw, :]
    elif pad:
        ph = max(h, int(float(w * th) / tw))
        pw = max(w, int(float(h * tw) / th))
        hs, ws = int(float(ph - h) / 2), int(float(pw - w) / 2)
        if hs > 0:
            f = np.ones((b, hs, w, c)) * fill_value
            x = np.concatenate([f, x, f], axis=1)
        elif ws > 0:
            f = np.ones((b, h, ws, c)) * fill_value
            x = np.concatenate([f, x, f], axis=2)
    out_shape = (x.shape[0], th, tw, x.shape[3])
    if method == "nearest":
        for d in (1, 2):
            m, n = x.shape[d], out_shape[d]
            if m == n:
                continue
            off = np.floor((np.arange(n, dtype=np.float32) + 0.5) * m / n).astype(np.int32)
            x = np.take(x, off, axis=d)
        return x
    for d in (1, 2):
        m, n = x.shape[d], out_shape[d]
        if m == n:
            continue
        wm = weight_mat(m, n, KERNELS[method], antialias)
        x = np.moveaxis(np.tensordot(x, wm, axes=(d, 0)), -1, d)
    return x


def keras_affine(images, transform, interpolation, fill_mode, fill_value):
    """images NHWC float64, transform [B, 8] (Keras's numpy backend, transcribed)."""
    order = {"nearest": 0, "bilinear": 1}[interpolation]
    transform = transform.copy()
    b = images.shape[0]
    meshgrid = np.meshgrid(*[np.arange(s) for s in images.shape[1:]], indexing="ij")
    indices = np.concatenate([np.expand_dims(m, -1) for m in meshgrid], axis=-1)
    indices = np.tile(indices, (b, 1, 1, 1, 1))
    a0, a2, b1, b2 = transform[:, 0].copy(), transform[:, 2].copy(), transform[:, 4].copy(), transform[:, 5].copy()
    transform[:, 0], transform[:, 2], transform[:, 4], transform[:, 5] = b1, b2, a0, a2
    transform = np.pad(transform, [[0, 0], [0, 1]], constant_values=1).reshape(b, 3, 3)
    offset = np.pad(transform[:, 0:2, 2].copy(), [[0, 0], [0, 1]])
    transform[:, 0:2, 2] = 0
    coords = np.einsum("Bhwij, Bjk -> Bhwik", indices, transform)
    coords = np.moveaxis(coords, -1, 1) + np.reshape(offset, (*offset.shape, 1, 1, 1))
    out = []
    for i in range(b):
        inp, cs = images[i], coords[i]
        padding = [(max(-np.floor(c.min()).astype(int) + 1, 0), max(np.ceil(c.max()).astype(int) + 1 - s, 0)) for c, s in zip(cs, inp.shape)]
        shifted = [c + p[0] for p, c in zip(padding, cs)]
        pad_mode = {"nearest": "edge", "mirror": "reflect", "reflect": "symmetric"}.get(fill_mode, fill_mode)
        if fill_mode == "constant":
            padded = np.pad(inp, padding, mode=pad_mode, constant_values=fill_value)
        else:
            padded = np.pad(inp, padding, mode=pad_mode)
        out.append(sample(padded, shifted, order))
    return np.stack(out)


def sample(arr, coords, order):
    """map_coordinates(arr, coords, order) for points inside arr (order 0: nearest, 1: linear)."""
    if order == 0:
        idx = tuple(np.clip(np.round(c).astype(int), 0, s - 1) for c, s in zip(coords, arr.shape))
        return arr[idx]
    lows = [np.floor(c).astype(int) for c in coords]
    fracs = [c - lo for c, lo in zip(coords, lows)]
    out = np.zeros(coords[0].shape)
    for corner in np.ndindex(*([2] * len(coords))):
        wgt = np.ones(coords[0].shape)
        idx = []
        for d, bit in enumerate(corner):
            wgt = wgt * (fracs[d] if bit else 1 - fracs[d])
            idx.append(np.clip(lows[d] + bit, 0, arr.shape[d] - 1))
        out = out + wgt * arr[tuple(idx)]
    return out


def torch_resize(x, size, mode, antialias):
    xt = torch.tensor(np.transpose(x, (0, 3, 1, 2)))
    kw = {} if mode == "nearest-exact" else {"align_corners": False, "antialias": antialias}
    y = F.interpolate(xt, size=tuple(size), mode=mode, **kw)
    return np.transpose(y.numpy(), (0, 2, 3, 1))


# --- cases ------------------------------------------------------------------------------------------

resize_cases = []
x_small = rng.uniform(0, 1, size=(2, 5, 7, 3))
x_big = rng.uniform(0, 1, size=(2, 12, 10, 2))
TORCH_MATCHES = [
    # (x, size, keras method, keras antialias, torch mode, torch antialias)
    (x_small, [9, 12], "bilinear", False, "bilinear", False),
    (x_big, [5, 4], "bilinear", False, "bilinear", False),
    (x_big, [5, 4], "bilinear", True, "bilinear", True),
    (x_big, [7, 3], "bilinear", True, "bilinear", True),
    (x_small, [11, 9], "bicubic", False, "bicubic", True),
    (x_small, [11, 9], "bicubic", True, "bicubic", True),
    (x_big, [5, 4], "bicubic", True, "bicubic", True),
    (x_small, [9, 12], "nearest", False, "nearest-exact", False),
    (x_big, [5, 7], "nearest", False, "nearest-exact", False),
]
for x, size, method, aa, tmode, taa in TORCH_MATCHES:
    y = torch_resize(x, size, tmode, taa)
    ref = keras_resize(x, size, method, antialias=aa)
    assert np.allclose(y, ref, atol=1e-12), f"torch {tmode} aa={taa} differs from Keras {method} aa={aa}: {np.abs(y - ref).max()}"
    case = {"x": t(x), "size": size, "options": {"interpolation": method, "antialias": aa}, "expected": t(y), "oracle": f"torch {tmode} antialias={taa}"}
    if method == "bilinear":
        # gradient of sum(resize(x) * w) with respect to x, from torch
        wgt = rng.uniform(-1, 1, size=y.shape)
        xt = torch.tensor(np.transpose(x, (0, 3, 1, 2)), requires_grad=True)
        yt = F.interpolate(xt, size=tuple(size), mode="bilinear", align_corners=False, antialias=taa)
        (yt * torch.tensor(np.transpose(wgt, (0, 3, 1, 2)))).sum().backward()
        case["w"] = t(wgt)
        case["grad"] = t(np.transpose(xt.grad.numpy(), (0, 2, 3, 1)))
    resize_cases.append(case)

# where torch computes something else: the transcription alone
TRANSCRIPTION_ONLY = [
    (x_big, [5, 4], {"interpolation": "bicubic", "antialias": False}),
    (x_big, [5, 4], {"interpolation": "lanczos3", "antialias": True}),
    (x_small, [8, 8], {"interpolation": "lanczos5"}),
    (x_small, [4, 4], {"cropToAspectRatio": True}),
    (x_big, [6, 8], {"cropToAspectRatio": True, "interpolation": "bicubic"}),
    (x_small, [4, 4], {"padToAspectRatio": True, "fillValue": 0.5}),
    (x_big, [3, 6], {"padToAspectRatio": True}),
]
for x, size, opts in TRANSCRIPTION_ONLY:
    y = keras_resize(x, size, opts.get("interpolation", "bilinear"), antialias=opts.get("antialias", False),
                     crop=opts.get("cropToAspectRatio", False), pad=opts.get("padToAspectRatio", False),
                     fill_value=opts.get("fillValue", 0.0))
    resize_cases.append({"x": t(x), "size": size, "options": opts, "expected": t(y), "oracle": "numpy transcription"})

# differences that are expected (documented in the test): torch's plain bicubic is another function
y_keras = keras_resize(x_small, [11, 9], "bicubic")
y_torch_plain = torch_resize(x_small, [11, 9], "bicubic", False)
bicubic_plain_gap = float(np.abs(y_keras - y_torch_plain).max())
assert bicubic_plain_gap > 1e-3

affine_cases = []
img = rng.uniform(0, 1, size=(3, 7, 9, 2))


def rot(deg, h, w, tx=0.0, ty=0.0, s=1.0):
    a = np.deg2rad(deg)
    cx, cy = 0.5 * (w - 1), 0.5 * (h - 1)
    a0, a1 = s * np.cos(a), -s * np.sin(a)
    b0, b1 = s * np.sin(a), s * np.cos(a)
    return [a0, a1, tx + cx - cx * a0 - cy * a1, b0, b1, ty + cy - cx * b0 - cy * b1, 0, 0]


transforms = np.array([
    rot(23.7, 7, 9),
    rot(-61.3, 7, 9, tx=1.37, ty=-2.21, s=1.13),
    [0.77, 0.0, 0.93, 0.0, 1.31, -1.17, 0, 0],  # zoom + translation
], dtype=np.float64)
for interpolation in ("bilinear", "nearest"):
    for fill_mode in ("constant", "nearest", "wrap", "mirror", "reflect"):
        fill_value = 0.25 if fill_mode == "constant" else 0.0
        y = keras_affine(img.copy(), transforms.astype(np.float32).astype(np.float64), interpolation, fill_mode, fill_value)
        affine_cases.append({"x": t(img), "transform": t(transforms.astype(np.float32)), "options": {"interpolation": interpolation, "fillMode": fill_mode, "fillValue": fill_value}, "expected": t(y)})

out = {
    "note": "made by scripts/make_image_fixtures.py; see its docstring for which oracle each case uses",
    "resize": resize_cases,
    "bicubic_plain_torch_gap": bicubic_plain_gap,
    "affine": affine_cases,
}
path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "image_ops.json")
with open(path, "w") as f:
    json.dump(out, f)
print(f"wrote {path}: {len(resize_cases)} resize cases, {len(affine_cases)} affine cases; torch plain bicubic differs by {bicubic_plain_gap:.3g}")
