/**
 * What the training loop and the callbacks ask of the current distribution, with no dependency on
 * MPI or Node: the trainer imports this file only, so a program that never sets a distribution never
 * loads the MPI binding's module.
 */
import type {Variable} from '../autodiff/variable.js';
import type {Metric} from '../metrics/metric.js';
import type {Tensor} from '../tensor/tensor.js';

/** One step's gradient reduction (src/distribution/gradient_reducer.ts). */
interface StepReducer {
  outputGradient(loss: Tensor): Tensor;
  readonly onGradient: (index: number, grad: Tensor | null) => void;
  /** This process's share of the global batch (part of a compiled step's signature: its seed). */
  readonly weight: number;
  reduced(grads: (Tensor | null)[]): (Tensor | null)[];
}

interface BatchLike {
  x: Tensor[];
  y: Tensor[] | null;
  sampleWeight: Tensor[] | null;
  size: number;
}

/** What `fit` / `evaluate` call on a data-parallel distribution with several processes. */
export interface DataParallelHooks {
  readonly processId: number;
  readonly numProcesses: number;
  checkBatchSize(batchSize: number, what?: string): void;
  shard<B extends BatchLike>(batches: Iterable<[number, number, B]>): Generator<[number, number, B]>;
  shardBatch<B extends BatchLike>(batch: B): B | null;
  gradientReducer(): StepReducer;
  reduceLogs<L>(metrics: Metric[], compute: () => L): Promise<L>;
  broadcastTrainingState(variables: Variable[], startEpoch: number): Promise<number>;
}

let active: DataParallelHooks | null = null;
let rank = 0;

/** Set by `setDistribution`. */
export function setActiveDataParallel(hooks: DataParallelHooks | null): void {
  active = hooks;
}

/** For the trainer: the data-parallel hooks to apply, or null (no distribution, or one process). */
export function activeDataParallel(): DataParallelHooks | null {
  return active;
}

/** Set once MPI started: this process's rank. */
export function setProcessRank(r: number): void {
  rank = r;
}

/**
 * Whether this process prints and writes files (progress bar, ModelCheckpoint, BackupAndRestore,
 * CSVLogger): rank 0, or the only process.
 */
export function isChiefProcess(): boolean {
  return rank === 0;
}
