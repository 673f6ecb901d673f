/** `keras.Input` as the first element of a Sequential, and `add(keras.Input(...))`, as Keras 3. */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as keras from '../../src/index.js';
import {KerasTensor} from '../../src/layers/keras_tensor.js';

test('Sequential([keras.Input({shape}), Dense]) builds from the Input', () => {
  const model = new keras.Sequential([keras.Input({shape: [3]}), new keras.layers.Dense(2)]);
  assert.ok(model.built);
  assert.deepEqual(model.inputShape, [null, 3]);
  assert.deepEqual(model.outputShape, [null, 2]);
  assert.equal(model.layers.length, 1); // the InputLayer is not listed, as Keras's `model.layers`
  assert.equal(model.countParams(), 8);
});

test('model.add(keras.Input(...)) then layers, as keras.io writes it', () => {
  const model = new keras.Sequential();
  model.add(keras.Input({shape: [28, 28, 1]}));
  model.add(new keras.layers.Conv2D(4, [3, 3], {activation: 'relu'}));
  model.add(new keras.layers.Flatten());
  model.add(new keras.layers.Dense(10, {activation: 'softmax'}));
  assert.deepEqual(model.outputShape, [null, 10]);
  assert.match(model.summaryText(), /conv2d.*\(None, 26, 26, 4\)/);
});

test('a tensor made by a layer cannot be added to a Sequential', () => {
  const x = keras.Input({shape: [3]});
  const y = new keras.layers.Dense(2).apply(x);
  assert.ok(y instanceof KerasTensor);
  assert.throws(() => new keras.Sequential([y]), /Only `keras.Input` tensors can be added to a Sequential model/);
  const model = new keras.Sequential([keras.Input({shape: [3]})]);
  assert.throws(() => model.add(keras.Input({shape: [4]})), /has already been configured to use input shape/);
});
