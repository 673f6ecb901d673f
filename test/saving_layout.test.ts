// The files we write follow Keras 3's layout: read back with an independent HDF5 reader (jsfive, pure
// JavaScript) and compared, path by path, with a file Keras 3.10 wrote for the same architecture
// (../shared/fixtures/keras/fashion_cnn_k3.keras), and with Keras's legacy .h5 layout.
import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as hdf5 from 'jsfive';
import * as keras from '../src/index.js';
import {clearSession, type Layer} from '../src/layers/layer.js';
import {shutdownH5} from '../src/saving/index.js';
import {tensor} from '../src/tensor/tensor.js';
import {readZip} from '../src/utils/zip.js';
import {KERAS_FIXTURES, needKerasFixtures} from '../src/testing/needs.js';

const FIX = KERAS_FIXTURES;
const skipFix = needKerasFixtures('fashion_cnn_k3.keras');
const dir = mkdtempSync(join(tmpdir(), 'keras-ts-layout-'));
after(async () => {
  rmSync(dir, {recursive: true, force: true});
  await shutdownH5();
});

type J = {keys?: string[]; attrs: Record<string, unknown>; shape?: number[]; dtype?: string; value?: unknown; get(p: string): J};

function open(bytes: Uint8Array, name: string): J {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return new (hdf5 as unknown as {File: new (b: ArrayBuffer, n: string) => J}).File(ab as ArrayBuffer, name);
}

/**
 * Attribute values as h5py returns them to Keras: fixed-length strings without their padding (h5wasm
 * writes them NUL-terminated, h5py NUL-padded; h5py reads both as the same bytes, jsfive keeps the
 * NULs of the former).
 */
function clean(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/\0+$/, '');
  if (Array.isArray(v)) return v.map(clean);
  return typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) ? v : String(v);
}

/** `path -> description` for every object: groups with their attributes, datasets with shape and dtype. */
function describeFile(f: J): Map<string, string> {
  const out = new Map<string, string>();
  const rec = (g: J, p: string) => {
    for (const k of g.keys ?? []) {
      const c = g.get(k);
      const path = p ? `${p}/${k}` : k;
      const attrs = JSON.stringify(Object.fromEntries(Object.entries(c.attrs).map(([a, v]) => [a, clean(v)])));
      if (Array.isArray(c.keys)) {
        out.set(path + '/', `group ${attrs}`);
        rec(c, path);
      } else out.set(path, `dataset [${(c.shape ?? []).join(',')}] ${c.dtype} ${attrs}`);
    }
  };
  rec(f, '');
  return out;
}

function kerasMember(path: string, member: string): Uint8Array {
  return readZip(readFileSync(path)).read(member);
}

const L = keras.layers as unknown as Record<string, new (...a: unknown[]) => Layer>;

/** The architecture of fashion_cnn_k3.keras, trained one step so that Adam has its slots. */
async function fashionCnn() {
  clearSession();
  const m = new keras.models.Sequential([
    new L.InputLayer!({shape: [28, 28, 1]}),
    new L.Conv2D!(32, [3, 3], {activation: 'relu'}),
    new L.MaxPooling2D!([2, 2]),
    new L.Conv2D!(64, [3, 3], {activation: 'relu'}),
    new L.MaxPooling2D!([2, 2]),
    new L.Flatten!(),
    new L.Dropout!(0.5),
    new L.Dense!(64, {activation: 'relu'}),
    new L.Dense!(10, {activation: 'softmax'}),
  ]) as unknown as {compile(a: object): void; trainOnBatch(x: unknown, y: unknown): unknown; save(p: string): Promise<void>};
  m.compile({optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy']});
  m.trainOnBatch(tensor(new Float32Array(2 * 784), [2, 28, 28, 1]), tensor([1, 2], [2], 'int32'));
  return m;
}

describe('Keras 3 layout', {skip: skipFix}, () => {
  test('.keras: members, model.weights.h5 paths/shapes/dtypes/attributes equal what Keras 3.10 wrote', async () => {
    const m = await fashionCnn();
    const path = join(dir, 'fashion.keras');
    await m.save(path);
    const ours = readZip(readFileSync(path));
    const theirs = readZip(readFileSync(join(FIX, 'fashion_cnn_k3.keras')));
    assert.deepEqual(ours.entries.map((e) => e.name).sort(), theirs.entries.map((e) => e.name).sort());
    assert.ok(ours.entries.every((e) => e.method === 0), 'members are stored uncompressed, as Keras writes them');
    const a = describeFile(open(kerasMember(path, 'model.weights.h5'), 'ours'));
    const b = describeFile(open(kerasMember(join(FIX, 'fashion_cnn_k3.keras'), 'model.weights.h5'), 'keras'));
    assert.deepEqual([...a.entries()].sort(), [...b.entries()].sort());
    // metadata.json and config.json: the same keys, the same envelope for every layer
    const meta = JSON.parse(new TextDecoder().decode(kerasMember(path, 'metadata.json')));
    assert.deepEqual(Object.keys(meta).sort(), ['date_saved', 'keras_version']);
    const c1 = JSON.parse(new TextDecoder().decode(kerasMember(path, 'config.json')));
    const c2 = JSON.parse(new TextDecoder().decode(kerasMember(join(FIX, 'fashion_cnn_k3.keras'), 'config.json')));
    assert.deepEqual(Object.keys(c1).sort(), Object.keys(c2).sort());
    assert.equal(c1.class_name, c2.class_name);
    assert.equal(c1.module, c2.module);
    assert.deepEqual(c1.build_config, c2.build_config);
    assert.deepEqual(Object.keys(c1.compile_config).sort(), Object.keys(c2.compile_config).sort());
    assert.deepEqual(Object.keys(c1.compile_config.optimizer.config).sort(), Object.keys(c2.compile_config.optimizer.config).sort());
    assert.equal(c1.compile_config.loss, c2.compile_config.loss);
    assert.deepEqual(c1.config.dtype.config, c2.config.dtype.config);
    assert.deepEqual(Object.keys(c1.config), Object.keys(c2.config));
    assert.deepEqual(c1.config.build_input_shape, c2.config.build_input_shape);
    const layers1 = c1.config.layers as {class_name: string; module: string; config: Record<string, unknown>; build_config?: unknown}[];
    const layers2 = c2.config.layers as typeof layers1;
    assert.deepEqual(layers1.map((l) => l.class_name), layers2.map((l) => l.class_name));
    layers1.forEach((l, i) => {
      const k = layers2[i]!;
      assert.equal(l.module, k.module, `module of ${l.class_name}`);
      assert.equal(l.config['name'], k.config['name']);
      // every key Keras writes is there (we may write extra ones Keras also accepts)
      for (const key of Object.keys(k.config)) assert.ok(key in l.config, `${l.class_name} config lacks "${key}"`);
      for (const key of Object.keys(k.config)) {
        if (key === 'dtype') assert.deepEqual((l.config[key] as {config?: unknown}).config ?? l.config[key], (k.config[key] as {config?: unknown}).config ?? k.config[key]);
        else if (!key.endsWith('_initializer')) assert.deepEqual(l.config[key], k.config[key], `${l.class_name}.${key}`);
      }
      // Keras records build_config from its build wrapper: for the layers built by their input
      // (Conv2D, Dense, and Flatten, which has no weights), not for those built at construction
      // (InputLayer, MaxPooling2D, Dropout)
      assert.deepEqual(l.build_config, k.build_config, `build_config of ${l.class_name}`);
    });
  });

  test('.weights.h5: the same layout without the optimizer', async () => {
    const m = (await fashionCnn()) as unknown as {saveWeights(p: string): Promise<void>};
    const path = join(dir, 'fashion.weights.h5');
    await m.saveWeights(path);
    const a = describeFile(open(readFileSync(path), 'ours'));
    const b = describeFile(open(kerasMember(join(FIX, 'fashion_cnn_k3.keras'), 'model.weights.h5'), 'keras'));
    const noOpt = [...b.entries()].filter(([p]) => !p.startsWith('optimizer'));
    assert.deepEqual([...a.entries()].sort(), noOpt.sort());
  });

  test('legacy .h5: root attributes, model_weights/<layer>/<weight path>, weight_names, optimizer_weights', async () => {
    const m = await fashionCnn();
    const path = join(dir, 'fashion.h5');
    await m.save(path);
    const f = open(readFileSync(path), 'ours');
    assert.deepEqual(Object.keys(f.attrs).sort(), ['backend', 'keras_version', 'model_config', 'training_config']);
    const mc = JSON.parse(f.attrs['model_config'] as string);
    assert.equal(mc.class_name, 'Sequential');
    assert.deepEqual(mc.config.layers[0].config.batch_input_shape, [null, 28, 28, 1]);
    const tc = JSON.parse(f.attrs['training_config'] as string);
    assert.equal(tc.optimizer_config.class_name, 'Adam');
    const mw = f.get('model_weights');
    assert.deepEqual(clean(mw.attrs['layer_names']), ['conv2d', 'max_pooling2d', 'conv2d_1', 'max_pooling2d_1', 'flatten', 'dropout', 'dense', 'dense_1']);
    // Keras 3's legacy writer: `weight_names` are variable paths, without `:0`
    assert.deepEqual(clean(mw.get('conv2d').attrs['weight_names']), ['conv2d/kernel', 'conv2d/bias']);
    assert.deepEqual(mw.get('conv2d/conv2d/kernel').shape, [3, 3, 1, 32]);
    assert.deepEqual(mw.get('dense_1/dense_1/bias').shape, [10]);
    assert.equal(mw.get('dense_1/dense_1/bias').dtype, '<f4');
    const empty = mw.get('flatten').attrs['weight_names'] as unknown[];
    assert.equal(empty.length, 0);
    const ow = f.get('optimizer_weights');
    assert.equal((ow.attrs['weight_names'] as string[]).length, 18);
  });
});
