import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import * as callbacks from '../callbacks/index.js';
import {Activation, Dense, Dropout, Layer} from '../layers/index.js';
import * as metrics from '../metrics/index.js';
import {SGD} from '../optimizers/index.js';
import {tensor, Tensor} from '../tensor/tensor.js';
import {EpochIterator} from '../trainers/data_adapter.js';
import {Model} from './model.js';
import {Sequential} from './sequential.js';

/** Two Gaussian blobs per class in 4-D: separable, so a linear model learns them. */
function blobs(n: number, classes = 3, seed = 1): {x: Tensor; yOneHot: Tensor; ySparse: Tensor} {
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const x = new Float32Array(n * 4), oh = new Float32Array(n * classes), sp = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = (j === c ? 2 : 0) + (rnd() - 0.5);
    oh[i * classes + c] = 1;
    sp[i] = c;
  }
  return {x: tensor(x, [n, 4]), yOneHot: tensor(oh, [n, classes]), ySparse: tensor(sp, [n])};
}

function mlp(classes = 3, name?: string): Sequential {
  return new Sequential([new Dense(8, {inputShape: [4], activation: 'relu'}), new Dense(classes), new Activation('softmax')], {name});
}

test('Sequential: add, pop, layers, build from the first layer\'s inputShape', () => {
  const m = new Sequential();
  m.add(new Dense(3, {inputShape: [5]}));
  assert.ok(m.built);
  m.add(new Dropout(0.5));
  m.add(new Dense(2));
  assert.equal(m.layers.length, 3);
  assert.deepEqual(m.outputShape, [null, 2]);
  const popped = m.pop();
  assert.ok(popped instanceof Dense);
  assert.deepEqual(m.outputShape, [null, 3]);
  const d = new Dense(1, {name: 'same'});
  m.add(d);
  assert.throws(() => m.add(new Dense(1, {name: 'same'})), /should have unique names. Name 'same' is already the name of a layer/);
  assert.throws(() => m.add({} as Layer), /Only instances of `keras.Layer` can be added/);
  const lazy = new Sequential([new Dense(2)]);
  assert.ok(!lazy.built);
  assert.match(lazy.summaryText(), /dense_\d+ \(Dense\) +│ \? +│ +0 \(unbuilt\) │/);
});

test('fit / evaluate / predict learn a separable problem; History has Keras\'s keys', async () => {
  const {x, yOneHot} = blobs(120);
  const model = mlp();
  model.compile({optimizer: new SGD({learningRate: 0.2}), loss: 'categorical_crossentropy', metrics: ['accuracy']});
  assert.equal(model.metrics.length, 1, 'compiled metrics are built on the first batch');
  const before = (await model.evaluate(x, yOneHot, {verbose: 0})) as number[];
  const history = await model.fit(x, yOneHot, {epochs: 15, batchSize: 16, verbose: 0});
  assert.deepEqual(Object.keys(history.history), ['accuracy', 'loss']);
  assert.deepEqual(history.epoch, [...Array(15).keys()]);
  const after = (await model.evaluate(x, yOneHot, {verbose: 0})) as number[];
  assert.ok(after[0]! < before[0]! / 2, `loss ${before[0]} -> ${after[0]}`);
  assert.ok(after[1]! > 0.95, `accuracy ${after[1]}`);
  assert.deepEqual(model.metricsNames, ['loss', 'accuracy']);
  assert.ok(model.metrics[1] instanceof metrics.CategoricalAccuracy);
  const pred = (await model.predict(x, {verbose: 0, batchSize: 50})) as Tensor;
  assert.deepEqual(pred.shape, [120, 3]);
  const one = model.predictOnBatch(tensor(x.values.slice(0, 8), [2, 4])) as Tensor;
  assert.deepEqual(one.shape, [2, 3]);
  const dict = (await model.evaluate(x, yOneHot, {verbose: 0, returnDict: true})) as Record<string, number>;
  assert.deepEqual(Object.keys(dict), ['accuracy', 'loss']);
  assert.ok(model.optimizer!.iterations === 15 * 8);
});

test('\'accuracy\' resolves from the loss target shapes, as compile_utils', async () => {
  const {x, ySparse, yOneHot} = blobs(30);
  const sparse = mlp();
  sparse.compile({optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: ['acc']});
  const r = sparse.trainOnBatch(x, ySparse) as number[];
  assert.equal(r.length, 2);
  assert.ok(sparse.metrics[1] instanceof metrics.SparseCategoricalAccuracy);
  assert.equal(sparse.metrics[1]!.name, 'acc');
  const binary = new Sequential([new Dense(1, {inputShape: [4], activation: 'sigmoid'})]);
  binary.compile({optimizer: 'adam', loss: 'binary_crossentropy', metrics: ['accuracy']});
  binary.testOnBatch(x, tensor(Float32Array.from({length: 30}, (_, i) => i % 2), [30, 1]));
  assert.ok(binary.metrics[1] instanceof metrics.BinaryAccuracy);
  const cat = mlp();
  cat.compile({optimizer: 'rmsprop', loss: 'crossentropy', metrics: ['accuracy']});
  const logs = cat.testOnBatch(x, yOneHot, {returnDict: true}) as Record<string, number>;
  assert.ok(cat.metrics[1] instanceof metrics.CategoricalAccuracy);
  assert.ok(logs['loss']! > 0);
});

test('Keras\'s errors: data cardinality, wrong input shape names the layer, unknown identifiers, no compile', async () => {
  const {x, yOneHot} = blobs(10);
  const model = mlp();
  await assert.rejects(() => model.fit(x, yOneHot), /You must call `compile\(\)` before using the model/);
  model.compile({loss: 'categorical_crossentropy'});
  await assert.rejects(
    () => model.fit(x, tensor(new Float32Array(27), [9, 3]), {verbose: 0}),
    /Data cardinality is ambiguous. Make sure all arrays contain the same number of samples.'x' sizes: 10\n'y' sizes: 9\n/,
  );
  await assert.rejects(() => model.predict(tensor(new Float32Array(10), [2, 5]), {verbose: 0}), /layer "dense_?\d*" is incompatible/);
  assert.throws(() => model.compile({optimizer: 'rmsprob'}), /Could not interpret optimizer identifier: "rmsprob"/);
  // an unknown loss fails in compile, not at the first batch
  assert.throws(() => mlp().compile({loss: 'categorical_crossentropi'}), /Could not interpret loss identifier: categorical_crossentropi. Expected one of: .*categorical_crossentropy/);
  await assert.rejects(() => model.fit(x, yOneHot, {validationSplit: 0.95, verbose: 0}), /Training data contains 10 samples, which is not sufficient to split it/);
});

test('validationSplit / validationData add val_ logs; the optimizer is built before the first step', async () => {
  const {x, yOneHot} = blobs(40);
  const model = mlp();
  model.compile({optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy']});
  const h = await model.fit(x, yOneHot, {epochs: 2, validationSplit: 0.25, verbose: 0});
  assert.deepEqual(Object.keys(h.history), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
  const h2 = await model.fit(x, yOneHot, {epochs: 3, validationData: [x, yOneHot], validationFreq: 2, verbose: 0});
  assert.equal(h2.history['val_loss']!.length, 1);
  // Adam: iteration + learning_rate + 2 slots per weight, (4*8 + 8 + 8*3 + 3) = 67 weights
  assert.match(model.summaryText({lineLength: 88}), /Optimizer params: 136 \(/);
});

test('regularization losses are added to the loss; dropout only trains', async () => {
  const {x, yOneHot} = blobs(20);
  const plain = new Sequential([new Dense(3, {inputShape: [4], kernelInitializer: 'ones'})]);
  const reg = new Sequential([new Dense(3, {inputShape: [4], kernelInitializer: 'ones', kernelRegularizer: 'l2'})]);
  for (const m of [plain, reg]) m.compile({optimizer: 'sgd', loss: 'mse'});
  const a = plain.testOnBatch(x, yOneHot) as number;
  const b = reg.testOnBatch(x, yOneHot) as number;
  // l2 default factor 0.01 * sum(ones(4, 3)^2) = 0.12
  assert.ok(Math.abs(b - a - 0.12) < 1e-5, `${b} - ${a}`);
  const drop = new Sequential([new Dropout(0.5, {inputShape: [4]})]);
  const p1 = (await drop.predict(x, {verbose: 0})) as Tensor;
  assert.deepEqual([...p1.values], [...x.values], 'dropout is the identity at inference');
  drop.compile({optimizer: 'sgd', loss: 'mse'});
  const trainOut = drop.forward([x], true)[0]!;
  assert.ok([...trainOut.values].some((v) => v === 0), 'dropout drops in training');
});

test('sample weights and class weights weight the loss', () => {
  const {x, yOneHot, ySparse} = blobs(12);
  const model = mlp();
  model.compile({optimizer: 'sgd', loss: 'categorical_crossentropy'});
  const half = Float32Array.from({length: 12}, (_, i) => (i < 6 ? 1 : 0));
  const wLoss = model.testOnBatch(x, yOneHot, {sampleWeight: half}) as number;
  const firstHalf = model.testOnBatch(tensor(x.values.slice(0, 24), [6, 4]), tensor(yOneHot.values.slice(0, 18), [6, 3])) as number;
  // sum_over_batch_size divides by all 12 samples, 6 of which weigh 0
  assert.ok(Math.abs(wLoss - firstHalf / 2) < 1e-5, `${wLoss} vs ${firstHalf / 2}`);
  const m2 = mlp();
  m2.compile({optimizer: new SGD({learningRate: 0}), loss: 'sparse_categorical_crossentropy'});
  const base = m2.testOnBatch(x, ySparse) as number;
  const tripled = m2.trainOnBatch(x, ySparse, {classWeight: {0: 3, 1: 3, 2: 3}}) as number;
  assert.ok(Math.abs(tripled - 3 * base) < 1e-4, `${tripled} vs ${3 * base}`);
});

test('batches: in order as views; shuffled with a permutation per epoch covering every sample', () => {
  const x = tensor(Float32Array.from({length: 10}, (_, i) => i), [10, 1]);
  const it = new EpochIterator([x], null, null, {batchSize: 4, shuffle: false});
  const batches = [...it].map(([, , b]) => [...b.x[0]!.values]);
  assert.deepEqual(batches, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  assert.equal([...it][0]![2].x[0]!.values.buffer, x.values.buffer, 'an in-order batch shares the storage');
  const sh = new EpochIterator([x], null, null, {batchSize: 4, shuffle: true});
  const e1 = [...sh].flatMap(([, , b]) => [...b.x[0]!.values]);
  const e2 = [...sh].flatMap(([, , b]) => [...b.x[0]!.values]);
  assert.deepEqual([...e1].sort((a, b) => a - b), [...Array(10).keys()]);
  assert.notDeepEqual(e1, e2);
  const again = new EpochIterator([x], null, null, {batchSize: 4, shuffle: true});
  assert.deepEqual([...again].flatMap(([, , b]) => [...b.x[0]!.values]), e1, 'seeded by the epoch');
});

test('fit yields to the event loop between batches', async () => {
  const {x, yOneHot} = blobs(64);
  const model = mlp();
  model.compile({optimizer: 'sgd', loss: 'categorical_crossentropy'});
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  let batches = 0;
  await model.fit(x, yOneHot, {batchSize: 8, epochs: 1, verbose: 0, callbacks: [new callbacks.LambdaCallback({onTrainBatchEnd: () => void batches++})]});
  clearInterval(timer);
  assert.equal(batches, 8);
  assert.ok(ticks > 0);
});

test('predict yields to the event loop between batches, not after the last one', async () => {
  const {x} = blobs(16);
  const model = mlp();
  for (const [batchSize, yields] of [[16, false], [8, true]] as const) {
    let ran = false;
    setImmediate(() => (ran = true));
    await model.predict(x, {batchSize, verbose: 0});
    assert.equal(ran, yields, `batchSize ${batchSize}`);
  }
});

test('predict: one batch with nothing to call back gives what the batch loop gives; callbacks, steps and bad arguments still go through the loop', async () => {
  const {x} = blobs(16);
  const model = mlp();
  model.compile({optimizer: 'sgd', loss: 'categorical_crossentropy'}); // compiled: its predict runs a plan
  const direct = (await model.predict(x, {batchSize: 16, verbose: 0})) as Tensor;
  const looped = (await model.predict(x, {batchSize: 16, verbose: 0, steps: 1})) as Tensor;
  const calls: string[] = [];
  class Recorder extends callbacks.Callback {
    override onPredictBegin(): void {
      calls.push('begin');
    }
    override onPredictBatchBegin(batch: number): void {
      calls.push(`batch ${batch}`);
    }
    override onPredictEnd(): void {
      calls.push('end');
    }
  }
  const cb = new Recorder();
  const called = (await model.predict(x, {batchSize: 16, verbose: 0, callbacks: [cb]})) as Tensor;
  assert.deepEqual(calls, ['begin', 'batch 0', 'end']);
  const rows = Array.from({length: 16}, (_, i) => Array.from(x.values.subarray(i * 4, i * 4 + 4)));
  const fromArrays = (await model.predict(rows, {batchSize: 32, verbose: 0})) as Tensor;
  assert.deepEqual(direct.shape, [16, 3]);
  for (const t of [looped, called, fromArrays]) assert.deepEqual(t.values, direct.values);
  // the outputs are the caller's: a second call does not overwrite the first one's
  const before = Float32Array.from(direct.values);
  await model.predict(tensor(new Float32Array(64), [16, 4]), {batchSize: 16, verbose: 0});
  assert.deepEqual(direct.values, before);
  await assert.rejects(() => model.predict(x, {batchSize: 1.5, verbose: 0}), /batch_size must be a positive integer/);
  await assert.rejects(() => model.predict([x, tensor(new Float32Array(12), [3, 4])], {batchSize: 32, verbose: 0}), /Data cardinality is ambiguous/);
});

test('progress output: Epoch headers and one finished line per epoch (no terminal)', async () => {
  const {x, yOneHot} = blobs(20);
  const model = mlp();
  model.compile({optimizer: 'sgd', loss: 'categorical_crossentropy', metrics: ['accuracy']});
  let out = '';
  const logger = new callbacks.ProgbarLogger({write: (s) => (out += s), dynamicDisplay: false, unicode: true});
  await model.fit(x, yOneHot, {epochs: 2, batchSize: 8, callbacks: [logger]});
  const lines = out.split('\n');
  assert.equal(lines[0], 'Epoch 1/2');
  // Keras prints values below 1e-3 in exponent form (`0.0000e+00`), so both forms are accepted
  const num = String.raw`(\d\.\d{4}|\d\.\d{4}e[+-]\d\d)`;
  assert.match(lines[1]!, new RegExp(String.raw`^3/3 ━━━━━━━━━━━━━━━━━━━━ \d+s \d+(ms|us|s)/step - accuracy: ${num} - loss: ${num}$`));
  assert.equal(lines[2], 'Epoch 2/2');
  assert.equal(lines.length, 5);
});

test('a subclassed Model with call()', async () => {
  class TwoLayer extends Model {
    static override readonly className = 'TwoLayer';
    d1 = new Dense(5, {activation: 'relu'});
    d2 = new Dense(1);
    override call(x: Tensor | Tensor[]): Tensor {
      return this.d2.apply(this.d1.apply(x)) as Tensor;
    }
  }
  const m = new TwoLayer();
  m.compile({optimizer: 'adam', loss: 'mse'});
  const x = tensor(Float32Array.from({length: 40}, (_, i) => i / 40), [20, 2]);
  const y = tensor(Float32Array.from({length: 20}, (_, i) => i / 20), [20, 1]);
  const h = await m.fit(x, y, {epochs: 3, verbose: 0});
  assert.equal(h.history['loss']!.length, 3);
  assert.equal(m.layers.length, 2);
  assert.throws(() => new Model({inputs: [], outputs: []}).name, /functional|inputs/i);
});

test('callbacks: EarlyStopping (restoreBestWeights), ReduceLROnPlateau, LearningRateScheduler, CSVLogger, TerminateOnNaN', async () => {
  const {x, yOneHot} = blobs(30);
  // learning rate 0: the loss never improves, so EarlyStopping stops after `patience` epochs
  const m = mlp();
  m.compile({optimizer: new SGD({learningRate: 0}), loss: 'categorical_crossentropy'});
  const es = new callbacks.EarlyStopping({monitor: 'loss', patience: 2});
  const h = await m.fit(x, yOneHot, {epochs: 10, verbose: 0, callbacks: [es]});
  assert.equal(h.epoch.length, 3);
  assert.equal(es.stoppedEpoch, 2);

  const m2 = mlp();
  m2.compile({optimizer: new SGD({learningRate: 0.1}), loss: 'categorical_crossentropy'});
  const rl = new callbacks.ReduceLROnPlateau({monitor: 'loss', patience: 1, factor: 0.5, minDelta: 10});
  const sched = new callbacks.LearningRateScheduler((epoch, lr) => (epoch === 0 ? 0.1 : lr));
  const h2 = await m2.fit(x, yOneHot, {epochs: 3, verbose: 0, callbacks: [sched, rl]});
  // no epoch improves by minDelta 10 (the first sets the reference), patience 1: 0.1, 0.1 -> 0.05, 0.05 -> 0.025;
  // the logs carry the rate the epoch ran with
  assert.ok(Math.abs(m2.optimizer!.learningRate - 0.025) < 1e-8, String(m2.optimizer!.learningRate));
  assert.deepEqual(h2.history['learning_rate']!.map((v) => Number(v.toFixed(4))), [0.1, 0.1, 0.05]);

  const dir = mkdtempSync(join(tmpdir(), 'kts-'));
  const file = join(dir, 'log.csv');
  const m3 = mlp();
  m3.compile({optimizer: 'sgd', loss: 'categorical_crossentropy', metrics: ['accuracy']});
  await m3.fit(x, yOneHot, {epochs: 2, verbose: 0, callbacks: [new callbacks.CSVLogger(file)]});
  assert.ok(existsSync(file));
  const rows = readFileSync(file, 'utf8').split('\r\n');
  assert.equal(rows[0], 'epoch,accuracy,loss,val_accuracy,val_loss');
  assert.match(rows[1]!, /^0,[\d.e-]+,[\d.e-]+,NA,NA$/);

  const m4 = new Sequential([new Dense(1, {inputShape: [4], kernelInitializer: 'ones'})]);
  m4.compile({optimizer: new SGD({learningRate: 1e30}), loss: 'mse'});
  const big = tensor(Float32Array.from({length: 40}, () => 1e20), [10, 4]);
  const logged: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => (logged.push(s), true)) as never;
  let h4;
  try {
    h4 = await m4.fit(big, tensor(new Float32Array(10), [10, 1]), {epochs: 5, batchSize: 2, verbose: 0, callbacks: [new callbacks.TerminateOnNaN()]});
  } finally {
    process.stdout.write = write;
  }
  assert.ok(logged.some((l) => /^Batch \d+: Invalid loss, terminating training\n$/.test(l)), logged.join(''));
  assert.equal(h4!.epoch.length, 1);
});

test('EarlyStopping restores the best weights', async () => {
  const {x, yOneHot} = blobs(30);
  const m = mlp();
  m.compile({optimizer: new SGD({learningRate: 0.05}), loss: 'categorical_crossentropy'});
  // monitoring in 'max' mode makes the first epoch the best one (loss falls), so training stops and rewinds
  const es = new callbacks.EarlyStopping({monitor: 'loss', mode: 'max', patience: 1, restoreBestWeights: true});
  let firstEpochWeights: number[] = [];
  const grab = new callbacks.LambdaCallback({onEpochEnd: (e) => (e === 0 ? (firstEpochWeights = [...m.getWeights()[0]!.values]) : undefined)});
  await m.fit(x, yOneHot, {epochs: 5, verbose: 0, callbacks: [grab, es]});
  assert.equal(es.bestEpoch, 0);
  assert.deepEqual([...m.getWeights()[0]!.values], firstEpochWeights);
});

test('call losses: each call adds its own; clearCallLosses empties every layer of its tree, and another tree leaves them', () => {
  const inner = new Dense(2, {activityRegularizer: 'l2'});
  const model = new Sequential([new Dense(3), inner]);
  const x = tensor([[1, 2]]);
  model.apply(x);
  model.apply(x);
  assert.equal(inner.losses.length, 2);
  assert.equal(model.losses.length, 2);
  new Sequential([new Dense(1)]).clearCallLosses();
  assert.equal(model.losses.length, 2);
  model.clearCallLosses();
  assert.equal(inner.losses.length, 0);
  model.apply(x);
  assert.equal(model.losses.length, 1);
  model.clearCallLosses();
  model.clearCallLosses();
  assert.equal(model.losses.length, 0);
  model.apply(x);
  assert.equal(model.losses.length, 1);
});
