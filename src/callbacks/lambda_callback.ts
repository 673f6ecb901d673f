import {Callback, type Logs} from './callback.js';

type Hook<A extends unknown[]> = (...args: A) => void;
export interface LambdaCallbackArgs {
  onEpochBegin?: Hook<[number, Logs?]>;
  onEpochEnd?: Hook<[number, Logs?]>;
  onTrainBegin?: Hook<[Logs?]>;
  onTrainEnd?: Hook<[Logs?]>;
  onTrainBatchBegin?: Hook<[number, Logs?]>;
  onTrainBatchEnd?: Hook<[number, Logs?]>;
}

/** A callback from plain functions: `new LambdaCallback({onEpochEnd: (epoch, logs) => ...})`. */
export class LambdaCallback extends Callback {
  constructor(hooks: LambdaCallbackArgs = {}) {
    super();
    for (const [k, fn] of Object.entries(hooks)) if (fn) Object.assign(this, {[k]: fn});
  }
}
