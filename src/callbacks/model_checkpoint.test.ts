import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as keras from '../index.js';
import type {Layer} from '../layers/layer.js';
import {loadModel, shutdownH5} from '../saving/index.js';
import {formatFilepath, ModelCheckpoint} from './model_checkpoint.js';

const L = keras.layers as unknown as Record<string, new (...a: unknown[]) => Layer>;
const dir = mkdtempSync(join(tmpdir(), 'keras-ts-ckpt-'));
after(async () => {
  rmSync(dir, {recursive: true, force: true});
  await shutdownH5();
});

function model() {
  const m = new keras.models.Sequential([new L.Dense!(4, {inputShape: [3], activation: 'relu'}), new L.Dense!(1)]) as unknown as {
    compile(a: object): void; fit(x: unknown, y: unknown, a: object): Promise<{history: Record<string, number[]>}>; getWeights(): keras.Tensor[];
  };
  m.compile({optimizer: 'sgd', loss: 'mse'});
  return m;
}
const x = keras.tensor(Float32Array.from({length: 24}, (_, i) => Math.sin(i)), [8, 3]);
const y = keras.tensor(Float32Array.from({length: 8}, (_, i) => i / 8), [8, 1]);

test('formatFilepath fills epoch and log fields as Python format', () => {
  assert.equal(formatFilepath('m-{epoch:02d}-{val_loss:.2f}.keras', {epoch: 3, val_loss: 0.12345}), 'm-03-0.12.keras');
  assert.throws(() => formatFilepath('{acc}.keras', {epoch: 1}), /no value for "acc"/);
});

test('saves every epoch with a formatted path; the last file holds the final weights', async () => {
  const m = model();
  const ckpt = new ModelCheckpoint(join(dir, 'e{epoch:02d}.keras'), {});
  await m.fit(x, y, {epochs: 3, batchSize: 4, verbose: 0, callbacks: [ckpt]});
  // fit resolves once the files are written (flush() is kept, with nothing left to wait for)
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('e')).sort(), ['e01.keras', 'e02.keras', 'e03.keras']);
  await ckpt.flush();
  const last = await loadModel(join(dir, 'e03.keras'));
  assert.deepEqual(last.getWeights().map((w) => Array.from(w.values)), m.getWeights().map((w) => Array.from(w.values)));
});

test('saveBestOnly saves only on improvement of the monitored value', async () => {
  const m = model();
  const ckpt = new ModelCheckpoint(join(dir, 'best.weights.h5'), {monitor: 'loss', mode: 'min', saveBestOnly: true, saveWeightsOnly: true});
  const h = await m.fit(x, y, {epochs: 4, batchSize: 8, verbose: 0, callbacks: [ckpt]});
  await ckpt.flush();
  const losses = h.history['loss']!;
  assert.equal(ckpt.best, Math.min(...losses));
  assert.ok(existsSync(join(dir, 'best.weights.h5')));
});

test('saveFreq in batches, and bad file names', async () => {
  const m = model();
  const ckpt = new ModelCheckpoint(join(dir, 'b{epoch}-{batch}.keras'), {saveFreq: 3});
  await m.fit(x, y, {epochs: 2, batchSize: 2, verbose: 0, callbacks: [ckpt]});
  await ckpt.flush();
  // 4 batches per epoch, 8 in all: saves after batches 3 and 6
  // batch indices are 0-based: after the 3rd batch of epoch 1 and the 2nd of epoch 2
  assert.deepEqual(readdirSync(dir).filter((f) => /^b\d/.test(f)).sort(), ['b1-2.keras', 'b2-1.keras']);
  assert.throws(() => new ModelCheckpoint('x.weights.h5'), /must end in `.keras`/);
  // a failed write rejects fit (here the folder is a file)
  writeFileSync(join(dir, 'not_a_dir'), 'x');
  const bad = new ModelCheckpoint(join(dir, 'not_a_dir', 'm.keras'));
  await assert.rejects(m.fit(x, y, {epochs: 1, batchSize: 8, verbose: 0, callbacks: [bad]}), /ENOTDIR|not a directory/);
  await bad.flush();
  assert.throws(() => new ModelCheckpoint('x.keras', {saveWeightsOnly: true}), /must end in `.weights.h5`/);
});
