import assert from 'node:assert/strict';
import {test} from 'node:test';
import {runLayerTest} from '../../testing/layer_test.js';
import {tensor} from '../../tensor/tensor.js';
import {Dense} from './dense.js';
import {InputLayer} from './input_layer.js';

test('Dense: run_layer_test, 2-D and 3-D inputs', () => {
  runLayerTest(Dense, {init: [5], options: {activation: 'relu'}, inputShape: [2, 3], expectedOutputShape: [2, 5], expectedNumTrainableWeights: 2, expectedNumNonTrainableWeights: 0, supportsMasking: true});
  runLayerTest(Dense, {init: [4], options: {useBias: false}, inputShape: [2, 3, 6], expectedOutputShape: [2, 3, 4], expectedNumTrainableWeights: 1, expectedNumNonTrainableWeights: 0});
});

test('Dense: weights have Keras names and shapes; output is x.kernel + bias', () => {
  const d = new Dense(2, {name: 'd'});
  d.apply(tensor([[1, 2, 3]]));
  assert.deepEqual(d.weights.map((w) => [w.path, [...w.shape]]), [['d/kernel', [3, 2]], ['d/bias', [2]]]);
  d.setWeights([tensor([[1, 0], [0, 1], [1, 1]]), tensor([10, 20])]);
  assert.deepEqual(d.apply(tensor([[1, 2, 3]])).arraySync(), [[14, 25]]);
});

test('Dense: invalid units give Keras\'s error', () => {
  assert.throws(() => new Dense(0), /Received an invalid value for units, expected a positive integer. Received: units=0/);
  assert.throws(() => new Dense(1.5), /units=1.5/);
});

test('Dense: an input with the wrong last axis is refused with the layer name', () => {
  const d = new Dense(2, {name: 'dense_x'});
  d.apply(tensor([[1, 2, 3]]));
  assert.throws(() => d.apply(tensor([[1, 2]])), /Input 0 of layer "dense_x" is incompatible with the layer: expected axis -1 of input shape to have value 3/);
});

test('Dense: Keras 1 spellings (output_dim, init) map to units and kernelInitializer', () => {
  const d = new Dense({outputDim: 3, init: 'zeros'} as never);
  assert.equal(d.units, 3);
  assert.equal(d.kernelInitializer.className, 'Zeros');
});

test('InputLayer: batch shape, config, symbolic output', () => {
  const l = new InputLayer({shape: [28, 28, 1], name: 'img'});
  assert.deepEqual(l.batchShape, [null, 28, 28, 1]);
  assert.deepEqual(l.getConfig(), {batchShape: [null, 28, 28, 1], dtype: 'float32', sparse: false, ragged: false, name: 'img', optional: false});
  assert.deepEqual((l.output as {shape: unknown}).shape, [null, 28, 28, 1]);
  const r = InputLayer.fromConfig(l.getConfig()) as InputLayer;
  assert.deepEqual(r.batchShape, [null, 28, 28, 1]);
  assert.throws(() => new InputLayer({}), /You must pass a `shape` argument/);
  assert.throws(() => new InputLayer({shape: [2], batchShape: [1, 2]}), /both `shape` and `batch_shape`/);
});

test('Dense: Keras 1 W_regularizer / b_constraint map to the Keras 3 options', () => {
  const d = new Dense(2, {W_regularizer: 'l2', b_constraint: 'non_neg'} as never);
  assert.equal(d.kernelRegularizer?.className, 'L2');
  assert.equal(d.biasConstraint?.className, 'NonNeg');
  d.apply(tensor([[1, 2]]));
  assert.equal(d.losses.length, 1);
});
