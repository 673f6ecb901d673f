import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as ops from '../ops/index.js';
import {tensor, type Tensor} from '../tensor/tensor.js';
import {checkGradients, randn64} from '../testing/gradcheck.js';
import {GradientTape, valueAndGrad} from './tape.js';
import {Variable} from '../autodiff/variable.js';

test('matmul gradient matches finite differences, all transpose flags, batched with broadcasting', () => {
  for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const a = randn64(tA ? [2, 4, 3] : [2, 3, 4], 1);
    const b = randn64(tB ? [5, 4] : [4, 5], 2);
    checkGradients((x, y) => ops.matmul(x!, y!, {transposeA: tA, transposeB: tB}), [a, b], {label: `matmul tA=${tA} tB=${tB}`});
  }
});

test('broadcast gradients are summed back to the input shape', () => {
  checkGradients((a, b) => ops.multiply(a!, b!), [randn64([3, 1, 4], 3), randn64([2, 1], 4)], {label: 'mul broadcast'});
});

test('trainable variables are watched when read', () => {
  const w = new Variable(tensor([[1, 2], [3, 4]]), {name: 'w'});
  const x = tensor([[1, 1]]);
  const tape = new GradientTape();
  const loss = tape.run(() => ops.sum(ops.matmul(x, w)));
  const [g] = tape.gradient(loss, [w]);
  assert.deepEqual(g!.arraySync(), [[1, 1], [1, 1]]);
});

test('valueAndGrad returns the value and a gradient per argument, none for the variables f reads', () => {
  const w = new Variable(tensor([1, 1, 1], undefined, 'float64'), {name: 'w'});
  const f = (x: Tensor, _y: Tensor) => ops.sum(ops.multiply(ops.square(x), w));
  const {value, grads} = valueAndGrad(f)(tensor([1, 2, 3], undefined, 'float64'), tensor([5], undefined, 'float64'));
  assert.equal(value.item(), 14);
  assert.equal(grads.length, 2);
  assert.deepEqual(grads[0]!.arraySync(), [2, 4, 6]);
  assert.deepEqual(grads[1]!.arraySync(), [0]); // f does not depend on y
});

test('a non-persistent tape refuses a second gradient call', () => {
  const x = tensor([1, 2], undefined, 'float64');
  const tape = new GradientTape();
  tape.watch(x);
  const y = tape.run(() => ops.sum(ops.exp(x)));
  tape.gradient(y, [x]);
  assert.throws(() => tape.gradient(y, [x]), /only be called once/);
});
