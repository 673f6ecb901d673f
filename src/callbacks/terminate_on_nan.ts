import {Callback, printMsg, type Logs} from './callback.js';

/** Stops training when the loss becomes NaN or infinite (or throws, with `raiseError`). */
export class TerminateOnNaN extends Callback {
  constructor(readonly raiseError = false) {
    super();
  }
  override onBatchEnd(batch: number, logs: Logs = {}): void {
    const loss = logs['loss'];
    if (loss !== undefined && !Number.isFinite(loss)) {
      if (this.raiseError) {
        throw new Error(`NaN or Inf loss encountered at batch ${batch}. Loss value: ${Number.isNaN(loss) ? 'nan' : loss > 0 ? 'inf' : '-inf'}. Terminating training immediately.`);
      }
      printMsg(`Batch ${batch}: Invalid loss, terminating training`);
      this.model!.stopTraining = true;
    }
  }
}
