/**
 * What the training loop and the callbacks ask of the current distribution, with no dependency on
 * MPI or Node: the trainer imports this file only, so a program that never sets a distribution never
 * loads the MPI binding's module.
 */
import type {Variable} from '../autodiff/variable.js';
import type {Metric} from '../metrics/metric.js';
import type {Optimizer} from '../optimizers/optimizer.js';
import type {Tensor} from '../tensor/tensor.js';

/** One step's gradient reduction (src/distribution/gradient_reducer.ts). */
interface StepReducer {
  outputGradient(loss: Tensor): Tensor;
  readonly onGradient: (index: number, grad: Tensor | null) => void;
  /** This process's share of the global batch (part of a compiled step's signature: its seed). */
  readonly weight: number;
  reduced(grads: (Tensor | null)[]): (Tensor | null)[];
  /** Whether this step's update is sharded (`applySharded` instead of `reduced` + `apply`); settable before the backward pass. */
  sharded: boolean;
  applySharded(opt: Optimizer, grads: (Tensor | null)[], vars: readonly Variable[]): void;
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
  /**
   * This step's reducer; `sharded` when `optimizer` can update slices of `trainable` and sharded
   * updates are on (`fit` turns them on, with the gathering of the optimizer state at its points).
   */
  gradientReducer(optimizer?: Optimizer | null, trainable?: readonly Variable[]): StepReducer;
  /** `fit` runs: sharded updates allowed (true), or not any more (false). */
  shardUpdates(on: boolean): void;
  /** A collective: after sharded steps, every process's share of the optimizer state to every process. */
  gatherOptimizerState(optimizer: Optimizer | null, trainable: readonly Variable[]): void;
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
