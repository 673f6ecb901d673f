/** Wrong input fails at the right moment, with a message naming what was wrong. */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as keras from '../../src/index.js';
import type {Tensor} from '../../src/index.js';

function makeModel(classes = 3): keras.Sequential {
  const model = new keras.Sequential([
    keras.Input({shape: [4]}),
    new keras.layers.Dense(classes, {activation: 'softmax', kernelInitializer: new keras.initializers.GlorotUniform({seed: 3})}),
  ]);
  model.compile({optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy']});
  return model;
}

test('unknown loss, metric and optimizer identifiers fail in compile, naming the valid ones', () => {
  const model = new keras.Sequential([keras.Input({shape: [4]}), new keras.layers.Dense(2)]);
  assert.throws(() => model.compile({optimizer: 'adam', loss: 'nope'}), /Could not interpret loss identifier: nope\. Expected one of: .*categorical_crossentropy.*mse/);
  assert.throws(() => model.compile({optimizer: 'adam', loss: ['mse', 'nope']}), /Could not interpret loss identifier: nope/);
  assert.throws(() => model.compile({optimizer: 'adam', loss: 'mse', metrics: ['accuracy', 'nope']}), /Could not interpret metric identifier: nope\. Expected one of: .*mae/);
  assert.throws(() => model.compile({optimizer: 'nope', loss: 'mse'}), /Could not interpret optimizer identifier: "nope"\. Expected one of: adadelta, adagrad, adam/);
  // the names resolved from the data's shapes are accepted
  model.compile({optimizer: 'adam', loss: 'crossentropy', metrics: ['acc', 'accuracy']});
});

test('a sparse label outside [0, classes) fails with the value and the range', async () => {
  const model = makeModel(3);
  const x = keras.random.uniform([4, 4], {seed: 1});
  await assert.rejects(
    model.fit(x, keras.tensor([0, 2, 3, 1]), {verbose: 0, shuffle: false}),
    {message: 'Received a label value of 3 which is outside the valid range of [0, 3).  Label values: 0 2 3 1'},
  );
  await assert.rejects(model.evaluate(x, keras.tensor([0, -1, 1, 1]), {verbose: 0}), /Received a label value of -1 which is outside the valid range of \[0, 3\)/);
});

const x = keras.random.uniform([40, 4], {seed: 5});
const y = keras.random.randint([40], 0, 3, {seed: 6});
const rows = (t: Tensor, i: number, n = 8) => keras.ops.slice(t, [i * 8, ...new Array(t.rank - 1).fill(0)], [n, ...new Array(t.rank - 1).fill(-1)]);

test('a generator that yields a wrong shape fails naming the step and both shapes', async () => {
  function* gen() {
    yield [rows(x, 0), rows(y, 0)];
    yield [rows(x, 1), rows(y, 1)];
    yield [keras.ones([8, 5]), rows(y, 2)];
  }
  await assert.rejects(makeModel().fit(gen(), {verbose: 0}), {
    message: 'fit: the batch at step 2 has x shape [8, 5], but the earlier batches had x shape [None, 4]. Every batch must have the same shape except for the batch size.',
  });
  function* unequal() {
    yield [rows(x, 0), rows(y, 0, 7)];
  }
  await assert.rejects(makeModel().fit(unequal(), {verbose: 0}), /fit: the batch at step 0 has arrays with different numbers of samples: x shape \[8, 4\], y shape \[7\]/);
  function* notBatches() {
    yield 'images';
  }
  await assert.rejects(makeModel().fit(notBatches(), {verbose: 0}), /data is expected to be in format `x`, `\[x\]`, `\[x, y\]`, or `\[x, y, sampleWeight\]`; the element at step 0 was: string/);
  await assert.rejects(makeModel().fit(gen(), keras.ones([3]) as never, {verbose: 0}), /the `y` argument is not supported when `x` is a generator/);
});

test('a generator that throws ends fit with its error; the weights are those after the last completed step', async () => {
  const failure = new Error('disk read failed at batch 3');
  function* gen() {
    for (let i = 0; i < 5; i++) {
      if (i === 3) throw failure;
      yield [rows(x, i), rows(y, i)];
    }
  }
  const streamed = makeModel();
  await assert.rejects(streamed.fit(gen(), {epochs: 2, verbose: 0}), (e) => e === failure);
  const reference = makeModel();
  await reference.fit(keras.ops.slice(x, [0, 0], [24, -1]), keras.ops.slice(y, [0], [24]), {batchSize: 8, shuffle: false, verbose: 0});
  assert.deepEqual(streamed.getWeights().map((w) => Array.from(w.values)), reference.getWeights().map((w) => Array.from(w.values)));
  // the same from an async generator, whose next batch is fetched while a step runs
  async function* agen() {
    yield* gen();
  }
  const asyncStreamed = makeModel();
  await assert.rejects(asyncStreamed.fit(agen(), {epochs: 2, verbose: 0}), (e) => e === failure);
  assert.deepEqual(asyncStreamed.getWeights().map((w) => Array.from(w.values)), reference.getWeights().map((w) => Array.from(w.values)));
});
