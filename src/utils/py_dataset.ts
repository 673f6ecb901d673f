/**
 * `keras.utils.PyDataset` (Keras 3's name for a batch-indexed dataset): subclass it, give the number
 * of batches as `length` and return batch `index` from `getItem` — `x`, `[x, y]` or
 * `[x, y, sampleWeight]`, or a Promise of one (a batch read from disk) — and pass the instance to
 * `fit` / `evaluate` / `predict`.
 *
 * ```ts
 * class Batches extends keras.utils.PyDataset {
 *   constructor(private x: Tensor, private y: Tensor, private batchSize: number) { super(); }
 *   get length() { return Math.ceil(this.x.shape[0] / this.batchSize); }
 *   getItem(i: number) { ... return [bx, by]; }
 * }
 * await model.fit(new Batches(x, y, 32), undefined, {epochs: 3});
 * ```
 *
 * `workers` is how many `getItem` calls are in flight while a step runs (the next batches are
 * prepared ahead, up to `maxQueueSize`): it overlaps a `getItem` that awaits I/O with the training
 * step. JavaScript runs one thread per isolate, so a synchronous `getItem` runs between steps;
 * `useMultiprocessing` (Python's processes) runs `getItem` in `workers` worker threads when the
 * dataset says which module exports its class (`module: import.meta.url`): each thread imports it and
 * gets a copy of the dataset's fields (refreshed each epoch); without `module`, a warning says it
 * changes nothing. `fit` with `shuffle` (the default) visits the batches in a new order each epoch.
 */
import {ValueError} from '../errors.js';
import type {UrlLike} from './bytes_source.js';
import {decode, encode} from './py_dataset_codec.js';
import type {WorkerPool} from './py_dataset_workers.js';

let warnedMultiprocessing = false;

export interface PyDatasetArgs {
  /** `getItem` calls kept in flight (default 1). */
  workers?: number;
  /**
   * Python Keras's worker processes: with `module`, `getItem` runs in `workers` worker threads, each
   * holding a copy of the dataset; without it, no effect (a warning says so).
   */
  useMultiprocessing?: boolean;
  /** The most batches prepared ahead (default 10). */
  maxQueueSize?: number;
  /**
   * The module that exports this dataset's class (`import.meta.url` in that module), for
   * `useMultiprocessing`: a worker thread imports it and rebuilds the dataset from a copy of its fields.
   */
  module?: string | UrlLike | null;
  /** The class's export name in `module` (default: the class's name). */
  exportName?: string;
}

export abstract class PyDataset {
  readonly workers: number;
  readonly useMultiprocessing: boolean;
  readonly maxQueueSize: number;
  readonly module: string | null;
  /** `getItem` in a worker thread rebuilds the dataset with this codec (tensors cross as their values). */
  static readonly workerCodec = {encode, decode};
  private _poolState: {pool: WorkerPool | null; stale: boolean; exportName: string | undefined} = {pool: null, stale: true, exportName: undefined};

  constructor({workers = 1, useMultiprocessing = false, maxQueueSize = 10, module = null, exportName}: PyDatasetArgs = {}) {
    if (!Number.isInteger(workers) || workers < 1) throw new ValueError(`PyDataset: workers must be a positive integer. Received: workers=${workers}`);
    if (!Number.isInteger(maxQueueSize) || maxQueueSize < 1) {
      throw new ValueError(`PyDataset: maxQueueSize must be a positive integer. Received: maxQueueSize=${maxQueueSize}`);
    }
    this.module = module === null ? null : typeof module === 'string' ? module : module.href;
    this._poolState.exportName = exportName;
    if (useMultiprocessing && this.module === null && !warnedMultiprocessing) {
      warnedMultiprocessing = true;
      console.warn(
        'PyDataset: useMultiprocessing has no effect without `module` (the module exporting the dataset class, for worker threads to import): ' +
          'getItem runs on the main thread, `workers` calls in flight.',
      );
    }
    this.workers = workers;
    this.useMultiprocessing = useMultiprocessing;
    this.maxQueueSize = maxQueueSize;
  }

  /** The number of batches in an epoch (Python's `__len__`). */
  abstract get length(): number;

  /** Batch `index`, `0 <= index < length` (Python's `__getitem__`). */
  abstract getItem(index: number): unknown;

  /** Batches per epoch; `null` for an endless dataset (Keras's `num_batches`). */
  get numBatches(): number | null {
    return this.length;
  }

  /** Called before each epoch. */
  onEpochBegin(): void {}

  /**
   * Batch `index` as \`fit\`, \`evaluate\` and \`predict\` get it: \`getItem(index)\`, run in a worker
   * thread with \`useMultiprocessing\` and \`module\`.
   */
  fetchItem(index: number): Promise<unknown> {
    if (!this.useMultiprocessing || this.module === null) return Promise.resolve().then(() => this.getItem(index));
    // the worker pool is loaded on first use (a web page, which has no worker threads, never fetches it)
    return import('./py_dataset_workers.js').then(({datasetState, WorkerPool}) => {
      const st = this._poolState;
      const state = st.stale ? datasetState(this) : null; // before any thread starts: a field that cannot be copied fails here
      st.pool ??= new WorkerPool(this.module!, st.exportName ?? this.constructor.name, this.workers);
      if (state) {
        st.pool.sync(state);
        st.stale = false;
      }
      return st.pool.getItem(index);
    });
  }

  /** The worker threads' copies are refreshed before the next batch (each epoch, after \`onEpochEnd\`). */
  refreshWorkers(): void {
    this._poolState.stale = true;
  }

  /** Ends the worker threads (`fit`, `evaluate` and `predict` do when they end; a new call starts them again). */
  async closeWorkers(): Promise<void> {
    const pool = this._poolState.pool;
    this._poolState.pool = null;
    this._poolState.stale = true;
    await pool?.close();
  }

  /** Called after each epoch (shuffle the order of your samples here). */
  onEpochEnd(): void {}
}
