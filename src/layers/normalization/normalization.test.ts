import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as ops from '../../ops/index.js';
import {randomNormal} from '../../tensor/random.js';
import {tensor} from '../../tensor/tensor.js';
import {runLayerTest} from '../../testing/layer_test.js';
import {BatchNormalization} from './batch_normalization.js';
import {LayerNormalization} from './layer_normalization.js';

test('BatchNormalization: run_layer_test, weight order and names', () => {
  runLayerTest(BatchNormalization, {inputShape: [4, 3], expectedOutputShape: [4, 3], expectedNumTrainableWeights: 2, expectedNumNonTrainableWeights: 2, supportsMasking: true});
  runLayerTest(BatchNormalization, {options: {axis: 1, center: false}, inputShape: [4, 3, 5, 5], expectedOutputShape: [4, 3, 5, 5], expectedNumTrainableWeights: 1, expectedNumNonTrainableWeights: 2});
  const bn = new BatchNormalization({name: 'bn'});
  bn.apply(tensor([[1, 2]]));
  assert.deepEqual(bn.weights.map((v) => [v.path, [...v.shape], v.trainable]), [
    ['bn/gamma', [2], true], ['bn/beta', [2], true], ['bn/moving_mean', [2], false], ['bn/moving_variance', [2], false],
  ]);
  assert.equal(bn.momentum, 0.99);
  assert.equal(bn.epsilon, 1e-3);
});

test('BatchNormalization: batch statistics and moving updates only in training', () => {
  const bn = new BatchNormalization({momentum: 0.9});
  const x = tensor([[1, 10], [3, 30]]);
  const inf = bn.apply(x).arraySync() as number[][];
  // inference with fresh moving stats (0, 1): x / sqrt(1 + eps)
  assert.ok(Math.abs(inf[1]![1]! - 30 / Math.sqrt(1.001)) < 1e-4);
  assert.deepEqual([...bn.movingMean.value.dataSync()], [0, 0]);
  const y = bn.apply(x, {training: true}).arraySync() as number[][];
  // mean (2, 20), biased variance (1, 100)
  assert.ok(Math.abs(y[0]![0]! + 1 / Math.sqrt(1.001)) < 1e-5 && Math.abs(y[1]![1]! - 10 / Math.sqrt(100.001)) < 1e-5);
  const mm = bn.movingMean.value.dataSync(), mv = bn.movingVariance.value.dataSync();
  assert.ok(Math.abs(mm[0]! - 0.2) < 1e-6 && Math.abs(mm[1]! - 2) < 1e-5);
  assert.ok(Math.abs(mv[0]! - (0.9 + 0.1 * 1)) < 1e-6 && Math.abs(mv[1]! - (0.9 + 0.1 * 100)) < 1e-4);
  // a frozen layer uses its moving statistics even when training
  bn.trainable = false;
  const before = [...bn.movingMean.value.dataSync()];
  bn.apply(x, {training: true});
  assert.deepEqual([...bn.movingMean.value.dataSync()], before);
});

test('BatchNormalization: masked moments ignore masked steps', () => {
  const bn = new BatchNormalization({momentum: 0});
  bn.apply(tensor([[[1], [3], [100]]]), {training: true, mask: tensor([[true, true, false]])});
  assert.ok(Math.abs(bn.movingMean.value.dataSync()[0]! - 2) < 1e-5);
  assert.ok(Math.abs(bn.movingVariance.value.dataSync()[0]! - 1) < 1e-5);
});

test('LayerNormalization: per-sample statistics, axes, config', () => {
  runLayerTest(LayerNormalization, {inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], expectedNumTrainableWeights: 2, expectedNumNonTrainableWeights: 0, supportsMasking: true});
  runLayerTest(LayerNormalization, {options: {axis: [1, 2], scale: false}, inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], expectedNumTrainableWeights: 1, expectedNumNonTrainableWeights: 0});
  const x = randomNormal([3, 5], {seed: 2});
  const y = new LayerNormalization({epsilon: 0}).apply(x);
  const m = ops.mean(y, -1).dataSync(), v = ops.mean(ops.square(y), -1).dataSync();
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(m[i]!) < 1e-5 && Math.abs(v[i]! - 1) < 1e-4);
  const ln = new LayerNormalization({axis: -1});
  ln.apply(x);
  assert.deepEqual(ln.getConfig()['axis'], [1]);
  assert.equal(ln.epsilon, 1e-3);
});
