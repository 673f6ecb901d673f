/**
 * PyDataset with useMultiprocessing: getItem runs in worker threads that import the dataset's
 * module; the weights equal those of the same dataset read on the main thread, the state set in
 * onEpochEnd reaches the workers, and errors name what went wrong.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as keras from '../../src/index.js';
import {RowBatches, WithFunction} from './worker_dataset.js';

const N = 96, BATCH = 16;
const x = keras.random.uniform([N, 5], {seed: 21});
const y = keras.ops.oneHot(keras.random.randint([N], 0, 3, {seed: 22}), 3);

function makeModel(): keras.Sequential {
  const model = new keras.Sequential([
    keras.Input({shape: [5]}),
    new keras.layers.Dense(8, {activation: 'relu', kernelInitializer: new keras.initializers.GlorotUniform({seed: 1})}),
    new keras.layers.Dense(3, {activation: 'softmax', kernelInitializer: new keras.initializers.GlorotUniform({seed: 2})}),
  ]);
  model.compile({optimizer: new keras.optimizers.Adam({learningRate: 0.01}), loss: 'categorical_crossentropy'});
  return model;
}
const weightsOf = (m: keras.Model) => m.getWeights().map((w) => Array.from(w.values));

test('getItem in 3 worker threads: no call on the main thread, the same weights as on the main thread, onEpochEnd state reaches the workers', async () => {
  const threaded = new RowBatches(x, y, BATCH, {workers: 3, useMultiprocessing: true});
  const local = new RowBatches(x, y, BATCH, {workers: 3});
  const a = makeModel(), b = makeModel();
  const ha = await a.fit(threaded, undefined, {epochs: 3, shuffle: false, verbose: 0});
  const hb = await b.fit(local, undefined, {epochs: 3, shuffle: false, verbose: 0});
  assert.equal(threaded.mainThreadCalls, 0);
  assert.equal(local.mainThreadCalls, 18);
  assert.equal(threaded.epoch, 3);
  assert.deepEqual(weightsOf(a), weightsOf(b));
  assert.deepEqual(ha.history, hb.history);
  // predict through the workers too
  const p = (await a.predict(threaded, {verbose: 0})) as keras.Tensor;
  const q = (await a.predict(local, {verbose: 0})) as keras.Tensor;
  assert.deepEqual(p.shape, [N, 3]);
  assert.deepEqual(Array.from(p.values), Array.from(q.values));
  await threaded.closeWorkers();
});

test('a getItem that throws in a worker ends fit with its message; a field that cannot be copied is named', async () => {
  const failing = new RowBatches(x, y, BATCH, {workers: 2, useMultiprocessing: true, failAt: 4});
  await assert.rejects(makeModel().fit(failing, undefined, {epochs: 1, shuffle: false, verbose: 0}), /PyDataset worker thread: RowBatches\.getItem failed: Error: batch 4 is broken/);
  await failing.closeWorkers();
  const withFn = new WithFunction(x, y, BATCH, {workers: 2, useMultiprocessing: true});
  await assert.rejects(makeModel().fit(withFn, undefined, {epochs: 1, verbose: 0}), /PyDataset with useMultiprocessing: WithFunction\.transform is a function, which cannot be copied to a worker thread/);
  await withFn.closeWorkers();
});
