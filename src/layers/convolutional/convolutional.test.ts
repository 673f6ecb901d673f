import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as ops from '../../ops/index.js';
import {randomNormal} from '../../tensor/random.js';
import {ones, tensor} from '../../tensor/tensor.js';
import {runLayerTest} from '../../testing/layer_test.js';
import {resetDeprecationWarnings} from '../layer_utils.js';
import {Conv1D} from './conv1d.js';
import {Conv2D, Convolution2D} from './conv2d.js';
import {Conv2DTranspose} from './conv2d_transpose.js';
import {DepthwiseConv2D} from './depthwise_conv2d.js';
import {SeparableConv2D} from './separable_conv2d.js';

const w = {expectedNumNonTrainableWeights: 0, expectedNumSeedGenerators: 0};

test('Conv1D: valid, same, causal, dilation, groups', () => {
  runLayerTest(Conv1D, {init: [4, 3], inputShape: [2, 7, 3], expectedOutputShape: [2, 5, 4], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv1D, {init: [4, 3], options: {padding: 'same', strides: 2}, inputShape: [2, 7, 3], expectedOutputShape: [2, 4, 4], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv1D, {init: [4, 3], options: {padding: 'causal', dilationRate: 2}, inputShape: [2, 7, 3], expectedOutputShape: [2, 7, 4], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv1D, {init: [4, 2], options: {groups: 2, useBias: false}, inputShape: [2, 5, 6], expectedOutputShape: [2, 4, 4], expectedNumTrainableWeights: 1, ...w});
  // causal: output t depends on inputs <= t only
  const c = new Conv1D(1, 3, {padding: 'causal', kernelInitializer: 'ones', useBias: false});
  assert.deepEqual(c.apply(tensor([[[1], [2], [3], [4]]])).arraySync(), [[[1], [3], [6], [9]]]);
});

test('Conv1D groups equal independent convolutions of the channel groups', () => {
  const x = randomNormal([1, 5, 4], {seed: 1});
  const g = new Conv1D(2, 2, {groups: 2, useBias: false});
  const y = g.apply(x);
  const k = g.kernel.value; // [2, 2, 2]
  const k0 = ops.slice(k, [0, 0, 0], [2, 2, 1]), k1 = ops.slice(k, [0, 0, 1], [2, 2, 1]);
  const y0 = ops.conv(ops.slice(x, [0, 0, 0], [1, 5, 2]), k0), y1 = ops.conv(ops.slice(x, [0, 0, 2], [1, 5, 2]), k1);
  const want = ops.concatenate([y0, y1], 2);
  const a = y.dataSync(), b = want.dataSync();
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-6);
});

test('Conv2D: shapes, weights, channels_first, errors', () => {
  runLayerTest(Conv2D, {init: [3, [2, 2]], options: {activation: 'relu'}, inputShape: [2, 5, 5, 2], expectedOutputShape: [2, 4, 4, 3], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv2D, {init: [3, 3], options: {padding: 'same', strides: [2, 1]}, inputShape: [2, 5, 5, 2], expectedOutputShape: [2, 3, 5, 3], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv2D, {init: [3, 2], options: {dataFormat: 'channels_first', dilationRate: 2}, inputShape: [2, 2, 6, 5], expectedOutputShape: [2, 3, 4, 3], expectedNumTrainableWeights: 2, ...w});
  const c = new Conv2D(8, [3, 3], {name: 'c'});
  c.apply(ones([1, 5, 5, 2]));
  assert.deepEqual(c.weights.map((v) => [v.path, [...v.shape]]), [['c/kernel', [3, 3, 2, 8]], ['c/bias', [8]]]);
  assert.throws(() => new Conv2D(0, 3), /Invalid value for argument `filters`. Expected a strictly positive value. Received filters=0/);
  assert.throws(() => new Conv2D(2, [3, 3], {strides: 2, dilationRate: 2}), /`strides > 1` not supported in conjunction with `dilation_rate > 1`/);
  assert.throws(() => new Conv2D(2, 3, {padding: 'causal'}), /padding/);
  assert.throws(() => new Conv2D(2, 7).apply(ones([1, 5, 5, 1])), /Computed output size would be zero or negative/);
  assert.throws(() => new Conv2D(2, [3, 0]), /kernel_size/);
});

test('Convolution2D: Keras 1 form (nbFilter, nbRow, nbCol, {borderMode}) with one warning per spelling', () => {
  resetDeprecationWarnings();
  const warnings: string[] = [];
  const orig = console.warn;
  console.warn = (m: string) => warnings.push(m);
  try {
    const c = new Convolution2D(32, 3, 3, {borderMode: 'valid', inputShape: [28, 28, 1]} as never);
    new Convolution2D(16, 3, 3, {borderMode: 'same'} as never);
    new Conv2D(16, 3, {border_mode: 'same', init: 'he_normal'} as never);
    assert.deepEqual(c.kernelSize, [3, 3]);
    assert.equal(c.filters, 32);
    assert.equal(c.padding, 'valid');
    assert.deepEqual(c.batchInputShape, [null, 28, 28, 1]);
    assert.equal(c.className, 'Conv2D');
    const y = c.apply(ones([1, 28, 28, 1]));
    assert.deepEqual([...y.shape], [1, 26, 26, 32]);
  } finally {
    console.warn = orig;
  }
  assert.equal(warnings.filter((m) => m.includes('borderMode')).length, 1);
  assert.equal(warnings.filter((m) => m.includes('border_mode')).length, 1);
  assert.equal(warnings.filter((m) => m.includes('`init`')).length, 1);
  runLayerTest(Convolution2D, {init: [4, 3, 3], options: {borderMode: 'same'} as never, inputShape: [1, 5, 5, 2], expectedOutputShape: [1, 5, 5, 4], expectedNumTrainableWeights: 2, ...w});
});

test('Conv2DTranspose: output shapes as Keras, kernel [kh, kw, filters, in]', () => {
  runLayerTest(Conv2DTranspose, {init: [3, 3], options: {strides: 2, padding: 'same'}, inputShape: [2, 4, 5, 2], expectedOutputShape: [2, 8, 10, 3], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv2DTranspose, {init: [3, [3, 2]], options: {strides: 2}, inputShape: [2, 4, 5, 2], expectedOutputShape: [2, 9, 10, 3], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv2DTranspose, {init: [3, 3], options: {strides: 2, outputPadding: 1, dataFormat: 'channels_first'}, inputShape: [2, 2, 4, 5], expectedOutputShape: [2, 3, 10, 12], expectedNumTrainableWeights: 2, ...w});
  const t = new Conv2DTranspose(4, 3, {name: 't'});
  t.apply(ones([1, 3, 3, 2]));
  assert.deepEqual(t.weights.map((v) => [v.path, [...v.shape]]), [['t/kernel', [3, 3, 4, 2]], ['t/bias', [4]]]);
  assert.throws(() => new Conv2DTranspose(2, 3, {strides: 2, outputPadding: 2}), /Strides must be greater than output padding/);
});

test('DepthwiseConv2D and SeparableConv2D', () => {
  runLayerTest(DepthwiseConv2D, {init: [3], options: {depthMultiplier: 2}, inputShape: [2, 5, 5, 3], expectedOutputShape: [2, 3, 3, 6], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(DepthwiseConv2D, {init: [[2, 3]], options: {padding: 'same', dataFormat: 'channels_first'}, inputShape: [2, 3, 5, 5], expectedOutputShape: [2, 3, 5, 5], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(SeparableConv2D, {init: [4, 3], options: {depthMultiplier: 2}, inputShape: [2, 5, 5, 3], expectedOutputShape: [2, 3, 3, 4], expectedNumTrainableWeights: 3, ...w});
  runLayerTest(SeparableConv2D, {init: [4, 3], options: {padding: 'same', strides: 2, useBias: false}, inputShape: [2, 5, 5, 3], expectedOutputShape: [2, 3, 3, 4], expectedNumTrainableWeights: 2, ...w});
  const d = new DepthwiseConv2D(3, {depthMultiplier: 2, name: 'd'});
  d.apply(ones([1, 4, 4, 3]));
  assert.deepEqual(d.weights.map((v) => [v.path, [...v.shape]]), [['d/kernel', [3, 3, 3, 2]], ['d/bias', [6]]]);
  const s = new SeparableConv2D(5, 3, {depthMultiplier: 2, name: 's'});
  s.apply(ones([1, 4, 4, 3]));
  assert.deepEqual(s.weights.map((v) => [v.path, [...v.shape]]), [['s/depthwise_kernel', [3, 3, 3, 2]], ['s/pointwise_kernel', [1, 1, 6, 5]], ['s/bias', [5]]]);
});
