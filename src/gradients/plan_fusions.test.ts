import {test} from 'node:test';
import * as ops from '../ops/index.js';
import {run, runAll} from '../ops/core.js';
import {Tensor} from '../tensor/tensor.js';
import {checkGradients, randn64} from '../testing/gradcheck.js';

// The rules of the kernels a plan's fusion step makes (src/plan: FusedConv2DMaxPool, FusedConv2DPairMaxPool, MaxPoolGradRelu,
// Conv2DBackpropInputRelu) against central finite differences in float64, through every input that
// has a gradient. Relu's mask and the pooling's arg-max are piecewise constant: the inputs keep away
// from their kinks (no ties, no values near 0 where they are masked).

const conv = {strides: [1, 1] as [number, number], padding: 'valid' as const, dilations: [1, 1] as [number, number]};
const pool = {poolSize: [2, 2] as [number, number], strides: [2, 2] as [number, number], padding: 'valid' as const};

/** A relu output with no value near 0 and no ties: |v| + 0.1 where v > 0, else 0. */
function reluLike(shape: number[], seed: number): Tensor {
  const v = randn64(shape, seed).values as Float64Array;
  return new Tensor(shape, 'float64', v.map((x, i) => (x > 0 ? x + 0.1 + i * 1e-3 : 0)));
}

test('FusedConv2DMaxPool: gradients of both outputs in x, filter and bias', () => {
  const x = randn64([2, 6, 5, 2], 51), f = randn64([3, 2, 2, 3], 52), b = randn64([3], 53);
  const both = (xx: Tensor, ff: Tensor, bb: Tensor) => {
    const [y, p] = runAll('FusedConv2DMaxPool', {x: xx, filter: ff, bias: bb}, {...conv, activation: 'linear', pool});
    return ops.concatenate([ops.reshape(y!, [-1]), ops.reshape(p!, [-1])]);
  };
  checkGradients((xx, ff, bb) => both(xx!, ff!, bb!), [x, f, b], {label: 'FusedConv2DMaxPool'});
});

test('FusedConv2DPairMaxPool: gradients of its three outputs in x, both filters and both biases', () => {
  const x = randn64([2, 6, 6, 2], 61), f0 = randn64([2, 2, 2, 3], 62), b0 = randn64([3], 63), f = randn64([2, 2, 3, 2], 64), b = randn64([2], 65);
  const all = (xx: Tensor, ff0: Tensor, bb0: Tensor, ff: Tensor, bb: Tensor) => {
    const outs = runAll('FusedConv2DPairMaxPool', {x: xx, filter0: ff0, bias0: bb0, filter: ff, bias: bb}, {...conv, activation: 'linear', first: {...conv, activation: 'linear'}, pool});
    return ops.concatenate(outs.map((o) => ops.reshape(o, [-1])));
  };
  checkGradients((xx, ff0, bb0, ff, bb) => all(xx!, ff0!, bb0!, ff!, bb!), [x, f0, b0, f, b], {label: 'FusedConv2DPairMaxPool'});
});

test('MaxPoolGradRelu and Conv2DBackpropInputRelu: gradients in dy (and the filter)', () => {
  const x = reluLike([1, 4, 6, 3], 54), dy = randn64([1, 2, 3, 3], 55);
  checkGradients((d) => run('MaxPoolGradRelu', {x, dy: d!}, pool), [dy], {label: 'MaxPoolGradRelu'});
  const y = reluLike([2, 5, 4, 2], 56), f = randn64([2, 2, 2, 3], 57), dz = randn64([2, 4, 3, 3], 58);
  checkGradients((d, ff) => run('Conv2DBackpropInputRelu', {dy: d!, filter: ff!, y}, {...conv, inputShape: [2, 5, 4, 2]}), [dz, f], {label: 'Conv2DBackpropInputRelu'});
});

test('CategoricalCrossentropyProbs and SoftmaxCrossentropyGrad: gradients in every input', () => {
  // probabilities kept inside the clip's bounds (its gradient is 0 outside, a kink at them), not normalized
  const p = new Tensor([3, 4], 'float64', (randn64([3, 4], 59).values as Float64Array).map((v) => 0.2 + Math.abs(v)));
  const y = new Tensor([3, 4], 'float64', (randn64([3, 4], 60).values as Float64Array).map((v) => Math.abs(v)));
  const dy = randn64([3], 61);
  const eps = {epsilon: 1e-7};
  checkGradients((t, o) => run('CategoricalCrossentropyProbs', {target: t!, output: o!}, eps), [y, p], {label: 'CategoricalCrossentropyProbs'});
  checkGradients((t, o, d) => run('SoftmaxCrossentropyGrad', {target: t!, output: o!, dy: d!}, eps), [y, p, dy], {label: 'SoftmaxCrossentropyGrad'});
});

test('MulReluGradSum: gradients of both outputs in a and b', () => {
  const y = reluLike([3, 4], 62), a = randn64([3, 4], 63), b = randn64([3, 4], 64);
  const both = (aa: Tensor, bb: Tensor) => {
    const [dz, db] = runAll('MulReluGradSum', {a: aa, b: bb, y}, {});
    return ops.concatenate([ops.reshape(dz!, [-1]), db!]);
  };
  checkGradients((aa, bb) => both(aa!, bb!), [a, b], {label: 'MulReluGradSum'});
});

test('BernoulliMaskMul: gradient of the product in x (the mask: a draw, no input)', () => {
  const x = randn64([4, 5], 65);
  const a = {shape: [4, 5], keepProb: 0.6, dtype: 'float64' as const, k0: 11, k1: 12, scale: 1 / 0.6};
  checkGradients((xx) => runAll('BernoulliMaskMul', {x: xx!}, a)[0]!, [x], {label: 'BernoulliMaskMul'});
});
