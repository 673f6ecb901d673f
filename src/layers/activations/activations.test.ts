import assert from 'node:assert/strict';
import {test} from 'node:test';
import {tensor} from '../../tensor/tensor.js';
import {runLayerTest} from '../../testing/layer_test.js';
import {Activation} from './activation.js';
import {ELU} from './elu.js';
import {LeakyReLU} from './leaky_relu.js';
import {PReLU} from './prelu.js';
import {ReLU} from './relu.js';
import {Softmax} from './softmax.js';

const common = {expectedNumNonTrainableWeights: 0, expectedNumSeedGenerators: 0, supportsMasking: true};

test('Activation: run_layer_test and values', () => {
  runLayerTest(Activation, {init: ['relu'], inputShape: [2, 3], expectedOutputShape: [2, 3], expectedNumTrainableWeights: 0, ...common});
  runLayerTest(Activation, {init: ['gelu'], inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], expectedNumTrainableWeights: 0, ...common});
  assert.deepEqual(new Activation('relu').apply(tensor([-1, 2])).arraySync(), [0, 2]);
  assert.equal(new Activation('tanh').getConfig()['activation'], 'tanh');
  assert.throws(() => new Activation('nope'), /Could not interpret activation function identifier: nope/);
});

test('ReLU: options, validation, values', () => {
  runLayerTest(ReLU, {options: {maxValue: 1, negativeSlope: 0.1, threshold: 0.5}, inputShape: [2, 5], expectedOutputShape: [2, 5], expectedNumTrainableWeights: 0, ...common});
  const y = new ReLU({maxValue: 1, negativeSlope: 0.1, threshold: 0.5}).apply(tensor([-1, 0.25, 0.75, 3]));
  const want = [0.1 * (-1 - 0.5), 0.1 * (0.25 - 0.5), 0.75, 1];
  (y.arraySync() as number[]).forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-6));
  assert.throws(() => new ReLU({maxValue: -1}), /max_value of a ReLU layer cannot be a negative value/);
  assert.throws(() => new ReLU({negativeSlope: -1}), /negative_slope of a ReLU layer/);
});

test('LeakyReLU: Keras 3 default slope 0.3, positional slope, Keras 2 alpha', () => {
  runLayerTest(LeakyReLU, {inputShape: [2, 3], expectedOutputShape: [2, 3], expectedNumTrainableWeights: 0, ...common});
  runLayerTest(LeakyReLU, {init: [0.1], inputShape: [2, 3], expectedOutputShape: [2, 3], expectedNumTrainableWeights: 0, ...common});
  assert.equal(new LeakyReLU().negativeSlope, 0.3);
  assert.ok(Math.abs((new LeakyReLU().apply(tensor([-2])).arraySync() as number[])[0]! + 0.6) < 1e-6);
  assert.equal(new LeakyReLU({alpha: 0.2}).negativeSlope, 0.2);
  assert.throws(() => new LeakyReLU(-1), /cannot be None or negative/);
});

test('ELU and Softmax', () => {
  runLayerTest(ELU, {init: [0.5], inputShape: [2, 3], expectedOutputShape: [2, 3], expectedNumTrainableWeights: 0, ...common});
  runLayerTest(Softmax, {inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], expectedNumTrainableWeights: 0, ...common});
  runLayerTest(Softmax, {init: [[1, 2]], inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], expectedNumTrainableWeights: 0, ...common});
  const s = new Softmax().apply(tensor([[1, 2, 3]])).arraySync() as number[][];
  const e = [Math.exp(1), Math.exp(2), Math.exp(3)], z = e[0]! + e[1]! + e[2]!;
  s[0]!.forEach((v, i) => assert.ok(Math.abs(v - e[i]! / z) < 1e-6));
  // a masked position gets (almost) no probability
  const m = new Softmax().apply(tensor([[1, 2, 3]]), {mask: tensor([[true, true, false]])}).arraySync() as number[][];
  assert.ok(m[0]![2]! < 1e-6 && Math.abs(m[0]![0]! + m[0]![1]! - 1) < 1e-6);
  const s2 = new Softmax([1, 2]).apply(tensor([[[1, 2], [3, 4]]])).arraySync() as number[][][];
  assert.ok(Math.abs(s2[0]!.flat().reduce((a, b) => a + b, 0) - 1) < 1e-6);
});

test('PReLU: alpha of shape inputShape[1:] with sharedAxes set to 1', () => {
  runLayerTest(PReLU, {options: {alphaInitializer: 'ones'}, inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], expectedNumTrainableWeights: 1, ...common});
  const p = new PReLU({sharedAxes: [1, 2], name: 'p'});
  p.apply(tensor([[[[1, -1]]]]));
  assert.deepEqual(p.weights.map((w) => [w.path, [...w.shape]]), [['p/alpha', [1, 1, 2]]]);
  p.setWeights([tensor([[[0.5, 0.25]]])]);
  assert.deepEqual(p.apply(tensor([[[[-2, -4]], [[3, 4]]]])).arraySync(), [[[[-1, -1]], [[3, 4]]]]);
});
