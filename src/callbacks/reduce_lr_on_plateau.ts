import {ValueError} from '../errors.js';
import {printMsg, type Logs} from './callback.js';
import {MonitorCallback} from './monitor.js';

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  verbose?: number;
  mode?: 'auto' | 'min' | 'max';
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
}

/** Multiplies the learning rate by `factor` when the monitored value stops improving. */
export class ReduceLROnPlateau extends MonitorCallback {
  factor: number;
  minLr: number;
  patience: number;
  verbose: number;
  cooldown: number;
  cooldownCounter = 0;
  wait = 0;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super(args.monitor ?? 'val_loss', args.mode ?? 'auto', null, args.minDelta ?? 1e-4);
    const factor = args.factor ?? 0.1;
    if (factor >= 1.0) throw new ValueError(`ReduceLROnPlateau does not support a factor >= 1.0. Received factor=${factor}`);
    this.factor = factor;
    this.minLr = args.minLr ?? 0;
    this.patience = args.patience ?? 10;
    this.verbose = args.verbose ?? 0;
    this.cooldown = args.cooldown ?? 0;
  }

  override onTrainBegin(): void {
    this.best = null;
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (!this.monitorOp) this.setMonitorOp();
    const opt = this.model!.optimizer!;
    logs['learning_rate'] = opt.learningRate;
    const current = logs[this.monitor];
    if (current === undefined) {
      console.warn(`Learning rate reduction is conditioned on metric \`${this.monitor}\` which is not available. Available metrics are: ${Object.keys(logs).join(',')}.`);
      return;
    }
    if (this.inCooldown()) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (!this.inCooldown()) {
      this.wait += 1;
      if (this.wait >= this.patience) {
        const oldLr = opt.learningRate;
        if (oldLr > Math.fround(this.minLr)) {
          const newLr = Math.max(oldLr * this.factor, this.minLr);
          opt.learningRate = newLr;
          if (this.verbose > 0) printMsg(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${newLr}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}
