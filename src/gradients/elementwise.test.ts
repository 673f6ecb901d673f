import assert from 'node:assert/strict';
import {test} from 'node:test';
import {setBackend} from '../backends/registry.js';
import * as ops from '../ops/index.js';
import {checkGradients, randn64} from '../testing/gradcheck.js';
import {Tensor, tensor} from '../tensor/tensor.js';
import {GradientTape} from './tape.js';
import {elementwiseGrads} from './elementwise.js';

// one suite, run per backend: `KERAS_BACKEND=native npm test` (float64 cases run on reference)
setBackend(process.env['KERAS_BACKEND'] ?? 'reference');

/** randn64 with every value moved at least `margin` away from the kinks in `kinks`. */
function awayFrom(t: Tensor, kinks: number[] = [0], margin = 0.05): Tensor {
  const v = Float64Array.from(t.values as Float64Array);
  for (let i = 0; i < v.length; i++) {
    for (const k of kinks) if (Math.abs(v[i]! - k) < margin) v[i] = k + (v[i]! >= k ? margin : -margin) * 2;
  }
  return new Tensor(t.shape, 'float64', v);
}
const positive = (shape: number[], seed: number) => ops.add(ops.abs(randn64(shape, seed)), 0.2);

const covered = new Set<string>();
function check(kernel: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: {rtol?: number; eps?: number} = {}) {
  covered.add(kernel);
  checkGradients(f, inputs, {label: kernel, ...opts});
}

test('unary elementwise gradients match central finite differences', () => {
  const x = awayFrom(randn64([3, 4], 11));
  check('Neg', (a) => ops.negative(a!), [x]);
  check('Abs', (a) => ops.abs(a!), [x]);
  check('Exp', (a) => ops.exp(a!), [x]);
  check('Expm1', (a) => ops.expm1(a!), [x]);
  check('Log', (a) => ops.log(a!), [positive([3, 4], 12)]);
  check('Log1p', (a) => ops.log1p(a!), [ops.subtract(positive([3, 4], 13), 0.9)]);
  check('Sqrt', (a) => ops.sqrt(a!), [positive([3, 4], 14)]);
  check('Rsqrt', (a) => ops.rsqrt(a!), [positive([3, 4], 15)]);
  check('Square', (a) => ops.square(a!), [x]);
  check('Reciprocal', (a) => ops.reciprocal(a!), [x]);
  check('Sin', (a) => ops.sin(a!), [x]);
  check('Cos', (a) => ops.cos(a!), [x]);
  check('Tanh', (a) => ops.tanh(a!), [x]);
  check('Sigmoid', (a) => ops.sigmoid(a!), [ops.multiply(x, 3)]);
  check('Softplus', (a) => ops.softplus(a!), [ops.multiply(x, 3)]);
  check('Softsign', (a) => ops.softsign(a!), [x]);
  check('Erf', (a) => ops.erf(a!), [x]);
});

test('activation gradients on both sides of their kinks', () => {
  const x = awayFrom(randn64([4, 5], 21, 2));
  assert.ok(x.values.some((v) => v < 0) && x.values.some((v) => v > 0));
  check('Relu', (a) => ops.relu(a!), [x]);
  check('Elu', (a) => ops.elu(a!), [x]);
  checkGradients((a) => ops.elu(a!, 0.3), [x], {label: 'Elu alpha=0.3'});
  check('Selu', (a) => ops.selu(a!), [x]);
  check('LeakyRelu', (a) => ops.leakyRelu(a!), [x]);
  checkGradients((a) => ops.leakyRelu(a!, 0.01), [x], {label: 'LeakyRelu 0.01'});
  check('Gelu', (a) => ops.gelu(a!, true), [x]);
  checkGradients((a) => ops.gelu(a!, false), [x], {label: 'Gelu exact (erf form)'});
});

test('clip passes the gradient inside [min, max] and blocks it outside', () => {
  const x = awayFrom(randn64([3, 5], 31, 2), [-1, 1.5]);
  check('Clip', (a) => ops.clip(a!, -1, 1.5), [x]);
  const tape = new GradientTape();
  const t = tensor([-3, 0.5, 3], undefined, 'float64');
  tape.watch(t);
  const y = tape.run(() => ops.sum(ops.clip(t, -1, 1)));
  assert.deepEqual([...tape.gradient(y, [t])[0]!.values], [0, 1, 0]);
});

test('cast float->float passes the gradient back in the input dtype; float->int has none', () => {
  const x = randn64([2, 3], 41);
  check('Cast', (a) => ops.cast(a!, 'float32'), [x], {eps: 1e-3, rtol: 1e-3});
  const tape = new GradientTape({persistent: true});
  tape.watch(x);
  const y = tape.run(() => ops.sum(ops.multiply(ops.cast(x, 'float32'), 2)));
  const g = tape.gradient(y, [x])[0]!;
  assert.equal(g.dtype, 'float64');
  assert.deepEqual([...g.values], [2, 2, 2, 2, 2, 2]);
  const z = tape.run(() => ops.sum(ops.cast(ops.cast(x, 'int32'), 'float64')));
  assert.equal(tape.gradient(z, [x])[0], null);
});

test('binary gradients with broadcasting', () => {
  const a = randn64([2, 3, 1], 51), b = randn64([3, 4], 52);
  check('Add', (p, q) => ops.add(p!, q!), [a, b]);
  check('Sub', (p, q) => ops.subtract(p!, q!), [a, b]);
  check('Mul', (p, q) => ops.multiply(p!, q!), [a, b]);
  check('Div', (p, q) => ops.divide(p!, q!), [a, awayFrom(b, [0], 0.3)]);
  check('Pow', (p, q) => ops.power(p!, q!), [positive([2, 3, 1], 53), b]);
  // distinct values, no ties
  check('Maximum', (p, q) => ops.maximum(p!, q!), [a, b]);
  check('Minimum', (p, q) => ops.minimum(p!, q!), [a, b]);
  // scalar and rank-0 operands
  checkGradients((p, q) => ops.multiply(p!, q!), [randn64([3], 54), randn64([], 55)], {label: 'Mul by rank-0'});
  checkGradients((p) => ops.subtract(2, p!), [randn64([3], 56)], {label: 'Sub from number'});
});

test('pow gradient for a negative base with an integer exponent', () => {
  checkGradients((p) => ops.power(p!, 3), [awayFrom(randn64([5], 57))], {label: 'Pow x^3'});
});

test('mod gradient away from its jumps', () => {
  const a = tensor([[7.3, -7.3, 2.2], [-0.4, 5.9, -3.1]], undefined, 'float64');
  const b = tensor([2.5, 1.7, -1.3], undefined, 'float64');
  for (const [p, q] of [[a, b]] as const) {
    const r = ops.divide(p, q).values;
    for (const v of r) assert.ok(Math.abs(v - Math.round(v)) > 0.05, 'inputs sit away from the jumps of mod');
  }
  check('Mod', (p, q) => ops.mod(p!, q!), [a, b]);
});

test('where sends the gradient to the chosen branch, with broadcasting', () => {
  const cond = tensor([[true, false, true, false], [false, false, true, true]]);
  check('Where', (p, q) => ops.where(cond, p!, q!), [randn64([2, 4], 61), randn64([4], 62)]);
});

test('every differentiable elementwise kernel is gradient-checked; the others stay nondifferentiable', () => {
  const differentiable = Object.entries(elementwiseGrads).filter(([, r]) => r !== 'nondifferentiable').map(([k]) => k);
  assert.deepEqual(differentiable.filter((k) => !covered.has(k)), [], 'kernels without a gradient check');
  const nondiff = [
    'Sign', 'Floor', 'Ceil', 'Round', 'IsNan', 'LogicalNot', 'FloorDiv', 'Equal', 'NotEqual', 'Less', 'LessEqual',
    'Greater', 'GreaterEqual', 'LogicalAnd', 'LogicalOr', 'LogicalXor',
  ];
  for (const k of nondiff) assert.equal(elementwiseGrads[k as keyof typeof elementwiseGrads], 'nondifferentiable', k);
});

test('no gradient flows through nondifferentiable kernels', () => {
  const x = tensor([0.3, 1.7, -2.2], undefined, 'float64');
  const tape = new GradientTape({persistent: true});
  tape.watch(x);
  const y = tape.run(() => ops.sum(ops.add(ops.floor(x), ops.multiply(ops.round(x), ops.sign(x)))));
  assert.equal(tape.gradient(y, [x])[0], null);
  // through where(condition) the condition gets none, the branch does
  const z = tape.run(() => ops.sum(ops.where(ops.greater(x, 0), x, 0)));
  assert.deepEqual([...tape.gradient(z, [x])[0]!.values], [1, 1, 0]);
});
