"""Writes test/fixtures/layers/layers3d.json: oracles for the 3-D convolutions and pools, the 1-D
transposed/depthwise/separable convolutions, GroupNormalization (torch.nn.functional.group_norm),
UnitNormalization, RMSNormalization, the 3-D reshaping layers and ConvLSTM1D/2D/3D.

Same case format as scripts/make_layer_fixtures.py (whose helpers it uses): the layer, its
positional arguments and options, the input (channels_last unless the case says otherwise), the
weights in Keras layouts, the output computed in float64 from the same float32 values, and the
gradients of sum(y * w) with respect to the input and every weight from PyTorch autograd.
'same' padding follows TensorFlow (the extra cell goes after), built from explicit F.pad calls.

ConvLSTM: the output oracle is a float64 NumPy transcription of Keras 3's ConvLSTMCell
(keras/src/layers/rnn/conv_lstm.py: gates i, f, c, o from conv(x, kernel) + bias +
conv_same(h, recurrent_kernel), c' = sigmoid(f) c + sigmoid(i) tanh(c~), h' = sigmoid(o) tanh(c'));
a PyTorch transcription of the same cell, checked here to agree with it to 1e-12, gives the gradients.

Run with `/usr/bin/python3 scripts/make_layers3d_fixtures.py`.
"""
import itertools
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from make_layer_fixtures import case, rand, same_pads  # noqa: E402

torch.manual_seed(31337)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'layers')


def cf(t):
    """channels_last -> channels_first, any rank."""
    return t.permute(0, t.dim() - 1, *range(1, t.dim() - 1))


def cl(t):
    """channels_first -> channels_last, any rank."""
    return t.permute(0, *range(2, t.dim()), 1)


def tf_pad(x_cf, ks, strides, dil, value=0.0):
    """TensorFlow's 'same' padding of every spatial axis of a channels_first tensor."""
    pads = []
    for i in reversed(range(len(ks))):
        pads += list(same_pads(x_cf.shape[2 + i], ks[i], strides[i], dil[i]))
    return F.pad(x_cf, pads, value=value)


CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def conv_tf(x_cl, k, b, strides, padding, dil=None, groups=1):
    """Keras conv (channels_last), kernel (*k, in/groups, out) -> PyTorch (out, in/groups, *k)."""
    nd = x_cl.dim() - 2
    dil = dil or [1] * nd
    x = cf(x_cl)
    if padding == 'same':
        x = tf_pad(x, k.shape[:nd], strides, dil)
    w = k.permute(nd + 1, nd, *range(nd))
    return cl(CONV[nd](x, w, b, stride=strides, dilation=dil, groups=groups))


def conv_transpose_tf(x_cl, k, b, strides, padding, out_pad):
    """Keras conv_transpose: PyTorch's full transposed convolution, then TensorFlow's crop/pad."""
    nd = x_cl.dim() - 2
    x = cf(x_cl)
    w = k.permute(nd + 1, nd, *range(nd))  # (in, out, *k)
    full = CONV_T[nd](x, w, None, stride=strides)
    crops = []
    for i, n in enumerate(x.shape[2:]):
        kk, s = k.shape[i], strides[i]
        if out_pad is None:
            out = n * s + max(kk - s, 0) if padding == 'valid' else n * s
        else:
            pad = kk // 2 if padding == 'same' else 0
            out = (n - 1) * s + kk - 2 * pad + out_pad[i]
        before = 0 if padding == 'valid' else max((n - 1) * s + kk - out, 0) // 2
        crops.append((out, before))
    size = [max(o + bf, full.shape[2 + i]) for i, (o, bf) in enumerate(crops)]
    canvas = torch.zeros(*full.shape[:2], *size, dtype=full.dtype)
    canvas[(slice(None), slice(None), *[slice(0, d) for d in full.shape[2:]])] = full
    y = canvas[(slice(None), slice(None), *[slice(bf, bf + o) for o, bf in crops])] + b.view(1, -1, *[1] * nd)
    return cl(y)


def pool_tf(x_cl, pool, strides, padding, mode):
    nd = x_cl.dim() - 2
    x = cf(x_cl)
    mp = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[nd]
    ap = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[nd]
    if padding == 'same':
        if mode == 'max':
            y = mp(tf_pad(x, pool, strides, [1] * nd, -math.inf), pool, strides)
        else:
            # TensorFlow averages over the cells inside the input only
            y = ap(tf_pad(x, pool, strides, [1] * nd), pool, strides) / ap(tf_pad(torch.ones_like(x), pool, strides, [1] * nd), pool, strides)
    else:
        y = (mp if mode == 'max' else ap)(x, pool, strides)
    return cl(y)


# --- 3-D convolutions and pools --------------------------------------------------------------------

def conv3d_cases():
    cases = []
    x = rand(1, 4, 5, 4, 3)
    k = rand(2, 3, 2, 3, 4, scale=0.5)
    b = rand(4, scale=0.1)
    cases.append(case('conv3d_valid', 'Conv3D', [4, [2, 3, 2]], {}, x, [k, b], conv_tf(x, k, b, [1, 1, 1], 'valid')))
    cases.append(case('conv3d_same_s2', 'Conv3D', [4, [2, 3, 2]], {'padding': 'same', 'strides': 2}, x, [k, b], conv_tf(x, k, b, [2, 2, 2], 'same')))
    cases.append(case('conv3d_same_dilated_relu', 'Conv3D', [4, [2, 3, 2]], {'padding': 'same', 'dilationRate': [2, 1, 2], 'activation': 'relu'}, x, [k, b],
                      F.relu(conv_tf(x, k, b, [1, 1, 1], 'same', [2, 1, 2]))))
    xc = cf(x)
    y = conv_tf(cl(xc), k, b, [1, 2, 1], 'valid')
    cases.append(case('conv3d_channels_first_strides', 'Conv3D', [4, [2, 3, 2]], {'dataFormat': 'channels_first', 'strides': [1, 2, 1]}, xc, [k, b], cf(y)))
    x4 = rand(1, 3, 3, 4, 4)
    kg = rand(2, 2, 2, 2, 6, scale=0.5)
    bg = rand(6, scale=0.1)
    cases.append(case('conv3d_groups', 'Conv3D', [6, 2], {'groups': 2}, x4, [kg, bg], conv_tf(x4, kg, bg, [1, 1, 1], 'valid', groups=2)))

    # Conv3DTranspose: Keras kernel (kd, kh, kw, out, in)
    xt = rand(1, 2, 3, 2, 3)
    kt = rand(3, 2, 3, 4, 3, scale=0.5)
    bt = rand(4, scale=0.1)
    for name, opts, strides, padding, out_pad in [
        ('conv3d_transpose_valid', {}, (1, 1, 1), 'valid', None),
        ('conv3d_transpose_same_s2', {'strides': 2, 'padding': 'same'}, (2, 2, 2), 'same', None),
        ('conv3d_transpose_valid_s122', {'strides': [1, 2, 2]}, (1, 2, 2), 'valid', None),
        ('conv3d_transpose_same_s2_outpad', {'strides': 2, 'padding': 'same', 'outputPadding': [0, 1, 1]}, (2, 2, 2), 'same', (0, 1, 1)),
    ]:
        cases.append(case(name, 'Conv3DTranspose', [4, [3, 2, 3]], opts, xt, [kt, bt], conv_transpose_tf(xt, kt, bt, strides, padding, out_pad)))
    return cases


def pool3d_cases():
    cases = []
    x = rand(1, 4, 5, 6, 2)
    for mode, cls in [('max', 'MaxPooling3D'), ('avg', 'AveragePooling3D')]:
        cases.append(case(f'{cls}_valid', cls, [[2, 2, 2]], {}, x, [], pool_tf(x, (2, 2, 2), (2, 2, 2), 'valid', mode)))
        cases.append(case(f'{cls}_same_s1', cls, [[3, 2, 3]], {'strides': 1, 'padding': 'same'}, x, [], pool_tf(x, (3, 2, 3), (1, 1, 1), 'same', mode)))
        cases.append(case(f'{cls}_same_s2', cls, [[2, 3, 3]], {'strides': [2, 2, 2], 'padding': 'same'}, x, [], pool_tf(x, (2, 3, 3), (2, 2, 2), 'same', mode)))
        xc = cf(x)
        y = pool_tf(cl(xc), (2, 2, 3), (1, 2, 2), 'valid', mode)
        cases.append(case(f'{cls}_channels_first', cls, [[2, 2, 3]], {'strides': [1, 2, 2], 'dataFormat': 'channels_first'}, xc, [], cf(y)))
    cases.append(case('global_average_pooling3d', 'GlobalAveragePooling3D', [], {}, x, [], x.mean(dim=(1, 2, 3))))
    cases.append(case('global_max_pooling3d', 'GlobalMaxPooling3D', [], {}, x, [], x.amax(dim=(1, 2, 3))))
    xc = cf(x)
    cases.append(case('global_max_pooling3d_cf_keepdims', 'GlobalMaxPooling3D', [], {'dataFormat': 'channels_first', 'keepdims': True}, xc, [],
                      xc.amax(dim=(2, 3, 4), keepdim=True)))
    return cases


# --- 1-D transposed, depthwise and separable convolutions -----------------------------------------

def conv1d_cases():
    cases = []
    x = rand(2, 5, 3)
    k = rand(3, 4, 3, scale=0.5)  # (k, out, in)
    b = rand(4, scale=0.1)
    for name, opts, strides, padding, out_pad in [
        ('conv1d_transpose_valid', {}, (1,), 'valid', None),
        ('conv1d_transpose_same_s2', {'strides': 2, 'padding': 'same'}, (2,), 'same', None),
        ('conv1d_transpose_valid_s3', {'strides': 3}, (3,), 'valid', None),
        ('conv1d_transpose_valid_s2_outpad', {'strides': 2, 'outputPadding': 1}, (2,), 'valid', (1,)),
    ]:
        cases.append(case(name, 'Conv1DTranspose', [4, 3], opts, x, [k, b], conv_transpose_tf(x, k, b, strides, padding, out_pad)))

    # DepthwiseConv1D: Keras kernel (k, C, mult) -> PyTorch (C * mult, 1, k), groups = C
    x = rand(2, 7, 3)
    kd = rand(3, 3, 2, scale=0.5)
    bd = rand(6, scale=0.1)
    wt = kd.permute(1, 2, 0).reshape(6, 1, 3)

    def depthwise(xx, strides, padding, dil=1):
        xc = cf(xx)
        if padding == 'same':
            xc = tf_pad(xc, [3], [strides], [dil])
        return xc, F.conv1d(xc, wt, None, stride=strides, dilation=dil, groups=3)
    _, d = depthwise(x, 1, 'valid')
    cases.append(case('depthwise_conv1d_valid', 'DepthwiseConv1D', [3], {'depthMultiplier': 2}, x, [kd, bd], cl(d + bd.view(1, -1, 1))))
    _, d = depthwise(x, 2, 'same')
    cases.append(case('depthwise_conv1d_same_s2', 'DepthwiseConv1D', [3], {'depthMultiplier': 2, 'padding': 'same', 'strides': 2}, x, [kd, bd],
                      cl(d + bd.view(1, -1, 1))))

    # SeparableConv1D: depthwise (k, C, mult), pointwise (1, C * mult, filters), bias
    pk = rand(1, 6, 4, scale=0.5)
    bp = rand(4, scale=0.1)
    for name, opts, strides, padding, dil in [('separable_conv1d_valid', {}, 1, 'valid', 1),
                                              ('separable_conv1d_same_dilated', {'padding': 'same', 'dilationRate': 2}, 1, 'same', 2),
                                              ('separable_conv1d_same_s2', {'padding': 'same', 'strides': 2}, 2, 'same', 1)]:
        _, d = depthwise(x, strides, padding, dil)
        y = F.conv1d(d, pk.permute(2, 1, 0), bp)
        cases.append(case(name, 'SeparableConv1D', [4, 3], dict(opts, depthMultiplier=2), x, [kd, pk, bp], cl(y)))
    return cases


# --- Normalization ---------------------------------------------------------------------------------

def normalization_cases():
    cases = []
    x = rand(2, 3, 4, 6, scale=2.0) + 0.5
    g = rand(6, scale=0.5) + 1
    bb = rand(6, scale=0.5)
    cases.append(case('group_norm_2_groups', 'GroupNormalization', [], {'groups': 2}, x, [g, bb], cl(F.group_norm(cf(x), 2, g, bb, eps=1e-3))))
    cases.append(case('group_norm_instance', 'GroupNormalization', [], {'groups': -1, 'epsilon': 1e-5}, x, [g, bb], cl(F.group_norm(cf(x), 6, g, bb, eps=1e-5))))
    xc = cf(x)
    cases.append(case('group_norm_axis1', 'GroupNormalization', [], {'groups': 3, 'axis': 1}, xc, [g, bb], F.group_norm(xc, 3, g, bb, eps=1e-3)))
    y = F.group_norm(cf(x), 1, None, None, eps=1e-3)
    cases.append(case('group_norm_1_group_no_affine', 'GroupNormalization', [], {'groups': 1, 'center': False, 'scale': False}, x, [], cl(y)))
    x2 = rand(3, 4, 5, scale=2.0)
    cases.append(case('unit_norm', 'UnitNormalization', [], {}, x2, [], x2 * torch.rsqrt(torch.clamp((x2 * x2).sum(-1, keepdim=True), min=1e-24))))
    cases.append(case('unit_norm_two_axes', 'UnitNormalization', [], {'axis': [1, 2]}, x2, [],
                      x2 * torch.rsqrt(torch.clamp((x2 * x2).sum((1, 2), keepdim=True), min=1e-24))))
    s = rand(5, scale=0.5) + 1
    cases.append(case('rms_norm', 'RMSNormalization', [], {}, x2, [s], x2 * torch.rsqrt((x2 * x2).mean(-1, keepdim=True) + 1e-6) * s))
    s2 = rand(4, 5, scale=0.5) + 1
    cases.append(case('rms_norm_two_axes', 'RMSNormalization', [], {'axis': [1, 2], 'epsilon': 1e-3}, x2, [s2],
                      x2 * torch.rsqrt((x2 * x2).mean((1, 2), keepdim=True) + 1e-3) * s2))
    return cases


# --- 3-D reshaping ---------------------------------------------------------------------------------

def reshaping_cases():
    cases = []
    x = rand(1, 2, 3, 2, 3)
    cases.append(case('zero_padding3d', 'ZeroPadding3D', [[[1, 0], [2, 1], [0, 2]]], {}, x, [], cl(F.pad(cf(x), (0, 2, 2, 1, 1, 0)))))
    xc = cf(x)
    cases.append(case('zero_padding3d_cf', 'ZeroPadding3D', [1], {'dataFormat': 'channels_first'}, xc, [], F.pad(xc, (1, 1, 1, 1, 1, 1))))
    x5 = rand(2, 4, 5, 4, 2)
    cases.append(case('cropping3d', 'Cropping3D', [[[1, 0], [1, 2], [0, 1]]], {}, x5, [], x5[:, 1:, 1:-2, :-1, :]))
    cases.append(case('cropping3d_default', 'Cropping3D', [], {}, x5, [], x5[:, 1:-1, 1:-1, 1:-1, :]))
    up = cf(x).repeat_interleave(2, 2).repeat_interleave(1, 3).repeat_interleave(3, 4)
    cases.append(case('up_sampling3d', 'UpSampling3D', [[2, 1, 3]], {}, x, [], cl(up)))
    cases.append(case('up_sampling3d_cf', 'UpSampling3D', [2], {'dataFormat': 'channels_first'}, xc, [],
                      xc.repeat_interleave(2, 2).repeat_interleave(2, 3).repeat_interleave(2, 4)))
    return cases


# --- ConvLSTM ---------------------------------------------------------------------------------------

def np_conv(x, k, strides, padding, dil):
    """N-D convolution in float64 NumPy, channels_last, Keras kernel (*k, in, out), TF 'same' pads."""
    nd = x.ndim - 2
    ks = k.shape[:nd]
    if padding == 'same':
        pads = [(0, 0)] + [same_pads(x.shape[1 + i], ks[i], strides[i], dil[i]) for i in range(nd)] + [(0, 0)]
        x = np.pad(x, pads)
    out = [(x.shape[1 + i] - ((ks[i] - 1) * dil[i] + 1)) // strides[i] + 1 for i in range(nd)]
    y = np.zeros((x.shape[0], *out, k.shape[-1]))
    for tap in itertools.product(*[range(kk) for kk in ks]):
        sl = tuple(slice(tap[i] * dil[i], tap[i] * dil[i] + (out[i] - 1) * strides[i] + 1, strides[i]) for i in range(nd))
        y += np.einsum('...c,cf->...f', x[(slice(None), *sl)], k[tap])
    return y


def np_conv_lstm(x, kernel, rk, bias, strides, padding, dil, return_sequences):
    """Keras 3's ConvLSTMCell over the time axis, float64 NumPy (states start at zero)."""
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    nd = x.ndim - 3
    h = c = None
    outs = []
    for t in range(x.shape[1]):
        zx = np_conv(x[:, t], kernel, strides, padding, dil) + bias
        if h is None:
            h = np.zeros(zx.shape[:-1] + (rk.shape[-2],))
            c = np.zeros_like(h)
        z = zx + np_conv(h, rk, [1] * nd, 'same', [1] * nd)
        zi, zf, zc, zo = np.split(z, 4, axis=-1)
        c = sig(zf) * c + sig(zi) * np.tanh(zc)
        h = sig(zo) * np.tanh(c)
        outs.append(h)
    return np.stack(outs, 1) if return_sequences else h


def torch_conv_lstm(x, kernel, rk, bias, strides, padding, dil, return_sequences):
    """The same cell in PyTorch float64, for the gradients."""
    nd = x.dim() - 3
    h = c = None
    outs = []
    for t in range(x.shape[1]):
        zx = conv_tf(x[:, t], kernel, bias, strides, padding, dil)
        if h is None:
            h = torch.zeros(*zx.shape[:-1], rk.shape[-2], dtype=torch.float64)
            c = torch.zeros_like(h)
        z = zx + conv_tf(h, rk, None, [1] * nd, 'same')
        zi, zf, zc, zo = torch.split(z, z.shape[-1] // 4, dim=-1)
        c = torch.sigmoid(zf) * c + torch.sigmoid(zi) * torch.tanh(zc)
        h = torch.sigmoid(zo) * torch.tanh(c)
        outs.append(h)
    return torch.stack(outs, 1) if return_sequences else h


def conv_lstm_cases():
    cases = []
    for name, cls, xs, ks, filters, opts in [
        ('conv_lstm2d_same_sequences', 'ConvLSTM2D', (2, 3, 4, 5, 2), (3, 3), 3, {'padding': 'same', 'returnSequences': True}),
        ('conv_lstm2d_valid', 'ConvLSTM2D', (2, 4, 5, 5, 2), (3, 2), 2, {}),
        ('conv_lstm2d_same_strides', 'ConvLSTM2D', (1, 3, 5, 6, 2), (2, 3), 2, {'padding': 'same', 'strides': 2}),
        ('conv_lstm2d_dilated', 'ConvLSTM2D', (1, 3, 6, 6, 1), (2, 2), 2, {'dilationRate': 2, 'returnSequences': True}),
        ('conv_lstm1d_same', 'ConvLSTM1D', (2, 4, 7, 3), (3,), 3, {'padding': 'same'}),
        ('conv_lstm3d_valid', 'ConvLSTM3D', (1, 3, 3, 4, 3, 2), (2, 2, 2), 2, {'returnSequences': True}),
    ]:
        nd = len(ks)
        x = rand(*xs)
        kernel = rand(*ks, xs[-1], 4 * filters, scale=0.4)
        rk = rand(*ks, filters, 4 * filters, scale=0.4)
        bias = rand(4 * filters, scale=0.2)
        strides = [opts.get('strides', 1)] * nd
        dil = [opts.get('dilationRate', 1)] * nd
        padding = opts.get('padding', 'valid')
        seqs = opts.get('returnSequences', False)
        want = np_conv_lstm(*(t.detach().numpy() for t in (x, kernel, rk, bias)), strides, padding, dil, seqs)
        y = torch_conv_lstm(x, kernel, rk, bias, strides, padding, dil, seqs)
        assert np.abs(y.detach().numpy() - want).max() < 1e-12, name
        c = case(name, cls, [filters, list(ks)], opts, x, [kernel, rk, bias], y)
        c['output'] = {'shape': list(want.shape), 'values': [float(v) for v in want.reshape(-1)]}
        cases.append(c)
    return cases


def main():
    cases = conv3d_cases() + pool3d_cases() + conv1d_cases() + normalization_cases() + reshaping_cases() + conv_lstm_cases()
    path = os.path.join(OUT, 'layers3d.json')
    with open(path, 'w') as f:
        json.dump({'generator': 'scripts/make_layers3d_fixtures.py', 'torch': torch.__version__, 'numpy': np.__version__, 'cases': cases}, f,
                  separators=(',', ':'))
    print(f'{path}: {len(cases)} cases, {os.path.getsize(path)} bytes')


if __name__ == '__main__':
    main()
