import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as ops from '../ops/index.js';
import {ones, type Tensor} from '../tensor/tensor.js';
import {checkGradients, randn64} from '../testing/gradcheck.js';
import {GradientTape} from './tape.js';

// The 3-D convolution and pooling kernels' rules against central finite differences in float64;
// forward values against a direct sum over the window (and PyTorch in layers3d_torch_parity.test.ts).

const convCases = [
  {label: 'valid s1', x: [2, 4, 5, 4, 2], k: [2, 3, 2, 2, 3], strides: 1, padding: 'valid', dilationRate: 1},
  {label: 'same s1', x: [1, 4, 4, 5, 2], k: [3, 2, 3, 2, 2], strides: 1, padding: 'same', dilationRate: 1},
  {label: 'same s2 (asymmetric pad)', x: [1, 5, 4, 6, 2], k: [2, 3, 4, 2, 2], strides: 2, padding: 'same', dilationRate: 1},
  {label: 'valid strides [1, 2, 3]', x: [1, 4, 5, 7, 1], k: [2, 2, 2, 1, 2], strides: [1, 2, 3], padding: 'valid', dilationRate: 1},
  {label: 'same dilation [2, 1, 2]', x: [1, 5, 4, 5, 2], k: [2, 2, 3, 2, 2], strides: 1, padding: 'same', dilationRate: [2, 1, 2]},
] as const;

/** conv3d by its definition: y[n, o..., f] = sum over taps and channels, TensorFlow's `same` pads. */
function naiveConv3d(x: Tensor, k: Tensor, strides: number[], padding: 'valid' | 'same', dil: number[]): {shape: number[]; values: number[]} {
  const [n, ...rest] = x.shape as number[];
  const ins = rest.slice(0, 3), cin = rest[3]!;
  const ks = k.shape.slice(0, 3), cout = k.shape[4]!;
  const outs: number[] = [], pads: number[] = [];
  for (let i = 0; i < 3; i++) {
    const eff = (ks[i]! - 1) * dil[i]! + 1;
    const o = padding === 'valid' ? Math.floor((ins[i]! - eff) / strides[i]!) + 1 : Math.ceil(ins[i]! / strides[i]!);
    outs.push(o);
    pads.push(padding === 'valid' ? 0 : Math.floor(Math.max(0, (o - 1) * strides[i]! + eff - ins[i]!) / 2));
  }
  const values: number[] = [];
  for (let b = 0; b < n!; b++) for (let od = 0; od < outs[0]!; od++) for (let oh = 0; oh < outs[1]!; oh++) for (let ow = 0; ow < outs[2]!; ow++) {
    for (let f = 0; f < cout; f++) {
      let s = 0;
      for (let a = 0; a < ks[0]!; a++) for (let c = 0; c < ks[1]!; c++) for (let e = 0; e < ks[2]!; e++) {
        const d = od * strides[0]! - pads[0]! + a * dil[0]!, h = oh * strides[1]! - pads[1]! + c * dil[1]!, w = ow * strides[2]! - pads[2]! + e * dil[2]!;
        if (d < 0 || h < 0 || w < 0 || d >= ins[0]! || h >= ins[1]! || w >= ins[2]!) continue;
        for (let ci = 0; ci < cin; ci++) {
          s += x.values[(((b * ins[0]! + d) * ins[1]! + h) * ins[2]! + w) * cin + ci]! * k.values[(((a * ks[1]! + c) * ks[2]! + e) * cin + ci) * cout + f]!;
        }
      }
      values.push(s);
    }
  }
  return {shape: [n!, ...outs, cout], values};
}

const triple = (v: number | readonly number[]) => (typeof v === 'number' ? [v, v, v] : [...v]);

test('conv (3D) forward equals the direct sum over each window', () => {
  for (const c of convCases) {
    const x = randn64([...c.x], 1), k = randn64([...c.k], 2);
    const y = ops.conv(x, k, c);
    const want = naiveConv3d(x, k, triple(c.strides), c.padding, triple(c.dilationRate));
    assert.deepEqual([...y.shape], want.shape, c.label);
    want.values.forEach((v, i) => assert.ok(Math.abs(y.values[i]! - v) < 1e-12, `${c.label}: element ${i}`));
  }
});

test('conv (3D) gradients: valid/same, strides, dilation, channels_first', () => {
  for (const c of convCases) {
    checkGradients((x, k) => ops.conv(x!, k!, c), [randn64([...c.x], 1), randn64([...c.k], 2)], {label: `conv3d ${c.label}`});
  }
  checkGradients((x, k) => ops.conv(x!, k!, {strides: 2, padding: 'same', dataFormat: 'channels_first'}), [randn64([1, 2, 3, 4, 5], 3), randn64([2, 2, 2, 2, 2], 4)], {
    label: 'conv3d channels_first',
  });
});

test('convTranspose (3D) gradients and output shapes', () => {
  for (const [padding, strides, outputPadding, want] of [
    ['valid', 2, null, [1, 5, 7, 4, 2]], ['same', 2, null, [1, 4, 6, 4, 2]], ['same', 2, 1, [1, 4, 6, 3, 2]], ['valid', 1, null, [1, 4, 5, 3, 2]],
  ] as const) {
    const x = randn64([1, 2, 3, 2, 3], 4), k = randn64([3, 3, 2, 2, 3], 5);
    assert.deepEqual([...ops.convTranspose(x, k, {padding, strides, outputPadding}).shape], want, `${padding} s${strides}`);
    checkGradients((a, b) => ops.convTranspose(a!, b!, {padding, strides, outputPadding}), [x, k], {label: `convTranspose3d ${padding} s${strides} op=${outputPadding}`});
  }
});

test('second-order: gradients of the Conv3D backprop kernels', () => {
  const lossC = (x: Tensor, k: Tensor) => ops.sum(ops.square(ops.conv(x, k, {strides: 2, padding: 'same'})));
  const x = randn64([1, 4, 3, 4, 2], 21), k = randn64([2, 3, 2, 2, 2], 22);
  const inner = (a: Tensor, b: Tensor) => {
    const tape = new GradientTape();
    tape.watch([a, b]);
    const l = tape.run(() => lossC(a, b));
    return tape.gradient(l, [a, b]) as Tensor[];
  };
  checkGradients((a, b) => inner(a!, b!)[0]!, [x, k], {label: 'd2 conv3d / dx'});
  checkGradients((a, b) => inner(a!, b!)[1]!, [x, k], {label: 'd2 conv3d / dk'});
});

test('maxPool and averagePool (3D): forward by definition, gradients, second order', () => {
  const x = randn64([1, 4, 4, 4, 2], 31);
  // valid 2x2x2: each output is the max / mean of its 8 cells
  const mp = ops.maxPool(x, 2), ap = ops.averagePool(x, 2);
  assert.deepEqual([...mp.shape], [1, 2, 2, 2, 2]);
  for (let od = 0; od < 2; od++) for (let oh = 0; oh < 2; oh++) for (let ow = 0; ow < 2; ow++) for (let c = 0; c < 2; c++) {
    const cells: number[] = [];
    for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) for (let e = 0; e < 2; e++) cells.push(x.values[(((2 * od + a) * 4 + 2 * oh + b) * 4 + 2 * ow + e) * 2 + c]!);
    const i = ((od * 2 + oh) * 2 + ow) * 2 + c;
    assert.equal(mp.values[i], Math.max(...cells));
    assert.ok(Math.abs(ap.values[i]! - cells.reduce((s, v) => s + v, 0) / 8) < 1e-12);
  }
  // same padding: the corner window of a 3x3x3 pool with stride 2 over 4 cells holds 2*2*2 valid cells only
  const aps = ops.averagePool(ones([1, 4, 4, 4, 1]), 3, {strides: 2, padding: 'same'});
  assert.deepEqual([...aps.values], new Array(8).fill(1));
  const cases = [
    {pool: [2, 2, 2], strides: null, padding: 'valid', x: [2, 4, 4, 6, 2]},
    {pool: [3, 2, 3], strides: [2, 1, 2], padding: 'same', x: [1, 5, 4, 5, 2]},
    {pool: [2, 3, 2], strides: [1, 2, 2], padding: 'valid', x: [1, 4, 5, 4, 1]},
  ] as const;
  for (const c of cases) {
    const t0 = randn64([...c.x], 32);
    const o = {strides: c.strides && [...c.strides], padding: c.padding};
    checkGradients((t) => ops.maxPool(t!, [...c.pool], o), [t0], {label: `maxPool3d ${JSON.stringify(c)}`});
    checkGradients((t) => ops.averagePool(t!, [...c.pool], o), [t0], {label: `averagePool3d ${JSON.stringify(c)}`});
  }
  checkGradients((t) => ops.averagePool(t!, 2, {dataFormat: 'channels_first', padding: 'same'}), [randn64([1, 2, 3, 3, 3], 33)], {label: 'averagePool3d channels_first'});
  const inner = (loss: (u: Tensor) => Tensor, u: Tensor) => {
    const tape = new GradientTape();
    tape.watch(u);
    const l = tape.run(() => loss(u));
    return tape.gradient(l, [u])[0]!;
  };
  const o = {strides: 2, padding: 'same'} as const;
  const y = randn64([1, 3, 4, 3, 2], 41);
  checkGradients((t) => inner((u) => ops.sum(ops.square(ops.averagePool(u, 3, o))), t!), [y], {label: 'd2 averagePool3d'});
  checkGradients((t) => inner((u) => ops.sum(ops.square(ops.maxPool(u, 3, o))), t!), [y], {label: 'd2 maxPool3d'});
});

test('3D errors name the op and what was received', () => {
  const x = randn64([1, 3, 3, 3, 2], 1);
  assert.throws(() => ops.conv(x, randn64([4, 2, 2, 2, 1])), /conv: the window \(with dilation\) is larger than the input/);
  assert.throws(() => ops.conv(x, randn64([2, 2, 2, 2, 1]), {strides: [1, 1]}), /conv: strides must be an integer >= 1 or a list of 3 such integers/);
  assert.throws(() => ops.maxPool(x, [2, 2]), /maxPool: poolSize must be an integer >= 1 or a list of 3 such integers/);
  assert.throws(() => ops.convTranspose(x, randn64([2, 2, 2, 1, 2]), {strides: 2, outputPadding: 2}), /convTranspose: with outputPadding=2/);
});
