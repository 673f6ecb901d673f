/**
 * The program the data-parallel tests and benchmarks run, in one process or under mpirun:
 *
 *   node --import tsx test/distribution/dp_worker.ts <mode> <out.json> [options as key=value]
 *   mpirun -np 2 node --import tsx test/distribution/dp_worker.ts <mode> <out.json> ...
 *
 * modes: `equal` (the seed MLP without dropout, 20 steps of global batch 128, weights written;
 * `jit=0`: eager steps),
 * `stream` (the same with SGD, trained on a generator, then on a PyDataset with shuffled batch order,
 * and evaluated on an async generator; weights and losses written),
 * `fashion` (the seed MLP on Fashion-MNIST, test accuracy written), `kill` (rank 1 kills itself
 * mid-epoch), `hang` (rank 1 stops joining collectives), `info` (listDevices and the batch-size
 * check), `sums` (the all-reduce alone: every rank writes `out.json.<rank>`), `oracle` (the all-reduce
 * and reduce-scatter against sums computed in rank order: every rank writes `out.json.<rank>`). Rank 0
 * writes `out.json`.
 */
import {writeFileSync} from 'node:fs';
import * as keras from '../../src/index.js';

const [mode = 'equal', out = '', ...rest] = process.argv.slice(2);
const opt = Object.fromEntries(rest.map((a) => a.split('=') as [string, string]));
const FASHION = process.env['KERAS_TS_FASHION_DIR'] ?? '/usr/share/datasets/fashion-mnist';

// shard=0: every process updates every weight (the all-reduce path); by default the update is sharded where it can be
keras.distribution.setDistribution(new keras.distribution.DataParallel({shardOptimizer: opt.shard !== '0'}));
const dist = keras.distribution.distribution()!;
const rank = dist.processId;
// a seed per rank, so that the ranks draw different dropout masks; the initial weights are rank 0's
// (fit broadcasts them), so they do not depend on it
keras.utils.setRandomSeed(1337 + rank);

function seedMlp(dropout: boolean, optimizer: 'rmsprop' | 'sgd' | 'adam' = 'rmsprop', jitCompile = true): keras.Sequential {
  const {Dense, Dropout, Activation} = keras.layers;
  const model = new keras.models.Sequential();
  model.add(new Dense(512, {inputShape: [784]}));
  model.add(new Activation('relu'));
  if (dropout) model.add(new Dropout(0.2));
  model.add(new Dense(512));
  model.add(new Activation('relu'));
  if (dropout) model.add(new Dropout(0.2));
  model.add(new Dense(10));
  model.add(new Activation('softmax'));
  model.compile({loss: 'categorical_crossentropy', optimizer: optimizer === 'sgd' ? new keras.optimizers.SGD({learningRate: 0.01}) : optimizer === 'adam' ? new keras.optimizers.Adam() : new keras.optimizers.RMSprop(), metrics: ['accuracy'], jitCompile});
  return model;
}

async function fashion(limit: number, testLimit = 10000): Promise<[keras.Tensor, keras.Tensor, keras.Tensor, keras.Tensor]> {
  const [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.fashionMnist.loadData({dataDir: FASHION});
  const n = Math.min(limit, xTrain.shape[0]!);
  const t = Math.min(testLimit, xTest.shape[0]!);
  const prep = (x: keras.Tensor, k: number) => keras.ops.divide(keras.ops.reshape(keras.ops.slice(x, [0, 0, 0], [k, -1, -1]), [-1, 784]), 255);
  const lab = (y: keras.Tensor, k: number) => keras.utils.toCategorical(keras.ops.slice(y, [0], [k]), 10);
  return [prep(xTrain, n), lab(yTrain, n), prep(xTest, t), lab(yTest, t)];
}

/** Deterministic data when Fashion-MNIST is absent: the same rows in every process. */
function synthetic(n: number): [keras.Tensor, keras.Tensor] {
  const x = new Float32Array(n * 784);
  const y = new Float32Array(n * 10);
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
  for (let i = 0; i < n; i++) {
    const c = i % 10;
    y[i * 10 + c] = 1;
    for (let j = 0; j < 784; j++) x[i * 784 + j] = rnd() * 0.5 + (j % 10 === c ? 0.5 : 0);
  }
  return [new keras.Tensor([n, 784], 'float32', x), new keras.Tensor([n, 10], 'float32', y)];
}

async function data(n: number): Promise<[keras.Tensor, keras.Tensor]> {
  const {existsSync} = await import('node:fs');
  if (existsSync(`${FASHION}/train-images-idx3-ubyte.gz`)) {
    const [x, y] = await fashion(n, 1);
    return [x, y];
  }
  return synthetic(n);
}

function write(obj: unknown): void {
  if (rank === 0 && out) writeFileSync(out, JSON.stringify(obj));
}

if (mode === 'info') {
  let batchError = '';
  const model = seedMlp(false);
  const [x, y] = synthetic(64);
  try {
    await model.fit(x, y, {batchSize: 33, epochs: 1, verbose: 0});
  } catch (e) {
    batchError = (e as Error).message;
  }
  write({devices: keras.distribution.listDevices(), processId: rank, numProcesses: dist.numProcesses, batchError});
} else if (mode === 'equal') {
  const steps = Number(opt.steps ?? 20);
  const batch = Number(opt.batch ?? 128);
  const epochs = Number(opt.epochs ?? 1);
  const [x, y] = await data(batch * steps);
  const model = seedMlp(false, (opt.optimizer ?? 'rmsprop') as 'rmsprop' | 'sgd' | 'adam', opt.jit !== '0');
  const h = await model.fit(x, y, {batchSize: batch, epochs, verbose: 0, shuffle: true});
  // the optimizer state (iteration, learning rate, slots) after fit: whole on every process, also when the update was sharded
  const state = model.optimizer!.variables.map((v) => Array.from(v.value.values as Float32Array));
  // how many steps ran from a compiled plan (a data-parallel step is compiled like any other)
  const planned = model.trainerState?.plans?.counts.planned ?? 0;
  // gradient values copied into the all-reduce buckets (a compiled step's kernels write them there)
  const copied = dist.numProcesses > 1 ? (dist as unknown as {gradientReducer(): {copied: number}}).gradientReducer().copied : 0;
  const sharded = dist.numProcesses > 1 ? (dist as unknown as {gradientReducer(): {shardedSteps: number}}).gradientReducer().shardedSteps : 0;
  write({weights: model.getWeights().map((w) => Array.from(w.values)), loss: h.history.loss, accuracy: h.history.accuracy, planned, copied, state, sharded});
  // every rank's weights and state, to compare between ranks
  if (opt.all === '1') writeFileSync(`${out}.${rank}`, JSON.stringify({weights: model.getWeights().map((w) => Array.from(w.values)), state}));
} else if (mode === 'stream') {
  // global batches of 128 rows from a generator, a PyDataset and an async generator: every process
  // reads each whole batch and keeps its rows
  const steps = 20;
  const [x, y] = synthetic(128 * steps);
  const rows = (t: keras.Tensor, i: number) => keras.ops.slice(t, [i * 128, 0], [128, -1]);
  const model = seedMlp(false, 'sgd');
  function* batches() {
    for (let i = 0; i < steps; i++) yield [rows(x, i), rows(y, i)];
  }
  const h = await model.fit(batches(), {epochs: 1, verbose: 0});
  class Batches extends keras.utils.PyDataset {
    get length() {
      return steps;
    }
    async getItem(i: number) {
      await new Promise((r) => setTimeout(r, (steps - i) % 3)); // out of order completion
      return [rows(x, i), rows(y, i)];
    }
  }
  const h2 = await model.fit(new Batches({workers: 2}), {epochs: 2, verbose: 0, shuffle: true});
  async function* evalBatches() {
    for (let i = 0; i < 5; i++) yield [rows(x, i), rows(y, i)];
  }
  const [loss, accuracy] = (await model.evaluate(evalBatches(), {verbose: 0})) as number[];
  write({weights: model.getWeights().map((w) => Array.from(w.values)), loss: [...h.history.loss!, ...h2.history.loss!], evalLoss: loss, accuracy});
} else if (mode === 'fashion') {
  const [x, y, xt, yt] = await fashion(Number(opt.limit ?? 60000));
  const model = seedMlp(true);
  const t0 = performance.now();
  await model.fit(x, y, {batchSize: 128, epochs: Number(opt.epochs ?? 1), verbose: rank === 0 ? 2 : 0});
  const seconds = (performance.now() - t0) / 1000;
  const [loss, accuracy] = (await model.evaluate(xt, yt, {batchSize: 128, verbose: 0})) as number[];
  if (rank === 0) console.log(`Test accuracy: ${accuracy!.toFixed(4)} (${dist.numProcesses} process(es), ${seconds.toFixed(1)} s)`);
  write({loss, accuracy, seconds});
} else if (mode === 'backup') {
  // BackupAndRestore, CSVLogger, TensorBoard: rank 0 writes; `stop=E` makes rank 0 fail at the start of epoch E
  // (the job then aborts, as a preempted job would end); run again, the job resumes after the backup
  const [x, y] = synthetic(128 * 4);
  const model = seedMlp(false, (opt.optimizer ?? 'sgd') as 'rmsprop' | 'sgd' | 'adam');
  const stopAt = opt.stop === undefined ? -1 : Number(opt.stop);
  const crash = new keras.callbacks.LambdaCallback({
    onEpochBegin: (epoch: number) => {
      if (rank === 0 && epoch === stopAt) throw new Error(`rank 0: simulated failure at the start of epoch ${epoch}`);
    },
  });
  const dir = opt.dir!;
  const h = await model.fit(x, y, {
    batchSize: 128, epochs: 4, verbose: 0, shuffle: false,
    callbacks: [new keras.callbacks.BackupAndRestore(`${dir}/backup`, {deleteCheckpoint: false}), new keras.callbacks.CSVLogger(`${dir}/log.csv`, {append: true}), new keras.callbacks.TensorBoard(`${dir}/tb`), crash],
  });
  // every rank writes its own weights: they must be the same on every rank
  const sum = model.getWeights().map((w) => Array.from(w.values).reduce((a, b) => a + b * b, 0));
  writeFileSync(`${dir}/weights.${rank}.json`, JSON.stringify(sum));
  write({epochs: h.epoch, weights: model.getWeights().map((w) => Array.from(w.values))});
} else if (mode === 'sums') {
  // the binding's all-reduce on its own, through the public communicator: small arrays (MPI_Iallreduce)
  // and large ones (the ring), every dtype, lengths that do not divide by the number of processes;
  // integer-valued data (exact sums) and fractional data (each rank's bytes written, to compare)
  const comm = dist.comm;
  const results: {dtype: string; n: number; exact: boolean; bytes: string}[] = [];
  for (const [dtype, Ctor] of [['float32', Float32Array], ['float64', Float64Array], ['int32', Int32Array]] as const) {
    for (const n of [5, 8191, 100_003]) {
      const x = new Ctor(n);
      for (let i = 0; i < n; i++) x[i] = (i % 97) * (rank + 1) - rank;
      await comm.allreduce(x);
      const P = dist.numProcesses;
      let exact = true;
      for (let i = 0; i < n; i++) if (x[i] !== (i % 97) * ((P * (P + 1)) / 2) - (P * (P - 1)) / 2) exact = false;
      const y = new Ctor(n);
      for (let i = 0; i < n; i++) y[i] = dtype === 'int32' ? (i * 7919 + rank) % 1000 : Math.sin(i * 0.37 + rank);
      if (dtype === 'int32') await comm.allreduce(y);
      else comm.wait(comm.startAllreduce(y as Float32Array | Float64Array));
      results.push({dtype, n, exact, bytes: Buffer.from(y.buffer).toString('base64')});
    }
  }
  writeFileSync(`${out}.${rank}`, JSON.stringify(results));
} else if (mode === 'oracle') {
  // the all-reduce against a sum computed here: every rank's input is a function of (rank, i), so each
  // rank can add all of them itself in rank order 0, 1, ..., P - 1 -- in float32, rounding after each
  // addition (the order the shared window adds in: the same bits expected), and in float64 (the exact
  // sum to within 2^-53: the float32 result must be within P 2^-24 of the inputs' magnitudes). Magnitudes
  // from 2^-10 to 2^9 make the float32 result depend on the order of the additions.
  const comm = dist.comm;
  const P = dist.numProcesses;
  const value = (r: number, i: number) => Math.sin(i * 0.37 + r * 1.3) * 2 ** (((i * 13 + r * 5) % 20) - 10);
  const {createHash} = await import('node:crypto');
  const results: {what: string; n: number; window: boolean; sameBits: boolean; worst: number; hash: string}[] = [];
  const check = (what: string, x: Float32Array | Float64Array, lo = 0, hi = x.length) => {
    const f32 = x instanceof Float32Array;
    let sameBits = true;
    let worst = 0;
    for (let i = lo; i < hi; i++) {
      let acc = f32 ? Math.fround(value(0, i)) : value(0, i);
      let exact = acc;
      let mag = Math.abs(acc);
      for (let r = 1; r < P; r++) {
        const v = f32 ? Math.fround(value(r, i)) : value(r, i);
        acc = f32 ? Math.fround(acc + v) : acc + v;
        exact += v;
        mag += Math.abs(v);
      }
      if (!Object.is(x[i], acc)) sameBits = false;
      worst = Math.max(worst, Math.abs(x[i]! - exact) / mag);
    }
    const bytes = x.BYTES_PER_ELEMENT;
    const hash = createHash('sha1').update(new Uint8Array(x.buffer, x.byteOffset + lo * bytes, (hi - lo) * bytes)).digest('hex');
    results.push({what, n: x.length, window: x.length * bytes <= comm.sharedBytes, sameBits, worst, hash});
  };
  const fill = (x: Float32Array | Float64Array) => {
    for (let i = 0; i < x.length; i++) x[i] = value(comm.rank, i);
    return x;
  };
  for (const n of [5, 8191, 100_003, 400_003]) {
    for (const dtype of ['float32', 'float64'] as const) {
      const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
      // an ordinary array (copied into the window and out), one in the window (summed in place), the Promise form
      const plain = fill(new Ctor(n));
      comm.wait(comm.startAllreduce(plain));
      check(`${dtype} allreduce`, plain);
      const shared = fill(comm.allocate(dtype, n));
      comm.wait(comm.startAllreduce(shared));
      check(`${dtype} allreduce, sharedArray`, shared);
      const awaited = fill(new Ctor(n));
      await comm.allreduce(awaited);
      check(`${dtype} allreduce, awaited`, awaited);
      // the reduce-scatter: this rank's segment holds the sum
      const half = fill(comm.allocate(dtype, n));
      comm.wait(comm.startReduceScatter(half));
      check(`${dtype} reduce-scatter, sharedArray`, half, ...comm.shardOf(n));
    }
  }
  writeFileSync(`${out}.${rank}`, JSON.stringify({sharedBytes: comm.sharedBytes, results}));
} else if (mode === 'kill' || mode === 'hang') {
  const [x, y] = synthetic(128 * 50);
  const model = seedMlp(false);
  const stopAt = Number(opt.step ?? 20);
  const cb = new keras.callbacks.LambdaCallback({
    onTrainBatchEnd: (batch: number) => {
      if (rank !== 1 || batch !== stopAt) return;
      if (mode === 'kill') {
        process.stderr.write(`rank 1: killing myself (SIGKILL) at batch ${batch}\n`);
        process.kill(process.pid, 'SIGKILL');
      }
      process.stderr.write(`rank 1: hanging at batch ${batch}\n`);
      const end = Date.now() + 120_000;
      while (Date.now() < end) {
        /* a rank stuck in its own code: it never joins the next collective */
      }
    },
  });
  await model.fit(x, y, {batchSize: 128, epochs: 100, verbose: 0, callbacks: [cb]});
  console.log('unreachable: training ended although a rank failed');
}
