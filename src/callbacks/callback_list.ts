import {Callback, isThenable, type CallbackModel, type CallbackParams, type HookResult, type Logs} from './callback.js';
import {History} from './history.js';
import {ProgbarLogger} from './progbar_logger.js';

/**
 * Dispatches every hook to a list of callbacks, adding `History` and `ProgbarLogger` as `fit` does.
 * The callbacks run in order; when one returns a Promise the next starts after it settles, and the
 * hook returns a Promise for the rest (otherwise it returns nothing and stays synchronous).
 */
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
  private each(fn: (cb: Callback) => HookResult, from = 0): HookResult {
    const cbs = this.callbacks;
    for (let i = from; i < cbs.length; i++) {
      const r = fn(cbs[i]!);
      if (isThenable(r)) return Promise.resolve(r).then(() => this.each(fn, i + 1));
    }
  }
  override onBatchBegin(b: number, l?: Logs): HookResult { return this.each((c) => c.onBatchBegin(b, l)); }
  override onBatchEnd(b: number, l?: Logs): HookResult { return this.each((c) => c.onBatchEnd(b, l)); }
  override onEpochBegin(e: number, l?: Logs): HookResult { return this.each((c) => c.onEpochBegin(e, l)); }
  override onEpochEnd(e: number, l?: Logs): HookResult { return this.each((c) => c.onEpochEnd(e, l)); }
  override onTrainBatchBegin(b: number, l?: Logs): HookResult { return this.each((c) => c.onTrainBatchBegin(b, l)); }
  override onTrainBatchEnd(b: number, l?: Logs): HookResult { return this.each((c) => c.onTrainBatchEnd(b, l)); }
  override onTestBatchBegin(b: number, l?: Logs): HookResult { return this.each((c) => c.onTestBatchBegin(b, l)); }
  override onTestBatchEnd(b: number, l?: Logs): HookResult { return this.each((c) => c.onTestBatchEnd(b, l)); }
  override onPredictBatchBegin(b: number, l?: Logs): HookResult { return this.each((c) => c.onPredictBatchBegin(b, l)); }
  override onPredictBatchEnd(b: number, l?: Logs): HookResult { return this.each((c) => c.onPredictBatchEnd(b, l)); }
  override onTrainBegin(l?: Logs): HookResult { return this.each((c) => c.onTrainBegin(l)); }
  override onTrainEnd(l?: Logs): HookResult { return this.each((c) => c.onTrainEnd(l)); }
  override onTestBegin(l?: Logs): HookResult { return this.each((c) => c.onTestBegin(l)); }
  override onTestEnd(l?: Logs): HookResult { return this.each((c) => c.onTestEnd(l)); }
  override onPredictBegin(l?: Logs): HookResult { return this.each((c) => c.onPredictBegin(l)); }
  override onPredictEnd(l?: Logs): HookResult { return this.each((c) => c.onPredictEnd(l)); }
}
