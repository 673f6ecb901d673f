"""Writes test/fixtures/layers/*.json: PyTorch forward outputs for the built-in layers.

Each case names a layer (class, positional args, camelCase options as the TypeScript constructor
takes them), an input (channels_last unless the case says otherwise), the layer's weights in Keras
layouts (Dense kernel (in, out); Conv kernels (*k, in, out); transposed from PyTorch's layouts
here), and the output PyTorch computes in float64 from the same float32 values. Padding 'same'
follows TensorFlow (the extra row/column goes after), built from explicit F.pad calls.

BatchNormalization in training mode also records Keras's moving statistics after the step:
moving = moving * momentum + batch * (1 - momentum), with the *biased* batch variance (PyTorch's
own running_var uses the unbiased one, so it is not used as the oracle).

Gradients: every input and weight drawn here is a leaf that autograd follows, so each case also
records the gradients of sum(y * w) (w a fixed weighting, cos-based, stored as `w`) with respect to
the input (`gradInput`) and to each weight (`gradWeights`, null where the output does not depend on
it, as BatchNormalization's moving statistics in training mode).

Run with `/usr/bin/python3 scripts/make_layer_fixtures.py`.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'layers')


def rand(*shape, scale=1.0):
    """float32 values, returned as float64 for the oracle (same numbers)."""
    return (torch.randn(*shape, dtype=torch.float32) * scale).to(torch.float64).requires_grad_(True)


def enc(t):
    t = t.detach().to(torch.float64).contiguous()
    return {'shape': list(t.shape), 'values': [float(v) for v in t.reshape(-1)]}


def case(name, layer, init, options, x, weights, y, **extra):
    c = {'name': name, 'layer': layer, 'init': init, 'options': options, 'input': enc(x),
         'weights': [enc(w) for w in weights], 'output': enc(y)}
    # a fixed weighting (no draw from the generator, so the values above stay as they were)
    w = (torch.cos(torch.arange(y.numel(), dtype=torch.float64) * 0.37) + 1.25).reshape(y.shape)
    wrt = [x, *weights]
    assert all(t.requires_grad for t in wrt), f'{name}: an input or weight is outside the autograd graph'
    grads = torch.autograd.grad((y * w).sum(), wrt, allow_unused=True, retain_graph=True)
    c['w'] = enc(w)
    assert grads[0] is not None, f'{name}: the output does not depend on the input object given (compute y from it)'
    c['gradInput'] = enc(grads[0])
    c['gradWeights'] = [None if g is None else enc(g) for g in grads[1:]]
    c.update(extra)
    return c


def nhwc(t):
    return t.permute(0, 3, 1, 2)


def to_nhwc(t):
    return t.permute(0, 2, 3, 1)


def same_pads(n, k, s, d=1):
    """TensorFlow's 'same' padding of one axis: (before, after)."""
    eff = (k - 1) * d + 1
    out = -(-n // s)
    total = max((out - 1) * s + eff - n, 0)
    return total // 2, total - total // 2


# --- Dense --------------------------------------------------------------------------------------

def dense_cases():
    cases = []
    x = rand(4, 5)
    lin = torch.nn.Linear(5, 3).double()
    w, b = lin.weight.detach(), lin.bias.detach()
    w, b = w.float().double(), b.float().double()
    k = w.T.clone().requires_grad_(True)  # the Keras kernel (in, out), a leaf for autograd
    b.requires_grad_(True)
    cases.append(case('dense', 'Dense', [3], {}, x, [k, b], F.linear(x, k.T, b)))
    cases.append(case('dense_relu', 'Dense', [3], {'activation': 'relu'}, x, [k, b], F.relu(F.linear(x, k.T, b))))
    x3 = rand(2, 3, 5)
    cases.append(case('dense_3d_no_bias', 'Dense', [3], {'useBias': False}, x3, [k], F.linear(x3, k.T)))
    return cases


# --- Convolutions -------------------------------------------------------------------------------

def conv2d_tf(x_nhwc, kernel_keras, bias, strides, padding, dilation=(1, 1)):
    """Keras Conv2D (channels_last) through PyTorch: kernel (kh, kw, in, out) -> (out, in, kh, kw)."""
    x = nhwc(x_nhwc)
    kh, kw = kernel_keras.shape[0], kernel_keras.shape[1]
    if padding == 'same':
        ph = same_pads(x.shape[2], kh, strides[0], dilation[0])
        pw = same_pads(x.shape[3], kw, strides[1], dilation[1])
        x = F.pad(x, (pw[0], pw[1], ph[0], ph[1]))
    y = F.conv2d(x, kernel_keras.permute(3, 2, 0, 1), bias, stride=strides, dilation=dilation)
    return to_nhwc(y)


def conv_cases():
    cases = []
    # Conv1D: x (n, steps, in), kernel (k, in, out)
    x = rand(2, 7, 3)
    k = rand(3, 3, 4, scale=0.5)
    b = rand(4, scale=0.1)
    xt = x.permute(0, 2, 1)
    wt = k.permute(2, 1, 0)
    y = F.conv1d(xt, wt, b).permute(0, 2, 1)
    cases.append(case('conv1d_valid', 'Conv1D', [4, 3], {}, x, [k, b], y))
    p = same_pads(7, 3, 2)
    y = F.conv1d(F.pad(xt, p), wt, b, stride=2).permute(0, 2, 1)
    cases.append(case('conv1d_same_stride2', 'Conv1D', [4, 3], {'padding': 'same', 'strides': 2}, x, [k, b], y))
    y = F.conv1d(F.pad(xt, (4, 0)), wt, b, dilation=2).permute(0, 2, 1)
    cases.append(case('conv1d_causal_dilated', 'Conv1D', [4, 3], {'padding': 'causal', 'dilationRate': 2}, x, [k, b], y))

    # Conv2D
    x = rand(2, 6, 5, 3)
    k = rand(3, 2, 3, 4, scale=0.5)
    b = rand(4, scale=0.1)
    cases.append(case('conv2d_valid', 'Conv2D', [4, [3, 2]], {}, x, [k, b], conv2d_tf(x, k, b, (1, 1), 'valid')))
    cases.append(case('conv2d_same', 'Conv2D', [4, [3, 2]], {'padding': 'same'}, x, [k, b], conv2d_tf(x, k, b, (1, 1), 'same')))
    cases.append(case('conv2d_same_strides', 'Conv2D', [4, [3, 2]], {'padding': 'same', 'strides': [2, 2]}, x, [k, b],
                      conv2d_tf(x, k, b, (2, 2), 'same')))
    cases.append(case('conv2d_valid_strides_relu', 'Conv2D', [4, [3, 2]], {'strides': [2, 1], 'activation': 'relu'}, x, [k, b],
                      F.relu(conv2d_tf(x, k, b, (2, 1), 'valid'))))
    cases.append(case('conv2d_dilated_same', 'Conv2D', [4, [3, 2]], {'padding': 'same', 'dilationRate': 2}, x, [k, b],
                      conv2d_tf(x, k, b, (1, 1), 'same', (2, 2))))
    xc = nhwc(x)
    y = conv2d_tf(to_nhwc(xc), k, b, (1, 1), 'valid')
    cases.append(case('conv2d_channels_first', 'Conv2D', [4, [3, 2]], {'dataFormat': 'channels_first'}, xc, [k, b], nhwc(y)))

    # Conv2DTranspose: Keras kernel (kh, kw, out, in); PyTorch weight (in, out, kh, kw)
    x = rand(2, 3, 4, 2)
    k = rand(3, 3, 5, 2, scale=0.5)
    b = rand(5, scale=0.1)
    for name, opts, strides, padding, out_pad in [
        ('conv2d_transpose_valid', {}, (1, 1), 'valid', None),
        ('conv2d_transpose_same_s2', {'strides': 2, 'padding': 'same'}, (2, 2), 'same', None),
        ('conv2d_transpose_valid_s2', {'strides': 2}, (2, 2), 'valid', None),
        ('conv2d_transpose_same_s2_outpad', {'strides': 2, 'padding': 'same', 'outputPadding': 1}, (2, 2), 'same', (1, 1)),
    ]:
        y = conv_transpose_tf(x, k, b, strides, padding, out_pad)
        cases.append(case(name, 'Conv2DTranspose', [5, 3], opts, x, [k, b], y))

    # DepthwiseConv2D: Keras kernel (kh, kw, C, mult) -> PyTorch (C * mult, 1, kh, kw), groups = C
    x = rand(2, 5, 6, 3)
    k = rand(3, 3, 3, 2, scale=0.5)
    b = rand(6, scale=0.1)
    wt = k.permute(2, 3, 0, 1).reshape(6, 1, 3, 3)

    def depthwise(xn, strides, padding):
        xx = nhwc(xn)
        if padding == 'same':
            ph, pw = same_pads(xx.shape[2], 3, strides[0]), same_pads(xx.shape[3], 3, strides[1])
            xx = F.pad(xx, (pw[0], pw[1], ph[0], ph[1]))
        return to_nhwc(F.conv2d(xx, wt, b, stride=strides, groups=3))
    cases.append(case('depthwise_conv2d_valid', 'DepthwiseConv2D', [3], {'depthMultiplier': 2}, x, [k, b], depthwise(x, (1, 1), 'valid')))
    cases.append(case('depthwise_conv2d_same_s2', 'DepthwiseConv2D', [3], {'depthMultiplier': 2, 'padding': 'same', 'strides': 2}, x, [k, b],
                      depthwise(x, (2, 2), 'same')))

    # SeparableConv2D: depthwise (kh, kw, C, mult), pointwise (1, 1, C * mult, filters), bias
    pk = rand(1, 1, 6, 4, scale=0.5)
    b4 = rand(4, scale=0.1)
    for name, opts, strides, padding in [('separable_conv2d_valid', {}, (1, 1), 'valid'),
                                         ('separable_conv2d_same', {'padding': 'same'}, (1, 1), 'same')]:
        xx = nhwc(x)
        if padding == 'same':
            ph, pw = same_pads(xx.shape[2], 3, 1), same_pads(xx.shape[3], 3, 1)
            xx = F.pad(xx, (pw[0], pw[1], ph[0], ph[1]))
        d = F.conv2d(xx, wt, None, groups=3)
        y = F.conv2d(d, pk.permute(3, 2, 0, 1), b4)
        cases.append(case(name, 'SeparableConv2D', [4, 3], dict(opts, depthMultiplier=2), x, [k, pk, b4], to_nhwc(y)))
    return cases


def conv_transpose_tf(x_nhwc, k, b, strides, padding, out_pad):
    """Keras/TensorFlow conv2d_transpose: the full transposed convolution, then TF's crop/pad."""
    x = nhwc(x_nhwc)
    w = k.permute(3, 2, 0, 1)  # (in, out, kh, kw)
    full = F.conv_transpose2d(x, w, None, stride=strides)
    outs = []
    for i, n in enumerate(x.shape[2:]):
        kk, s = k.shape[i], strides[i]
        if out_pad is None:
            out = n * s + max(kk - s, 0) if padding == 'valid' else n * s
        else:
            pad = kk // 2 if padding == 'same' else 0
            out = (n - 1) * s + kk - 2 * pad + out_pad[i]
        before = 0 if padding == 'valid' else max((n - 1) * s + kk - out, 0) // 2
        outs.append((out, before))
    (oh, bh), (ow, bw) = outs
    canvas = torch.zeros(full.shape[0], full.shape[1], max(oh + bh, full.shape[2]), max(ow + bw, full.shape[3]), dtype=full.dtype)
    canvas[:, :, :full.shape[2], :full.shape[3]] = full
    y = canvas[:, :, bh:bh + oh, bw:bw + ow] + b.view(1, -1, 1, 1)
    return to_nhwc(y)


# --- Pooling ------------------------------------------------------------------------------------

def pool2d_tf(x_nhwc, pool, strides, padding, mode):
    x = nhwc(x_nhwc)
    if padding == 'same':
        ph, pw = same_pads(x.shape[2], pool[0], strides[0]), same_pads(x.shape[3], pool[1], strides[1])
        pads = (pw[0], pw[1], ph[0], ph[1])
        if mode == 'max':
            y = F.max_pool2d(F.pad(x, pads, value=-math.inf), pool, strides)
        else:
            # TF averages over the cells inside the input only
            s = F.avg_pool2d(F.pad(x, pads), pool, strides)
            c = F.avg_pool2d(F.pad(torch.ones_like(x), pads), pool, strides)
            y = s / c
    else:
        y = (F.max_pool2d if mode == 'max' else F.avg_pool2d)(x, pool, strides)
    return to_nhwc(y)


def pooling_cases():
    cases = []
    x = rand(2, 5, 6, 3)
    for mode, cls in [('max', 'MaxPooling2D'), ('avg', 'AveragePooling2D')]:
        cases.append(case(f'{cls}_valid', cls, [[2, 2]], {}, x, [], pool2d_tf(x, (2, 2), (2, 2), 'valid', mode)))
        cases.append(case(f'{cls}_same_s1', cls, [[3, 3]], {'strides': 1, 'padding': 'same'}, x, [], pool2d_tf(x, (3, 3), (1, 1), 'same', mode)))
        cases.append(case(f'{cls}_same_s2', cls, [[2, 3]], {'strides': [2, 2], 'padding': 'same'}, x, [], pool2d_tf(x, (2, 3), (2, 2), 'same', mode)))
    x1 = rand(2, 7, 3)
    x1n = x1.unsqueeze(1)  # (n, 1, steps, c): NHWC with a unit height
    for mode, cls in [('max', 'MaxPooling1D'), ('avg', 'AveragePooling1D')]:
        cases.append(case(f'{cls}_valid', cls, [2], {}, x1, [], pool2d_tf(x1n, (1, 2), (1, 2), 'valid', mode).squeeze(1)))
        cases.append(case(f'{cls}_same_s2', cls, [3], {'strides': 2, 'padding': 'same'}, x1, [], pool2d_tf(x1n, (1, 3), (1, 2), 'same', mode).squeeze(1)))
    cases.append(case('global_average_pooling2d', 'GlobalAveragePooling2D', [], {}, x, [], x.mean(dim=(1, 2))))
    cases.append(case('global_max_pooling2d', 'GlobalMaxPooling2D', [], {}, x, [], x.amax(dim=(1, 2))))
    cases.append(case('global_average_pooling1d', 'GlobalAveragePooling1D', [], {}, x1, [], x1.mean(dim=1)))
    cases.append(case('global_max_pooling1d', 'GlobalMaxPooling1D', [], {}, x1, [], x1.amax(dim=1)))
    return cases


# --- Normalization ------------------------------------------------------------------------------

def normalization_cases():
    cases = []
    x = rand(4, 3, 3, 2, scale=2.0) + 0.5
    gamma = rand(2, scale=0.5) + 1
    beta = rand(2, scale=0.5)
    mm = rand(2, scale=0.3)
    mv = rand(2, scale=0.3).abs() + 0.5
    eps = 1e-3
    # inference: F.batch_norm cannot differentiate through running statistics, so the formula
    y = (x - mm) / torch.sqrt(mv + eps) * gamma + beta
    cases.append(case('batch_norm_inference', 'BatchNormalization', [], {}, x, [gamma, beta, mm, mv], y, training=False))
    y = to_nhwc(F.batch_norm(nhwc(x), None, None, gamma, beta, training=True, eps=eps))
    bm = x.mean(dim=(0, 1, 2))
    bv = x.var(dim=(0, 1, 2), unbiased=False)
    m = 0.99
    cases.append(case('batch_norm_training', 'BatchNormalization', [], {}, x, [gamma, beta, mm, mv], y, training=True,
                      movingMean=enc(mm * m + bm * (1 - m)), movingVariance=enc(mv * m + bv * (1 - m))))
    # channels_first features (axis 1), a different momentum
    xc = nhwc(x)
    y = F.batch_norm(xc, None, None, gamma, beta, training=True, eps=eps)
    cases.append(case('batch_norm_training_axis1', 'BatchNormalization', [], {'axis': 1, 'momentum': 0.9}, xc, [gamma, beta, mm, mv], y,
                      training=True, movingMean=enc(mm * 0.9 + bm * 0.1), movingVariance=enc(mv * 0.9 + bv * 0.1)))
    x2 = rand(3, 4, 5, scale=2.0)
    g = rand(5, scale=0.5) + 1
    bb = rand(5, scale=0.5)
    cases.append(case('layer_norm', 'LayerNormalization', [], {}, x2, [g, bb], F.layer_norm(x2, (5,), g, bb, eps=1e-3)))
    g2 = rand(4, 5, scale=0.5) + 1
    b2 = rand(4, 5, scale=0.5)
    cases.append(case('layer_norm_two_axes', 'LayerNormalization', [], {'axis': [1, 2], 'epsilon': 1e-5}, x2, [g2, b2],
                      F.layer_norm(x2, (4, 5), g2, b2, eps=1e-5)))
    return cases


# --- Reshaping ----------------------------------------------------------------------------------

def reshaping_cases():
    cases = []
    x = rand(2, 3, 4, 2)
    xn = nhwc(x)
    cases.append(case('up_sampling2d_nearest', 'UpSampling2D', [[2, 3]], {}, x, [], to_nhwc(F.interpolate(xn, scale_factor=(2, 3), mode='nearest'))))
    cases.append(case('up_sampling2d_bilinear', 'UpSampling2D', [[2, 3]], {'interpolation': 'bilinear'}, x, [],
                      to_nhwc(F.interpolate(xn, scale_factor=(2, 3), mode='bilinear', align_corners=False))))
    cases.append(case('up_sampling2d_bilinear_cf', 'UpSampling2D', [2], {'interpolation': 'bilinear', 'dataFormat': 'channels_first'}, xn, [],
                      F.interpolate(xn, scale_factor=(2, 2), mode='bilinear', align_corners=False)))
    x1 = rand(2, 3, 4)
    cases.append(case('up_sampling1d', 'UpSampling1D', [3], {}, x1, [],
                      F.interpolate(x1.permute(0, 2, 1), scale_factor=3, mode='nearest').permute(0, 2, 1)))
    cases.append(case('zero_padding2d', 'ZeroPadding2D', [[[1, 2], [0, 3]]], {}, x, [], to_nhwc(F.pad(xn, (0, 3, 1, 2)))))
    cases.append(case('zero_padding1d', 'ZeroPadding1D', [[2, 1]], {}, x1, [], F.pad(x1.permute(0, 2, 1), (2, 1)).permute(0, 2, 1)))
    cases.append(case('cropping2d', 'Cropping2D', [[[1, 0], [1, 2]]], {}, x, [], x[:, 1:, 1:-2, :]))
    cases.append(case('cropping1d', 'Cropping1D', [[1, 1]], {}, x1, [], x1[:, 1:-1, :]))
    return cases


# --- Activation layers --------------------------------------------------------------------------

def activation_cases():
    cases = []
    x = rand(2, 3, 4, 3, scale=2.0)
    alpha = rand(1, 1, 3, scale=0.3).abs()
    y = to_nhwc(F.prelu(nhwc(x), alpha.reshape(3)))
    cases.append(case('prelu_shared', 'PReLU', [], {'sharedAxes': [1, 2]}, x, [alpha], y))
    a2 = rand(3, 4, 3, scale=0.3)
    cases.append(case('prelu_full', 'PReLU', [], {}, x, [a2], torch.where(x >= 0, x, a2 * x)))
    cases.append(case('elu', 'ELU', [0.7], {}, x, [], F.elu(x, alpha=0.7)))
    cases.append(case('leaky_relu_default', 'LeakyReLU', [], {}, x, [], F.leaky_relu(x, 0.3)))
    cases.append(case('leaky_relu_0.1', 'LeakyReLU', [0.1], {}, x, [], F.leaky_relu(x, 0.1)))
    cases.append(case('softmax', 'Softmax', [], {}, x, [], F.softmax(x, dim=-1)))
    cases.append(case('softmax_axis1', 'Softmax', [1], {}, x, [], F.softmax(x, dim=1)))
    cases.append(case('relu_options', 'ReLU', [], {'maxValue': 1.5, 'negativeSlope': 0.1, 'threshold': 0.2}, x, [],
                      torch.clamp(torch.where(x >= 0.2, x, 0.1 * (x - 0.2)), max=1.5)))
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    groups = {
        'core': dense_cases(),
        'convolutional': conv_cases(),
        'pooling': pooling_cases(),
        'normalization': normalization_cases(),
        'reshaping': reshaping_cases(),
        'activations': activation_cases(),
    }
    for name, cases in groups.items():
        path = os.path.join(OUT, f'{name}.json')
        with open(path, 'w') as f:
            json.dump({'generator': 'scripts/make_layer_fixtures.py', 'torch': torch.__version__, 'cases': cases}, f, separators=(',', ':'))
        print(f'{path}: {len(cases)} cases, {os.path.getsize(path)} bytes')


if __name__ == '__main__':
    main()
