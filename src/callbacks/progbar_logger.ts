import {Progbar, type ProgbarArgs} from '../utils/progbar.js';
import {Callback, printMsg, type CallbackParams, type Logs} from './callback.js';

/** Prints the progress bar of `fit` / `evaluate` / `predict` and the `Epoch i/N` headers. */
export class ProgbarLogger extends Callback {
  seen = 0;
  progbar: Progbar | null = null;
  target: number | null = null;
  verbose = 1;
  epochs = 1;
  private calledInFit = false;

  /** Options passed to each `Progbar` (tests inject a writer and a clock). */
  constructor(readonly progbarArgs: ProgbarArgs = {}) {
    super();
  }

  override setParams(params: CallbackParams): void {
    super.setParams(params);
    const v = params.verbose ?? 1;
    this.verbose = v === 'auto' ? 1 : v;
    this.epochs = params.epochs ?? 1;
    this.target = params.steps ?? null;
  }

  private print(msg: string): void {
    if (this.progbarArgs.write) this.progbarArgs.write(msg + '\n');
    else printMsg(msg);
  }

  override onTrainBegin(): void {
    this.calledInFit = true; // validation inside fit is silent
  }
  override onTestBegin(): void {
    if (!this.calledInFit) {
      this.reset();
      this.maybeInit();
    }
  }
  override onPredictBegin(): void {
    this.reset();
    this.maybeInit();
  }
  override onEpochBegin(epoch: number): void {
    this.reset();
    this.maybeInit();
    if (this.verbose && this.epochs > 1) this.print(`Epoch ${epoch + 1}/${this.epochs}`);
  }
  override onTrainBatchEnd(batch: number, logs?: Logs): void {
    this.updateProgbar(batch, logs);
  }
  override onTestBatchEnd(batch: number, logs?: Logs): void {
    if (!this.calledInFit) this.updateProgbar(batch, logs);
  }
  override onPredictBatchEnd(batch: number): void {
    this.updateProgbar(batch, undefined);
  }
  override onEpochEnd(_epoch: number, logs?: Logs): void {
    this.finalize(logs);
  }
  override onTestEnd(logs?: Logs): void {
    if (!this.calledInFit) this.finalize(logs);
  }
  override onPredictEnd(): void {
    this.finalize(undefined);
  }

  private reset(): void {
    this.seen = 0;
    this.progbar = null;
  }
  private maybeInit(): void {
    this.progbar ??= new Progbar(this.target, {verbose: this.verbose, unitName: 'step', statelessMetrics: [], ...this.progbarArgs});
  }
  private updateProgbar(batch: number, logs: Logs = {}): void {
    this.maybeInit();
    this.seen = batch + 1;
    if (this.verbose === 1) this.progbar!.update(this.seen, Object.entries(logs), false);
  }
  private finalize(logs: Logs = {}): void {
    this.maybeInit();
    if (this.target === null) {
      this.target = this.seen;
      this.progbar!.target = this.target;
    }
    this.progbar!.update(this.target, Object.entries(logs), true);
  }
}
