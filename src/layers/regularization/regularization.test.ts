import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as ops from '../../ops/index.js';
import {ones, tensor} from '../../tensor/tensor.js';
import {SeedGenerator} from '../../tensor/random.js';
import {backendName, setBackend} from '../../backends/registry.js';
import {runLayerTest} from '../../testing/layer_test.js';
import {ActivityRegularization} from './activity_regularization.js';
import {Dropout} from './dropout.js';
import {GaussianDropout} from './gaussian_dropout.js';
import {GaussianNoise} from './gaussian_noise.js';
import {SpatialDropout1D, SpatialDropout2D} from './spatial_dropout.js';

const random = {expectedNumTrainableWeights: 0, expectedNumNonTrainableWeights: 0, supportsMasking: true, trainingIsRandom: true};

test('Dropout: run_layer_test; identity unless training', () => {
  runLayerTest(Dropout, {init: [0.5], options: {seed: 1}, inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], expectedNumSeedGenerators: 1, ...random});
  const d = new Dropout(0.5, {seed: 3});
  const x = ones([100, 100]);
  assert.equal(d.apply(x), x);
  assert.equal(d.apply(x, {training: false}), x);
  const y = d.apply(x, {training: true});
  const v = y.dataSync();
  let zerosCount = 0;
  for (const e of v) {
    assert.ok(e === 0 || Math.abs(e - 2) < 1e-6, `inverted dropout keeps x / (1 - rate), got ${e}`);
    if (e === 0) zerosCount++;
  }
  assert.ok(Math.abs(zerosCount / v.length - 0.5) < 0.03, `dropped fraction ${zerosCount / v.length}`);
  // a new mask each call (the generator advances), the same sequence for the same seed
  const y2 = d.apply(x, {training: true});
  assert.notDeepEqual([...y2.dataSync()], [...v]);
  const e = new Dropout(0.5, {seed: 3});
  assert.deepEqual([...e.apply(x, {training: true}).dataSync()], [...v]);
  assert.equal(new Dropout(0).apply(x, {training: true}), x);
  assert.deepEqual(new Dropout(1).apply(tensor([1, 2]), {training: true}).arraySync(), [0, 0]);
  assert.throws(() => new Dropout(1.5), /Expected a float value between 0 and 1. Received: rate=1.5/);
});

test('Dropout: noiseShape broadcasts one mask over an axis', () => {
  const d = new Dropout(0.5, {noiseShape: [null, 1, null], seed: 5});
  const y = d.apply(ones([4, 6, 8]), {training: true}).arraySync() as number[][][];
  for (const sample of y) for (let t = 1; t < 6; t++) assert.deepEqual(sample[t], sample[0]);
});

test('SpatialDropout1D/2D drop whole channels', () => {
  runLayerTest(SpatialDropout1D, {init: [0.5], options: {seed: 1}, inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], expectedNumSeedGenerators: 1, ...random});
  runLayerTest(SpatialDropout2D, {init: [0.5], options: {seed: 1}, inputShape: [2, 3, 4, 5], expectedOutputShape: [2, 3, 4, 5], expectedNumSeedGenerators: 1, ...random});
  const y = new SpatialDropout2D(0.5, {seed: 2}).apply(ones([2, 3, 3, 16]), {training: true});
  const t = ops.transpose(y, [0, 3, 1, 2]).arraySync() as number[][][][];
  for (const s of t) for (const ch of s) {
    const flat = ch.flat();
    assert.ok(flat.every((v) => v === flat[0]), 'a channel is dropped or kept as a whole');
  }
  const cf = new SpatialDropout2D(0.5, {seed: 2, dataFormat: 'channels_first'}).apply(ones([2, 16, 3, 3]), {training: true}).arraySync() as number[][][][];
  for (const s of cf) for (const ch of s) assert.ok(ch.flat().every((v) => v === ch[0]![0]));
});

test('GaussianNoise and GaussianDropout: training only, moments as Keras', () => {
  runLayerTest(GaussianNoise, {init: [0.1], options: {seed: 1}, inputShape: [2, 3], expectedOutputShape: [2, 3], expectedNumSeedGenerators: 1, ...random});
  runLayerTest(GaussianDropout, {init: [0.3], options: {seed: 1}, inputShape: [2, 3], expectedOutputShape: [2, 3], expectedNumSeedGenerators: 1, ...random});
  const x = ones([200, 200]);
  assert.equal(new GaussianNoise(0.5).apply(x), x);
  const n = new GaussianNoise(0.5, {seed: 4}).apply(x, {training: true});
  const mean = ops.mean(n).item(), sd = Math.sqrt(ops.mean(ops.square(ops.subtract(n, mean))).item());
  assert.ok(Math.abs(mean - 1) < 0.01 && Math.abs(sd - 0.5) < 0.01, `noise mean ${mean} sd ${sd}`);
  const g = new GaussianDropout(0.2, {seed: 4}).apply(x, {training: true});
  const gm = ops.mean(g).item(), gsd = Math.sqrt(ops.mean(ops.square(ops.subtract(g, gm))).item());
  assert.ok(Math.abs(gm - 1) < 0.01 && Math.abs(gsd - Math.sqrt(0.2 / 0.8)) < 0.01, `gaussian dropout mean ${gm} sd ${gsd}`);
  assert.throws(() => new GaussianNoise(2), /stddev=2/);
});

test('ActivityRegularization adds l1 * sum|x| + l2 * sum x^2, divided by the batch', () => {
  runLayerTest(ActivityRegularization, {options: {l1: 0.1, l2: 0.2}, inputShape: [2, 3], expectedOutputShape: [2, 3], expectedNumTrainableWeights: 0, expectedNumNonTrainableWeights: 0, supportsMasking: true});
  const a = new ActivityRegularization({l1: 0.1, l2: 0.2});
  a.apply(tensor([[1, -2], [3, 0]]));
  assert.equal(a.losses.length, 1);
  assert.ok(Math.abs(a.losses[0]!.item() - (0.1 * 6 + 0.2 * 14) / 2) < 1e-6);
  assert.deepEqual(a.getConfig()['l1'], 0.1);
});

test('Dropout draws its mask scaled (one pass): the values of x * (mask / keep), bit for bit, on each backend', () => {
  const previous = backendName();
  const backends = ['reference', ...(['native', 'wasm'] as const).filter((b) => {
    try {
      setBackend(b);
      return backendName() === b;
    } catch {
      return false;
    }
  })];
  try {
    for (const b of backends) {
      setBackend(b);
      for (const dtype of ['float32', 'float64'] as const) {
        const x = ops.cast(tensor(Array.from({length: 6 * 70}, (_, i) => Math.sin(i) * 3), [6, 70]), dtype);
        for (const rate of [0.1, 0.25, 0.3, 0.5, 1 / 3, 0.7, 0.9, 0.999]) {
          const got = new Dropout(rate, {seed: 11}).call(x, {training: true});
          const keep = 1 - rate;
          const want = ops.multiply(x, ops.divide(ops.bernoulliMask([6, 70], keep, dtype, new SeedGenerator(11)), keep));
          assert.equal(got.dtype, dtype);
          for (let i = 0; i < x.size; i++) {
            if (!Object.is(got.values[i], want.values[i])) assert.fail(`${b} ${dtype} rate ${rate}: element ${i}: ${got.values[i]} vs ${want.values[i]}`);
          }
        }
      }
    }
  } finally {
    setBackend(previous);
  }
  assert.throws(() => ops.bernoulliMask([2], 0.5, 'int32', 1, 2), /bernoulliMask: scale must be a finite number, and 1 unless dtype is a float type/);
  assert.throws(() => ops.bernoulliMask([2], 0.5, 'float32', 1, Number.NaN), /scale must be a finite number/);
});
