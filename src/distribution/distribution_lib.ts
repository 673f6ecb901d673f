/**
 * `keras.distribution` (Keras 3's names): `DataParallel`, `setDistribution`, `distribution`,
 * `listDevices`, `initialize`. Data parallelism over processes: every process (MPI rank) holds a
 * replica of the model; `fit` starts by broadcasting rank 0's weights and optimizer state, splits
 * each global batch evenly between the ranks, sums the gradients across ranks before the optimizer
 * update (which then runs identically everywhere), and reduces the metrics; rank 0 alone prints and
 * writes files.
 *
 * ```ts
 * // mpirun -np 2 node train.mjs
 * keras.distribution.setDistribution(new keras.distribution.DataParallel());
 * await model.fit(x, y, {batchSize: 128}); // 64 rows per process and step
 * ```
 *
 * The trainer asks this module (`activeDataParallel()`) for what to do at each step; without a
 * distribution, or with one process, the training loop is unchanged.
 */
import type {Variable} from '../autodiff/variable.js';
import {ValueError} from '../errors.js';
import type {Metric} from '../metrics/metric.js';
import type {Optimizer} from '../optimizers/optimizer.js';
import {allocate, type DType, type TypedArray} from '../tensor/dtype.js';
import {Tensor} from '../tensor/tensor.js';
import {initialize, type Communicator} from './communicator.js';
import {BucketBuffers, GradientReducer} from './gradient_reducer.js';
import {bucketBytes} from '../platform/index.js';
import {setActiveDataParallel, type DataParallelHooks} from './state.js';

export {initialize} from './communicator.js';

/**
 * Keras's `keras.distribution.list_devices`: one device per process of the job, `cpu:<rank>` (each
 * process computes on its CPU threads), `['cpu:0']` without a launcher.
 */
export function listDevices(deviceType?: string | null): string[] {
  if (deviceType && deviceType.toLowerCase() !== 'cpu') {
    throw new ValueError(`listDevices: keras-ts distributes over CPU processes. Received: deviceType=${JSON.stringify(deviceType)}, expected 'cpu' or none.`);
  }
  const comm = initialize();
  return Array.from({length: comm.size}, (_, r) => `cpu:${r}`);
}

/** Keras's `Distribution` base: how variables and data are laid out over devices. */
export abstract class Distribution {
  readonly comm: Communicator;
  constructor(readonly devices: string[]) {
    this.comm = initialize();
  }
  /** This process's index in the job (the MPI rank). */
  get processId(): number {
    return this.comm.rank;
  }
  /** The number of processes in the job. */
  get numProcesses(): number {
    return this.comm.size;
  }
}

/** A batch as the trainer's iterators yield it. */
interface BatchLike {
  x: Tensor[];
  y: Tensor[] | null;
  sampleWeight: Tensor[] | null;
  size: number;
}

/**
 * Keras's `keras.distribution.DataParallel`: the model replicated on every process, the batch split
 * across them. `devices` (Keras's argument) must name every process of the job when given
 * (`listDevices()`); by default all of them.
 *
 * `shardOptimizer` (keras-ts's, default false): in `fit`, where the optimizer's update is one
 * elementwise fused kernel per variable (SGD, RMSprop, Adam, Adadelta without clipping, weight decay,
 * EMA, gradient accumulation or constraints), each process updates only its share of the weights
 * (ZeRO stage 1: gradients reduce-scattered, updated weights all-gathered; the same weights bit for
 * bit as the all-reduce path, see gradient_reducer.ts); the optimizer state is gathered whole on
 * every process at the end of each epoch (before checkpoints) and before each batch's callbacks when
 * a callback may save it after batches. false: every process updates every weight, which on one
 * machine measured faster (bench/data_parallel.ts, 2 ranks on 2 cores: the seed MLP at global batch
 * 128 ~39k samples/s all-reduced vs ~34k sharded; the same at 1024 and on the CNN).
 */
export class DataParallel extends Distribution implements DataParallelHooks {
  readonly batchDimName = 'batch';
  readonly shardOptimizer: boolean;
  private reducer: GradientReducer | null = null;
  /** This process's share of the current global batch (set by `shard`). */
  private weight = 1;
  /** Whether sharded updates may run now (inside `fit`). */
  private fitting = false;

  constructor({devices, shardOptimizer = false}: {devices?: string[] | null; deviceMesh?: unknown; shardOptimizer?: boolean} = {}) {
    const all = listDevices();
    if (devices && (devices.length !== all.length || devices.some((d, i) => d !== all[i]))) {
      throw new ValueError(
        `DataParallel: devices must be every process of the job, as listDevices() gives them. Expected: ${JSON.stringify(all)}. Received: ${JSON.stringify(devices)}`,
      );
    }
    super(all);
    this.shardOptimizer = shardOptimizer;
  }

  /** The global batch size must split evenly over the processes (Keras: global batch = sum of the replicas'). */
  checkBatchSize(batchSize: number, what = 'batch_size'): void {
    if (!Number.isInteger(batchSize) || batchSize % this.numProcesses !== 0) {
      throw new ValueError(
        `DataParallel: ${what} is the global batch size and must be divisible by the number of processes (${this.numProcesses}), ` +
          `so that each process takes the same number of rows. Received: ${what}=${batchSize}`,
      );
    }
  }

  /**
   * This process's rows of each global batch: rank r takes the r-th of N equal slices (the last,
   * short batch as evenly as it divides). A batch with fewer rows than processes is skipped by all.
   */
  *shard<B extends BatchLike>(batches: Iterable<[number, number, B]>): Generator<[number, number, B]> {
    for (const [begin, end, batch] of batches) {
      const mine = this.shardBatch(batch);
      if (mine) yield [begin, end, mine];
    }
  }

  /**
   * This process's rows of one global batch (as `shard`), or null when the batch has fewer rows than
   * there are processes. For streams (generators, iterables, PyDataset), whose every batch is a global
   * batch that each process reads whole: Keras's DataParallel re-batches a dataset to the per-process
   * batch size and gives process r every N-th of those batches starting at r, which is the same rows.
   */
  shardBatch<B extends BatchLike>(batch: B): B | null {
    const {rank, size} = this.comm;
    const n = batch.x[0]!.shape[0]!;
    if (n < size) return null;
    const base = Math.floor(n / size);
    const extra = n % size;
    const lo = rank * base + Math.min(rank, extra);
    const hi = lo + base + (rank < extra ? 1 : 0);
    const take = (t: Tensor) => sliceRows(t, lo, hi);
    this.weight = (hi - lo) / n;
    return {...batch, x: batch.x.map(take), y: batch.y?.map(take) ?? null, sampleWeight: batch.sampleWeight?.map(take) ?? null, size: hi - lo};
  }

  /** The reducer of this step's gradients (see gradient_reducer.ts), one per distribution. */
  gradientReducer(optimizer?: Optimizer | null, trainable?: readonly Variable[]): GradientReducer {
    this.reducer ??= new GradientReducer(this.comm, new BucketBuffers((dtype, n) => this.comm.allocate(dtype, n)), bucketBytes());
    const r = this.reducer.begin(this.weight);
    r.sharded = this.fitting && this.shardOptimizer && !!optimizer && !!trainable && optimizer.sliceUpdateBlocker(trainable) === null;
    return r;
  }

  shardUpdates(on: boolean): void {
    this.fitting = on;
  }

  gatherOptimizerState(optimizer: Optimizer | null, trainable: readonly Variable[]): void {
    if (optimizer) this.reducer?.gatherSlots(optimizer, trainable);
  }

  /**
   * Logs over the whole job: every metric's state (totals, counts, confusion counts: sums, for every
   * Keras metric) is summed across processes, `compute` reads the results, and the local state is put
   * back so the next batches keep accumulating locally.
   */
  async reduceLogs<L>(metrics: Metric[], compute: () => L): Promise<L> {
    const vars = metrics.flatMap((m) => m.variables);
    const local = vars.map((v) => v.value);
    const packed = new Float64Array(local.reduce((n, t) => n + t.size, 0));
    let o = 0;
    for (const t of local) {
      for (let i = 0; i < t.size; i++) packed[o + i] = t.values[i] as number;
      o += t.size;
    }
    await this.comm.allreduce(packed);
    o = 0;
    vars.forEach((v, k) => {
      const t = local[k]!;
      const values = allocate(t.dtype, t.size);
      for (let i = 0; i < t.size; i++) values[i] = packed[o + i]!;
      o += t.size;
      v.assign(new Tensor(t.shape, t.dtype, values));
    });
    try {
      return compute();
    } finally {
      vars.forEach((v, k) => v.assign(local[k]!));
    }
  }

  /**
   * Rank 0's weights, optimizer state and starting epoch to every process (at the start of `fit`,
   * after callbacks such as BackupAndRestore restored them on rank 0). Returns the starting epoch.
   */
  async broadcastTrainingState(variables: Variable[], startEpoch: number): Promise<number> {
    const values = variables.map((v) => v.value);
    const bytes = values.reduce((n, t) => n + t.values.byteLength, 8);
    const buf = new Uint8Array(bytes);
    let o = 0;
    for (const t of values) {
      buf.set(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength), o);
      o += t.values.byteLength;
    }
    new DataView(buf.buffer).setFloat64(o, startEpoch, true);
    await this.comm.bcast(buf, 0);
    o = 0;
    variables.forEach((v, k) => {
      const t = values[k]!;
      const out = allocate(t.dtype as DType, t.size);
      new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(buf.subarray(o, o + t.values.byteLength));
      o += t.values.byteLength;
      v.assign(new Tensor(t.shape, t.dtype, out as TypedArray));
    });
    return new DataView(buf.buffer).getFloat64(o, true);
  }
}

function sliceRows(t: Tensor, start: number, end: number): Tensor {
  const row = t.size / Math.max(t.shape[0]!, 1);
  return t.withValues([end - start, ...t.shape.slice(1)], t.values.subarray(start * row, end * row) as TypedArray);
}

let current: Distribution | null = null;

/** Keras's `keras.distribution.set_distribution`: the distribution `fit`/`evaluate` use from now on (null: none). */
export function setDistribution(value: Distribution | null): void {
  if (value !== null && !(value instanceof Distribution)) {
    throw new ValueError(`setDistribution expects a keras.distribution.Distribution (e.g. new DataParallel()) or null. Received: ${String(value)}`);
  }
  current = value;
  setActiveDataParallel(value instanceof DataParallel && value.numProcesses > 1 ? value : null);
}

/** Keras's `keras.distribution.distribution()`: the current distribution, or null. */
export function distribution(): Distribution | null {
  return current;
}

