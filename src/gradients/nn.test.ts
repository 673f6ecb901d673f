import {test} from 'node:test';
import * as ops from '../ops/index.js';
import type {Tensor} from '../tensor/tensor.js';
import {checkGradients, randn64} from '../testing/gradcheck.js';
import {GradientTape} from './tape.js';

// Every nn kernel's rule against central finite differences in float64 (checkGradients weights the
// outputs with a fixed non-uniform w, so a rule that mixes up output positions fails).

test('softmax and logSoftmax gradients on several axes', () => {
  const x = randn64([2, 3, 4], 11);
  for (const axis of [-1, 0, 1, 2]) {
    checkGradients((t) => ops.softmax(t!, axis), [x], {label: `softmax axis=${axis}`});
    checkGradients((t) => ops.logSoftmax(t!, axis), [x], {label: `logSoftmax axis=${axis}`});
  }
});

test('softmax second-order gradient (the rule is written with differentiable ops)', () => {
  const x = randn64([2, 5], 12);
  checkGradients((t) => innerGrad((u) => ops.sum(ops.square(ops.softmax(u, 0))), t!), [x], {label: 'd2 softmax'});
  checkGradients((t) => innerGrad((u) => ops.sum(ops.square(ops.logSoftmax(u))), t!), [x], {label: 'd2 logSoftmax'});
});

const convCases: {label: string; x: number[]; k: number[]; strides: number | number[]; padding: 'valid' | 'same'; dilationRate: number | number[]}[] = [
  {label: 'valid s1', x: [2, 5, 6, 3], k: [3, 3, 3, 4], strides: 1, padding: 'valid', dilationRate: 1},
  {label: 'same s1', x: [2, 5, 6, 3], k: [3, 2, 3, 4], strides: 1, padding: 'same', dilationRate: 1},
  {label: 'valid s2', x: [1, 7, 6, 2], k: [3, 3, 2, 3], strides: 2, padding: 'valid', dilationRate: 1},
  {label: 'same s2 (asymmetric pad)', x: [2, 6, 7, 2], k: [3, 4, 2, 3], strides: 2, padding: 'same', dilationRate: 1},
  {label: 'same strides [1, 2]', x: [1, 5, 6, 2], k: [2, 3, 2, 2], strides: [1, 2], padding: 'same', dilationRate: 1},
  {label: 'valid dilation 2', x: [1, 7, 8, 2], k: [3, 3, 2, 3], strides: 1, padding: 'valid', dilationRate: 2},
  {label: 'same dilation 2', x: [2, 6, 5, 2], k: [2, 3, 2, 3], strides: 1, padding: 'same', dilationRate: 2},
  {label: 'same dilation [2, 1] strides 2', x: [1, 7, 7, 2], k: [3, 2, 2, 2], strides: 2, padding: 'same', dilationRate: [2, 1]},
];

test('conv (2D) gradients: valid/same, strides 1/2, dilation 2', () => {
  for (const c of convCases) {
    checkGradients((x, k) => ops.conv(x!, k!, c), [randn64(c.x, 1), randn64(c.k, 2)], {label: `conv ${c.label}`});
  }
});

test('conv gradients through channels_first and 1D', () => {
  const o = {strides: 2, padding: 'same', dataFormat: 'channels_first'} as const;
  checkGradients((x, k) => ops.conv(x!, k!, o), [randn64([2, 3, 5, 6], 3), randn64([3, 3, 3, 2], 4)], {label: 'conv channels_first'});
  checkGradients((x, k) => ops.conv(x!, k!, {padding: 'same', dilationRate: 2}), [randn64([2, 9, 3], 5), randn64([3, 3, 2], 6)], {label: 'conv1d'});
  checkGradients((x, k) => ops.conv(x!, k!, {strides: 2, dataFormat: 'channels_first'}), [randn64([2, 3, 9], 5), randn64([3, 3, 2], 6)], {
    label: 'conv1d channels_first',
  });
});

test('depthwiseConv gradients: multiplier 1 and 2, strides, dilation, same/valid', () => {
  const cases = [
    {x: [2, 5, 6, 3], k: [3, 3, 3, 1], strides: 1, padding: 'valid', dilationRate: 1},
    {x: [2, 6, 5, 2], k: [3, 2, 2, 2], strides: 2, padding: 'same', dilationRate: 1},
    {x: [1, 7, 7, 2], k: [2, 3, 2, 2], strides: 1, padding: 'same', dilationRate: 2},
    {x: [1, 8, 7, 3], k: [3, 3, 3, 2], strides: 2, padding: 'valid', dilationRate: 1},
  ] as const;
  for (const c of cases) {
    checkGradients((x, k) => ops.depthwiseConv(x!, k!, c), [randn64([...c.x], 7), randn64([...c.k], 8)], {label: `depthwise ${JSON.stringify(c)}`});
  }
  checkGradients((x, k) => ops.depthwiseConv(x!, k!, {padding: 'same', dataFormat: 'channels_first'}), [randn64([1, 2, 4, 5], 9), randn64([3, 3, 2, 2], 10)], {
    label: 'depthwise channels_first',
  });
});

test('separableConv and convTranspose gradients', () => {
  checkGradients((x, d, p) => ops.separableConv(x!, d!, p!, {strides: 2, padding: 'same'}), [randn64([1, 6, 5, 2], 1), randn64([3, 3, 2, 2], 2), randn64([1, 1, 4, 3], 3)], {
    label: 'separableConv',
  });
  for (const [padding, strides, outputPadding] of [['valid', 2, null], ['same', 2, null], ['same', 2, 0], ['valid', 1, null], ['valid', 3, 1]] as const) {
    checkGradients((x, k) => ops.convTranspose(x!, k!, {padding, strides, outputPadding}), [randn64([2, 3, 4, 3], 4), randn64([3, 3, 2, 3], 5)], {
      label: `convTranspose ${padding} s${strides} op=${outputPadding}`,
    });
  }
});

/** The gradient of `loss(u)` with respect to u, computed on a tape an outer tape records. */
function innerGrad(loss: (u: Tensor) => Tensor, u: Tensor): Tensor {
  const tape = new GradientTape();
  tape.watch(u);
  const l = tape.run(() => loss(u));
  return tape.gradient(l, [u])[0]!;
}

function innerGrads(loss: (a: Tensor, b: Tensor) => Tensor, a: Tensor, b: Tensor): Tensor[] {
  const tape = new GradientTape();
  tape.watch([a, b]);
  const l = tape.run(() => loss(a, b));
  return tape.gradient(l, [a, b]) as Tensor[];
}

test('second-order: gradients of the conv and depthwise backprop kernels', () => {
  // d/dx and d/dk of sum(conv(x, k)^2) use BackpropInput(2y, k) and BackpropFilter(x, 2y); differentiating
  // those again exercises the backprop kernels' own rules in both of their arguments
  const o = {strides: 2, padding: 'same', dilationRate: 1} as const;
  const lossC = (x: Tensor, k: Tensor) => ops.sum(ops.square(ops.conv(x, k, o)));
  const lossD = (x: Tensor, k: Tensor) => ops.sum(ops.square(ops.depthwiseConv(x, k, o)));
  const x = randn64([1, 5, 4, 2], 21), k = randn64([3, 2, 2, 2], 22);
  checkGradients((a, b) => innerGrads(lossC, a!, b!)[0]!, [x, k], {label: 'd2 conv / dx'});
  checkGradients((a, b) => innerGrads(lossC, a!, b!)[1]!, [x, k], {label: 'd2 conv / dk'});
  checkGradients((a, b) => innerGrads(lossD, a!, b!)[0]!, [x, k], {label: 'd2 depthwise / dx'});
  checkGradients((a, b) => innerGrads(lossD, a!, b!)[1]!, [x, k], {label: 'd2 depthwise / dk'});
});

test('maxPool and averagePool gradients: valid/same, strides', () => {
  const cases = [
    {pool: [2, 2], strides: null, padding: 'valid', x: [2, 4, 6, 3]},
    {pool: [3, 3], strides: [2, 2], padding: 'valid', x: [1, 7, 6, 2]},
    {pool: [3, 3], strides: [2, 2], padding: 'same', x: [2, 6, 7, 2]},
    {pool: [2, 3], strides: [1, 1], padding: 'same', x: [1, 4, 5, 2]},
    {pool: [3, 2], strides: [2, 1], padding: 'same', x: [1, 5, 4, 3]},
  ] as const;
  for (const c of cases) {
    // randn values are distinct, so max pooling has no ties and finite differences are valid
    const x = randn64([...c.x], 31);
    const o = {strides: c.strides && [...c.strides], padding: c.padding};
    checkGradients((t) => ops.maxPool(t!, [...c.pool], o), [x], {label: `maxPool ${JSON.stringify(c)}`});
    checkGradients((t) => ops.averagePool(t!, [...c.pool], o), [x], {label: `averagePool ${JSON.stringify(c)}`});
  }
  checkGradients((t) => ops.maxPool(t!, 3, {strides: 2, padding: 'same'}), [randn64([2, 7, 3], 32)], {label: 'maxPool1d'});
  checkGradients((t) => ops.averagePool(t!, 2, {dataFormat: 'channels_first', padding: 'same'}), [randn64([1, 2, 5, 3], 33)], {label: 'averagePool channels_first'});
});

test('second-order: pooling gradients', () => {
  const o = {strides: 2, padding: 'same'} as const;
  const x = randn64([1, 5, 5, 2], 41);
  // d/dx sum(avgpool(x)^2) = AvgPoolGrad(2 * avgpool(x)): its rule (AvgPool) carries the second derivative
  checkGradients((t) => innerGrad((u) => ops.sum(ops.square(ops.averagePool(u, 3, o))), t!), [x], {label: 'd2 averagePool'});
  // likewise through MaxPoolGrad (its dy rule gathers at the arg-max cells)
  checkGradients((t) => innerGrad((u) => ops.sum(ops.square(ops.maxPool(u, 3, o))), t!), [x], {label: 'd2 maxPool'});
});
