/** keras.utils.timeseriesDatasetFromArray: Keras's windows, targets, strides and sampling rate. */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as keras from '../../src/index.js';
import type {Tensor} from '../../src/index.js';

const data = keras.arange(0, 100, 1, 'float32');

test('windows of 10 with the value after each as target (Keras docs\' example 1)', () => {
  const ds = keras.utils.timeseriesDatasetFromArray(keras.ops.slice(data, [0], [90]), keras.ops.slice(data, [10], [90]), 10, {batchSize: 32});
  const batches = [...ds] as [Tensor, Tensor][];
  assert.equal(ds.numBatches, 3);
  assert.deepEqual(batches.map(([x, y]) => [x.shape, y.shape]), [[[32, 10], [32]], [[32, 10], [32]], [[17, 10], [17]]]);
  assert.deepEqual(Array.from(batches[0]![0].values.subarray(0, 10)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(batches[0]![1].values[0], 10);
  assert.deepEqual(Array.from(batches[2]![0].values.subarray(16 * 10)), [80, 81, 82, 83, 84, 85, 86, 87, 88, 89]);
});

test('samplingRate, sequenceStride, startIndex / endIndex, shuffle with a seed', () => {
  const ds = keras.utils.timeseriesDatasetFromArray(data, null, 3, {samplingRate: 2, sequenceStride: 5, startIndex: 10, endIndex: 40, batchSize: 100});
  const [x] = [...ds] as Tensor[];
  // starts 10, 15, 20, 25, 30, 35 that fit 3 rows 2 apart before 40: 10..35 (35 + 4 = 39)
  assert.deepEqual(x!.shape, [6, 3]);
  assert.deepEqual(Array.from(x!.values.subarray(0, 6)), [10, 12, 14, 15, 17, 19]);
  const a = [...keras.utils.timeseriesDatasetFromArray(data, data, 5, {shuffle: true, seed: 3, batchSize: 200})] as [Tensor, Tensor][];
  const b = [...keras.utils.timeseriesDatasetFromArray(data, data, 5, {shuffle: true, seed: 3, batchSize: 200})] as [Tensor, Tensor][];
  assert.deepEqual(Array.from(a[0]![1].values), Array.from(b[0]![1].values));
  assert.deepEqual(Array.from(a[0]![1].values).sort((p, q) => p - q), Array.from({length: 96}, (_, i) => i));
  // each window starts at its target
  assert.deepEqual(Array.from(a[0]![0].values.filter((_, i) => i % 5 === 0)), Array.from(a[0]![1].values));
  assert.throws(() => keras.utils.timeseriesDatasetFromArray(data, null, 0), /`sequence_length` must be higher than 0\. Received: sequence_length=0/);
  assert.throws(() => keras.utils.timeseriesDatasetFromArray(data, null, 200), /no window fits/);
});

test('fit over a time-series dataset (an LSTM learns the next value of a sine)', async () => {
  const n = 400;
  const sine = keras.tensor(Float32Array.from({length: n}, (_, i) => Math.sin(i / 8)), [n, 1]);
  const ds = keras.utils.timeseriesDatasetFromArray(keras.ops.slice(sine, [0, 0], [n - 12, 1]), keras.ops.slice(sine, [12, 0], [n - 12, 1]), 12, {batchSize: 64});
  const model = new keras.Sequential([keras.Input({shape: [12, 1]}), new keras.layers.LSTM(16), new keras.layers.Dense(1)]);
  model.compile({optimizer: new keras.optimizers.Adam({learningRate: 0.01}), loss: 'mse'});
  const h = await model.fit(ds, {epochs: 8, verbose: 0});
  const loss = h.history['loss']!;
  assert.ok(loss[7]! < loss[0]! / 4, `loss ${loss}`);
});
