/**
 * The `Callback` base (Keras 3's `keras.callbacks.Callback`): every hook of `fit`, `evaluate` and
 * `predict`, with `logs` as plain `{name: number}` objects. `onTrainBatchBegin/End` call
 * `onBatchBegin/End` by default, as Keras.
 *
 * A hook may be async: when it returns a Promise, `fit` / `evaluate` / `predict` wait for it before
 * the next hook or batch (a restore in `onTrainBegin`, a file written in `onEpochEnd`). Hooks that
 * return nothing cost nothing extra.
 */
import type {Variable} from '../autodiff/variable.js';
import {isChiefProcess} from '../distribution/state.js';
import type {Metric} from '../metrics/metric.js';
import type {Optimizer} from '../optimizers/optimizer.js';
import type {Tensor} from '../tensor/tensor.js';
import {writeStdout} from '../platform/index.js';

export type Logs = Record<string, number>;

/** What a hook returns: nothing, or a Promise the training loop waits for. */
export type HookResult = void | Promise<void>;

/** Whether a hook's result must be awaited (only thenables are; `undefined` is the fast path). */
export function isThenable(x: unknown): x is PromiseLike<void> {
  return x !== undefined && x !== null && typeof (x as {then?: unknown}).then === 'function';
}

/** What callbacks may use of the model being trained (models/ implements it). */
export interface CallbackModel {
  stopTraining: boolean;
  stopEvaluating?: boolean;
  stopPredicting?: boolean;
  optimizer: Optimizer | null;
  /**
   * Set by a callback in `onTrainBegin` to make `fit` start from this epoch (Keras's
   * `model._initial_epoch`, used by `BackupAndRestore`); `fit` clears it before `onTrainBegin`.
   */
  initialEpoch?: number | null;
  readonly metrics: Metric[];
  getWeights(): Tensor[];
  setWeights(weights: Tensor[]): void;
  readonly trainableWeights: Variable[];
  history?: unknown;
}

export interface CallbackParams {
  verbose?: number | 'auto';
  epochs?: number;
  steps?: number | null;
  [key: string]: unknown;
}

export class Callback {
  model: CallbackModel | null = null;
  params: CallbackParams = {};

  setParams(params: CallbackParams): void {
    this.params = params;
  }
  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onBatchBegin(batch: number, logs?: Logs): HookResult {
    void [batch, logs];
  }
  onBatchEnd(batch: number, logs?: Logs): HookResult {
    void [batch, logs];
  }
  onEpochBegin(epoch: number, logs?: Logs): HookResult {
    void [epoch, logs];
  }
  onEpochEnd(epoch: number, logs?: Logs): HookResult {
    void [epoch, logs];
  }
  onTrainBatchBegin(batch: number, logs?: Logs): HookResult {
    return this.onBatchBegin(batch, logs);
  }
  onTrainBatchEnd(batch: number, logs?: Logs): HookResult {
    return this.onBatchEnd(batch, logs);
  }
  onTestBatchBegin(batch: number, logs?: Logs): HookResult {
    void [batch, logs];
  }
  onTestBatchEnd(batch: number, logs?: Logs): HookResult {
    void [batch, logs];
  }
  onPredictBatchBegin(batch: number, logs?: Logs): HookResult {
    void [batch, logs];
  }
  onPredictBatchEnd(batch: number, logs?: Logs): HookResult {
    void [batch, logs];
  }
  onTrainBegin(logs?: Logs): HookResult {
    void logs;
  }
  onTrainEnd(logs?: Logs): HookResult {
    void logs;
  }
  onTestBegin(logs?: Logs): HookResult {
    void logs;
  }
  onTestEnd(logs?: Logs): HookResult {
    void logs;
  }
  onPredictBegin(logs?: Logs): HookResult {
    void logs;
  }
  onPredictEnd(logs?: Logs): HookResult {
    void logs;
  }
}

/** Writes a line as Keras's `io_utils.print_msg`. */
export function printMsg(message: string, lineBreak = true): void {
  if (!isChiefProcess()) return; // distribution: rank 0 prints
  writeStdout(lineBreak ? message + '\n' : message);
}
