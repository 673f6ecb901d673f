import {Callback, type Logs} from './callback.js';

/** Records the epoch logs; `fit` returns it. `history.history.loss` is the loss per epoch. */
export class History extends Callback {
  history: Record<string, number[]> = {};
  epoch: number[] = [];
  override onTrainBegin(): void {
    this.epoch = [];
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
    if (this.model) this.model.history = this;
  }
}
