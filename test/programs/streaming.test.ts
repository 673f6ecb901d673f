/**
 * fit / evaluate / predict over streams of batches: sync and async generators, iterables and
 * keras.utils.PyDataset; the same weights as fit over the same batches in memory; errors that
 * name the step; Keras's unknown-total progress bar.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as keras from '../../src/index.js';
import type {Tensor} from '../../src/index.js';

const N = 96, BATCH = 16;
const x = keras.random.uniform([N, 5], {seed: 11});
const y = keras.ops.oneHot(keras.random.randint([N], 0, 3, {seed: 12}), 3);
const rows = (t: Tensor, i: number) => keras.ops.slice(t, [i * BATCH, 0], [BATCH, -1]);

function makeModel(): keras.Sequential {
  const model = new keras.Sequential([
    keras.Input({shape: [5]}),
    new keras.layers.Dense(8, {activation: 'relu', kernelInitializer: new keras.initializers.GlorotUniform({seed: 1})}),
    new keras.layers.Dense(3, {activation: 'softmax', kernelInitializer: new keras.initializers.GlorotUniform({seed: 2})}),
  ]);
  model.compile({optimizer: new keras.optimizers.Adam({learningRate: 0.01}), loss: 'categorical_crossentropy', metrics: ['accuracy']});
  return model;
}

function* batches(): Generator<[Tensor, Tensor]> {
  for (let i = 0; i < N / BATCH; i++) yield [rows(x, i), rows(y, i)];
}

const weightsOf = (m: keras.Model) => m.getWeights().map((w) => Array.from(w.values));

test('fit over a generator gives the same weights and logs as fit over the same batches in memory', async () => {
  const inMemory = makeModel();
  const h1 = await inMemory.fit(x, y, {batchSize: BATCH, epochs: 1, shuffle: false, verbose: 0});
  const streamed = makeModel();
  const h2 = await streamed.fit(batches(), {epochs: 1, verbose: 0});
  assert.deepEqual(weightsOf(streamed), weightsOf(inMemory));
  assert.deepEqual(h2.history, h1.history);
  // several epochs: an iterable (not a one-shot generator) is iterated again each epoch
  const a = makeModel(), b = makeModel();
  await a.fit(x, y, {batchSize: BATCH, epochs: 3, shuffle: false, verbose: 0});
  await b.fit({[Symbol.iterator]: batches}, {epochs: 3, verbose: 0});
  assert.deepEqual(weightsOf(b), weightsOf(a));
});

test('async generators, PyDataset (async getItem, 3 in flight) and an endless generator with stepsPerEpoch train the same', async () => {
  const reference = makeModel();
  await reference.fit(x, y, {batchSize: BATCH, epochs: 2, shuffle: false, verbose: 0});

  const viaAsync = makeModel();
  await viaAsync.fit({
    async *[Symbol.asyncIterator]() {
      for (const b of batches()) {
        await new Promise((r) => setTimeout(r, 1));
        yield b;
      }
    },
  }, {epochs: 2, verbose: 0});
  assert.deepEqual(weightsOf(viaAsync), weightsOf(reference));

  class Batches extends keras.utils.PyDataset {
    calls: number[] = [];
    epochsEnded = 0;
    get length() {
      return N / BATCH;
    }
    async getItem(i: number) {
      this.calls.push(i);
      await new Promise((r) => setTimeout(r, (N / BATCH - i) % 3)); // out of order completion
      return [rows(x, i), rows(y, i)];
    }
    override onEpochEnd() {
      this.epochsEnded++;
    }
  }
  const ds = new Batches({workers: 3});
  const viaPyDataset = makeModel();
  await viaPyDataset.fit(ds, {epochs: 2, verbose: 0, shuffle: false});
  assert.deepEqual(weightsOf(viaPyDataset), weightsOf(reference));
  assert.equal(ds.epochsEnded, 2);
  assert.deepEqual(ds.calls, [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
  // with fit's default shuffle, each epoch visits every batch once, in a new order
  const shuffled = new Batches();
  await makeModel().fit(shuffled, {epochs: 2, verbose: 0});
  const [e1, e2] = [shuffled.calls.slice(0, 6), shuffled.calls.slice(6)];
  assert.deepEqual([...e1].sort(), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...e2].sort(), [0, 1, 2, 3, 4, 5]);
  assert.notDeepEqual(e1, e2);

  function* endless() {
    for (;;) yield* batches();
  }
  const viaSteps = makeModel();
  await viaSteps.fit(endless(), {epochs: 2, stepsPerEpoch: N / BATCH, verbose: 0});
  assert.deepEqual(weightsOf(viaSteps), weightsOf(reference));
});

test('validationData as a generator, evaluate and predict over streams', async () => {
  const model = makeModel();
  const h = await model.fit({[Symbol.iterator]: batches}, {epochs: 2, verbose: 0, validationData: {[Symbol.iterator]: batches}});
  assert.equal(h.history['val_loss']!.length, 2);
  const fromArrays = (await model.evaluate(x, y, {batchSize: BATCH, verbose: 0, returnDict: true})) as Record<string, number>;
  const fromStream = (await model.evaluate(batches(), {verbose: 0, returnDict: true})) as Record<string, number>;
  assert.deepEqual(fromStream, fromArrays);
  assert.ok(Math.abs(h.history['val_loss']![1]! - fromArrays['loss']!) < 1e-6);
  function* xs() {
    for (let i = 0; i < N / BATCH; i++) yield rows(x, i);
  }
  const p1 = (await model.predict(x, {batchSize: BATCH, verbose: 0})) as Tensor;
  const p2 = (await model.predict(xs(), {verbose: 0})) as Tensor;
  assert.deepEqual(p2.shape, [N, 3]);
  assert.deepEqual(Array.from(p2.values), Array.from(p1.values));
});

test('the progress bar shows an unknown total during the first epoch, then the count it learned', async () => {
  let out = '';
  const progbar = new keras.callbacks.ProgbarLogger({write: (s) => void (out += s), dynamicDisplay: true, interval: 0, unicode: false});
  const model = makeModel();
  await model.fit({[Symbol.iterator]: batches}, {epochs: 2, verbose: 1, callbacks: [progbar]});
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const [first, second] = plain.split('Epoch 2/2');
  assert.match(first!, / {6}3\/Unknown \d+s \d+(?:s|ms|us)\/step - accuracy: [0-9.]+ - loss: [0-9.]+/);
  assert.match(first!, /6\/6 =+ \d+s/);
  assert.match(second!, /3\/6 =+ \d+s/);
  assert.doesNotMatch(second!, /Unknown/);
});

test('a generator that runs out before stepsPerEpoch * epochs stops fit with Keras\'s warning', async () => {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (m: string) => void warnings.push(m);
  try {
    const model = makeModel();
    const h = await model.fit(batches(), {epochs: 3, stepsPerEpoch: 4, verbose: 0});
    assert.deepEqual(h.epoch, [0, 1]); // 4 steps, then the 2 left: interrupted in epoch 2
    assert.match(warnings.join('\n'), /Your input ran out of data; interrupting training/);
  } finally {
    console.warn = warn;
  }
});
