// Every preprocessing and augmentation layer round-trips `.keras` and `.h5`: the loaded model has the
// same layers, configs (with Keras 3's config keys on disk), weights (Normalization's adapted
// `mean` / `variance` / `count`) and predictions.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import * as keras from '../src/index.js';
import type {Layer} from '../src/layers/layer.js';
import {loadModel, shutdownH5, type SavingModel} from '../src/saving/index.js';
import {randomUniform} from '../src/tensor/random.js';
import {tensor, type Tensor} from '../src/tensor/tensor.js';

const L = keras.layers;
const dir = mkdtempSync(join(tmpdir(), 'keras-ts-preproc-'));
after(async () => {
  rmSync(dir, {recursive: true, force: true});
  await shutdownH5();
});

type M = SavingModel & {predict(x: Tensor, a?: object): Promise<Tensor>; save(p: string): Promise<void>; toJson(): string; getWeights(): Tensor[]};

// Keras 3's get_config keys of each layer, beyond name / trainable / dtype (keras/src/layers/preprocessing/)
const KERAS_KEYS: Record<string, string[]> = {
  Rescaling: ['offset', 'scale'],
  Normalization: ['axis', 'invert', 'mean', 'variance'],
  Resizing: ['antialias', 'crop_to_aspect_ratio', 'data_format', 'fill_mode', 'fill_value', 'height', 'interpolation', 'pad_to_aspect_ratio', 'width'],
  CenterCrop: ['data_format', 'height', 'width'],
  RandomCrop: ['data_format', 'height', 'seed', 'width'],
  RandomFlip: ['data_format', 'mode', 'seed'],
  RandomRotation: ['data_format', 'factor', 'fill_mode', 'fill_value', 'interpolation', 'seed'],
  RandomZoom: ['data_format', 'fill_mode', 'fill_value', 'height_factor', 'interpolation', 'seed', 'width_factor'],
  RandomTranslation: ['data_format', 'fill_mode', 'fill_value', 'height_factor', 'interpolation', 'seed', 'width_factor'],
  RandomContrast: ['data_format', 'factor', 'seed', 'value_range'],
  RandomBrightness: ['data_format', 'factor', 'seed', 'value_range'],
  CategoryEncoding: ['num_tokens', 'output_mode', 'sparse'],
  Discretization: ['bin_boundaries', 'epsilon', 'num_bins', 'output_mode', 'sparse'],
};

const images = randomUniform([3, 12, 10, 3], {minval: 0, maxval: 255, seed: 1});
const adaptedNorm = (): Layer => {
  const n = new L.Normalization({axis: -1});
  n.adapt(images);
  return n;
};
const adaptedDisc = (): Layer => {
  const d = new L.Discretization({numBins: 5});
  d.adapt(randomUniform([200], {minval: -2, maxval: 2, seed: 2}));
  return d;
};

const CASES: [string, () => Layer[], number[], Tensor][] = [
  ['image pipeline', () => [
    new L.Rescaling(1 / 255), new L.Resizing(10, 8, {interpolation: 'bicubic', antialias: true}), new L.CenterCrop(9, 8),
    new L.RandomFlip('horizontal', {seed: 3}), new L.RandomRotation([-0.1, 0.2], {fillMode: 'constant', fillValue: 0.5, seed: 4}),
    new L.RandomZoom(0.2, {widthFactor: [-0.1, 0.3], interpolation: 'nearest'}), new L.RandomTranslation(0.1, [0, 0.2], {fillMode: 'wrap'}),
    new L.RandomContrast([0.1, 0.4], {valueRange: [0, 1]}), new L.RandomBrightness(0.1, {valueRange: [0, 1]}), new L.RandomCrop(6, 6, {seed: 9}),
  ], [12, 10, 3], images],
  ['Normalization (adapted) and Rescaling lists', () => [adaptedNorm(), new L.Rescaling([1, 2, 3], {offset: [0, 1, -1]}), new L.Resizing(6, 6, {padToAspectRatio: true, fillValue: 2})], [12, 10, 3], images],
  ['Normalization (given mean and variance, invert)', () => [new L.Normalization({axis: [-1], mean: [1, 2, 3], variance: [4, 5, 6], invert: true})], [12, 10, 3], images],
  ['Discretization (adapted) and CategoryEncoding', () => [adaptedDisc(), new L.CategoryEncoding(6, {outputMode: 'count'})], [4], tensor([[-1.5, 0, 0.3, 1.9], [0.1, 0.2, -0.4, 3]])],
];

for (const [name, make, shape, x] of CASES) {
  for (const ext of ['keras', 'h5'] as const) {
    test(`${name} via .${ext}: same layers, configs, weights and predictions`, async () => {
      const layers = make();
      const m = new keras.models.Sequential([keras.layers.Input({shape}), ...layers]) as unknown as M;
      const path = join(dir, `${name.replace(/\W+/g, '_')}.${ext}`);
      await m.save(path);
      const b = (await loadModel(path)) as M;
      assert.deepEqual(b.layers.map((l) => l.className), m.layers.map((l) => l.className));
      // (a legacy .h5 Sequential has no InputLayer: its first layer carries batchInputShape, as Keras 2 wrote)
      const cfg = (l: Layer) => {
        const {batchInputShape: _b, ...c} = l.getConfig();
        void _b;
        return c;
      };
      assert.deepEqual(b.layers.map(cfg), m.layers.map(cfg));
      assert.deepEqual(b.getWeights().map((w) => Array.from(w.values)), m.getWeights().map((w) => Array.from(w.values)));
      const pa = await m.predict(x, {verbose: 0});
      const pb = await b.predict(x, {verbose: 0});
      assert.deepEqual([...pb.shape], [...pa.shape]);
      assert.deepEqual(Array.from(pb.values), Array.from(pa.values));
      // on disk: Keras's class names and config keys
      const json = JSON.parse(m.toJson()) as {config: {layers: {class_name: string; config: Record<string, unknown>}[]}};
      for (const l of json.config.layers) {
        if (l.class_name === 'InputLayer') continue;
        const keys = Object.keys(l.config).filter((k) => !['name', 'trainable', 'dtype'].includes(k)).sort();
        assert.deepEqual(keys, KERAS_KEYS[l.class_name], `${l.class_name}'s config keys`);
      }
    });
  }
}

test('Normalization weights in the .keras file: mean, variance, count at layers/normalization/vars', async () => {
  const m = new keras.models.Sequential([keras.layers.Input({shape: [12, 10, 3]}), adaptedNorm()]) as unknown as M;
  const names = m.layers[0]!.weights.map((w) => w.path);
  assert.deepEqual(names.map((p) => p.split('/').at(-1)), ['mean', 'variance', 'count']);
  const bytes = await keras.saving.modelToBytes(m as never, {format: 'keras'});
  const b = (await loadModel(bytes)) as M;
  const norm = b.layers[0] as unknown as {adaptMean: {value: Tensor}; adaptVariance: {value: Tensor}};
  const mean = [0, 1, 2].map((c) => Array.from(images.values).filter((_, i) => i % 3 === c).reduce((a, v) => a + v, 0) / 360);
  Array.from(norm.adaptMean.value.values).forEach((v, i) => assert.ok(Math.abs(v - mean[i]!) < 1e-3, `mean ${i}: ${v} vs ${mean[i]}`));
  assert.equal(norm.adaptVariance.value.shape[0], 3);
});

test('fit runs the augmentation, predict and evaluate do not (what the next layer receives)', async () => {
  const seen: {x: number[]}[] = [];
  const spy = new L.Lambda((t: Tensor) => {
    seen.push({x: Array.from(t.values)});
    return t;
  });
  const x = randomUniform([4, 5, 5, 1], {minval: 0, maxval: 1, seed: 3});
  const y = tensor(Int32Array.from([0, 1, 0, 1]), [4], 'int32');
  const m = new keras.models.Sequential([
    keras.layers.Input({shape: [5, 5, 1]}), new L.RandomTranslation(0.4, 0.4, {fillMode: 'constant', seed: 1}), spy, new L.Flatten(), new L.Dense(2),
  ]) as unknown as M & {compile(a: object): void; fit(x: Tensor, y: Tensor, a: object): Promise<unknown>; evaluate(x: Tensor, y: Tensor, a: object): Promise<unknown>};
  m.compile({optimizer: 'sgd', loss: 'sparse_categorical_crossentropy'});
  seen.length = 0;
  await m.fit(x, y, {epochs: 1, batchSize: 4, verbose: 0, shuffle: false});
  const inFit = seen.filter((s) => s.x.length === x.size);
  assert.ok(inFit.length > 0 && inFit.every((s) => s.x.some((v, i) => v !== x.values[i])), 'fit sees translated images');
  seen.length = 0;
  await m.predict(x, {verbose: 0});
  await m.evaluate(x, y, {verbose: 0});
  assert.ok(seen.length >= 2 && seen.every((s) => s.x.every((v, i) => v === x.values[i])), 'predict and evaluate see the images unchanged');
});
