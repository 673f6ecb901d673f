import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as ops from '../../ops/index.js';
import {randomNormal} from '../../tensor/random.js';
import {Tensor, ones, zeros} from '../../tensor/tensor.js';
import {runLayerTest} from '../../testing/layer_test.js';
import {Bidirectional} from './bidirectional.js';
import {ConvLSTM1D, ConvLSTM2D, ConvLSTM3D} from './conv_lstm.js';

const w = {expectedNumNonTrainableWeights: 0};

test('ConvLSTM2D: shapes, weights (Keras names and layouts), returnSequences/returnState, channels_first', () => {
  runLayerTest(ConvLSTM2D, {init: [3, 2], inputShape: [2, 3, 5, 4, 2], expectedOutputShape: [2, 4, 3, 3], expectedNumTrainableWeights: 3, ...w});
  runLayerTest(ConvLSTM2D, {init: [3, 3], options: {padding: 'same', returnSequences: true}, inputShape: [2, 3, 4, 4, 2], expectedOutputShape: [2, 3, 4, 4, 3], expectedNumTrainableWeights: 3, ...w});
  runLayerTest(ConvLSTM2D, {init: [2, 2], options: {strides: 2, dataFormat: 'channels_first', useBias: false}, inputShape: [1, 2, 3, 5, 5], expectedOutputShape: [1, 2, 2, 2], expectedNumTrainableWeights: 2, ...w});
  const l = new ConvLSTM2D(4, [3, 2], {name: 'clstm'});
  l.apply(ones([1, 2, 5, 5, 3]));
  assert.deepEqual(l.weights.map((v) => [v.path, [...v.shape]]), [
    ['clstm/conv_lstm_cell/kernel', [3, 2, 3, 16]], ['clstm/conv_lstm_cell/recurrent_kernel', [3, 2, 4, 16]], ['clstm/conv_lstm_cell/bias', [16]],
  ]);
  // unit_forget_bias: ones on the forget gate
  assert.deepEqual([...l.cell.bias!.value.values], [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  const cfg = l.getConfig();
  assert.ok(!('cell' in cfg));
  for (const k of ['filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'activation', 'recurrentActivation', 'useBias', 'kernelInitializer',
    'recurrentInitializer', 'biasInitializer', 'unitForgetBias', 'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'kernelConstraint',
    'recurrentConstraint', 'biasConstraint', 'dropout', 'recurrentDropout', 'seed', 'returnSequences', 'returnState', 'goBackwards', 'stateful', 'unroll']) {
    assert.ok(k in cfg, `config key ${k}`);
  }
  const [out, h, c] = new ConvLSTM2D(2, 3, {padding: 'same', returnState: true}).apply(randomNormal([2, 3, 4, 4, 1], {seed: 1})) as Tensor[];
  assert.deepEqual([out!.shape, h!.shape, c!.shape].map((s) => [...s]), [[2, 4, 4, 2], [2, 4, 4, 2], [2, 4, 4, 2]]);
  assert.deepEqual([...out!.values], [...h!.values]);
  assert.throws(() => new ConvLSTM2D(2, 3, {strides: 2, dilationRate: 2}), /`strides > 1` is not compatible with `dilation_rate > 1`/);
  assert.throws(() => new ConvLSTM2D(2, 3).apply(ones([1, 2, 4, 4])), /expected ndim=5|ndim/);
});

test('ConvLSTM2D: initial states, goBackwards, masks, dropout in training only', () => {
  const x = randomNormal([2, 3, 4, 4, 2], {seed: 2});
  const l = new ConvLSTM2D(2, 3, {padding: 'same', returnState: true});
  const [, h1] = l.apply(x) as Tensor[];
  // zero initial states are the default
  const [, h2] = l.apply(x, {initialState: [zeros([2, 4, 4, 2]), zeros([2, 4, 4, 2])]}) as Tensor[];
  assert.deepEqual([...h2!.values], [...h1!.values]);
  assert.throws(() => l.apply(x, {initialState: [zeros([2, 2]), zeros([2, 2])]}), /initial states 0 must have shape \[2, 4, 4, 2\]/);
  // a mask that hides the last step gives the state after two steps
  const mask = new Tensor([2, 3], 'bool', Uint8Array.from([1, 1, 0, 1, 1, 0]));
  const [, hm] = l.apply(x, {mask}) as Tensor[];
  const [, h01] = l.apply(ops.slice(x, [0, 0, 0, 0, 0], [2, 2, 4, 4, 2])) as Tensor[];
  for (let i = 0; i < hm!.size; i++) assert.ok(Math.abs(hm!.values[i]! - h01!.values[i]!) < 1e-6);
  // goBackwards reads the reversed sequence
  const back = new ConvLSTM2D(2, 3, {padding: 'same', goBackwards: true});
  const fwd = new ConvLSTM2D(2, 3, {padding: 'same'});
  back.apply(x);
  fwd.apply(x);
  fwd.setWeights(back.getWeights());
  const rev = ops.flip(x, 1);
  const a = back.apply(x) as Tensor, b = fwd.apply(rev) as Tensor;
  for (let i = 0; i < a.size; i++) assert.ok(Math.abs(a.values[i]! - b.values[i]!) < 1e-6);
  // dropout: inference is deterministic, training is not
  const d = new ConvLSTM2D(2, 3, {padding: 'same', dropout: 0.5, recurrentDropout: 0.3, seed: 3});
  const y0 = d.apply(x) as Tensor;
  assert.deepEqual([...(d.apply(x) as Tensor).values], [...y0.values]);
  const yt = d.apply(x, {training: true}) as Tensor;
  assert.notDeepEqual([...yt.values], [...y0.values]);
  // Bidirectional concatenates the two directions' filters
  const bi = new Bidirectional(new ConvLSTM2D(2, 3, {padding: 'same', returnSequences: true}));
  assert.deepEqual([...(bi.apply(x) as Tensor).shape], [2, 3, 4, 4, 4]);
  assert.deepEqual(bi.computeOutputShape([null, 3, 4, 4, 2]), [null, 3, 4, 4, 4]);
});

test('ConvLSTM1D and ConvLSTM3D: the same cell over 1 and 3 spatial axes', () => {
  runLayerTest(ConvLSTM1D, {init: [3, 3], options: {padding: 'same'}, inputShape: [2, 3, 6, 2], expectedOutputShape: [2, 6, 3], expectedNumTrainableWeights: 3, ...w});
  runLayerTest(ConvLSTM3D, {init: [2, 2], options: {returnSequences: true}, inputShape: [1, 2, 3, 3, 3, 1], expectedOutputShape: [1, 2, 2, 2, 2, 2], expectedNumTrainableWeights: 3, ...w});
  const l = new ConvLSTM3D(2, [1, 2, 3], {name: 'c3'});
  l.apply(ones([1, 2, 3, 3, 3, 4]));
  assert.deepEqual(l.weights.map((v) => [...v.shape]), [[1, 2, 3, 4, 8], [1, 2, 3, 2, 8], [8]]);
});
