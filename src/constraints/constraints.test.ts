import assert from 'node:assert/strict';
import {test} from 'node:test';
import {tensor} from '../tensor/tensor.js';
import * as constraints from './index.js';
import {MaxNorm, MinMaxNorm, NonNeg, UnitNorm} from './index.js';

function close(a: number[][], b: number[][], tol = 1e-5): void {
  a.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - b[i]![j]!) < tol, `[${i}][${j}] ${v} vs ${b[i]![j]}`)));
}

// columns have norms 5 and 1 (axis 0, as a Dense kernel's per-unit norms)
const w = tensor([[3, 1], [4, 0]]);

test('MaxNorm rescales columns above maxValue', () => {
  close(new MaxNorm({maxValue: 2}).call(w).arraySync() as number[][], [[1.2, 1], [1.6, 0]]);
  close(new MaxNorm({maxValue: 2, axis: 1}).call(tensor([[3, 4]])).arraySync() as number[][], [[1.2, 1.6]]);
});

test('UnitNorm, NonNeg, MinMaxNorm', () => {
  close(new UnitNorm().call(w).arraySync() as number[][], [[0.6, 1], [0.8, 0]]);
  assert.deepEqual(new NonNeg().call(tensor([-1, 2])).arraySync(), [0, 2]);
  // norms 5 -> 2 (max) and 1 -> 1.5 (min), with rate 1
  close(new MinMaxNorm({minValue: 1.5, maxValue: 2}).call(w).arraySync() as number[][], [[1.2, 1.5], [1.6, 0]]);
  // rate 0.5: halfway between the norm and its clipped value
  close(new MinMaxNorm({minValue: 0, maxValue: 1, rate: 0.5}).call(w).arraySync() as number[][], [[1.8, 1], [2.4, 0]]);
});

test('get and serialize', () => {
  assert.ok(constraints.get('max_norm') instanceof MaxNorm);
  assert.ok(constraints.get('non_neg') instanceof NonNeg);
  assert.ok(constraints.get('UnitNorm') instanceof UnitNorm);
  const s = constraints.serialize(new MaxNorm({maxValue: 3, axis: [0, 1]}));
  assert.deepEqual(s, {className: 'MaxNorm', config: {maxValue: 3, axis: [0, 1]}});
  assert.equal((constraints.get(s) as MaxNorm).maxValue, 3);
  assert.throws(() => constraints.get('bounded'), /Could not interpret constraint identifier: bounded/);
});
