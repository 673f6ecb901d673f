"""Writes test/fixtures/parity/*.json: PyTorch's forward values and gradients for the parity suite.

Run with `/usr/bin/python3 scripts/make_parity_fixtures.py` (Debian's python3-torch).

Every case holds float32 inputs (drawn with a fixed seed), a fixed float32 weighting `w`, the output
`y = op(inputs)` and the gradients of `sum(y * w)` with respect to each input. PyTorch computes in
float64 from the float32 inputs, so the expected values are exact sums rounded once to float32.
Everything is stored in keras-ts's layouts: images NHWC, conv kernels `[kh, kw, in, out]`,
depthwise kernels `[kh, kw, in, multiplier]`, transposed-conv kernels `[kh, kw, out, in]`;
the script transposes to PyTorch's layouts inside the differentiated graph.

TensorFlow's `same` padding is asymmetric (the extra cell goes after), which PyTorch's `padding=`
cannot express: inputs are padded explicitly with F.pad (zeros for conv, -inf for max pooling), and
`same` average pooling divides by the number of cells inside the input, as TensorFlow does.

Case options use the keyword names of keras-ts's ops (`strides`, `padding`, `dilationRate`, ...).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

OUT_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'parity'))
gen = torch.Generator().manual_seed(20240607)


def randn(*shape, scale=1.0):
    return (torch.randn(*shape, generator=gen, dtype=torch.float32) * scale).double()


def uniform(lo, hi, *shape):
    return (torch.rand(*shape, generator=gen, dtype=torch.float32) * (hi - lo) + lo).double()


def enc(t):
    """Shape and float32 values (9 significant digits identify a float32 exactly)."""
    t = t.detach().to(torch.float32).contiguous()
    vals = t.reshape(-1).tolist()
    for v in vals:
        assert math.isfinite(v), 'fixtures hold finite values only'
    return {'shape': list(t.shape), 'data': [float('%.9g' % v) for v in vals]}


def case(name, op, options, inputs, fn):
    """Runs fn(*inputs) (in the dict's order) in float64 and records y and d sum(y * w) / d input."""
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in inputs.items()}
    y = fn(*leaves.values())
    w = randn(*y.shape)
    grads = torch.autograd.grad((y * w).sum(), list(leaves.values()))
    return {
        'name': name,
        'op': op,
        'options': options,
        'inputs': {k: enc(v) for k, v in inputs.items()},
        'w': enc(w),
        'y': enc(y),
        'grads': {k: enc(g) for k, g in zip(leaves, grads)},
    }


def tf_pad(in_len, k, stride, dilation, padding):
    """TensorFlow's (before, after) padding of one axis."""
    eff = (k - 1) * dilation + 1
    if padding == 'valid':
        return 0, 0
    out = -(-in_len // stride)
    total = max((out - 1) * stride + eff - in_len, 0)
    return total // 2, total - total // 2


def pad_nchw(x, kh, kw, s, d, padding, value=0.0):
    (t, b), (l, r) = tf_pad(x.shape[2], kh, s[0], d[0], padding), tf_pad(x.shape[3], kw, s[1], d[1], padding)
    return F.pad(x, (l, r, t, b), value=value)


def pair(v):
    return list(v) if isinstance(v, (list, tuple)) else [v, v]


nhwc_to_nchw = (0, 3, 1, 2)
nchw_to_nhwc = (0, 2, 3, 1)


# ---------------------------------------------------------------------------------------------

def matmul_cases():
    cases = []
    specs = [
        ('2d', [3, 4], [4, 5], False, False),
        ('transposeA', [4, 3], [4, 5], True, False),
        ('transposeB', [3, 4], [5, 4], False, True),
        ('transposeA_B', [4, 3], [5, 4], True, True),
        ('batch_broadcast', [2, 1, 3, 4], [3, 4, 5], False, False),
        ('batch_broadcast_transposeB', [2, 3, 4], [1, 5, 4], False, True),
        ('vector_matrix', [4], [2, 4, 3], False, False),
        ('matrix_vector', [2, 3, 4], [4], False, False),
    ]
    for name, sa, sb, ta, tb in specs:
        def fn(a, b, ta=ta, tb=tb):
            return torch.matmul(a.transpose(-1, -2) if ta else a, b.transpose(-1, -2) if tb else b)
        cases.append(case(f'matmul/{name}', 'matmul', {'transposeA': ta, 'transposeB': tb},
                          {'a': randn(*sa), 'b': randn(*sb)}, fn))
    return cases


def conv_cases():
    cases = []
    specs = [
        # name, x NHWC, kernel [kh, kw, in, out], strides, padding, dilation
        ('valid_s1', [2, 6, 7, 3], [3, 3, 3, 4], 1, 'valid', 1),
        ('same_s1', [2, 6, 7, 3], [3, 3, 3, 4], 1, 'same', 1),
        ('same_s1_even_kernel', [1, 5, 6, 2], [2, 4, 2, 3], 1, 'same', 1),
        ('valid_s2', [2, 7, 8, 3], [3, 3, 3, 4], 2, 'valid', 1),
        ('same_s2_asymmetric', [2, 8, 7, 3], [3, 3, 3, 4], 2, 'same', 1),
        ('same_s2_even_kernel', [1, 8, 8, 2], [4, 4, 2, 3], 2, 'same', 1),
        ('same_strides_1_2', [1, 6, 7, 2], [3, 2, 2, 3], [1, 2], 'same', 1),
        ('valid_dilation2', [1, 9, 9, 2], [3, 3, 2, 3], 1, 'valid', 2),
        ('same_dilation2', [2, 7, 8, 2], [3, 3, 2, 3], 1, 'same', 2),
        ('same_dilation_2_1', [1, 8, 7, 2], [3, 2, 2, 2], 1, 'same', [2, 1]),
        ('pointwise', [2, 4, 5, 6], [1, 1, 6, 3], 1, 'valid', 1),
    ]
    for name, xs, ks, s, padding, d in specs:
        s2, d2 = pair(s), pair(d)

        def fn(x, kernel, s2=s2, d2=d2, padding=padding, kh=ks[0], kw=ks[1]):
            xn = pad_nchw(x.permute(nhwc_to_nchw), kh, kw, s2, d2, padding)
            y = F.conv2d(xn, kernel.permute(3, 2, 0, 1), stride=s2, dilation=d2)
            return y.permute(nchw_to_nhwc)
        cases.append(case(f'conv2d/{name}', 'conv', {'strides': s, 'padding': padding, 'dilationRate': d},
                          {'x': randn(*xs), 'kernel': randn(*ks, scale=0.5)}, fn))

    # conv1d: [n, steps, c], kernel [k, in, out]
    for name, xs, ks, s, padding, d in [('valid_s1', [2, 9, 3], [3, 3, 4], 1, 'valid', 1),
                                        ('same_s2', [2, 10, 3], [4, 3, 2], 2, 'same', 1),
                                        ('same_dilation2', [1, 9, 2], [3, 2, 3], 1, 'same', 2)]:
        def fn(x, kernel, s=s, d=d, padding=padding, k=ks[0]):
            l, r = tf_pad(x.shape[1], k, s, d, padding)
            xn = F.pad(x.permute(0, 2, 1), (l, r))
            return F.conv1d(xn, kernel.permute(2, 1, 0), stride=s, dilation=d).permute(0, 2, 1)
        cases.append(case(f'conv1d/{name}', 'conv', {'strides': s, 'padding': padding, 'dilationRate': d},
                          {'x': randn(*xs), 'kernel': randn(*ks, scale=0.5)}, fn))
    return cases


def depthwise_cases():
    cases = []
    specs = [
        ('valid_s1_m1', [2, 6, 7, 3], [3, 3, 3, 1], 1, 'valid', 1),
        ('same_s1_m2', [2, 6, 6, 3], [3, 3, 3, 2], 1, 'same', 1),
        ('same_s2_m2', [1, 7, 8, 2], [3, 3, 2, 2], 2, 'same', 1),
        ('valid_s2_m1', [2, 8, 7, 4], [2, 3, 4, 1], 2, 'valid', 1),
        ('same_dilation2_m3', [1, 7, 7, 2], [3, 2, 2, 3], 1, 'same', 2),
    ]
    for name, xs, ks, s, padding, d in specs:
        s2, d2 = pair(s), pair(d)
        c, m = ks[2], ks[3]

        def fn(x, kernel, s2=s2, d2=d2, padding=padding, kh=ks[0], kw=ks[1], c=c, m=m):
            xn = pad_nchw(x.permute(nhwc_to_nchw), kh, kw, s2, d2, padding)
            # [kh, kw, c, m] -> [c * m, 1, kh, kw]: group c owns output channels c*m .. c*m + m - 1
            wt = kernel.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw)
            return F.conv2d(xn, wt, stride=s2, dilation=d2, groups=c).permute(nchw_to_nhwc)
        cases.append(case(f'depthwise_conv2d/{name}', 'depthwiseConv', {'strides': s, 'padding': padding, 'dilationRate': d},
                          {'x': randn(*xs), 'kernel': randn(*ks, scale=0.5)}, fn))
    return cases


def conv_transpose_cases():
    """keras.ops.conv_transpose: the adjoint of a TF-geometry conv whose input has Keras's output shape."""
    cases = []
    specs = [
        # name, x NHWC, kernel [kh, kw, out, in], strides, padding, outputPadding
        ('valid_s2', [2, 3, 4, 3], [3, 3, 2, 3], 2, 'valid', None),
        ('same_s2', [2, 3, 4, 3], [3, 3, 2, 3], 2, 'same', None),
        ('same_s2_even_kernel', [1, 3, 3, 2], [4, 4, 3, 2], 2, 'same', None),
        ('valid_s1', [1, 4, 3, 2], [2, 3, 3, 2], 1, 'valid', None),
        ('same_s2_output_padding0', [1, 4, 3, 2], [3, 3, 2, 2], 2, 'same', 0),
        ('valid_s3_output_padding1', [1, 3, 3, 2], [3, 3, 2, 2], 3, 'valid', 1),
    ]
    for name, xs, ks, s, padding, op in specs:
        def out_len(n, k):
            if padding == 'valid':
                return (n - 1) * s + k + (max(k, s) - k if op is None else op)
            return n * s if op is None else (n - 1) * s + k % 2 + op

        def fn(x, kernel, s=s, padding=padding, kh=ks[0], kw=ks[1]):
            oh, ow = out_len(x.shape[1], kh), out_len(x.shape[2], kw)
            (pt, pb), (pl, pr) = tf_pad(oh, kh, s, 1, padding), tf_pad(ow, kw, s, 1, padding)
            full = F.conv_transpose2d(x.permute(nhwc_to_nchw), kernel.permute(3, 2, 0, 1), stride=s)
            # `full` is the padded conv input's gradient up to the last window; pad it to the padded
            # conv input's size, then drop TF's padding
            ph, pw = oh + pt + pb, ow + pl + pr
            full = F.pad(full, (0, pw - full.shape[3], 0, ph - full.shape[2]))
            return full[:, :, pt:pt + oh, pl:pl + ow].permute(nchw_to_nhwc)
        check_conv_transpose(fn, randn(*xs), randn(*ks), s, padding, out_len)
        cases.append(case(f'conv_transpose2d/{name}', 'convTranspose', {'strides': s, 'padding': padding, 'outputPadding': op},
                          {'x': randn(*xs), 'kernel': randn(*ks, scale=0.5)}, fn))
    return cases


def check_conv_transpose(fn, x, kernel, s, padding, out_len):
    """Cross-checks the F.conv_transpose2d construction against the definition: the gradient, with
    respect to its input z (of Keras's output shape), of <conv(z, kernel), x> for a TF-padded conv."""
    kh, kw = kernel.shape[0], kernel.shape[1]
    z = torch.zeros(x.shape[0], out_len(x.shape[1], kh), out_len(x.shape[2], kw), kernel.shape[2], requires_grad=True)
    zn = pad_nchw(z.permute(nhwc_to_nchw), kh, kw, [s, s], [1, 1], padding)
    y = F.conv2d(zn, kernel.permute(3, 2, 0, 1), stride=s).permute(nchw_to_nhwc)
    assert y.shape == x.shape, (y.shape, x.shape)
    (expected,) = torch.autograd.grad((y * x).sum(), [z])
    assert torch.allclose(fn(x, kernel), expected, rtol=1e-12, atol=1e-12)


def pool_cases():
    cases = []
    specs = [
        ('2x2_valid', [2, 6, 6, 3], [2, 2], None, 'valid'),
        ('3x3_s2_valid', [2, 7, 8, 2], [3, 3], [2, 2], 'valid'),
        ('3x3_s2_same', [2, 7, 8, 2], [3, 3], [2, 2], 'same'),
        ('2x2_s2_same_odd', [1, 5, 5, 3], [2, 2], [2, 2], 'same'),
        ('3x3_s1_same', [1, 5, 6, 2], [3, 3], [1, 1], 'same'),
        ('2x3_s_1_2_same', [1, 6, 7, 2], [2, 3], [1, 2], 'same'),
    ]
    for name, xs, ps, s, padding in specs:
        s2 = ps if s is None else s

        def mx(x, ps=ps, s2=s2, padding=padding):
            xn = pad_nchw(x.permute(nhwc_to_nchw), ps[0], ps[1], s2, [1, 1], padding, value=-math.inf)
            return F.max_pool2d(xn, ps, stride=s2).permute(nchw_to_nhwc)

        def avg(x, ps=ps, s2=s2, padding=padding):
            xn = pad_nchw(x.permute(nhwc_to_nchw), ps[0], ps[1], s2, [1, 1], padding)
            ones = pad_nchw(torch.ones_like(x).permute(nhwc_to_nchw), ps[0], ps[1], s2, [1, 1], padding)
            # mean over the cells inside the input only (TF's `same`)
            return (F.avg_pool2d(xn, ps, stride=s2) / F.avg_pool2d(ones, ps, stride=s2)).permute(nchw_to_nhwc)
        opts = {'poolSize': ps, 'strides': s, 'padding': padding}
        cases.append(case(f'max_pool2d/{name}', 'maxPool', opts, {'x': randn(*xs)}, mx))
        cases.append(case(f'avg_pool2d/{name}', 'averagePool', opts, {'x': randn(*xs)}, avg))

    for name, xs, p, s, padding in [('3_s2_same', [2, 9, 3], 3, 2, 'same'), ('2_valid', [2, 8, 2], 2, None, 'valid')]:
        s1 = p if s is None else s

        def mx1(x, p=p, s1=s1, padding=padding):
            l, r = tf_pad(x.shape[1], p, s1, 1, padding)
            return F.max_pool1d(F.pad(x.permute(0, 2, 1), (l, r), value=-math.inf), p, stride=s1).permute(0, 2, 1)

        def avg1(x, p=p, s1=s1, padding=padding):
            l, r = tf_pad(x.shape[1], p, s1, 1, padding)
            num = F.avg_pool1d(F.pad(x.permute(0, 2, 1), (l, r)), p, stride=s1)
            den = F.avg_pool1d(F.pad(torch.ones_like(x).permute(0, 2, 1), (l, r)), p, stride=s1)
            return (num / den).permute(0, 2, 1)
        opts = {'poolSize': p, 'strides': s, 'padding': padding}
        cases.append(case(f'max_pool1d/{name}', 'maxPool', opts, {'x': randn(*xs)}, mx1))
        cases.append(case(f'avg_pool1d/{name}', 'averagePool', opts, {'x': randn(*xs)}, avg1))
    return cases


def activation_cases():
    cases = []
    for axis in [-1, 0, 1]:
        x = randn(3, 4, 5, scale=2.0)
        cases.append(case(f'softmax/axis{axis}', 'softmax', {'axis': axis}, {'x': x}, lambda x, axis=axis: F.softmax(x, dim=axis)))
        cases.append(case(f'log_softmax/axis{axis}', 'logSoftmax', {'axis': axis}, {'x': x}, lambda x, axis=axis: F.log_softmax(x, dim=axis)))
    unary = [
        ('sigmoid', {}, torch.sigmoid),
        ('tanh', {}, torch.tanh),
        ('gelu_exact', {'approximate': False}, lambda x: F.gelu(x)),
        ('gelu_tanh', {'approximate': True}, lambda x: F.gelu(x, approximate='tanh')),
        ('relu6', {}, F.relu6),
        ('silu', {}, F.silu),
        ('logSigmoid', {}, F.logsigmoid),
        ('hardSigmoid', {}, F.hardsigmoid),
        ('hardSilu', {}, F.hardswish),
        ('celu', {}, lambda x: F.celu(x, alpha=1.0)),
        ('hardTanh', {}, F.hardtanh),
        ('softShrink', {}, lambda x: F.softshrink(x, 0.5)),
        ('hardShrink', {}, lambda x: F.hardshrink(x, 0.5)),
        ('tanhShrink', {}, F.tanhshrink),
    ]
    for name, opts, fn in unary:
        op = 'gelu' if name.startswith('gelu') else name
        # spread wide enough to reach every branch (relu6's 6, hardSigmoid's +-3, saturating tails)
        cases.append(case(f'{name}', op, opts, {'x': randn(4, 6, scale=3.0)}, lambda x, fn=fn: fn(x)))
    for axis in [-1, 0]:
        cases.append(case(f'glu/axis{axis}', 'glu', {'axis': axis}, {'x': randn(4, 6, scale=2.0)}, lambda x, axis=axis: F.glu(x, dim=axis)))
    return cases


def binary_cases():
    cases = []
    shapes = [('same_shape', [3, 4], [3, 4]), ('broadcast_col', [2, 3, 4], [3, 1]), ('broadcast_both', [4, 1, 3], [1, 5, 3]),
              ('scalar_like', [2, 3], [1])]
    for name, sa, sb in shapes:
        cases.append(case(f'add/{name}', 'add', {}, {'a': randn(*sa), 'b': randn(*sb)}, torch.add))
        cases.append(case(f'subtract/{name}', 'subtract', {}, {'a': randn(*sa), 'b': randn(*sb)}, torch.sub))
        cases.append(case(f'multiply/{name}', 'multiply', {}, {'a': randn(*sa), 'b': randn(*sb)}, torch.mul))
        # divisors kept away from 0
        b = uniform(0.5, 2.0, *sb) * torch.sign(randn(*sb))
        cases.append(case(f'divide/{name}', 'divide', {}, {'a': randn(*sa), 'b': b}, torch.div))
        cases.append(case(f'maximum/{name}', 'maximum', {}, {'a': randn(*sa), 'b': randn(*sb)}, torch.maximum))
        cases.append(case(f'minimum/{name}', 'minimum', {}, {'a': randn(*sa), 'b': randn(*sb)}, torch.minimum))
        # a positive base, so the gradient with respect to the exponent is defined
        cases.append(case(f'power/{name}', 'power', {}, {'a': uniform(0.5, 2.0, *sa), 'b': uniform(-2.0, 2.0, *sb)}, torch.pow))
    return cases


# --- native sizes ------------------------------------------------------------------------------
# The cases above are small (<= 60 elements): below MIN_NATIVE_ELEMENTS (256), where the native backend
# hands elementwise kernels to the reference. These are >= 4,096 elements with odd lengths (4111 =
# 4096 + 15: a 15-, 7- and 3-element tail for 16-, 8- and 4-lane SIMD) so that every native unary,
# binary, reduction and softmax kernel meets PyTorch. Inputs are not stored: both sides draw them from
# xorshift32 (exact in float64, rounded once to float32); y and the gradients are stored as base64
# little-endian float32. Written to test/fixtures/parity_native/ (read by test/parity/native_torch.test.ts).

NATIVE_DIR = os.path.normpath(os.path.join(OUT_DIR, '..', 'parity_native'))


def xorshift_tensor(shape, seed, lo, hi):
    """float32 values lo + (hi - lo) * u, u from xorshift32(seed) as src/testing/kernel_test.ts draws them."""
    n = 1
    for d in shape:
        n *= d
    s = seed & 0xffffffff
    out = []
    for _ in range(n):
        s ^= (s << 13) & 0xffffffff
        s ^= s >> 17
        s ^= (s << 5) & 0xffffffff
        out.append(lo + (hi - lo) * (s / 4294967296.0))
    return torch.tensor(out, dtype=torch.float32).reshape(shape).double()


def b64(t):
    import base64
    import numpy as np
    a = t.detach().to(torch.float32).contiguous().numpy().astype('<f4')
    assert np.isfinite(a).all(), 'fixtures hold finite values only'
    return {'shape': list(t.shape), 'b64': base64.b64encode(a.tobytes()).decode('ascii')}


def native_case(name, op, kernel, options, inputs, fn, seed):
    """inputs: {name: (shape, seed, lo, hi)}; w is drawn from xorshift32(seed) in [-1, 1)."""
    leaves = {k: xorshift_tensor(*spec).requires_grad_(True) for k, spec in inputs.items()}
    y = fn(*leaves.values())
    w = xorshift_tensor(list(y.shape), seed, -1.0, 1.0)
    grads = torch.autograd.grad((y * w).sum(), list(leaves.values()))
    return {
        'name': name, 'op': op, 'kernel': kernel, 'options': options,
        'inputs': {k: {'shape': list(spec[0]), 'seed': spec[1], 'lo': spec[2], 'hi': spec[3]} for k, spec in inputs.items()},
        'wSeed': seed, 'y': b64(y), 'grads': {k: b64(g) for k, g in zip(leaves, grads)},
    }


def native_size_cases():
    cases = []
    n = [4111]
    unary = [
        # name, op, kernel, options, lo, hi, torch function
        ('negative', 'negative', 'Neg', {}, -4, 4, torch.neg),
        ('abs', 'abs', 'Abs', {}, -4, 4, torch.abs),
        ('square', 'square', 'Square', {}, -4, 4, torch.square),
        ('sqrt', 'sqrt', 'Sqrt', {}, 0.05, 9, torch.sqrt),
        ('rsqrt', 'rsqrt', 'Rsqrt', {}, 0.05, 9, torch.rsqrt),
        ('reciprocal', 'reciprocal', 'Reciprocal', {}, 0.25, 4, torch.reciprocal),
        ('exp', 'exp', 'Exp', {}, -20, 20, torch.exp),
        ('log', 'log', 'Log', {}, 0.01, 50, torch.log),
        ('tanh', 'tanh', 'Tanh', {}, -6, 6, torch.tanh),
        ('sigmoid', 'sigmoid', 'Sigmoid', {}, -12, 12, torch.sigmoid),
        ('relu', 'relu', 'Relu', {}, -4, 4, torch.relu),
        ('leakyRelu', 'leakyRelu', 'LeakyRelu', {'negativeSlope': 0.15}, -4, 4, lambda x: F.leaky_relu(x, 0.15)),
        ('elu', 'elu', 'Elu', {'alpha': 1.5}, -6, 4, lambda x: F.elu(x, alpha=1.5)),
        ('softplus', 'softplus', 'Softplus', {}, -25, 25, F.softplus),
        ('softsign', 'softsign', 'Softsign', {}, -8, 8, F.softsign),
        ('clip', 'clip', 'Clip', {'min': -0.3, 'max': 0.7}, -2, 2, lambda x: torch.clamp(x, -0.3, 0.7)),
    ]
    for i, (name, op, kernel, opts, lo, hi, fn) in enumerate(unary):
        cases.append(native_case(f'{name}/4111', op, kernel, opts, {'x': (n, 100 + i, lo, hi)}, fn, 500 + i))
    binary = [('add', 'Add', torch.add), ('subtract', 'Sub', torch.sub), ('multiply', 'Mul', torch.mul),
              ('divide', 'Div', torch.div), ('maximum', 'Maximum', torch.maximum), ('minimum', 'Minimum', torch.minimum)]
    for i, (op, kernel, fn) in enumerate(binary):
        for j, (label, sa, sb) in enumerate([('same_shape_4111', [4111], [4111]), ('broadcast_63x67_by_67', [63, 67], [67])]):
            seed = 200 + 10 * i + 2 * j
            # divisors in [0.5, 2) away from zero
            b_lo, b_hi = (0.5, 2.0) if op == 'divide' else (-3.0, 3.0)
            cases.append(native_case(f'{op}/{label}', op, kernel, {}, {'a': (sa, seed, -3.0, 3.0), 'b': (sb, seed + 1, b_lo, b_hi)}, fn, 600 + 10 * i + j))
    reductions = [('sum', 'Sum', torch.sum), ('mean', 'Mean', torch.mean),
                  ('max', 'Max', lambda x, dim: torch.amax(x, dim=dim)), ('min', 'Min', lambda x, dim: torch.amin(x, dim=dim))]
    for i, (op, kernel, fn) in enumerate(reductions):
        for j, axis in enumerate([-1, 0]):
            cases.append(native_case(f'{op}/37x113_axis{axis}', op, kernel, {'axis': axis}, {'x': ([37, 113], 300 + 10 * i + j, -3.0, 3.0)},
                                     lambda x, fn=fn, axis=axis: fn(x, dim=axis), 700 + 10 * i + j))
    for i, (op, kernel, fn) in enumerate([('softmax', 'Softmax', F.softmax), ('logSoftmax', 'LogSoftmax', F.log_softmax)]):
        for j, axis in enumerate([-1, 0]):
            cases.append(native_case(f'{op}/37x113_axis{axis}', op, kernel, {'axis': axis}, {'x': ([37, 113], 400 + 10 * i + j, -8.0, 8.0)},
                                     lambda x, fn=fn, axis=axis: fn(x, dim=axis), 800 + 10 * i + j))
    return cases


def write_native_sizes():
    os.makedirs(NATIVE_DIR, exist_ok=True)
    path = os.path.join(NATIVE_DIR, 'elementwise_large.json')
    cases = native_size_cases()
    with open(path, 'w') as f:
        json.dump({'generator': 'scripts/make_parity_fixtures.py', 'torch': torch.__version__, 'cases': cases}, f, separators=(',', ':'))
        f.write('\n')
    print(f'{path}: {len(cases)} cases, {os.path.getsize(path)} bytes')


def main():
    torch.set_default_dtype(torch.float64)
    groups = {
        'matmul': matmul_cases(),
        'conv': conv_cases() + depthwise_cases() + conv_transpose_cases(),
        'pool': pool_cases(),
        'activations': activation_cases(),
        'binary': binary_cases(),
    }
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for name, cases in groups.items():
        path = os.path.join(OUT_DIR, f'{name}.json')
        doc = {'generator': 'scripts/make_parity_fixtures.py', 'torch': torch.__version__, 'cases': cases}
        with open(path, 'w') as f:
            json.dump(doc, f, separators=(',', ':'))
            f.write('\n')
        total += os.path.getsize(path)
        print(f'{path}: {len(cases)} cases, {os.path.getsize(path)} bytes')
    print(f'total {total} bytes')
    write_native_sizes()


if __name__ == '__main__':
    main()
