/**
 * The public face, as a user imports it (`import * as keras from 'keras-ts'`): the Keras namespaces
 * exist and a model goes through build, fit, save and `keras.models.loadModel`.
 */
import assert from 'node:assert/strict';
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import * as keras from '../src/index.js';

after(() => keras.saving.shutdownH5());

test('the Keras namespaces and top-level names are exported', () => {
  for (const ns of ['ops', 'layers', 'models', 'optimizers', 'losses', 'metrics', 'callbacks', 'datasets', 'saving', 'utils', 'config', 'backend', 'random', 'initializers', 'regularizers', 'constraints', 'activations', 'distribution'] as const) {
    assert.equal(typeof keras[ns], 'object', `keras.${ns}`);
  }
  for (const f of [keras.Input, keras.Model, keras.Sequential, keras.models.loadModel, keras.saving.loadModel, keras.saving.registerKerasSerializable, keras.utils.toCategorical, keras.utils.padSequences, keras.utils.setRandomSeed, keras.GradientTape, keras.tensor, keras.callbacks.TensorBoard, keras.utils.plotModel, keras.utils.modelToDot, keras.utils.plotHistory]) {
    assert.equal(typeof f, 'function');
  }
});

test('keras.activations, initializers, regularizers and constraints are public, as in Keras', () => {
  assert.equal(keras.activations.get('relu'), keras.activations.relu);
  assert.ok(keras.initializers.get('glorot_uniform') instanceof keras.initializers.GlorotUniform);
  assert.ok(keras.regularizers.get('l2') instanceof keras.regularizers.L2);
  assert.ok(keras.constraints.get('max_norm') instanceof keras.constraints.MaxNorm);
});

test('a functional model trains, saves to .keras and loads back through keras.models.loadModel', async () => {
  keras.utils.setRandomSeed(7);
  const inputs = keras.Input({shape: [4]});
  const hidden = new keras.layers.Dense(8, {activation: 'relu'}).apply(inputs);
  const outputs = new keras.layers.Dense(3, {activation: 'softmax'}).apply(hidden);
  const model = new keras.Model({inputs, outputs});
  model.compile({optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy']});
  const x = keras.random.randomNormal([16, 4], {seed: 1});
  const y = keras.tensor(Array.from({length: 16}, (_, i) => i % 3), [16], 'int32');
  await model.fit(x, y, {epochs: 2, batchSize: 8, verbose: 0});
  const path = join(mkdtempSync(join(tmpdir(), 'keras-ts-api-')), 'm.keras');
  await model.save(path);
  const loaded = await keras.models.loadModel(path);
  const a = (await model.predict(x, {verbose: 0})) as keras.Tensor;
  const b = (await loaded.predict(x, {verbose: 0})) as keras.Tensor;
  assert.deepEqual([...b.values], [...a.values]);
});

test('keras.layers has the preprocessing and augmentation layers, keras.ops.image resize and affineTransform', async () => {
  const model = new keras.Sequential([
    keras.Input({shape: [6, 6, 1]}), new keras.layers.Rescaling(1 / 255), new keras.layers.Resizing(4, 4),
    new keras.layers.RandomFlip('horizontal', {seed: 1}), new keras.layers.RandomRotation(0.1, {seed: 2}),
    new keras.layers.Flatten(), new keras.layers.Dense(2),
  ]);
  const x = keras.tensor(Array.from({length: 72}, (_, i) => i * 3), [2, 6, 6, 1]);
  const p = (await model.predict(x, {verbose: 0})) as keras.Tensor;
  assert.deepEqual([...p.shape], [2, 2]);
  assert.deepEqual([...keras.ops.image.resize(x, [3, 3]).shape], [2, 3, 3, 1]);
  assert.deepEqual([...keras.ops.image.affineTransform(x, [1, 0, 0, 0, 1, 0, 0, 0]).values], [...x.values]);
});
