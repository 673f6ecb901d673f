/** keras.initializers / regularizers / constraints / activations / random, with Keras 3's names. */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as keras from '../../src/index.js';

test('a Dense written with keras.regularizers, keras.initializers, keras.constraints, keras.activations', async () => {
  const layer = new keras.layers.Dense(4, {
    kernelInitializer: new keras.initializers.HeNormal({seed: 1}),
    biasInitializer: new keras.initializers.Constant(0.5),
    kernelRegularizer: new keras.regularizers.L2(1e-4),
    kernelConstraint: new keras.constraints.MaxNorm({maxValue: 2}),
    activation: keras.activations.relu,
  });
  const model = new keras.Sequential([keras.Input({shape: [3]}), layer]);
  assert.deepEqual(Array.from(layer.bias!.value.values), [0.5, 0.5, 0.5, 0.5]);
  model.compile({optimizer: 'sgd', loss: 'mse'});
  await model.fit(keras.ones([8, 3]), keras.ones([8, 4]), {epochs: 1, verbose: 0});
  assert.equal(model.losses.length, 1); // the L2 penalty
  assert.equal(keras.activations.get('gelu'), keras.activations.gelu);
  assert.ok(keras.initializers.get('glorot_uniform') instanceof keras.initializers.GlorotUniform);
  assert.ok(keras.regularizers.get({className: 'L1L2', config: {l1: 0.1, l2: 0.2}}) instanceof keras.regularizers.L1L2);
  assert.ok(keras.constraints.get('non_neg') instanceof keras.constraints.NonNeg);
});

test('keras.random: normal, uniform, truncatedNormal, randint, categorical, shuffle, dropout, SeedGenerator', () => {
  const n = keras.random.normal([2000], {mean: 3, stddev: 2, seed: 1});
  const mean = Array.from(n.values).reduce((a, b) => a + b, 0) / n.size;
  assert.ok(Math.abs(mean - 3) < 0.15, `mean ${mean}`);
  // an integer seed gives the same values each call; a SeedGenerator advances
  assert.deepEqual(Array.from(keras.random.uniform([5], {seed: 3}).values), Array.from(keras.random.uniform([5], {seed: 3}).values));
  const gen = new keras.random.SeedGenerator(42);
  assert.notDeepEqual(Array.from(keras.random.uniform([5], {seed: gen}).values), Array.from(keras.random.uniform([5], {seed: gen}).values));
  const u = keras.random.uniform([1000], {minval: -2, maxval: 5, seed: 2});
  assert.ok(u.values.every((v) => v >= -2 && v < 5));
  assert.throws(() => keras.random.uniform([3], {dtype: 'int32'}), /requires a floating point `dtype`/);
  const t = keras.random.truncatedNormal([1000], {stddev: 1, seed: 4});
  assert.ok(t.values.every((v) => Math.abs(v) <= 2));
  const r = keras.random.randint([1000], 3, 7, {seed: 5});
  assert.equal(r.dtype, 'int32');
  assert.deepEqual([...new Set(r.values)].sort(), [3, 4, 5, 6]);
  // categorical: a row whose logits favour class 2 strongly draws 2
  const c = keras.random.categorical([[0, 0, 20], [20, 0, 0]], 50, {seed: 6});
  assert.deepEqual(c.shape, [2, 50]);
  assert.ok(Array.from(c.values.subarray(0, 50)).every((v) => v === 2));
  assert.ok(Array.from(c.values.subarray(50)).every((v) => v === 0));
  const s = keras.random.shuffle(keras.arange(10), {seed: 7});
  assert.deepEqual(Array.from(s.values).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(Array.from(s.values), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const d = keras.random.dropout(keras.ones([1000]), 0.5, {seed: 8});
  const kept = d.values.filter((v) => v !== 0);
  assert.ok(kept.every((v) => v === 2));
  assert.ok(Math.abs(kept.length - 500) < 60, `kept ${kept.length}`);
});
