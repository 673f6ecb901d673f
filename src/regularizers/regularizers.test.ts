import assert from 'node:assert/strict';
import {test} from 'node:test';
import {tensor} from '../tensor/tensor.js';
import * as regularizers from './index.js';
import {L1, L1L2, L2, OrthogonalRegularizer} from './index.js';

const x = tensor([[1, -2], [3, -4]]);

test('L1, L2, L1L2: Keras 3 formulas and defaults', () => {
  assert.ok(Math.abs(new L1().call(x).item() - 0.01 * 10) < 1e-7);
  assert.ok(Math.abs(new L2().call(x).item() - 0.01 * 30) < 1e-6);
  assert.ok(Math.abs(new L1(0.5).call(x).item() - 5) < 1e-6);
  assert.ok(Math.abs(new L2({l2: 0.1}).call(x).item() - 3) < 1e-6);
  assert.ok(Math.abs(new L1L2({l1: 0.1, l2: 0.01}).call(x).item() - (1 + 0.3)) < 1e-6);
  assert.equal(new L1L2().call(x).item(), 0);
  assert.deepEqual(new L1L2({l2: 0.1}).getConfig(), {l1: 0, l2: 0.1});
  assert.throws(() => new L2(-1), /Invalid value for argument l2: expected a non-negative float. Received: l2=-1/);
});

test('OrthogonalRegularizer: zero for orthogonal rows, positive otherwise', () => {
  const r = new OrthogonalRegularizer({factor: 1});
  assert.ok(Math.abs(r.call(tensor([[2, 0], [0, 3]])).item()) < 1e-7);
  // rows (1, 0) and (1, 1)/sqrt2: |cos| = 1/sqrt2; one pair: 0.5 * 2 * cos / 1
  assert.ok(Math.abs(r.call(tensor([[1, 0], [1, 1]])).item() - Math.SQRT1_2) < 1e-6);
  assert.throws(() => r.call(tensor([1, 2])), /must have rank 2/);
});

test('get and serialize', () => {
  assert.ok(regularizers.get('l2') instanceof L2);
  assert.equal((regularizers.get('l1') as L1).l1, 0.01);
  assert.ok(regularizers.get('l1_l2') instanceof L1L2);
  const s = regularizers.serialize(new L1L2({l1: 0.2}));
  assert.deepEqual(s, {className: 'L1L2', config: {l1: 0.2, l2: 0}});
  assert.equal((regularizers.get(s) as L1L2).l1, 0.2);
  assert.throws(() => regularizers.get('l3'), /Could not interpret regularizer identifier: l3/);
});
