import assert from 'node:assert/strict';
import {test} from 'node:test';
import {randomNormal} from '../../tensor/random.js';
import {ones, type Tensor} from '../../tensor/tensor.js';
import {runLayerTest} from '../../testing/layer_test.js';
import {AlphaDropout} from './alpha_dropout.js';
import {SpatialDropout3D} from './spatial_dropout.js';

const random = {expectedNumTrainableWeights: 0, expectedNumNonTrainableWeights: 0, supportsMasking: true, trainingIsRandom: true, expectedNumSeedGenerators: 1};

test('AlphaDropout: identity at inference; in training two values per input value; keeps mean 0 and variance 1', () => {
  runLayerTest(AlphaDropout, {init: [0.3], options: {seed: 1}, inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], ...random});
  const d = new AlphaDropout(0.2, {seed: 7});
  const x = randomNormal([200, 100], {seed: 3}); // SELU's fixed point: mean 0, variance 1
  assert.equal(d.apply(x), x);
  const y = d.apply(x, {training: true}) as Tensor;
  const rate = 0.2, alphaP = -1.6732632423543772 * 1.0507009873554805;
  const a = ((1 - rate) * (1 + rate * alphaP ** 2)) ** -0.5, b = -a * alphaP * rate;
  let dropped = 0, sum = 0, sumSq = 0;
  for (let i = 0; i < y.size; i++) {
    const v = y.values[i]!;
    const keptValue = a * x.values[i]! + b, droppedValue = a * alphaP + b;
    const isDropped = Math.abs(v - droppedValue) < 1e-5;
    assert.ok(isDropped || Math.abs(v - keptValue) < 1e-5, `element ${i}: ${v} is neither a*x+b nor a*alpha'+b`);
    if (isDropped) dropped++;
    sum += v;
    sumSq += v * v;
  }
  const n = y.size, mean = sum / n;
  assert.ok(Math.abs(dropped / n - rate) < 0.01, `dropped fraction ${dropped / n}`);
  assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(sumSq / n - mean * mean - 1) < 0.03, `variance ${sumSq / n - mean * mean}`);
  // noiseShape broadcasts one keep mask
  const z = new AlphaDropout(0.5, {noiseShape: [null, 1], seed: 2}).apply(ones([8, 5]), {training: true}) as Tensor;
  for (let r = 0; r < 8; r++) for (let c = 1; c < 5; c++) assert.equal(z.values[r * 5 + c], z.values[r * 5]);
  assert.deepEqual(Object.keys(d.getConfig()).sort(), ['dtype', 'name', 'noiseShape', 'rate', 'seed', 'trainable']);
  assert.throws(() => new AlphaDropout(1.5), /Expected a float value between 0 and 1. Received: rate=1.5/);
});

test('SpatialDropout3D: drops whole channels of a volume (channels_last and channels_first)', () => {
  runLayerTest(SpatialDropout3D, {init: [0.5], options: {seed: 1}, inputShape: [2, 2, 3, 2, 4], expectedOutputShape: [2, 2, 3, 2, 4], ...random});
  for (const dataFormat of ['channels_last', 'channels_first'] as const) {
    const shape = dataFormat === 'channels_last' ? [6, 2, 3, 2, 20] : [6, 20, 2, 3, 2];
    const y = new SpatialDropout3D(0.5, {seed: 4, dataFormat}).apply(ones(shape), {training: true}) as Tensor;
    const seen = new Map<string, number>();
    let dropped = 0;
    for (let i = 0; i < y.size; i++) {
      const n = Math.floor(i / 240);
      const c = dataFormat === 'channels_last' ? i % 20 : Math.floor((i % 240) / 12);
      const key = `${n}/${c}`;
      const v = y.values[i]!;
      if (seen.has(key)) assert.equal(v, seen.get(key), `${dataFormat}: channel ${key} is not dropped as a whole`);
      else {
        seen.set(key, v);
        if (v === 0) dropped++;
      }
    }
    assert.ok(dropped > 30 && dropped < 90, `${dataFormat}: ${dropped} of 120 channels dropped`);
  }
  assert.ok(!('noiseShape' in new SpatialDropout3D(0.1).getConfig()));
  assert.throws(() => new SpatialDropout3D(0.5).apply(ones([2, 3, 4]), {training: true}), /expected ndim=5|rank 5/);
});
