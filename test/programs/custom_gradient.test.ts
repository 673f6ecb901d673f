/**
 * keras.ops.customGradient: the gradient a tape computes is the user's gradFn, checked against the
 * analytic derivative and central finite differences (float64), with variables, nested tapes, and
 * inside a model trained with fit.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as keras from '../../src/index.js';
import type {Tensor} from '../../src/index.js';

const {ops} = keras;
const f64 = (v: number[]) => keras.tensor(Float64Array.from(v), [v.length], 'float64');
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `index ${i}: ${a[i]} vs ${b[i]}`);
};

// Keras docs' example: log(1 + exp(x)) with a numerically stable gradient
const log1pexp = ops.customGradient(function log1pexp(x: Tensor) {
  const e = ops.exp(x);
  const grad = (upstream: Tensor) => ops.multiply(upstream, ops.subtract(1, ops.divide(1, ops.add(1, e))));
  return [ops.log(ops.add(1, e)), grad];
});

test('log1pexp: the value is the function, the gradient is the custom one (sigmoid), also where autodiff of the ops gives NaN', () => {
  const xs = [-3, -0.5, 0, 0.7, 2.5];
  const x = f64(xs);
  const {value, grads} = keras.valueAndGrad((t: Tensor) => ops.sum(log1pexp(t)))(x);
  close([value.values[0] as number], [xs.reduce((s, v) => s + Math.log1p(Math.exp(v)), 0)], 1e-12);
  close(grads[0]!.values as Float64Array, xs.map((v) => 1 / (1 + Math.exp(-v))), 1e-12);
  // central finite differences of the function itself
  const h = 1e-6;
  const fd = xs.map((_, i) => {
    const plus = xs.slice(), minus = xs.slice();
    plus[i]! += h;
    minus[i]! -= h;
    const s = (v: number[]) => (ops.sum(log1pexp(f64(v))).values[0] as number);
    return (s(plus) - s(minus)) / (2 * h);
  });
  close(grads[0]!.values as Float64Array, fd, 1e-7);
  // float32 at x = 100: exp overflows; the ops' own derivative is inf/inf = NaN, the custom one is 1
  const big = keras.tensor([100], [1], 'float32');
  const plain = keras.grad((t: Tensor) => ops.sum(ops.log(ops.add(1, ops.exp(t)))))(big)[0]!;
  assert.ok(Number.isNaN(plain.values[0] as number));
  assert.deepEqual(Array.from(keras.grad((t: Tensor) => ops.sum(log1pexp(t)))(big)[0]!.values), [1]);
});

test('a clipped-gradient identity: forward unchanged, backward clipped; composes with the ops around it; nested tapes see it', () => {
  const clipGrad = ops.customGradient((x: Tensor) => [x, (dy: Tensor) => ops.clip(dy, -1, 1)]);
  const x = f64([1, -2, 3]);
  const y = clipGrad(x);
  assert.notEqual(y, x);
  assert.deepEqual(Array.from(y.values), [1, -2, 3]);
  // d/dx sum(5 x^2) through the identity: upstream 10x = [10, -20, 30] clipped to [1, -1, 1]; then * 1
  const [g] = keras.grad((t: Tensor) => ops.sum(ops.multiply(5, ops.square(clipGrad(t)))))(x);
  assert.deepEqual(Array.from(g!.values), [1, -1, 1]);
  // ops before it: d/dx sum(clip(2x)) = 2 * clip(1) = 2
  const [g2] = keras.grad((t: Tensor) => ops.sum(clipGrad(ops.multiply(t, 2))))(x);
  assert.deepEqual(Array.from(g2!.values), [2, 2, 2]);
  // a tape that is not watching x records nothing
  const tape = new keras.GradientTape();
  const w = f64([0.5, 0.5, 0.5]);
  tape.watch(w);
  const out = tape.run(() => ops.sum(ops.multiply(clipGrad(x), w)));
  assert.deepEqual(tape.gradient(out, [w, x]).map((t) => (t === null ? null : Array.from(t.values))), [[1, -2, 3], null]);
});

test('several arguments and outputs, a non-tensor argument passed through, null gradients', () => {
  const mulAdd = ops.customGradient((a: Tensor, b: Tensor, k: number) => {
    const grad = (dProd: Tensor, dSum: Tensor) => [ops.add(ops.multiply(dProd, b), ops.multiply(dSum, k)), null];
    return [[ops.multiply(a, b), ops.multiply(ops.add(a, b), k)], grad];
  });
  const a = f64([1, 2]), b = f64([3, 4]);
  const {grads} = keras.valueAndGrad((p: Tensor, q: Tensor) => {
    const [prod, s] = mulAdd(p, q, 3);
    return ops.add(ops.sum(prod!), ops.sum(s!));
  })(a, b);
  assert.deepEqual(Array.from(grads[0]!.values), [6, 7]); // b + 3
  assert.deepEqual(Array.from(grads[1]!.values), [0, 0]); // the gradFn said null
});

test('a function reading a trainable variable: gradFn gets {variables} and returns [argument grads, variable grads]', () => {
  const w = new keras.Variable(keras.tensor([2, 3], [2], 'float64'), {name: 'w'});
  let seen: string[] = [];
  const scaled = ops.customGradient((x: Tensor) => {
    const y = ops.multiply(x, w);
    const grad = (dy: Tensor, {variables}: {variables: keras.Variable[]}) => {
      seen = variables.map((v) => v.name);
      return [[ops.multiply(dy, w.value)], [ops.multiply(ops.multiply(dy, x), 10)]];
    };
    return [y, grad];
  });
  const x = f64([1, 5]);
  const tape = new keras.GradientTape();
  tape.watch(x);
  const loss = tape.run(() => ops.sum(scaled(x)));
  const [gx, gw] = tape.gradient(loss, [x, w]);
  assert.deepEqual(seen, ['w']);
  assert.deepEqual(Array.from(gx!.values), [2, 3]);
  assert.deepEqual(Array.from(gw!.values), [10, 50]); // the custom (10x) gradient, not x
  // a gradFn that ignores the variables gets a clear error
  const bad = ops.customGradient(function badGrad(x: Tensor) {
    return [ops.multiply(x, w), (dy: Tensor) => dy];
  });
  const t2 = new keras.GradientTape();
  t2.watch(x);
  const l2 = t2.run(() => ops.sum(bad(x)));
  assert.throws(() => t2.gradient(l2, [x, w]), /customGradient: badGrad read 1 trainable variable\(s\) \(w\), so its gradFn is given \{variables\} and must return \[argumentGradients, variableGradients\]/);
});

test('wrong returns name what was expected', () => {
  const noGrad = ops.customGradient(function noGradFn(x: Tensor) {
    return x as never;
  });
  assert.throws(() => noGrad(f64([1])), /customGradient: noGradFn must return \[result, gradFn\] \(a tensor or array of tensors, and a function\)\. Received: Tensor of shape \[1\]/);
  const twoGrads = ops.customGradient(function twoGrads(x: Tensor) {
    return [ops.exp(x), (dy: Tensor) => [dy, dy]];
  });
  assert.throws(() => keras.grad((t: Tensor) => ops.sum(twoGrads(t)))(f64([1])), /the gradFn of twoGrads must return one gradient per argument \(1\)\. Received: 2 gradients/);
});

test('inside a model trained with fit: an identity whose gradient is scaled by 1 trains as without it; scaled by 0, the layers below it stay', async () => {
  const scaleGrad = (s: number) => ops.customGradient((x: Tensor) => [x, (dy: Tensor) => ops.multiply(dy, s)]);
  const x = keras.random.uniform([32, 4], {seed: 3});
  const y = keras.random.uniform([32, 1], {seed: 4});
  const build = (middle: keras.layers.Layer | null) => {
    const m = new keras.Sequential([
      keras.Input({shape: [4]}),
      new keras.layers.Dense(8, {activation: 'tanh', kernelInitializer: new keras.initializers.GlorotUniform({seed: 5})}),
      ...(middle ? [middle] : []),
      new keras.layers.Dense(1, {kernelInitializer: new keras.initializers.GlorotUniform({seed: 6})}),
    ]);
    m.compile({optimizer: new keras.optimizers.SGD({learningRate: 0.1}), loss: 'mse'});
    return m;
  };
  const plain = build(null);
  const one = build(new keras.layers.Lambda(scaleGrad(1)));
  const zero = build(new keras.layers.Lambda(scaleGrad(0)));
  const first0 = Array.from(zero.layers[0]!.getWeights()[0]!.values);
  const last0 = Array.from(zero.layers[2]!.getWeights()[0]!.values);
  for (const m of [plain, one, zero]) await m.fit(x, y, {epochs: 3, batchSize: 8, verbose: 0, shuffle: false});
  const ws = (m: keras.Sequential) => m.getWeights().map((w) => Array.from(w.values));
  assert.deepEqual(ws(one), ws(plain));
  assert.deepEqual(Array.from(zero.layers[0]!.getWeights()[0]!.values), first0);
  assert.notDeepEqual(Array.from(zero.layers[2]!.getWeights()[0]!.values), last0);
});
