import assert from 'node:assert/strict';
import {test} from 'node:test';
import {tensor} from '../../tensor/tensor.js';
import {runLayerTest} from '../../testing/layer_test.js';
import {AveragePooling1D} from './average_pooling1d.js';
import {AveragePooling2D} from './average_pooling2d.js';
import {GlobalAveragePooling1D} from './global_average_pooling1d.js';
import {GlobalAveragePooling2D} from './global_average_pooling2d.js';
import {GlobalMaxPooling1D} from './global_max_pooling1d.js';
import {GlobalMaxPooling2D} from './global_max_pooling2d.js';
import {MaxPooling1D} from './max_pooling1d.js';
import {MaxPooling2D} from './max_pooling2d.js';

const none = {expectedNumTrainableWeights: 0, expectedNumNonTrainableWeights: 0, expectedNumSeedGenerators: 0};

test('MaxPooling1D/2D: shapes with valid/same, strides, channels_first', () => {
  runLayerTest(MaxPooling1D, {init: [2], inputShape: [2, 5, 3], expectedOutputShape: [2, 2, 3], ...none});
  runLayerTest(MaxPooling1D, {init: [3], options: {strides: 1, padding: 'same'}, inputShape: [2, 5, 3], expectedOutputShape: [2, 5, 3], ...none});
  runLayerTest(MaxPooling2D, {init: [[2, 2]], inputShape: [2, 5, 6, 3], expectedOutputShape: [2, 2, 3, 3], ...none});
  runLayerTest(MaxPooling2D, {init: [[3, 2]], options: {strides: [2, 1], padding: 'same'}, inputShape: [2, 5, 6, 3], expectedOutputShape: [2, 3, 6, 3], ...none});
  runLayerTest(MaxPooling2D, {options: {dataFormat: 'channels_first'}, inputShape: [2, 3, 4, 6], expectedOutputShape: [2, 3, 2, 3], ...none});
  assert.deepEqual(new MaxPooling1D(2).apply(tensor([[[1], [3], [2], [0]]])).arraySync(), [[[3], [2]]]);
  assert.deepEqual(new MaxPooling2D().getConfig()['strides'], [2, 2]);
});

test('AveragePooling1D/2D', () => {
  runLayerTest(AveragePooling1D, {init: [2], inputShape: [2, 5, 3], expectedOutputShape: [2, 2, 3], ...none});
  runLayerTest(AveragePooling2D, {init: [[2, 2]], options: {padding: 'same'}, inputShape: [2, 5, 5, 3], expectedOutputShape: [2, 3, 3, 3], ...none});
  assert.deepEqual(new AveragePooling1D(2).apply(tensor([[[1], [3], [2], [0]]])).arraySync(), [[[2], [1]]]);
});

test('Global pooling: keepdims, channels_first, masked average', () => {
  runLayerTest(GlobalMaxPooling1D, {inputShape: [2, 5, 3], expectedOutputShape: [2, 3], ...none});
  runLayerTest(GlobalAveragePooling1D, {options: {keepdims: true}, inputShape: [2, 5, 3], expectedOutputShape: [2, 1, 3], supportsMasking: true, ...none});
  runLayerTest(GlobalMaxPooling2D, {inputShape: [2, 4, 5, 3], expectedOutputShape: [2, 3], ...none});
  runLayerTest(GlobalAveragePooling2D, {options: {dataFormat: 'channels_first'}, inputShape: [2, 3, 4, 5], expectedOutputShape: [2, 3], ...none});
  const x = tensor([[[1, 10], [3, 20], [8, 30]]]);
  assert.deepEqual(new GlobalAveragePooling1D().apply(x).arraySync(), [[4, 20]]);
  assert.deepEqual(new GlobalAveragePooling1D().apply(x, {mask: tensor([[true, true, false]])}).arraySync(), [[2, 15]]);
  assert.deepEqual(new GlobalMaxPooling1D().apply(x).arraySync(), [[8, 30]]);
});
