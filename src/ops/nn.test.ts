import assert from 'node:assert/strict';
import {test} from 'node:test';
import {imageDataFormat, setImageDataFormat} from '../config.js';
import {ones, Tensor, tensor} from '../tensor/tensor.js';
import {assertClose, randn64} from '../testing/gradcheck.js';
import * as ops from './index.js';

// Forward values against independent, deliberately naive implementations written here (bounds test
// per tap, TensorFlow's padding formula spelled out), hand-computed examples, and Keras's shape rules.

/** TensorFlow's `same`/`valid` output length and leading pad, from the formula in TF's docs. */
function tfAxis(inLen: number, k: number, s: number, d: number, padding: string): [number, number] {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') return [Math.ceil((inLen - eff + 1) / s), 0];
  const out = Math.ceil(inLen / s);
  return [out, Math.floor(Math.max((out - 1) * s + eff - inLen, 0) / 2)];
}

const at4 = (t: Tensor, a: number, b: number, c: number, d: number) => t.values[((a * t.shape[1]! + b) * t.shape[2]! + c) * t.shape[3]! + d]!;

/** Naive NHWC conv (depthwise when `depthwise`), taps outside the input read as 0. */
function naiveConv(x: Tensor, k: Tensor, s: [number, number], padding: string, d: [number, number], depthwise = false): Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw, , m] = k.shape as [number, number, number, number];
  const [oh, pt] = tfAxis(h, kh, s[0], d[0], padding);
  const [ow, pl] = tfAxis(w, kw, s[1], d[1], padding);
  const co = depthwise ? c * m : m;
  const out = new Float64Array(n * oh * ow * co);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < co; o++) {
          let acc = 0;
          for (let p = 0; p < kh; p++)
            for (let q = 0; q < kw; q++) {
              const ii = i * s[0] - pt + p * d[0], jj = j * s[1] - pl + q * d[1];
              if (ii < 0 || ii >= h || jj < 0 || jj >= w) continue;
              if (depthwise) acc += at4(x, b, ii, jj, Math.floor(o / m)) * at4(k, p, q, Math.floor(o / m), o % m);
              else for (let ci = 0; ci < c; ci++) acc += at4(x, b, ii, jj, ci) * at4(k, p, q, ci, o);
            }
          out[((b * oh + i) * ow + j) * co + o] = acc;
        }
  return new Tensor([n, oh, ow, co], 'float64', out);
}

/** Naive NHWC pooling over the in-bounds cells of each window. */
function naivePool(x: Tensor, ps: [number, number], s: [number, number], padding: string, kind: 'max' | 'avg'): Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [oh, pt] = tfAxis(h, ps[0], s[0], 1, padding);
  const [ow, pl] = tfAxis(w, ps[1], s[1], 1, padding);
  const out = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ci = 0; ci < c; ci++) {
          const cells: number[] = [];
          for (let p = 0; p < ps[0]; p++)
            for (let q = 0; q < ps[1]; q++) {
              const ii = i * s[0] - pt + p, jj = j * s[1] - pl + q;
              if (ii >= 0 && ii < h && jj >= 0 && jj < w) cells.push(at4(x, b, ii, jj, ci));
            }
          out[((b * oh + i) * ow + j) * c + ci] = kind === 'max' ? Math.max(...cells) : cells.reduce((a, v) => a + v, 0) / cells.length;
        }
  return new Tensor([n, oh, ow, c], 'float64', out);
}

const close = (a: Tensor, b: Tensor, label: string) => assertClose(a, b, {rtol: 1e-12, atol: 1e-12, label});

test('softmax / logSoftmax values, stability and axes', () => {
  const s = ops.softmax(tensor([1, 2, 3], undefined, 'float64'));
  const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
  const z = e[0]! + e[1]! + e[2]!;
  close(s, tensor(e.map((v) => v / z), undefined, 'float64'), 'softmax');
  const big = ops.softmax(tensor([[1000, 1001], [-1000, -1001]]));
  assertClose(big, tensor([[1 / (1 + Math.E), Math.E / (1 + Math.E)], [Math.E / (1 + Math.E), 1 / (1 + Math.E)]]), {label: 'stable softmax'});
  const ls = ops.logSoftmax(tensor([[1000, 1001]]));
  assertClose(ls, tensor([[-Math.log1p(Math.E), 1 - Math.log1p(Math.E)]]), {atol: 1e-4, label: 'stable logSoftmax'});
  const x = randn64([2, 3, 4], 5);
  for (const axis of [0, 1, -1]) {
    close(ops.logSoftmax(x, axis), ops.log(ops.softmax(x, axis)), `logSoftmax axis ${axis}`);
    close(ops.sum(ops.softmax(x, axis), axis), ones(ops.sum(x, axis).shape, 'float64'), `softmax sums to 1 on axis ${axis}`);
  }
  assert.equal(ops.softmax(tensor([1, 2])).dtype, 'float32');
  assert.equal(ops.softmax(tensor([1, 2], undefined, 'int32')).dtype, 'float32');
  assert.throws(() => ops.softmax(tensor([1, 2]), 1), /softmax: axis 1 is out of bounds/);
});

test('conv matches a naive convolution: valid/same, strides, dilation', () => {
  for (const [xs, ks, s, p, d] of [
    [[2, 6, 7, 3], [3, 3, 3, 4], [1, 1], 'valid', [1, 1]],
    [[2, 6, 7, 3], [3, 2, 3, 4], [2, 2], 'same', [1, 1]],
    [[1, 7, 7, 2], [4, 4, 2, 2], [2, 3], 'same', [1, 1]],
    [[1, 9, 8, 2], [3, 3, 2, 3], [1, 1], 'same', [2, 2]],
    [[1, 9, 8, 2], [2, 3, 2, 3], [1, 2], 'valid', [3, 2]],
  ] as const) {
    const x = randn64([...xs], 1), k = randn64([...ks], 2);
    const y = ops.conv(x, k, {strides: [...s], padding: p, dilationRate: [...d]});
    close(y, naiveConv(x, k, [...s], p, [...d]), `conv ${JSON.stringify([xs, ks, s, p, d])}`);
  }
});

test('conv by hand, conv1d as height-1 conv2d, channels_first as transposed channels_last', () => {
  const y = ops.conv(ones([1, 3, 3, 1]), ones([2, 2, 1, 1]));
  assert.deepEqual(y.arraySync(), [[[[4], [4]], [[4], [4]]]]);
  // same padding, stride 1, 3x3 of ones: corners see 4 cells, edges 6, centre 9
  assert.deepEqual(ops.reshape(ops.conv(ones([1, 3, 3, 1]), ones([3, 3, 1, 1]), {padding: 'same'}), [9]).arraySync(), [4, 6, 4, 6, 9, 6, 4, 6, 4]);

  const x1 = randn64([2, 9, 3], 3), k1 = randn64([3, 3, 4], 4);
  const y1 = ops.conv(x1, k1, {strides: 2, padding: 'same', dilationRate: 1});
  const y2 = ops.conv(ops.expandDims(x1, 1), ops.expandDims(k1, 0), {strides: [1, 2], padding: 'same'});
  close(y1, ops.squeeze(y2, 1), 'conv1d');
  assert.deepEqual([...y1.shape], [2, 5, 4]);

  const x = randn64([2, 5, 6, 3], 5), k = randn64([3, 3, 3, 2], 6);
  const cl = ops.conv(x, k, {strides: 2, padding: 'same'});
  const cf = ops.conv(ops.transpose(x, [0, 3, 1, 2]), k, {strides: 2, padding: 'same', dataFormat: 'channels_first'});
  close(cf, ops.transpose(cl, [0, 3, 1, 2]), 'conv channels_first');
  const cf1 = ops.conv(ops.transpose(x1, [0, 2, 1]), k1, {dataFormat: 'channels_first'});
  close(cf1, ops.transpose(ops.conv(x1, k1), [0, 2, 1]), 'conv1d channels_first');
});

test('the default data format comes from imageDataFormat()', () => {
  const before = imageDataFormat();
  try {
    setImageDataFormat('channels_first');
    const x = randn64([1, 2, 5, 5], 7), k = randn64([3, 3, 2, 4], 8);
    assert.deepEqual([...ops.conv(x, k).shape], [1, 4, 3, 3]);
    assert.deepEqual([...ops.maxPool(x, 2).shape], [1, 2, 2, 2]);
  } finally {
    setImageDataFormat(before);
  }
});

test('depthwiseConv matches a naive depthwise convolution; separableConv is depthwise then pointwise', () => {
  for (const [s, p, d] of [[[1, 1], 'valid', [1, 1]], [[2, 2], 'same', [1, 1]], [[1, 1], 'same', [2, 2]], [[2, 1], 'valid', [1, 1]]] as const) {
    const x = randn64([2, 7, 6, 3], 9), k = randn64([3, 2, 3, 2], 10);
    close(ops.depthwiseConv(x, k, {strides: [...s], padding: p, dilationRate: [...d]}), naiveConv(x, k, [...s], p, [...d], true), `depthwise ${s} ${p} ${d}`);
  }
  const x = randn64([1, 6, 6, 2], 11), dk = randn64([3, 3, 2, 2], 12), pk = randn64([1, 1, 4, 5], 13);
  const sep = ops.separableConv(x, dk, pk, {strides: 2, padding: 'same'});
  close(sep, ops.conv(ops.depthwiseConv(x, dk, {strides: 2, padding: 'same'}), pk), 'separableConv');
  assert.deepEqual([...sep.shape], [1, 3, 3, 5]);
  assert.throws(() => ops.separableConv(x, dk, randn64([1, 1, 3, 5])), /separableConv: pointwiseKernel must have shape \[1, 1, 4, outChannels\]/);
});

test('convTranspose: Keras output shapes, and it is the adjoint of conv', () => {
  // (in, k, stride, padding, outputPadding) -> Keras's output length
  const cases = [
    [4, 3, 2, 'valid', null, 9], // (4 - 1) * 2 + 3
    [4, 3, 2, 'same', null, 8], // 4 * 2
    [4, 1, 2, 'valid', null, 8], // (4 - 1) * 2 + max(1, 2)
    [4, 3, 2, 'same', 0, 7], // (4 - 1) * 2 + 3 % 2 + 0
    [4, 3, 3, 'valid', 2, 14], // (4 - 1) * 3 + 3 + 2
    [5, 2, 1, 'same', null, 5],
  ] as const;
  for (const [n, k, s, p, op, expected] of cases) {
    const x = randn64([2, n, n, 3], 14), kern = randn64([k, k, 4, 3], 15);
    const y = ops.convTranspose(x, kern, {strides: s, padding: p, outputPadding: op});
    assert.deepEqual([...y.shape], [2, expected, expected, 4], `convTranspose ${JSON.stringify([n, k, s, p, op])}`);
    // <convTranspose(x), u> == <x, conv(u)> for any u of the output's shape
    const u = randn64([...y.shape], 16);
    const lhs = ops.sum(ops.multiply(y, u)).item();
    const rhs = ops.sum(ops.multiply(x, ops.conv(u, kern, {strides: s, padding: p}))).item();
    assert.ok(Math.abs(lhs - rhs) < 1e-9 * (1 + Math.abs(lhs)), `adjoint ${lhs} vs ${rhs}`);
  }
  // dilation: the output length uses the effective kernel (k - 1) * d + 1
  const xd = randn64([1, 3, 4, 2], 17), kd = randn64([3, 2, 3, 2], 18);
  const yd = ops.convTranspose(xd, kd, {strides: 2, dilationRate: [2, 1], padding: 'valid'});
  assert.deepEqual([...yd.shape], [1, 9, 8, 3]); // (3 - 1) * 2 + 5, (4 - 1) * 2 + 2
  const ud = randn64([...yd.shape], 19);
  const dl = ops.sum(ops.multiply(yd, ud)).item();
  const dr = ops.sum(ops.multiply(xd, ops.conv(ud, kd, {strides: 2, dilationRate: [2, 1]}))).item();
  assert.ok(Math.abs(dl - dr) < 1e-9 * (1 + Math.abs(dl)), `dilated adjoint ${dl} vs ${dr}`);
  const y1 = ops.convTranspose(randn64([1, 4, 3], 1), randn64([3, 5, 3], 2), {strides: 2, padding: 'same'});
  assert.deepEqual([...y1.shape], [1, 8, 5]);
  const ycf = ops.convTranspose(randn64([1, 3, 4, 4], 1), randn64([3, 3, 5, 3], 2), {strides: 2, dataFormat: 'channels_first'});
  assert.deepEqual([...ycf.shape], [1, 5, 9, 9]);
  assert.throws(
    () => ops.convTranspose(randn64([1, 4, 4, 3], 1), randn64([3, 3, 5, 3], 2), {strides: 2, outputPadding: 2}),
    /convTranspose: with outputPadding=2 the output's spatial shape would be \[11, 11\]/,
  );
  assert.throws(() => ops.convTranspose(randn64([1, 4, 4, 3], 1), randn64([3, 3, 3, 5], 2)), /convTranspose: the number of input channels \(3\) must match kernel.shape\[-1\] \(5\)/);
});

test('maxPool / averagePool match naive pooling; same averages exclude padding; strides default to poolSize', () => {
  for (const [ps, s, p] of [[[2, 2], [2, 2], 'valid'], [[3, 3], [2, 2], 'same'], [[3, 2], [1, 2], 'same'], [[2, 3], [3, 1], 'valid'], [[3, 3], [1, 1], 'same']] as const) {
    const x = randn64([2, 7, 6, 3], 17);
    const o = {strides: [...s], padding: p};
    close(ops.maxPool(x, [...ps], o), naivePool(x, [...ps], [...s], p, 'max'), `maxPool ${ps} ${s} ${p}`);
    close(ops.averagePool(x, [...ps], o), naivePool(x, [...ps], [...s], p, 'avg'), `averagePool ${ps} ${s} ${p}`);
  }
  const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  assert.deepEqual(ops.reshape(ops.averagePool(x, 2, {padding: 'same'}), [4]).arraySync(), [3, 4.5, 7.5, 9]);
  assert.deepEqual(ops.reshape(ops.maxPool(x, 2, {padding: 'same'}), [4]).arraySync(), [5, 6, 8, 9]);
  assert.deepEqual(ops.reshape(ops.maxPool(ops.negative(x), 2, {padding: 'same'}), [4]).arraySync(), [-1, -3, -7, -9]);
  assert.deepEqual([...ops.maxPool(randn64([2, 8, 6, 3]), [2, 3]).shape], [2, 4, 2, 3]);
  // 1D
  const x1 = tensor([1, 5, 2, 4, 3], [1, 5, 1]);
  assert.deepEqual(ops.maxPool(x1, 2).arraySync(), [[[5], [4]]]);
  assert.deepEqual(ops.averagePool(x1, 2, {strides: 1, padding: 'same'}).arraySync(), [[[3], [3.5], [3], [3.5], [3]]]);
  assert.deepEqual(ops.maxPool(tensor([[[1, 5, 2, 4, 3]]]), 3, {strides: 2, dataFormat: 'channels_first'}).arraySync(), [[[5, 4]]]);
  // integer max pooling keeps the dtype; average pooling produces floats
  assert.equal(ops.maxPool(tensor([1, 2, 3, 4], [1, 2, 2, 1], 'int32'), 2).dtype, 'int32');
  assert.equal(ops.averagePool(tensor([1, 2, 3, 4], [1, 2, 2, 1], 'int32'), 2).dtype, 'float32');
});

test('conv and pool errors name the op, the expectation and what was received', () => {
  const x = randn64([1, 5, 5, 3]);
  assert.throws(() => ops.conv(x, randn64([3, 3, 2, 4])), /conv: the number of input channels \(3\) must match kernel.shape\[-2\] \(2\). Received: inputs.shape=\[1, 5, 5, 3\] \(channels_last\), kernel.shape=\[3, 3, 2, 4\]/);
  assert.throws(() => ops.conv(x, randn64([3, 3, 4])), /conv: kernel must have the same rank as inputs/);
  assert.throws(() => ops.conv(randn64([5, 5]), randn64([3, 3, 4])), /conv: expected inputs of rank 3 .*, 4 .* or 5 .*Received: inputs.shape=\[5, 5\]/);
  assert.throws(() => ops.depthwiseConv(randn64([1, 2, 5, 5, 3]), randn64([3, 3, 3, 3, 1])), /depthwiseConv: 3D inputs \(rank 5\) are not supported/);
  assert.throws(() => ops.conv(x, randn64([3, 3, 3, 4]), {padding: 'full' as 'same'}), /conv: padding must be "valid" or "same". Received: padding="full"/);
  assert.throws(() => ops.conv(x, randn64([3, 3, 3, 4]), {strides: [1, 0]}), /conv: strides must be an integer >= 1 or a list of 2 such integers .* Received: strides=\[1,0\]/);
  assert.throws(() => ops.conv(x, randn64([3, 3, 3, 4]), {dilationRate: [1, 2, 3]}), /conv: dilationRate must be/);
  assert.throws(() => ops.conv(x, randn64([6, 3, 3, 4])), /conv: the window \(with dilation\) is larger than the input/);
  assert.throws(() => ops.conv(x, randn64([3, 3, 3, 4]), {dataFormat: 'nhwc' as 'channels_last'}), /conv: dataFormat must be "channels_last" or "channels_first"/);
  assert.throws(() => ops.depthwiseConv(x, randn64([3, 3, 2, 1])), /depthwiseConv: the number of input channels \(3\) must match kernel.shape\[-2\] \(2\)/);
  assert.throws(() => ops.maxPool(x, [2, 2, 2]), /maxPool: poolSize must be an integer >= 1 or a list of 2 such integers/);
  assert.throws(() => ops.averagePool(x, 6), /averagePool: the window \(with dilation\) is larger than the input/);
  assert.equal(ops.maxPool(x, 6, {padding: 'same'}).shape.join(), '1,1,1,3');
  assert.equal(ops.conv(x, randn64([3, 3, 3, 4]), {padding: 'SAME'}).shape.join(), '1,5,5,4');
});

test('activations: composites match their formulas', () => {
  const v = [-7, -3, -1.5, -1, -0.6, -0.5, -0.2, 0, 0.3, 0.5, 0.8, 1, 2.5, 3, 6, 8];
  const x = tensor(v, undefined, 'float64');
  const sig = (t: number) => 1 / (1 + Math.exp(-t));
  const cases: [string, Tensor, (t: number) => number][] = [
    ['relu6', ops.relu6(x), (t) => Math.min(Math.max(t, 0), 6)],
    ['hardSigmoid', ops.hardSigmoid(x), (t) => Math.min(Math.max(t / 6 + 0.5, 0), 1)],
    ['hardSilu', ops.hardSilu(x), (t) => t * Math.min(Math.max(t / 6 + 0.5, 0), 1)],
    ['silu', ops.silu(x), (t) => t * sig(t)],
    ['logSigmoid', ops.logSigmoid(x), (t) => Math.log(sig(t))],
    ['celu', ops.celu(x, 2), (t) => Math.max(t, 0) + 2 * Math.expm1(Math.min(t, 0) / 2)],
    ['hardTanh', ops.hardTanh(x), (t) => Math.min(Math.max(t, -1), 1)],
    ['tanhShrink', ops.tanhShrink(x), (t) => t - Math.tanh(t)],
    ['softShrink', ops.softShrink(x), (t) => (t > 0.5 ? t - 0.5 : t < -0.5 ? t + 0.5 : 0)],
    ['hardShrink', ops.hardShrink(x), (t) => (Math.abs(t) > 0.5 ? t : 0)],
    ['threshold', ops.threshold(x, 0.3, -9), (t) => (t > 0.3 ? t : -9)],
    ['squareplus', ops.squareplus(x), (t) => (t + Math.sqrt(t * t + 4)) / 2],
    ['sparsePlus', ops.sparsePlus(x), (t) => (t <= -1 ? 0 : t >= 1 ? t : ((t + 1) * (t + 1)) / 4)],
    ['sparseSigmoid', ops.sparseSigmoid(x), (t) => (t <= -1 ? 0 : t >= 1 ? 1 : (t + 1) / 2)],
  ];
  for (const [name, got, f] of cases) assertClose(got, v.map(f), {rtol: 1e-12, atol: 1e-14, label: name});
  const g = ops.glu(tensor([[1, -2, 3, 0.5]], undefined, 'float64'));
  assert.deepEqual([...g.shape], [1, 2]);
  assertClose(g, [1 * sig(3), -2 * sig(0.5)], {rtol: 1e-12, label: 'glu'});
  assert.throws(() => ops.glu(tensor([[1, 2, 3]])), /glu: axis size must be divisible by 2. Received: x.shape=\[1, 3\] with axis=-1/);
  assert.equal(ops.swish, ops.silu);
  assert.equal(ops.hardSwish, ops.hardSilu);
  // no overflow far out
  assert.equal(ops.logSigmoid(tensor([-200])).item(), -200);
});
