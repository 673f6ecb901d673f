import type {Tensor} from '../tensor/tensor.js';
import {printMsg, type Logs} from './callback.js';
import {MonitorCallback} from './monitor.js';

export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  verbose?: number;
  mode?: 'auto' | 'min' | 'max';
  baseline?: number | null;
  restoreBestWeights?: boolean;
  startFromEpoch?: number;
}

/** Stops `fit` when the monitored value has not improved for `patience` epochs. */
export class EarlyStopping extends MonitorCallback {
  patience: number;
  verbose: number;
  baseline: number | null;
  wait = 0;
  stoppedEpoch = 0;
  restoreBestWeights: boolean;
  bestWeights: Tensor[] | null = null;
  bestEpoch = 0;
  startFromEpoch: number;

  constructor(args: EarlyStoppingArgs = {}) {
    super(args.monitor ?? 'val_loss', args.mode ?? 'auto', null, args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    this.verbose = args.verbose ?? 0;
    this.baseline = args.baseline ?? null;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.startFromEpoch = args.startFromEpoch ?? 0;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.bestWeights = null;
    this.bestEpoch = 0;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (!this.monitorOp) this.setMonitorOp();
    const current = this.getMonitorValue(logs);
    if (current === undefined || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === null) {
      this.bestWeights = this.model!.getWeights();
      this.bestEpoch = epoch;
    }
    this.wait += 1;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model!.getWeights();
      if (this.baseline === null || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) printMsg(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== null) {
      if (this.verbose > 0) printMsg(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model!.setWeights(this.bestWeights);
    }
  }

  getMonitorValue(logs: Logs): number | undefined {
    const v = logs[this.monitor];
    if (v === undefined) {
      console.warn(`Early stopping conditioned on metric \`${this.monitor}\` which is not available. Available metrics are: ${Object.keys(logs).join(',')}`);
    }
    return v;
  }
}
