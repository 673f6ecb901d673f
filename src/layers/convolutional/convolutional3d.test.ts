import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as ops from '../../ops/index.js';
import {randomNormal} from '../../tensor/random.js';
import {ones} from '../../tensor/tensor.js';
import {runLayerTest} from '../../testing/layer_test.js';
import {Conv1DTranspose} from './conv1d_transpose.js';
import {Conv2DTranspose} from './conv2d_transpose.js';
import {Conv3D} from './conv3d.js';
import {Conv3DTranspose} from './conv3d_transpose.js';
import {DepthwiseConv1D} from './depthwise_conv1d.js';
import {DepthwiseConv2D} from './depthwise_conv2d.js';
import {SeparableConv1D} from './separable_conv1d.js';

const w = {expectedNumNonTrainableWeights: 0, expectedNumSeedGenerators: 0};

test('Conv3D: shapes, weights (Keras names and layout), channels_first, groups, errors', () => {
  runLayerTest(Conv3D, {init: [3, [2, 2, 2]], options: {activation: 'relu'}, inputShape: [2, 4, 5, 4, 2], expectedOutputShape: [2, 3, 4, 3, 3], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv3D, {init: [3, 3], options: {padding: 'same', strides: [2, 1, 2]}, inputShape: [1, 5, 4, 5, 2], expectedOutputShape: [1, 3, 4, 3, 3], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv3D, {init: [2, 2], options: {dataFormat: 'channels_first', dilationRate: 2}, inputShape: [1, 2, 5, 4, 5], expectedOutputShape: [1, 2, 3, 2, 3], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv3D, {init: [4, 2], options: {groups: 2, useBias: false}, inputShape: [1, 3, 3, 3, 4], expectedOutputShape: [1, 2, 2, 2, 4], expectedNumTrainableWeights: 1, ...w});
  const c = new Conv3D(8, [3, 2, 1], {name: 'c3'});
  c.apply(ones([1, 4, 4, 4, 2]));
  assert.deepEqual(c.weights.map((v) => [v.path, [...v.shape]]), [['c3/kernel', [3, 2, 1, 2, 8]], ['c3/bias', [8]]]);
  assert.deepEqual(Object.keys(c.getConfig()).sort(), [
    'activation', 'activityRegularizer', 'biasConstraint', 'biasInitializer', 'biasRegularizer', 'dataFormat', 'dilationRate', 'dtype', 'filters',
    'groups', 'kernelConstraint', 'kernelInitializer', 'kernelRegularizer', 'kernelSize', 'name', 'padding', 'strides', 'trainable', 'useBias',
  ].sort());
  assert.throws(() => new Conv3D(2, [3, 3]), /kernel_size/);
  assert.throws(() => new Conv3D(2, 3, {padding: 'causal'}), /padding/);
  assert.throws(() => new Conv3D(2, 5).apply(ones([1, 4, 4, 4, 1])), /Computed output size would be zero or negative/);
  // channels_first equals channels_last on the transposed input
  const x = randomNormal([1, 3, 4, 5, 2], {seed: 3});
  const a = new Conv3D(2, 2, {kernelInitializer: 'ones', biasInitializer: 'ones'});
  const b = new Conv3D(2, 2, {kernelInitializer: 'ones', biasInitializer: 'ones', dataFormat: 'channels_first'});
  const ya = a.apply(x) as ReturnType<typeof ops.add>;
  const yb = b.apply(ops.transpose(x, [0, 4, 1, 2, 3])) as ReturnType<typeof ops.add>;
  const d = ops.max(ops.abs(ops.subtract(ya, ops.transpose(yb, [0, 2, 3, 4, 1])))).item();
  assert.ok(d < 1e-5, `channels_first vs channels_last: ${d}`);
});

test('Conv1DTranspose and Conv3DTranspose: shapes, weights, outputPadding, errors', () => {
  runLayerTest(Conv1DTranspose, {init: [4, 3], inputShape: [2, 5, 3], expectedOutputShape: [2, 7, 4], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv1DTranspose, {init: [4, 3], options: {strides: 2, padding: 'same'}, inputShape: [2, 5, 3], expectedOutputShape: [2, 10, 4], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv1DTranspose, {init: [2, 3], options: {strides: 2, outputPadding: 1, dataFormat: 'channels_first'}, inputShape: [2, 3, 5], expectedOutputShape: [2, 2, 12], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv3DTranspose, {init: [2, 2], options: {strides: 2}, inputShape: [1, 2, 3, 2, 3], expectedOutputShape: [1, 4, 6, 4, 2], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv3DTranspose, {init: [2, 3], options: {strides: [1, 2, 2], padding: 'same'}, inputShape: [1, 2, 3, 2, 3], expectedOutputShape: [1, 2, 6, 4, 2], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(Conv3DTranspose, {init: [2, 3], options: {strides: 2, padding: 'same', outputPadding: [1, 0, 1], useBias: false}, inputShape: [1, 2, 3, 2, 3], expectedOutputShape: [1, 4, 5, 4, 2], expectedNumTrainableWeights: 1, ...w});
  const t = new Conv3DTranspose(5, [3, 2, 1], {name: 't3'});
  t.apply(ones([1, 2, 2, 2, 4]));
  assert.deepEqual(t.weights.map((v) => [v.path, [...v.shape]]), [['t3/kernel', [3, 2, 1, 5, 4]], ['t3/bias', [5]]]);
  assert.ok(!('groups' in t.getConfig()));
  assert.equal(t.getConfig()['outputPadding'], null);
  const t1 = new Conv1DTranspose(5, 3);
  t1.apply(ones([1, 4, 2]));
  assert.deepEqual(t1.kernel.shape, [3, 5, 2]);
  assert.throws(() => new Conv3DTranspose(2, 3, {strides: 2, outputPadding: 2}), /Strides must be greater than output padding/);
  assert.throws(() => new Conv1DTranspose(2, 3, {padding: 'causal'}), /Conv1DTranspose: padding must be 'valid' or 'same'/);
  assert.throws(() => new Conv3DTranspose(2, 3, {groups: 2} as never), /Conv3DTranspose does not take a `groups` argument/);
  // the 2-D one is unchanged by the shared base
  runLayerTest(Conv2DTranspose, {init: [2, 2], options: {strides: 2}, inputShape: [1, 3, 3, 2], expectedOutputShape: [1, 6, 6, 2], expectedNumTrainableWeights: 2, ...w});
});

test('Conv1DTranspose is the adjoint of Conv1D: <conv(x, k), y> = <x, convTranspose(y, k)>', () => {
  const x = randomNormal([2, 9, 3], {seed: 1}), y = randomNormal([2, 4, 4], {seed: 2});
  const k = randomNormal([3, 3, 4], {seed: 4}); // conv kernel [k, in, out]; the transposed layer's kernel is [k, out=3, in=4]
  const lhs = ops.sum(ops.multiply(ops.conv(x, k, {strides: 2}), y)).item();
  const t = new Conv1DTranspose(3, 3, {strides: 2, useBias: false, outputPadding: 0});
  t.apply(y);
  t.setWeights([k]);
  const rhs = ops.sum(ops.multiply(x, t.apply(y) as ReturnType<typeof ops.add>)).item();
  assert.ok(Math.abs(lhs - rhs) < 1e-3 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
});

test('DepthwiseConv1D and SeparableConv1D: shapes, weights, config keys', () => {
  runLayerTest(DepthwiseConv1D, {init: [3], options: {depthMultiplier: 2}, inputShape: [2, 7, 3], expectedOutputShape: [2, 5, 6], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(DepthwiseConv1D, {init: [3], options: {padding: 'same', strides: 2, dataFormat: 'channels_first'}, inputShape: [2, 3, 7], expectedOutputShape: [2, 3, 4], expectedNumTrainableWeights: 2, ...w});
  runLayerTest(SeparableConv1D, {init: [4, 3], options: {depthMultiplier: 2}, inputShape: [2, 7, 3], expectedOutputShape: [2, 5, 4], expectedNumTrainableWeights: 3, ...w});
  runLayerTest(SeparableConv1D, {init: [4, 3], options: {padding: 'same', dilationRate: 2, useBias: false}, inputShape: [2, 7, 3], expectedOutputShape: [2, 7, 4], expectedNumTrainableWeights: 2, ...w});
  const d = new DepthwiseConv1D(3, {depthMultiplier: 2, name: 'd1'});
  d.apply(ones([1, 5, 4]));
  assert.deepEqual(d.weights.map((v) => [v.path, [...v.shape]]), [['d1/kernel', [3, 4, 2]], ['d1/bias', [8]]]);
  const s = new SeparableConv1D(6, 3, {depthMultiplier: 2, name: 's1'});
  s.apply(ones([1, 5, 4]));
  assert.deepEqual(s.weights.map((v) => [v.path, [...v.shape]]), [['s1/depthwise_kernel', [3, 4, 2]], ['s1/pointwise_kernel', [1, 8, 6]], ['s1/bias', [6]]]);
  assert.deepEqual(Object.keys(d.getConfig()).sort(), Object.keys(new DepthwiseConv2D(3).getConfig()).sort());
  assert.throws(() => new DepthwiseConv1D([3, 3]), /kernel_size/);
});
