/**
 * A PyDataset class in a module of its own, for test/programs/py_dataset_workers.test.ts: worker
 * threads import this module (`module: import.meta.url`) and rebuild the dataset from its fields.
 */
import {isMainThread} from 'node:worker_threads';
import * as keras from '../../src/index.js';
import type {Tensor} from '../../src/index.js';

export class RowBatches extends keras.utils.PyDataset {
  mainThreadCalls = 0;
  /** The batches' order: permuted in `onEpochEnd` (state that must reach the workers). */
  order: number[];
  epoch = 0;

  constructor(
    readonly x: Tensor,
    readonly y: Tensor,
    readonly batchSize: number,
    args: keras.utils.PyDatasetArgs & {failAt?: number} = {},
  ) {
    super({...args, module: args.useMultiprocessing ? import.meta.url : null});
    this.order = Array.from({length: Math.ceil(x.shape[0]! / batchSize)}, (_, i) => i);
    this.failAt = args.failAt ?? -1;
  }
  failAt: number;

  get length(): number {
    return this.order.length;
  }

  getItem(index: number): [Tensor, Tensor] {
    if (isMainThread) this.mainThreadCalls++;
    if (index === this.failAt) throw new Error(`batch ${index} is broken`);
    const start = this.order[index]! * this.batchSize;
    const rows = (t: Tensor) => keras.ops.slice(t, [start, 0], [this.batchSize, -1]);
    return [rows(this.x), rows(this.y)];
  }

  override onEpochEnd(): void {
    this.epoch++;
    // a rotation: deterministic, different each epoch
    this.order = [...this.order.slice(1), this.order[0]!];
  }
}

export class WithFunction extends RowBatches {
  transform = (t: Tensor) => t;
}
