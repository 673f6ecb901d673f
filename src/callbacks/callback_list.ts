import {Callback, type CallbackModel, type CallbackParams, type Logs} from './callback.js';
import {History} from './history.js';
import {ProgbarLogger} from './progbar_logger.js';

/** Dispatches every hook to a list of callbacks, adding `History` and `ProgbarLogger` as `fit` does. */
export class CallbackList extends Callback {
  readonly callbacks: Callback[];
  history: History | null = null;
  progbar: ProgbarLogger | null = null;

  constructor(
    callbacks: Callback[] = [],
    {addHistory = false, addProgbar = false, model, ...params}: {addHistory?: boolean; addProgbar?: boolean; model?: CallbackModel} & CallbackParams = {},
  ) {
    super();
    this.callbacks = [...callbacks];
    for (const cb of this.callbacks) {
      if (cb instanceof ProgbarLogger) this.progbar = cb;
      else if (cb instanceof History) this.history = cb;
    }
    if (!this.history && addHistory) this.callbacks.push((this.history = new History()));
    if (!this.progbar && addProgbar) this.callbacks.push((this.progbar = new ProgbarLogger()));
    if (model) this.setModel(model);
    this.setParams(params);
  }

  override setModel(model: CallbackModel): void {
    super.setModel(model);
    if (this.history) model.history = this.history;
    for (const cb of this.callbacks) cb.setModel(model);
  }
  override setParams(params: CallbackParams): void {
    super.setParams(params);
    for (const cb of this.callbacks) cb.setParams(params);
  }
  private each(fn: (cb: Callback) => void): void {
    for (const cb of this.callbacks) fn(cb);
  }
  override onBatchBegin(b: number, l?: Logs): void { this.each((c) => c.onBatchBegin(b, l)); }
  override onBatchEnd(b: number, l?: Logs): void { this.each((c) => c.onBatchEnd(b, l)); }
  override onEpochBegin(e: number, l?: Logs): void { this.each((c) => c.onEpochBegin(e, l)); }
  override onEpochEnd(e: number, l?: Logs): void { this.each((c) => c.onEpochEnd(e, l)); }
  override onTrainBatchBegin(b: number, l?: Logs): void { this.each((c) => c.onTrainBatchBegin(b, l)); }
  override onTrainBatchEnd(b: number, l?: Logs): void { this.each((c) => c.onTrainBatchEnd(b, l)); }
  override onTestBatchBegin(b: number, l?: Logs): void { this.each((c) => c.onTestBatchBegin(b, l)); }
  override onTestBatchEnd(b: number, l?: Logs): void { this.each((c) => c.onTestBatchEnd(b, l)); }
  override onPredictBatchBegin(b: number, l?: Logs): void { this.each((c) => c.onPredictBatchBegin(b, l)); }
  override onPredictBatchEnd(b: number, l?: Logs): void { this.each((c) => c.onPredictBatchEnd(b, l)); }
  override onTrainBegin(l?: Logs): void { this.each((c) => c.onTrainBegin(l)); }
  override onTrainEnd(l?: Logs): void { this.each((c) => c.onTrainEnd(l)); }
  override onTestBegin(l?: Logs): void { this.each((c) => c.onTestBegin(l)); }
  override onTestEnd(l?: Logs): void { this.each((c) => c.onTestEnd(l)); }
  override onPredictBegin(l?: Logs): void { this.each((c) => c.onPredictBegin(l)); }
  override onPredictEnd(l?: Logs): void { this.each((c) => c.onPredictEnd(l)); }
}
