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
 * `useMultiprocessing` (Python's processes) has no equivalent here: it is accepted, with a warning,
 * and changes nothing. `fit` with `shuffle` (the default) visits the batches in a new order each epoch.
 */
import {ValueError} from '../errors.js';

let warnedMultiprocessing = false;

export interface PyDatasetArgs {
  /** `getItem` calls kept in flight (default 1). */
  workers?: number;
  /** Python Keras's worker processes: no effect in JavaScript (a warning says so). */
  useMultiprocessing?: boolean;
  /** The most batches prepared ahead (default 10). */
  maxQueueSize?: number;
}

export abstract class PyDataset {
  readonly workers: number;
  readonly useMultiprocessing: boolean;
  readonly maxQueueSize: number;

  constructor({workers = 1, useMultiprocessing = false, maxQueueSize = 10}: PyDatasetArgs = {}) {
    if (!Number.isInteger(workers) || workers < 1) throw new ValueError(`PyDataset: workers must be a positive integer. Received: workers=${workers}`);
    if (!Number.isInteger(maxQueueSize) || maxQueueSize < 1) {
      throw new ValueError(`PyDataset: maxQueueSize must be a positive integer. Received: maxQueueSize=${maxQueueSize}`);
    }
    if (useMultiprocessing && !warnedMultiprocessing) {
      warnedMultiprocessing = true;
      console.warn(
        'PyDataset: useMultiprocessing has no effect in JavaScript (no worker process can share the dataset object): ' +
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

  /** Called after each epoch (shuffle the order of your samples here). */
  onEpochEnd(): void {}
}
