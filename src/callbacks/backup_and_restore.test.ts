// BackupAndRestore, as Keras 3's backup_and_restore_test.py (a layer that counts its calls shows how
// many batches ran across an interruption), plus a resume into a fresh model that must end with the
// weights of an uninterrupted run; and the async hooks it relies on.
import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import type {Variable} from '../autodiff/variable.js';
import {Dense, InputLayer, Layer} from '../layers/index.js';
import type {ShapeLike} from '../layers/layer.js';
import {Sequential} from '../models/sequential.js';
import * as ops from '../ops/index.js';
import {Adam} from '../optimizers/index.js';
import {shutdownH5} from '../saving/index.js';
import {tensor, type Tensor} from '../tensor/tensor.js';
import {BackupAndRestore} from './backup_and_restore.js';
import {Callback, type Logs} from './callback.js';
import {CallbackList} from './callback_list.js';

const root = mkdtempSync(join(tmpdir(), 'keras-ts-backup-'));
after(async () => {
  rmSync(root, {recursive: true, force: true});
  await shutdownH5();
});
let dirs = 0;
const newDir = () => join(root, `run${dirs++}`, 'subdir');

/** Counts its calls in a non-trainable weight (Keras's CanaryLayer). */
class CanaryLayer extends Layer {
  static override readonly className: string = 'CanaryLayer';
  readonly counter: Variable;
  constructor() {
    super();
    this.counter = this.addWeight({name: 'counter', shape: [], initializer: 'zeros', trainable: false});
  }
  override call(x: Tensor): Tensor {
    this.counter.assign(ops.add(this.counter.value, 1));
    return x;
  }
  override computeOutputShape(s: ShapeLike): ShapeLike {
    return s;
  }
}

class Interrupting extends Callback {
  batches = 0;
  epochs = 0;
  constructor(readonly stepsInt: number | null, readonly epochInt: number | null) {
    super();
  }
  override onEpochEnd(): void {
    if (this.epochInt !== null && ++this.epochs === this.epochInt) throw new Error('EpochInterruption');
  }
  override onBatchEnd(): void {
    if (this.stepsInt !== null && ++this.batches === this.stepsInt) throw new Error('StepsInterruption');
  }
}

function canaryModel(): Sequential {
  const m = new Sequential([new InputLayer({shape: [3]}), new CanaryLayer(), new Dense(1)]);
  m.compile({loss: 'mse', optimizer: 'sgd', metrics: ['mse']});
  return m;
}
const counter = (m: Sequential) => (m.layers[0] as CanaryLayer).counter.value.values[0];

function data(n: number, seed: number): [Tensor, Tensor] {
  let s = seed;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return [tensor(Float32Array.from({length: n * 3}, rnd), [n, 3]), tensor(Float32Array.from({length: n}, rnd), [n, 1])];
}
const [xTrain, yTrain] = data(10, 7);

test('argument errors as Keras', () => {
  assert.throws(() => new BackupAndRestore(''), /Empty `backup_dir` argument passed/);
  assert.throws(() => new BackupAndRestore('d', {saveFreq: 'batch' as never}), /Invalid value for argument `save_freq`/);
  assert.throws(() => new BackupAndRestore('d', {saveFreq: 0.15}), /Invalid value/);
});

test('epoch backups: an interrupted fit resumes after the last completed epoch', async () => {
  const backupDir = newDir();
  const model = canaryModel();
  const cbk = new BackupAndRestore(backupDir, {saveFreq: 'epoch'});
  await assert.rejects(
    model.fit(xTrain, yTrain, {batchSize: 4, epochs: 6, verbose: 0, callbacks: [cbk, new Interrupting(null, 2)]}),
    /EpochInterruption/,
  );
  assert.equal(cbk.currentEpoch, 2);
  assert.ok(existsSync(backupDir));
  assert.deepEqual(JSON.parse(readFileSync(cbk.trainingMetadataPath, 'utf8')), {epoch: 2, batch: 0});
  assert.equal(counter(model), 6);
  const hist = await model.fit(xTrain, yTrain, {batchSize: 4, epochs: 5, verbose: 0, callbacks: [cbk]});
  assert.equal(cbk.currentEpoch, 5);
  assert.deepEqual(hist.epoch, [2, 3, 4]);
  assert.equal(counter(model), 5 * 3);
  // deleteCheckpoint (the default): the backup is gone once fit completes
  assert.ok(!existsSync(backupDir));
});

test('batch backups (saveFreq: 1): resumes the interrupted epoch from its last backup', async () => {
  const backupDir = newDir();
  const model = canaryModel();
  const cbk = new BackupAndRestore(backupDir, {saveFreq: 1});
  await assert.rejects(
    model.fit(xTrain, yTrain, {batchSize: 4, epochs: 2, verbose: 0, callbacks: [cbk, new Interrupting(2, null)]}),
    /StepsInterruption/,
  );
  assert.ok(existsSync(backupDir));
  assert.equal(cbk.currentEpoch, 0);
  assert.equal(cbk.lastBatchSeen, 1);
  assert.equal(counter(model), 2);
  const hist = await model.fit(xTrain, yTrain, {batchSize: 4, epochs: 5, verbose: 0, callbacks: [cbk]});
  assert.equal(cbk.currentEpoch, 5);
  assert.equal(hist.epoch.at(-1), 4);
  assert.equal(counter(model), 17);
});

test('doubleCheckpoint: a corrupted latest backup falls back to the previous one', async () => {
  const backupDir = newDir();
  const model = canaryModel();
  const cbk = new BackupAndRestore(backupDir, {saveFreq: 'epoch', doubleCheckpoint: true});
  await assert.rejects(
    model.fit(xTrain, yTrain, {batchSize: 4, epochs: 6, verbose: 0, callbacks: [cbk, new Interrupting(null, 2)]}),
    /EpochInterruption/,
  );
  for (const p of [cbk.weightsPath, cbk.trainingMetadataPath, cbk.prevWeightsPath, cbk.prevTrainingMetadataPath]) assert.ok(existsSync(p), p);
  assert.equal(counter(model), 6);
  writeFileSync(cbk.weightsPath, '0');
  const hist = await model.fit(xTrain, yTrain, {batchSize: 4, epochs: 5, verbose: 0, callbacks: [cbk]});
  // restored the state after epoch 1 (counter 3), then ran epochs 1..4
  assert.deepEqual(hist.epoch, [1, 2, 3, 4]);
  assert.equal(counter(model), 5 * 3);
  // without a previous backup, a corrupted one is an error naming the file
  const dir2 = newDir();
  const m2 = canaryModel();
  const cbk2 = new BackupAndRestore(dir2);
  await assert.rejects(m2.fit(xTrain, yTrain, {batchSize: 4, epochs: 3, verbose: 0, callbacks: [cbk2, new Interrupting(null, 1)]}), /EpochInterruption/);
  writeFileSync(cbk2.weightsPath, 'not hdf5');
  await assert.rejects(m2.fit(xTrain, yTrain, {batchSize: 4, epochs: 3, verbose: 0, callbacks: [cbk2]}), /latest\.weights\.h5: not an HDF5 file/);
});

test('a completed fit without deleteCheckpoint keeps the backup; an unbuilt model is an error', async () => {
  const backupDir = newDir();
  const model = canaryModel();
  await model.fit(xTrain, yTrain, {batchSize: 4, epochs: 2, verbose: 0, callbacks: [new BackupAndRestore(backupDir, {deleteCheckpoint: false})]});
  assert.deepEqual(JSON.parse(readFileSync(join(backupDir, 'training_metadata.json'), 'utf8')), {epoch: 2, batch: 0});
  assert.ok(existsSync(join(backupDir, 'latest.weights.h5')));
  const cbk = new BackupAndRestore(newDir());
  cbk.setModel(new Sequential([new Dense(1)]) as never);
  await assert.rejects(async () => cbk.onTrainBegin(), /your model must be built before you call `fit\(\)`/);
});

// --- a resume into a fresh model: weights and Adam's state must both come from the backup -------------

function adamModel(): Sequential {
  const m = new Sequential([new Dense(5, {inputShape: [3], activation: 'tanh'}), new Dense(1)]);
  m.compile({loss: 'mse', optimizer: new Adam({learningRate: 0.05})});
  return m;
}
const values = (ts: Tensor[]) => ts.map((t) => Array.from(t.values as Float32Array));

test('interrupted at epoch 3 and resumed in a fresh model: the same final weights as an uninterrupted run', async () => {
  const [x, y] = data(16, 3);
  const fitArgs = {batchSize: 4, epochs: 5, verbose: 0 as const, shuffle: false};
  // the uninterrupted run
  const a = adamModel();
  const w0 = a.getWeights().map((t) => tensor((t.values as Float32Array).slice(), t.shape));
  await a.fit(x, y, fitArgs);
  const wA = values(a.getWeights());

  // the same start, interrupted when epoch 3 begins (epochs 0, 1, 2 are backed up)
  const backupDir = newDir();
  const backup = new BackupAndRestore(backupDir);
  const b = adamModel();
  b.setWeights(w0);
  class InterruptAt3 extends Callback {
    override onEpochBegin(epoch: number): void {
      if (epoch === 3) throw new Error('Interrupting!');
    }
  }
  await assert.rejects(b.fit(x, y, {...fitArgs, callbacks: [backup, new InterruptAt3()]}), /Interrupting!/);
  assert.deepEqual(JSON.parse(readFileSync(backup.trainingMetadataPath, 'utf8')), {epoch: 3, batch: 0});
  const wB = values(b.getWeights());

  // a fresh model (other initial weights, an unbuilt optimizer) resumes from the backup
  const c = adamModel();
  assert.notDeepEqual(values(c.getWeights()), values(w0));
  const seen: {iterations?: number; weights?: number[][]; epochs: number[]} = {epochs: []};
  class Recorder extends Callback {
    override onTrainBegin(): void {
      // runs after BackupAndRestore's async restore has finished
      seen.iterations = c.optimizer!.iterations;
      seen.weights = values(c.getWeights());
    }
    override onEpochBegin(epoch: number): void {
      seen.epochs.push(epoch);
    }
  }
  const hist = await c.fit(x, y, {...fitArgs, callbacks: [backup, new Recorder()]});
  assert.equal(seen.iterations, 3 * 4);
  assert.deepEqual(seen.weights, wB);
  assert.deepEqual(seen.epochs, [3, 4]);
  assert.deepEqual(hist.epoch, [3, 4]);
  assert.equal(c.optimizer!.iterations, a.optimizer!.iterations);
  assert.deepEqual(values(c.getWeights()), wA);
  assert.ok(!existsSync(backupDir));

  // the control: the same weights without Adam's state do not reach the same end
  const d = adamModel();
  d.setWeights(wB.map((v, i) => tensor(Float32Array.from(v), w0[i]!.shape)));
  await d.fit(x, y, {...fitArgs, initialEpoch: 3});
  assert.notDeepEqual(values(d.getWeights()), wA);
});

// --- async hooks ----------------------------------------------------------------------------------------

test('CallbackList runs async hooks in order and fit waits for them; sync hooks stay synchronous', async () => {
  const order: string[] = [];
  const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  class Slow extends Callback {
    override async onEpochEnd(epoch: number): Promise<void> {
      order.push(`slow start ${epoch}`);
      await delay(15);
      order.push(`slow end ${epoch}`);
    }
    override async onTrainEnd(): Promise<void> {
      await delay(15);
      order.push('slow train end');
    }
  }
  class Fast extends Callback {
    override onEpochEnd(epoch: number, logs?: Logs): void {
      void logs;
      order.push(`fast ${epoch}`);
    }
    override onEpochBegin(epoch: number): void {
      order.push(`begin ${epoch}`);
    }
  }
  const list = new CallbackList([new Fast()]);
  assert.equal(list.onEpochEnd(0, {}), undefined);
  order.length = 0;
  const m = canaryModel();
  await m.fit(xTrain, yTrain, {batchSize: 5, epochs: 2, verbose: 0, callbacks: [new Slow(), new Fast()]});
  order.push('fit resolved');
  assert.deepEqual(order, ['begin 0', 'slow start 0', 'slow end 0', 'fast 0', 'begin 1', 'slow start 1', 'slow end 1', 'fast 1', 'slow train end', 'fit resolved']);
  // a rejected hook rejects fit
  class Failing extends Callback {
    override async onEpochEnd(): Promise<void> {
      await delay(1);
      throw new Error('write failed');
    }
  }
  await assert.rejects(m.fit(xTrain, yTrain, {batchSize: 5, epochs: 2, verbose: 0, callbacks: [new Failing()]}), /write failed/);
});
