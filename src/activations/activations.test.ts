import assert from 'node:assert/strict';
import {test} from 'node:test';
import {tensor} from '../tensor/tensor.js';
import * as activations from './index.js';

const xs = [-3, -1, -0.5, 0, 0.5, 1, 3];
const softplus = (x: number) => Math.log1p(Math.exp(x));
function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse for 1e-6; integrate the series instead
  let sum = 0, term = x;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const REF: Record<string, (x: number) => number> = {
  linear: (x) => x,
  relu: (x) => Math.max(x, 0),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: Math.tanh,
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  selu: (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x)),
  softplus,
  softsign: (x) => x / (1 + Math.abs(x)),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  silu: (x) => x / (1 + Math.exp(-x)),
  swish: (x) => x / (1 + Math.exp(-x)),
  leaky_relu: (x) => (x > 0 ? x : 0.2 * x),
  relu6: (x) => Math.min(Math.max(x, 0), 6),
  hard_sigmoid: (x) => Math.min(Math.max(x / 6 + 0.5, 0), 1),
  exponential: Math.exp,
  mish: (x) => x * Math.tanh(softplus(x)),
};

test('activations match their definitions (Keras 3: gelu exact, hard_sigmoid = relu6(x + 3) / 6)', () => {
  const t = tensor(xs, undefined, 'float64');
  for (const [name, f] of Object.entries(REF)) {
    const y = activations.get(name)(t).dataSync();
    xs.forEach((x, i) => assert.ok(Math.abs(y[i]! - f(x)) < 1e-6, `${name}(${x}) = ${y[i]}, expected ${f(x)}`));
  }
});

test('softmax and log_softmax act on the last axis', () => {
  const y = activations.get('softmax')(tensor([[1, 2, 3], [0, 0, 0]])).arraySync() as number[][];
  const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
  assert.ok(Math.abs(y[0]![2]! - Math.exp(3) / z) < 1e-6 && Math.abs(y[1]![0]! - 1 / 3) < 1e-6);
  const l = activations.get('log_softmax')(tensor([[1, 2, 3]])).arraySync() as number[][];
  assert.ok(Math.abs(l[0]![0]! - (1 - Math.log(z))) < 1e-5);
});

test('get / serialize: names, functions, null = linear, errors', () => {
  for (const name of ['relu', 'softmax', 'gelu', 'leaky_relu', 'hard_sigmoid', 'log_softmax', 'mish', 'linear']) {
    assert.equal(activations.serialize(activations.get(name)), name);
  }
  assert.equal(activations.serialize(activations.get('swish')), 'silu');
  assert.equal(activations.get(null), activations.linear);
  assert.equal(activations.get(undefined), activations.linear);
  const custom = function myAct(x: ReturnType<typeof tensor>) { return x; };
  assert.equal(activations.get(custom), custom);
  assert.equal(activations.serialize(custom), 'myAct');
  assert.throws(() => activations.get('relu7'), /Could not interpret activation function identifier: relu7/);
  const r = activations.relu(tensor([-2, 1, 8]), {negativeSlope: 0.5, maxValue: 6});
  assert.deepEqual(r.arraySync(), [-1, 1, 6]);
});
