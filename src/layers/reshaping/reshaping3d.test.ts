import assert from 'node:assert/strict';
import {test} from 'node:test';
import {runLayerTest} from '../../testing/layer_test.js';
import {Tensor} from '../../tensor/tensor.js';
import {Cropping3D} from './cropping3d.js';
import {UpSampling3D} from './up_sampling3d.js';
import {ZeroPadding3D} from './zero_padding3d.js';

const none = {expectedNumTrainableWeights: 0, expectedNumNonTrainableWeights: 0, expectedNumSeedGenerators: 0};

/** x[n, d, h, w, c] = the flat index, so the values say where they came from. */
const volume = (shape: number[]) => new Tensor(shape, 'float32', Float32Array.from({length: shape.reduce((a, b) => a * b, 1)}, (_, i) => i));

test('ZeroPadding3D: int, per-axis, per-side; channels_first; values', () => {
  runLayerTest(ZeroPadding3D, {inputShape: [2, 2, 3, 2, 2], expectedOutputShape: [2, 4, 5, 4, 2], ...none});
  runLayerTest(ZeroPadding3D, {init: [[1, 2, 0]], inputShape: [1, 2, 3, 2, 2], expectedOutputShape: [1, 4, 7, 2, 2], ...none});
  runLayerTest(ZeroPadding3D, {init: [[[1, 0], [0, 2], [3, 1]]], options: {dataFormat: 'channels_first'}, inputShape: [1, 2, 2, 3, 2], expectedOutputShape: [1, 2, 3, 5, 6], ...none});
  const y = new ZeroPadding3D([[1, 0], [0, 0], [0, 1]]).apply(volume([1, 1, 1, 2, 1])) as Tensor;
  assert.deepEqual(y.arraySync(), [[[[[0], [0], [0]]], [[[0], [1], [0]]]]]);
  assert.deepEqual(new ZeroPadding3D(2).getConfig()['padding'], [[2, 2], [2, 2], [2, 2]]);
  assert.throws(() => new ZeroPadding3D([1, 2]), /`padding` should have three elements/);
});

test('Cropping3D: Keras default ((1, 1), (1, 1), (1, 1)), per-side, channels_first; values', () => {
  runLayerTest(Cropping3D, {inputShape: [2, 4, 4, 5, 2], expectedOutputShape: [2, 2, 2, 3, 2], ...none});
  runLayerTest(Cropping3D, {init: [[[1, 0], [0, 2], [1, 1]]], options: {dataFormat: 'channels_first'}, inputShape: [1, 2, 3, 4, 5], expectedOutputShape: [1, 2, 2, 2, 3], ...none});
  const y = new Cropping3D([[1, 0], [0, 1], [1, 0]]).apply(volume([1, 2, 2, 2, 1])) as Tensor;
  assert.deepEqual(y.arraySync(), [[[[[5]]]]]);
  assert.throws(() => new Cropping3D(2).apply(volume([1, 4, 4, 3, 1])), /Cropping3D|cropping/);
});

test('UpSampling3D: repeats slices, rows and columns; channels_first', () => {
  runLayerTest(UpSampling3D, {inputShape: [2, 2, 3, 2, 2], expectedOutputShape: [2, 4, 6, 4, 2], ...none});
  runLayerTest(UpSampling3D, {init: [[1, 2, 3]], options: {dataFormat: 'channels_first'}, inputShape: [1, 2, 2, 3, 2], expectedOutputShape: [1, 2, 2, 6, 6], ...none});
  const y = new UpSampling3D([2, 1, 2]).apply(volume([1, 1, 1, 2, 1])) as Tensor;
  assert.deepEqual(y.arraySync(), [[[[[0], [0], [1], [1]]], [[[0], [0], [1], [1]]]]]);
  assert.deepEqual(Object.keys(new UpSampling3D().getConfig()).sort(), ['dataFormat', 'dtype', 'name', 'size', 'trainable']);
});
