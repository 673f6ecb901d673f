/**
 * Our legacy `.h5` writes against the files Keras itself wrote, for every layer type found in the
 * real Keras 2 files of the shared fixtures (Dense, Activation, Conv2D, BatchNormalization, Flatten,
 * LSTM, MaxPooling2D, Add, GlobalAveragePooling2D, InputLayer; the Keras 3 `.keras` CNN is compared in
 * saving_layout.test.ts). Each real model is loaded, saved by keras-ts, and both files are read with
 * jsfive (an HDF5 reader independent of the h5wasm writer): the same root and model_weights
 * attributes, the same layer order, and per layer the same weights in the same order with the same
 * shape, dtype and VALUES (so a transposed or reordered write fails even where shapes agree).
 *
 * Differences that are Keras's own, between its versions, and are normalized here: Keras 2 writes
 * weight names with a `:0` suffix (Keras 3's legacy writer drops it), tf.keras 2.x and Keras 3 nest
 * recurrent weights in a cell group (`lstm_1/lstm_cell/kernel`); the key is the weight's last name.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import * as hdf5 from 'jsfive';
import '../src/index.js';
import {loadModel, loadWeights, shutdownH5} from '../src/saving/index.js';
import {modelFromJson} from '../src/saving/saving_lib.js';
import {KERAS_FIXTURES, needKerasFixtures} from '../src/testing/needs.js';

const dir = mkdtempSync(join(tmpdir(), 'keras-ts-layout2-'));
after(async () => {
  rmSync(dir, {recursive: true, force: true});
  await shutdownH5();
});

type J = {keys?: string[]; attrs: Record<string, unknown>; shape?: number[]; dtype?: string; value?: unknown; get(p: string): J};

function open(path: string): J {
  const bytes = readFileSync(path);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return new (hdf5 as unknown as {File: new (b: ArrayBuffer, n: string) => J}).File(ab as ArrayBuffer, path);
}

const str = (v: unknown): string => String(v).replace(/\0+$/, '');
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : v === undefined ? [] : ArrayBuffer.isView(v) ? [] : [str(v)]);
/** `dense_1/kernel:0`, `lstm_1/lstm_cell/kernel` -> `kernel`. */
const weightKey = (name: string) => name.replace(/:0$/, '').split('/').at(-1)!;

interface WeightDesc {key: string; shape: number[]; dtype: string; values: number[]}
interface Layout {rootAttrs: string[]; groupAttrs: string[]; layers: string[]; weights: Record<string, WeightDesc[]>}

/** The layout of the weights group `g` (a model file's `model_weights`, or a weights file's root). */
function layoutOf(f: J, weightsGroup: string): Layout {
  const g = weightsGroup ? f.get(weightsGroup) : f;
  const layers = strs(g.attrs['layer_names']);
  const weights: Record<string, WeightDesc[]> = {};
  for (const layer of layers) {
    const lg = g.get(layer);
    weights[layer] = strs(lg.attrs['weight_names']).map((wn) => {
      const d = lg.get(wn);
      return {key: weightKey(wn), shape: [...(d.shape ?? [])], dtype: String(d.dtype), values: Array.from(d.value as ArrayLike<number>)};
    });
  }
  return {rootAttrs: Object.keys(f.attrs).sort(), groupAttrs: Object.keys(g.attrs).sort(), layers, weights};
}

function assertSameLayout(ours: Layout, theirs: Layout, label: string, {compareRoot = true} = {}): void {
  if (compareRoot) {
    assert.deepEqual(ours.rootAttrs, theirs.rootAttrs, `${label}: root attributes`);
    assert.deepEqual(ours.groupAttrs, theirs.groupAttrs, `${label}: model_weights attributes`);
  }
  assert.deepEqual(ours.layers, theirs.layers, `${label}: layer_names`);
  for (const layer of theirs.layers) {
    const a = ours.weights[layer]!, b = theirs.weights[layer]!;
    assert.deepEqual(a.map((w) => w.key), b.map((w) => w.key), `${label}: ${layer} weight_names`);
    b.forEach((w, i) => {
      const o = a[i]!;
      assert.deepEqual(o.shape, w.shape, `${label}: ${layer}/${w.key} shape`);
      assert.equal(o.dtype, w.dtype, `${label}: ${layer}/${w.key} dtype`);
      const bad = w.values.findIndex((v, j) => o.values[j] !== v);
      assert.equal(bad, -1, `${label}: ${layer}/${w.key}[${bad}]: ours ${o.values[bad]}, Keras ${w.values[bad]}`);
    });
  }
}

type Saveable = {save(p: string): Promise<void>};

const FULL_MODELS: [string, string][] = [
  ['dl4j_sparse_xent_mlp_k2_model.h5', 'Keras 2.3.1 Dense + Activation'],
  ['dl4j_cnn_batchnorm_k2_model.h5', 'Keras 2.1.3 Conv2D + BatchNormalization + Activation + Flatten + Dense'],
  ['dl4j_simple_lstm_k2_model.h5', 'Keras 2.0.6 LSTM(hard_sigmoid) + Dense'],
];

for (const [file, what] of FULL_MODELS) {
  const skip = needKerasFixtures(file);
  test(`legacy .h5 write matches the file Keras wrote: ${what} (${file})`, {skip}, async () => {
    const model = (await loadModel(join(KERAS_FIXTURES, file))) as unknown as Saveable; // compiled, so training_config is written
    const ours = join(dir, file);
    await model.save(ours);
    assertSameLayout(layoutOf(open(ours), 'model_weights'), layoutOf(open(join(KERAS_FIXTURES, file)), 'model_weights'), file);
  });
}

const WEIGHTS_ONLY: [string, string, string][] = [
  ['kotlindl_lenet_fashion_config.json', 'kotlindl_lenet_fashion_weights.h5', 'Keras 2.2.4-tf Conv2D + MaxPooling2D + Flatten + Dense'],
  ['kotlindl_toyresnet_fashion_config.json', 'kotlindl_toyresnet_fashion_weights.h5', 'Keras 2.2.4-tf functional: InputLayer, Add, GlobalAveragePooling2D'],
];

for (const [config, weights, what] of WEIGHTS_ONLY) {
  const skip = needKerasFixtures(config, weights);
  test(`legacy .h5 write holds the weights as Keras's weights file does: ${what} (${weights})`, {skip}, async () => {
    const model = modelFromJson(readFileSync(join(KERAS_FIXTURES, config), 'utf8'));
    await loadWeights(model, join(KERAS_FIXTURES, weights));
    const ours = join(dir, weights);
    await (model as unknown as Saveable).save(ours);
    // a weights-only file keeps backend/keras_version/layer_names on its root, where a model file's
    // model_weights group has them
    const theirs = layoutOf(open(join(KERAS_FIXTURES, weights)), '');
    const mine = layoutOf(open(ours), 'model_weights');
    assert.deepEqual(mine.groupAttrs, theirs.rootAttrs, `${weights}: attributes of the weights group`);
    assertSameLayout(mine, theirs, weights, {compareRoot: false});
  });
}
