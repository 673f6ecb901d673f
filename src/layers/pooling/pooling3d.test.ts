import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as ops from '../../ops/index.js';
import {randomNormal} from '../../tensor/random.js';
import {runLayerTest} from '../../testing/layer_test.js';
import {AveragePooling3D} from './average_pooling3d.js';
import {GlobalAveragePooling3D} from './global_average_pooling3d.js';
import {GlobalMaxPooling3D} from './global_max_pooling3d.js';
import {MaxPooling3D} from './max_pooling3d.js';

const none = {expectedNumTrainableWeights: 0, expectedNumNonTrainableWeights: 0, expectedNumSeedGenerators: 0};

test('MaxPooling3D and AveragePooling3D: shapes, strides, same padding, channels_first, config', () => {
  runLayerTest(MaxPooling3D, {inputShape: [2, 4, 4, 6, 3], expectedOutputShape: [2, 2, 2, 3, 3], ...none});
  runLayerTest(MaxPooling3D, {init: [[3, 2, 3]], options: {strides: [2, 1, 2], padding: 'same'}, inputShape: [1, 5, 4, 5, 2], expectedOutputShape: [1, 3, 4, 3, 2], ...none});
  runLayerTest(AveragePooling3D, {init: [2], options: {dataFormat: 'channels_first'}, inputShape: [1, 2, 4, 5, 6], expectedOutputShape: [1, 2, 2, 2, 3], ...none});
  runLayerTest(AveragePooling3D, {init: [{poolSize: 3, strides: 2, padding: 'same'}], inputShape: [1, 5, 5, 5, 1], expectedOutputShape: [1, 3, 3, 3, 1], ...none});
  const p = new MaxPooling3D();
  assert.deepEqual(p.getConfig()['poolSize'], [2, 2, 2]);
  assert.deepEqual(p.getConfig()['strides'], [2, 2, 2]);
  assert.throws(() => new MaxPooling3D([2, 2]), /pool_size/);
  // the layer is the op
  const x = randomNormal([1, 4, 4, 4, 2], {seed: 1});
  const y = new AveragePooling3D(2).apply(x) as ReturnType<typeof ops.add>;
  assert.deepEqual([...y.values], [...ops.averagePool(x, 2).values]);
});

test('GlobalMaxPooling3D and GlobalAveragePooling3D: [n, d, h, w, c] -> [n, c], keepdims, channels_first', () => {
  runLayerTest(GlobalMaxPooling3D, {inputShape: [2, 3, 4, 2, 5], expectedOutputShape: [2, 5], ...none});
  runLayerTest(GlobalAveragePooling3D, {options: {keepdims: true}, inputShape: [2, 3, 4, 2, 5], expectedOutputShape: [2, 1, 1, 1, 5], ...none});
  runLayerTest(GlobalAveragePooling3D, {options: {dataFormat: 'channels_first'}, inputShape: [2, 5, 3, 4, 2], expectedOutputShape: [2, 5], ...none});
  const x = randomNormal([2, 3, 4, 2, 5], {seed: 2});
  const y = new GlobalAveragePooling3D().apply(x) as ReturnType<typeof ops.add>;
  const want = ops.mean(x, [1, 2, 3]);
  for (let i = 0; i < y.size; i++) assert.ok(Math.abs(y.values[i]! - want.values[i]!) < 1e-6);
});
