// Saving and loading mid-training while the optimizer updates its slots in place: the file holds the
// state at the save, training that continues from the loaded model equals training that continued
// in memory and an uninterrupted run, bit for bit, and weights and optimizer variables read by the
// user (getWeights, optimizer.variables) before further steps keep their values.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as keras from '../src/index.js';
import {loadModel, shutdownH5, type SavingModel} from '../src/saving/index.js';
import {tensor, type Tensor} from '../src/tensor/tensor.js';
import type {Layer} from '../src/layers/layer.js';
import type {Optimizer} from '../src/optimizers/optimizer.js';

const L = keras.layers as unknown as Record<string, new (...a: unknown[]) => Layer>;
const dir = mkdtempSync(join(tmpdir(), 'keras-ts-in-place-'));
after(async () => {
  rmSync(dir, {recursive: true, force: true});
  await shutdownH5();
});

type M = SavingModel & {
  trainOnBatch(x: Tensor, y: Tensor): unknown;
  compile(a: object): void;
  getWeights(): Tensor[];
  setWeights(w: Tensor[]): void;
  save(p: string): Promise<void>;
  optimizer: Optimizer | null;
};

let seed = 7;
function rand(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    v[i] = (seed / 0x7fffffff) * 2 - 1;
  }
  return tensor(v, shape);
}

function make(): M {
  // Dense(32) on 16 features: a 512-element kernel, above the native backend's fused-update threshold
  const m = new keras.models.Sequential([new L.Dense!(32, {inputShape: [16], activation: 'relu'}), new L.Dense!(4)]) as unknown as M;
  m.compile({optimizer: 'adam', loss: 'mse'});
  return m;
}
const state = (m: M) => [...m.getWeights(), ...m.optimizer!.variables.map((v) => v.value)].map((t) => Array.from(t.values));

for (const ext of ['keras', 'h5'] as const) {
  test(`.${ext}: save mid-training, continue in memory and from the file: identical`, async () => {
    const x = rand([8, 16]), y = rand([8, 4]);
    const a = make();
    const ref = make();
    ref.setWeights(a.getWeights());
    assert.deepEqual(state(a), state(ref));
    for (let i = 0; i < 3; i++) a.trainOnBatch(x, y);
    // the reference reads every value before each step: its updates never run in place
    for (let i = 0; i < 3; i++) {
      state(ref);
      ref.trainOnBatch(x, y);
    }
    const slotsOwned = a.optimizer!.variables.filter((v) => v.name.endsWith('_momentum') || v.name.endsWith('_velocity')).map((v) => v.unsharedValue());
    assert.ok(slotsOwned.length === 8 && slotsOwned.every((t) => t !== null), 'a\'s slots are updated in place');
    const path = join(dir, `m.${ext}`);
    await a.save(path);
    const held = [...a.getWeights(), ...a.optimizer!.variables.map((v) => v.value)];
    const atSave = held.map((t) => Array.from(t.values));
    assert.deepEqual(atSave, state(ref));
    const b = (await loadModel(path)) as unknown as M;
    assert.deepEqual(state(b), atSave, 'the file holds the state at the save');
    for (let i = 0; i < 3; i++) {
      a.trainOnBatch(x, y);
      b.trainOnBatch(x, y);
      state(ref);
      ref.trainOnBatch(x, y);
    }
    assert.deepEqual(held.map((t) => Array.from(t.values)), atSave, 'tensors read before the steps kept their values');
    assert.equal(b.optimizer!.iterations, 6);
    assert.deepEqual(state(a), state(ref));
    assert.deepEqual(state(b), state(ref));
  });
}
