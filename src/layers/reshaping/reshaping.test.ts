import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as ops from '../../ops/index.js';
import {arange, tensor} from '../../tensor/tensor.js';
import {runLayerTest} from '../../testing/layer_test.js';
import {Cropping1D} from './cropping1d.js';
import {Cropping2D} from './cropping2d.js';
import {Flatten} from './flatten.js';
import {Permute} from './permute.js';
import {RepeatVector} from './repeat_vector.js';
import {Reshape} from './reshape.js';
import {UpSampling1D} from './up_sampling1d.js';
import {UpSampling2D} from './up_sampling2d.js';
import {ZeroPadding1D} from './zero_padding1d.js';
import {ZeroPadding2D} from './zero_padding2d.js';

const none = {expectedNumTrainableWeights: 0, expectedNumNonTrainableWeights: 0, expectedNumSeedGenerators: 0};

test('Flatten: channels_last and channels_first orders', () => {
  runLayerTest(Flatten, {inputShape: [2, 3, 4, 5], expectedOutputShape: [2, 60], ...none});
  runLayerTest(Flatten, {inputShape: [2, 3], expectedOutputShape: [2, 3], ...none});
  const x = ops.reshape(arange(0, 12, 1, 'float32'), [1, 2, 2, 3]);
  assert.deepEqual(new Flatten().apply(x).arraySync(), [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]);
  // channels_first moves channels last first: [1, 3, 2, 2] -> same order as its channels_last transpose
  const cf = ops.transpose(x, [0, 3, 1, 2]);
  assert.deepEqual(new Flatten({dataFormat: 'channels_first'}).apply(cf).arraySync(), [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]);
  assert.deepEqual(new Flatten().computeOutputShape([null, 3, null]), [null, null]);
});

test('Reshape: target shape with -1, shape inference, errors', () => {
  runLayerTest(Reshape, {init: [[3, 4]], inputShape: [2, 12], expectedOutputShape: [2, 3, 4], ...none});
  runLayerTest(Reshape, {init: [[-1, 2]], inputShape: [2, 3, 4], expectedOutputShape: [2, 6, 2], ...none});
  assert.deepEqual(new Reshape([-1, 2]).computeOutputShape([null, null, 4]), [null, null, 2]);
  assert.throws(() => new Reshape([5, 5]).apply(tensor([[1, 2, 3]])), /total size of the tensor must be unchanged/);
  assert.throws(() => new Reshape([-1, -1]), /at most one unknown dimension/);
});

test('Permute and RepeatVector', () => {
  runLayerTest(Permute, {init: [[2, 1]], inputShape: [2, 3, 4], expectedOutputShape: [2, 4, 3], ...none});
  runLayerTest(Permute, {init: [[3, 1, 2]], inputShape: [2, 3, 4, 5], expectedOutputShape: [2, 5, 3, 4], ...none});
  assert.throws(() => new Permute([0, 1]), /must be consecutive and start from 1/);
  runLayerTest(RepeatVector, {init: [3], inputShape: [2, 4], expectedOutputShape: [2, 3, 4], ...none});
  assert.deepEqual(new RepeatVector(2).apply(tensor([[1, 2]])).arraySync(), [[[1, 2], [1, 2]]]);
  assert.throws(() => new RepeatVector(0), /Argument `n` should be a positive integer. Received: n=0/);
  // Python's TypeError is JavaScript's own
  assert.throws(() => new RepeatVector(1.5), (e: unknown) => e instanceof TypeError && /Expected an integer value for `n`/.test(e.message));
});

test('ZeroPadding1D/2D and Cropping1D/2D', () => {
  runLayerTest(ZeroPadding1D, {init: [[1, 2]], inputShape: [2, 3, 4], expectedOutputShape: [2, 6, 4], ...none});
  runLayerTest(ZeroPadding2D, {init: [[[1, 0], [2, 1]]], inputShape: [2, 3, 4, 5], expectedOutputShape: [2, 4, 7, 5], ...none});
  runLayerTest(ZeroPadding2D, {init: [1], options: {dataFormat: 'channels_first'}, inputShape: [2, 3, 4, 5], expectedOutputShape: [2, 3, 6, 7], ...none});
  assert.deepEqual(new ZeroPadding1D(1).apply(tensor([[[1], [2]]])).arraySync(), [[[0], [1], [2], [0]]]);
  assert.deepEqual(new ZeroPadding2D().getConfig()['padding'], [[1, 1], [1, 1]]);
  runLayerTest(Cropping1D, {init: [[1, 2]], inputShape: [2, 6, 4], expectedOutputShape: [2, 3, 4], ...none});
  runLayerTest(Cropping2D, {init: [[[1, 0], [2, 1]]], inputShape: [2, 4, 7, 5], expectedOutputShape: [2, 3, 4, 5], ...none});
  runLayerTest(Cropping2D, {init: [1], options: {dataFormat: 'channels_first'}, inputShape: [2, 3, 6, 7], expectedOutputShape: [2, 3, 4, 5], ...none});
  assert.deepEqual(new Cropping1D([1, 1]).apply(tensor([[[1], [2], [3]]])).arraySync(), [[[2]]]);
  assert.throws(() => new Cropping1D([2, 2]).apply(tensor([[[1], [2], [3]]])), /leaves nothing/);
});

test('UpSampling1D/2D: nearest and bilinear', () => {
  runLayerTest(UpSampling1D, {init: [2], inputShape: [2, 3, 4], expectedOutputShape: [2, 6, 4], ...none});
  runLayerTest(UpSampling2D, {init: [[2, 3]], inputShape: [2, 3, 4, 5], expectedOutputShape: [2, 6, 12, 5], ...none});
  runLayerTest(UpSampling2D, {init: [2], options: {interpolation: 'bilinear', dataFormat: 'channels_first'}, inputShape: [2, 3, 4, 5], expectedOutputShape: [2, 3, 8, 10], ...none});
  assert.deepEqual(new UpSampling1D(2).apply(tensor([[[1], [2]]])).arraySync(), [[[1], [1], [2], [2]]]);
  // half-pixel bilinear on [0, 1] with scale 2: 0, 0.25, 0.75, 1
  const b = new UpSampling2D([1, 2], {interpolation: 'bilinear'}).apply(tensor([[[[0], [1]]]])).arraySync() as number[][][][];
  assert.deepEqual(b[0]![0]!.map((v) => v[0]), [0, 0.25, 0.75, 1]);
});

test('keyword forms of positional arguments: {padding}, {cropping}, {size}', () => {
  assert.deepEqual(new ZeroPadding2D({padding: 2}).padding, [[2, 2], [2, 2]]);
  assert.deepEqual(new ZeroPadding1D({padding: [0, 3]}).padding, [0, 3]);
  assert.deepEqual(new Cropping2D({cropping: 1, dataFormat: 'channels_first'}).cropping, [[1, 1], [1, 1]]);
  assert.deepEqual(new UpSampling2D({size: 3, interpolation: 'bilinear'}).size, [3, 3]);
  assert.equal(new UpSampling1D({size: 4}).size, 4);
  assert.throws(() => new UpSampling1D(1.5), (e: unknown) => e instanceof TypeError && /Expected an integer value for `size`/.test(e.message));
});
