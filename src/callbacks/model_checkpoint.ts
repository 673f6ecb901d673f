/**
 * `ModelCheckpoint` (Keras 3's `keras.callbacks.ModelCheckpoint`): saves the model or its weights at
 * the end of every epoch (or every `saveFreq` batches), optionally only when `monitor` improved.
 * `filepath` may hold `{epoch}`-style fields filled from the epoch and the logs
 * (`'ckpt-{epoch:02d}-{val_loss:.2f}.keras'`).
 *
 * Each save takes its snapshot of the weights at once and writes the file atomically; the hook
 * returns the write's Promise, so `fit` goes on (and resolves) only once the file is written, and a
 * failed write rejects `fit`. `flush()` waits for writes started outside `fit` (hooks called by hand).
 *
 * ```ts
 * const ckpt = new ModelCheckpoint('best.keras', {monitor: 'val_loss', saveBestOnly: true});
 * await model.fit(x, y, {epochs: 10, validationSplit: 0.2, callbacks: [ckpt]}); // files are written
 * ```
 */
import {isChiefProcess} from '../distribution/state.js';
import {ValueError} from '../errors.js';
import {isSavingModel, saveModel, saveWeights} from '../saving/saving_lib.js';
import {type HookResult, type Logs} from './callback.js';
import {MonitorCallback} from './monitor.js';

export interface ModelCheckpointArgs {
  monitor?: string;
  verbose?: number;
  saveBestOnly?: boolean;
  saveWeightsOnly?: boolean;
  mode?: 'auto' | 'min' | 'max';
  /** `'epoch'` or a number of batches. */
  saveFreq?: 'epoch' | number;
  initialValueThreshold?: number | null;
}

/** Fills `{name}` / `{name:02d}` / `{name:.2f}` fields as Python's `str.format`. */
export function formatFilepath(template: string, values: Record<string, number>): string {
  return template.replace(/\{(\w+)(?::([^}]*))?\}/g, (whole, name: string, spec: string | undefined) => {
    const v = values[name];
    if (v === undefined) throw new ValueError(`Failed to format this callback filepath: "${template}". Reason: no value for "${name}" (logs have: ${Object.keys(values).join(', ')})`);
    if (!spec) return Number.isInteger(v) ? String(v) : String(v);
    const m = /^(0?)(\d*)(?:\.(\d+))?([dfe]?)$/.exec(spec);
    if (!m) return String(v);
    const [, zero, width, prec, type] = m;
    let s = type === 'd' ? String(Math.trunc(v)) : prec !== undefined ? (type === 'e' ? v.toExponential(Number(prec)) : v.toFixed(Number(prec))) : String(v);
    if (width) s = s.padStart(Number(width), zero ? '0' : ' ');
    void whole;
    return s;
  });
}

export class ModelCheckpoint extends MonitorCallback {
  readonly filepath: string;
  readonly verbose: number;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly saveFreq: 'epoch' | number;
  private batchesSinceSave = 0;
  private currentEpoch = 0;
  private readonly writes: Promise<void>[] = [];
  private readonly errors: Error[] = [];

  constructor(filepath: string, args: ModelCheckpointArgs = {}) {
    super(args.monitor ?? 'val_loss', args.mode ?? 'auto', args.initialValueThreshold ?? null);
    this.filepath = filepath;
    this.verbose = args.verbose ?? 0;
    this.saveBestOnly = args.saveBestOnly ?? false;
    this.saveWeightsOnly = args.saveWeightsOnly ?? false;
    this.saveFreq = args.saveFreq ?? 'epoch';
    if (this.saveFreq !== 'epoch' && !(Number.isInteger(this.saveFreq) && this.saveFreq > 0)) {
      throw new ValueError(`Unrecognized save_freq: ${String(this.saveFreq)}. Expected save_freq are 'epoch' or integer values`);
    }
    if (this.saveWeightsOnly) {
      if (!filepath.endsWith('.weights.h5')) {
        throw new ValueError(`When using \`save_weights_only=True\` in \`ModelCheckpoint\`, the filepath provided must end in \`.weights.h5\` (Keras weights format). Received: filepath=${filepath}`);
      }
    } else if (!/\.(keras|h5)$/.test(filepath) || filepath.endsWith('.weights.h5')) {
      throw new ValueError(`The filepath provided must end in \`.keras\` (Keras model format). Received: filepath=${filepath}`);
    }
  }

  override onTrainBegin(): void {
    if (this.saveBestOnly && !this.monitorOp) this.setMonitorOp();
  }

  override onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
  }

  override onTrainBatchEnd(batch: number, logs?: Logs): HookResult {
    if (this.saveFreq === 'epoch') return;
    this.batchesSinceSave++;
    if (this.batchesSinceSave >= this.saveFreq) {
      this.batchesSinceSave = 0;
      return this.save(this.currentEpoch, batch, logs ?? {});
    }
  }

  override onEpochEnd(epoch: number, logs?: Logs): HookResult {
    if (this.saveFreq === 'epoch') return this.save(epoch, null, logs ?? {});
  }

  /** Starts a save when due; returns the Promise of the write (it settles when the file is written). */
  private save(epoch: number, batch: number | null, logs: Logs): HookResult {
    if (!isChiefProcess()) return; // distribution: rank 0 writes the files
    const path = formatFilepath(this.filepath, {...logs, epoch: epoch + 1, ...(batch === null ? {} : {batch})});
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) {
        console.warn(`Can save best model only with ${this.monitor} available, skipping. Available metrics: ${Object.keys(logs).join(', ')}`);
        return;
      }
      if (!this.isImprovement(current, this.best)) {
        if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${this.best}`);
        return;
      }
      if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ${this.monitor} improved from ${this.best} to ${current}, saving model to ${path}`);
      this.best = current;
    } else if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: saving model to ${path}`);
    const model = this.model;
    if (!isSavingModel(model)) throw new ValueError('ModelCheckpoint: the model it was given is not a Keras model (a Layer with layers); it cannot be saved');
    // the snapshot of the weights is taken now, synchronously; the caller (fit) awaits the write
    const p = this.saveWeightsOnly ? saveWeights(model, path) : saveModel(model, path);
    this.writes.push(p.catch((e: Error) => void this.errors.push(e)));
    // the error reaches whoever awaits this Promise (fit); flush() then has nothing left to report
    return this.flush();
  }

  /** Waits for every save started so far; rejects with the first error any of them had (each error once). */
  async flush(): Promise<void> {
    await Promise.all(this.writes.splice(0));
    const e = this.errors.shift();
    if (e) throw e;
  }
}
