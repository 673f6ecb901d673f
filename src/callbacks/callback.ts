/**
 * The `Callback` base (Keras 3's `keras.callbacks.Callback`): every hook of `fit`, `evaluate` and
 * `predict`, with `logs` as plain `{name: number}` objects. `onTrainBatchBegin/End` call
 * `onBatchBegin/End` by default, as Keras.
 */
import type {Variable} from '../autodiff/variable.js';
import type {Metric} from '../metrics/metric.js';
import type {Optimizer} from '../optimizers/optimizer.js';
import type {Tensor} from '../tensor/tensor.js';

export type Logs = Record<string, number>;

/** What callbacks may use of the model being trained (models/ implements it). */
export interface CallbackModel {
  stopTraining: boolean;
  stopEvaluating?: boolean;
  stopPredicting?: boolean;
  optimizer: Optimizer | null;
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

  onBatchBegin(batch: number, logs?: Logs): void {
    void batch, logs;
  }
  onBatchEnd(batch: number, logs?: Logs): void {
    void batch, logs;
  }
  onEpochBegin(epoch: number, logs?: Logs): void {
    void epoch, logs;
  }
  onEpochEnd(epoch: number, logs?: Logs): void {
    void epoch, logs;
  }
  onTrainBatchBegin(batch: number, logs?: Logs): void {
    this.onBatchBegin(batch, logs);
  }
  onTrainBatchEnd(batch: number, logs?: Logs): void {
    this.onBatchEnd(batch, logs);
  }
  onTestBatchBegin(batch: number, logs?: Logs): void {
    void batch, logs;
  }
  onTestBatchEnd(batch: number, logs?: Logs): void {
    void batch, logs;
  }
  onPredictBatchBegin(batch: number, logs?: Logs): void {
    void batch, logs;
  }
  onPredictBatchEnd(batch: number, logs?: Logs): void {
    void batch, logs;
  }
  onTrainBegin(logs?: Logs): void {
    void logs;
  }
  onTrainEnd(logs?: Logs): void {
    void logs;
  }
  onTestBegin(logs?: Logs): void {
    void logs;
  }
  onTestEnd(logs?: Logs): void {
    void logs;
  }
  onPredictBegin(logs?: Logs): void {
    void logs;
  }
  onPredictEnd(logs?: Logs): void {
    void logs;
  }
}

/** Writes a line as Keras's `io_utils.print_msg`. */
export function printMsg(message: string, lineBreak = true): void {
  process.stdout.write(lineBreak ? message + '\n' : message);
}
