/** Lambda (a TypeScript function, saved by name, never loaded as code) and Identity. */
import assert from 'node:assert/strict';
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import * as keras from '../../src/index.js';
import type {Tensor} from '../../src/index.js';

function scaleAndShift(x: Tensor, args: Record<string, unknown>): Tensor {
  return keras.ops.add(keras.ops.multiply(x, args['scale'] as number), 1);
}

test('Lambda runs its function with its arguments, infers or takes the output shape, and trains around it', async () => {
  const model = new keras.Sequential([
    keras.Input({shape: [3]}),
    new keras.layers.Dense(4),
    new keras.layers.Lambda(scaleAndShift, {arguments: {scale: 2}}),
    new keras.layers.Lambda((x: Tensor) => keras.ops.sum(x, -1, true), {outputShape: [1]}),
    new keras.layers.Identity(),
  ]);
  assert.deepEqual(model.outputShape, [null, 1]);
  const x = keras.random.uniform([5, 3], {seed: 1});
  const dense = model.layers[0]!.apply(x) as Tensor;
  const want = keras.ops.sum(keras.ops.add(keras.ops.multiply(dense, 2), 1), -1, true);
  assert.deepEqual(Array.from((model.apply(x) as Tensor).values), Array.from(want.values));
  model.compile({optimizer: 'sgd', loss: 'mse'});
  const h = await model.fit(x, keras.zeros([5, 1]), {epochs: 3, verbose: 0});
  assert.ok(h.history['loss']![2]! < h.history['loss']![0]!);
  assert.throws(() => new keras.layers.Lambda(42 as never), /Lambda: the first argument must be a function\. Received: number/);
});

test('a Lambda saves its function by name; loading refuses it unless the function is given (safeMode: false)', async () => {
  const model = new keras.Sequential([keras.Input({shape: [3]}), new keras.layers.Lambda(scaleAndShift, {arguments: {scale: 3}}), new keras.layers.Identity()]);
  const path = join(mkdtempSync(join(tmpdir(), 'keras-ts-lambda-')), 'm.keras');
  await model.save(path);
  await assert.rejects(keras.models.loadModel(path), /Lambda layer \("lambda.*"\) whose function is stored in the file as a reference to the Python function "scaleAndShift"\. Loading code from a file is not allowed/);
  await assert.rejects(keras.models.loadModel(path, {safeMode: false}), /needs its function; keras-ts never runs code from a file\. Pass it in customObjects under "scaleAndShift"/);
  const loaded = await keras.models.loadModel(path, {safeMode: false, customObjects: {scaleAndShift}});
  const x = keras.random.uniform([2, 3], {seed: 2});
  assert.deepEqual(Array.from((loaded.apply(x) as Tensor).values), Array.from((model.apply(x) as Tensor).values));
  assert.equal(loaded.layers[1]!.className, 'Identity');
  const anonymous = new keras.Sequential([keras.Input({shape: [3]}), new keras.layers.Lambda((x: Tensor) => x)]);
  // an arrow function assigned inline has no name: it cannot be saved by name
  await assert.rejects(anonymous.save(join(tmpdir(), 'never.keras')), /an anonymous function cannot be saved \(it is serialized by name, never as code\)/);
});
