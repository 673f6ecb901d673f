// Save -> load round trips through `.keras` and `.h5` for the 3-D convolution and pooling layers,
// the 1-D transposed/depthwise/separable convolutions, Group/Unit/RMSNormalization, AlphaDropout,
// SpatialDropout3D, the 3-D reshaping layers and ConvLSTM1D/2D/3D: same classes, names, weights,
// predictions and configs after loading; and a trained ConvLSTM2D model continues training exactly.
import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as keras from '../src/index.js';
import {loadModel, shutdownH5, type SavingModel} from '../src/saving/index.js';
import {modelFromJson} from '../src/saving/saving_lib.js';
import {tensor, type Tensor} from '../src/tensor/tensor.js';
import type {Layer} from '../src/layers/layer.js';

const L = keras.layers as unknown as Record<string, new (...a: unknown[]) => Layer>;
const dir = mkdtempSync(join(tmpdir(), 'keras-ts-roundtrip3d-'));
after(async () => {
  rmSync(dir, {recursive: true, force: true});
  await shutdownH5();
});

type M = SavingModel & {
  predict(x: Tensor, a?: object): Promise<Tensor>;
  trainOnBatch(x: Tensor, y: Tensor): unknown;
  compile(a: object): void;
  save(p: string): Promise<void>;
  toJson(): string;
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
const seq = (layers: Layer[]) => new keras.models.Sequential(layers) as unknown as M;
const weightsOf = (m: {getWeights(): Tensor[]}) => m.getWeights().map((w) => Array.from(w.values));

const CASES: [string, () => Layer[], number[]][] = [
  ['Conv3D family, 3-D pooling and reshaping, GroupNormalization, SpatialDropout3D', () => [
    new L.Conv3D!(2, 2, {inputShape: [6, 6, 6, 2], padding: 'same'}), new L.Conv3DTranspose!(2, 2, {strides: 2}), new L.MaxPooling3D!(2),
    new L.AveragePooling3D!(2), new L.ZeroPadding3D!(1), new L.Cropping3D!([[1, 0], [0, 1], [1, 1]]), new L.UpSampling3D!(2),
    new L.SpatialDropout3D!(0.1), new L.GroupNormalization!({groups: -1}), new L.GlobalMaxPooling3D!(),
  ], [2, 6, 6, 6, 2]],
  ['1-D convolutions, Unit/RMSNormalization, AlphaDropout', () => [
    new L.Conv1DTranspose!(3, 3, {inputShape: [8, 2], strides: 2}), new L.DepthwiseConv1D!(3, {depthMultiplier: 2}),
    new L.SeparableConv1D!(4, 3, {padding: 'same'}), new L.UnitNormalization!(), new L.RMSNormalization!(), new L.AlphaDropout!(0.1),
    new L.GlobalAveragePooling1D!(),
  ], [2, 8, 2]],
  ['ConvLSTM2D', () => [new L.ConvLSTM2D!(2, 3, {inputShape: [3, 5, 5, 1], padding: 'same', returnSequences: true}), new L.GroupNormalization!({groups: 2, axis: -1})], [2, 3, 5, 5, 1]],
  ['ConvLSTM1D', () => [new L.ConvLSTM1D!(2, 3, {inputShape: [3, 6, 2], dropout: 0.1})], [2, 3, 6, 2]],
  ['ConvLSTM3D and GlobalAveragePooling3D', () => [new L.ConvLSTM3D!(2, 2, {inputShape: [2, 3, 3, 3, 1]}), new L.GlobalAveragePooling3D!()], [1, 2, 3, 3, 3, 1]],
];

describe('round trip: the layers of layers3d', () => {
  for (const [name, make, shape] of CASES) {
    for (const ext of ['keras', 'h5'] as const) {
      test(`${name} via .${ext}`, async () => {
        const m = seq(make());
        const x = rand(shape);
        const path = join(dir, `${name.replace(/\W+/g, '_')}.${ext}`);
        await m.save(path);
        const b = (await loadModel(path)) as M;
        assert.deepEqual(b.layers.map((l) => l.className), m.layers.map((l) => l.className));
        assert.deepEqual(b.layers.map((l) => l.name), m.layers.map((l) => l.name));
        assert.deepEqual(b.weights.map((w) => w.path), m.weights.map((w) => w.path));
        assert.deepEqual(weightsOf(b), weightsOf(m));
        assert.deepEqual(Array.from((await b.predict(x, {verbose: 0})).values), Array.from((await m.predict(x, {verbose: 0})).values));
        const strip = (l: Layer) => {
          const {batchInputShape, ...rest} = l.getConfig();
          void batchInputShape;
          return rest;
        };
        assert.deepEqual(b.layers.map(strip), m.layers.map(strip));
        assert.deepEqual(modelFromJson(m.toJson()).layers.map(strip), m.layers.map(strip));
      });
    }
  }
  for (const ext of ['keras', 'h5'] as const) {
    test(`a trained ConvLSTM2D + Conv3D model continues training exactly via .${ext}`, async () => {
      const make = () => seq([
        new L.ConvLSTM2D!(2, 3, {inputShape: [3, 4, 4, 1], padding: 'same', returnSequences: true}),
        new L.Conv3D!(2, [2, 2, 2], {activation: 'relu'}), new L.GlobalAveragePooling3D!(), new L.Dense!(2, {activation: 'softmax'}),
      ]);
      const a = make();
      a.compile({optimizer: 'adam', loss: 'sparse_categorical_crossentropy'});
      const x = rand([4, 3, 4, 4, 1]);
      const y = tensor(Int32Array.from([0, 1, 1, 0]), [4], 'int32');
      for (let i = 0; i < 2; i++) a.trainOnBatch(x, y);
      const path = join(dir, `trained.${ext}`);
      await a.save(path);
      const b = (await loadModel(path)) as M;
      assert.deepEqual(weightsOf(b), weightsOf(a));
      for (let i = 0; i < 2; i++) {
        a.trainOnBatch(x, y);
        b.trainOnBatch(x, y);
      }
      assert.deepEqual(weightsOf(b), weightsOf(a));
    });
  }
});
