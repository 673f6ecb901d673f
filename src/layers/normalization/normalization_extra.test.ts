import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as ops from '../../ops/index.js';
import {randomNormal} from '../../tensor/random.js';
import {Tensor, tensor} from '../../tensor/tensor.js';
import {runLayerTest} from '../../testing/layer_test.js';
import {GroupNormalization} from './group_normalization.js';
import {LayerNormalization} from './layer_normalization.js';
import {RMSNormalization} from './rms_normalization.js';
import {UnitNormalization} from './unit_normalization.js';

const close = (a: Tensor, b: Tensor, tol: number, label: string) => {
  assert.deepEqual([...a.shape], [...b.shape], label);
  for (let i = 0; i < a.size; i++) assert.ok(Math.abs(a.values[i]! - b.values[i]!) <= tol, `${label}: element ${i}: ${a.values[i]} vs ${b.values[i]}`);
};

test('GroupNormalization: run_layer_test, weights, groups -1 (instance norm), groups 1 (layer norm), errors', () => {
  const base = {expectedNumNonTrainableWeights: 0, expectedNumSeedGenerators: 0, supportsMasking: true};
  runLayerTest(GroupNormalization, {options: {groups: 2}, inputShape: [3, 4, 4], expectedOutputShape: [3, 4, 4], expectedNumTrainableWeights: 2, ...base});
  runLayerTest(GroupNormalization, {options: {groups: 3, axis: 1, center: false}, inputShape: [2, 6, 3, 2], expectedOutputShape: [2, 6, 3, 2], expectedNumTrainableWeights: 1, ...base});
  runLayerTest(GroupNormalization, {options: {groups: -1, scale: false, center: false}, inputShape: [2, 3, 5], expectedOutputShape: [2, 3, 5], expectedNumTrainableWeights: 0, runTrainingCheck: false, ...base});
  const g = new GroupNormalization({groups: 2, name: 'gn'});
  const x = randomNormal([2, 3, 3, 4], {seed: 5});
  const y = g.apply(x) as Tensor;
  assert.deepEqual(g.weights.map((v) => [v.path, [...v.shape]]), [['gn/gamma', [4]], ['gn/beta', [4]]]);
  // each group of each sample: mean 0, variance var / (var + eps)
  for (let n = 0; n < 2; n++) {
    for (let grp = 0; grp < 2; grp++) {
      const vals: number[] = [], raw: number[] = [];
      for (let p = 0; p < 9; p++) for (let c = 2 * grp; c < 2 * grp + 2; c++) {
        vals.push(y.values[(n * 9 + p) * 4 + c]!);
        raw.push(x.values[(n * 9 + p) * 4 + c]!);
      }
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      const variance = (v: number[]) => mean(v.map((e) => (e - mean(v)) ** 2));
      assert.ok(Math.abs(mean(vals)) < 1e-5);
      const vr = variance(raw);
      assert.ok(Math.abs(variance(vals) - vr / (vr + 1e-3)) < 1e-4);
    }
  }
  // groups: 1 over a rank-2 input is LayerNormalization
  const x2 = randomNormal([3, 8], {seed: 6});
  close(new GroupNormalization({groups: 1}).apply(x2) as Tensor, new LayerNormalization().apply(x2) as Tensor, 1e-5, 'groups 1 vs LayerNormalization');
  // groups: -1 becomes the channel count once built, and the config says so (as Keras)
  const inst = new GroupNormalization({groups: -1});
  assert.equal(inst.getConfig()['groups'], -1);
  inst.apply(x);
  assert.equal(inst.getConfig()['groups'], 4);
  assert.throws(() => new GroupNormalization({groups: 0}), /expected a positive integer \(or `-1` for instance normalization\). Received: groups=0/);
  assert.throws(() => new GroupNormalization({groups: 3}).apply(x), /Number of groups \(3\) must be a multiple of the number of channels \(4\)/);
  assert.throws(() => new GroupNormalization({groups: 8}).apply(x), /Number of groups \(8\) cannot be more than the number of channels \(4\)/);
  assert.deepEqual(Object.keys(g.getConfig()).sort(), [
    'axis', 'betaConstraint', 'betaInitializer', 'betaRegularizer', 'center', 'dtype', 'epsilon', 'gammaConstraint', 'gammaInitializer',
    'gammaRegularizer', 'groups', 'name', 'scale', 'trainable',
  ]);
});

test('UnitNormalization: unit L2 norm over the axis (or axes); zero rows stay zero', () => {
  runLayerTest(UnitNormalization, {inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], expectedNumTrainableWeights: 0, expectedNumNonTrainableWeights: 0, supportsMasking: true});
  runLayerTest(UnitNormalization, {options: {axis: [1, 2]}, inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], expectedNumTrainableWeights: 0});
  const y = new UnitNormalization().apply(tensor([[3, 4], [0, 0]])) as Tensor;
  close(y, tensor([[0.6, 0.8], [0, 0]]), 1e-7, 'unit norm');
  const z = new UnitNormalization({axis: [1, 2]}).apply(randomNormal([2, 3, 4], {seed: 2})) as Tensor;
  const norms = ops.sqrt(ops.sum(ops.square(z), [1, 2]));
  close(norms, tensor([1, 1]), 1e-6, 'norms over [1, 2]');
  assert.throws(() => new UnitNormalization({axis: 3}).apply(tensor([[1, 2]])), /axis 3 is out of bounds for input shape \[1, 2\]/);
  assert.throws(() => new UnitNormalization({axis: 'x' as never}), /expected an int or a list\/tuple of ints/);
});

test('RMSNormalization: x * rsqrt(mean(x^2) + eps) * scale; weight "scale"; axis list after build', () => {
  runLayerTest(RMSNormalization, {inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], expectedNumTrainableWeights: 1, expectedNumNonTrainableWeights: 0});
  runLayerTest(RMSNormalization, {options: {axis: [1, 2], epsilon: 1e-3}, inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], expectedNumTrainableWeights: 1});
  const r = new RMSNormalization({name: 'rms'});
  const x = tensor([[1, 2, 3, 4]]);
  const y = r.apply(x) as Tensor;
  const rms = Math.sqrt((1 + 4 + 9 + 16) / 4 + 1e-6);
  close(y, tensor([[1 / rms, 2 / rms, 3 / rms, 4 / rms]]), 1e-6, 'rms');
  assert.deepEqual(r.weights.map((v) => [v.path, [...v.shape]]), [['rms/scale', [4]]]);
  // Keras keeps the axis as a list once built
  assert.deepEqual(r.getConfig()['axis'], [-1]);
  assert.deepEqual(Object.keys(r.getConfig()).sort(), ['axis', 'dtype', 'epsilon', 'name', 'trainable']);
  const r2 = new RMSNormalization({axis: [2, 1]});
  r2.apply(randomNormal([2, 3, 4], {seed: 1}));
  assert.deepEqual(r2.scale.shape, [3, 4]);
  assert.deepEqual(r2.getConfig()['axis'], [1, 2]);
});
