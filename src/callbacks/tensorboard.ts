/**
 * `keras.callbacks.TensorBoard`: writes what Keras 3's callback writes, in TensorBoard's event
 * format, without TensorFlow: `logDir/train/` and `logDir/validation/` runs, one event file each.
 *
 * ```ts
 * await model.fit(x, y, {epochs: 5, validationData: [xv, yv], callbacks: [new TensorBoard('./logs', {histogramFreq: 1})]});
 * // then: tensorboard --logdir ./logs
 * ```
 *
 * - `train/`: the model's config as JSON (`model.toJson()`, tag `keras`, plugin
 *   `graph_keras_model`, step 0) when `writeGraph`; `epoch_<metric>` and `epoch_learning_rate`
 *   per epoch; `batch_<metric>` every `updateFreq` batches (`'batch'` is 1);
 *   `<weight path>/histogram` (and `/image` with `writeImages`) every `histogramFreq` epochs;
 *   `epoch_steps_per_second` / `batch_steps_per_second` with `writeStepsPerSecond`.
 * - `validation/`: `epoch_<metric>` from the `val_` logs, and `evaluation_<metric>_vs_iterations`
 *   at the end of each evaluation, at step `optimizer.iterations`.
 *
 * - `train/plugins/profile/<run>/<host>.trace.json.gz` with `profileBatch` (a batch, or a range
 *   `[start, stop]` of the global training batches, counted from 1 as Keras): every kernel those
 *   batches ran, its name and time span, as Chrome trace events (TensorBoard's profile plugin, trace
 *   viewer; also `chrome://tracing` and Perfetto), one row per kernel beside one row of the batches.
 *
 * Not done (accepted, validated and documented): `embeddingsFreq` / `embeddingsMetadata` (the
 * projector reads TensorFlow checkpoints). Keras's `record_if` also applies the batch condition to the epoch scalars when
 * `updateFreq` is a number; here epoch scalars are always written.
 *
 * Events are buffered and appended whole at each epoch's end and at the end of training (or past
 * 1 MB), so a crash leaves every complete record readable.
 */
import type {Variable} from '../autodiff/variable.js';
import {setKernelListener, type KernelListener} from '../backends/kernel_trace.js';
import {backendName} from '../backends/registry.js';
import {ValueError} from '../errors.js';
import {encodePng} from '../utils/png.js';
import {gzipSync, hostname, join, mkdirSync, writeFileSync} from '../platform/index.js';
import {Callback, type CallbackModel, type Logs} from './callback.js';
import {EventFileWriter, histogramValue, imageValue, scalarValue, stringValue, type SummaryValue} from './tfevents.js';

export interface TensorBoardArgs {
  /** Where the runs go (default `logs`). */
  logDir?: string;
  /** Every this many epochs, weight histograms (0: never). */
  histogramFreq?: number;
  /** Write the model's Keras config, which TensorBoard's graph plugin draws (default true). */
  writeGraph?: boolean;
  /** With the histograms, weights as images (1-D, 2-D, and 3-D after squeezing). */
  writeImages?: boolean;
  writeStepsPerSecond?: boolean;
  /** `'epoch'` (default), `'batch'`, or every N batches. */
  updateFreq?: 'epoch' | 'batch' | number;
  /**
   * Traces the kernels of these global training batches (1-based; `[start, stop]`, or `"start,stop"`)
   * into `train/plugins/profile/`; 0 (default): none.
   */
  profileBatch?: number | [number, number] | string;
  /** Accepted; the embedding projector is not written. */
  embeddingsFreq?: number;
  embeddingsMetadata?: string | Record<string, string> | null;
}

/** What the callback reads of the model beyond `CallbackModel` (models/ provides it). */
interface TensorBoardModel extends CallbackModel {
  className?: string;
  layers?: {weights: Variable[]}[];
  toJson?(): string;
}

/** One Chrome trace event (`ph: 'X'`, a complete span; `'M'`, metadata naming a row). */
interface TraceEvent {
  ph: 'X' | 'M';
  name: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  args?: Record<string, string | number | boolean>;
}

export class TensorBoard extends Callback {
  readonly logDir: string;
  readonly histogramFreq: number;
  readonly writeGraph: boolean;
  readonly writeImages: boolean;
  readonly writeStepsPerSecond: boolean;
  readonly updateFreq: 'epoch' | number;
  readonly embeddingsFreq: number;
  readonly embeddingsMetadata: string | Record<string, string> | null;
  readonly startBatch: number;
  readonly stopBatch: number;
  private writers: {train?: EventFileWriter; val?: EventFileWriter} = {};
  private globalTrainBatch = 0;
  private globalTestBatch = 0;
  private previousEpochIterations = 0;
  private epochStartTime = 0;
  private batchStartTime = 0;
  /** While `profileBatch` traces: the events so far, the listener it replaced, when it started. */
  private trace: {events: TraceEvent[]; previous: KernelListener | null; origin: number; batchStart: number} | null = null;
  /** The profile files written (`train/plugins/profile/<run>/<host>.trace.json.gz`). */
  readonly profileFiles: string[] = [];

  constructor(logDirOrArgs: string | TensorBoardArgs = {}, args: TensorBoardArgs = {}) {
    super();
    const a = typeof logDirOrArgs === 'string' ? {...args, logDir: logDirOrArgs} : logDirOrArgs;
    this.logDir = String(a.logDir ?? 'logs');
    this.histogramFreq = a.histogramFreq ?? 0;
    this.writeGraph = a.writeGraph ?? true;
    this.writeImages = a.writeImages ?? false;
    this.writeStepsPerSecond = a.writeStepsPerSecond ?? false;
    const uf = a.updateFreq ?? 'epoch';
    if (uf !== 'epoch' && uf !== 'batch' && !(Number.isInteger(uf) && uf > 0)) {
      throw new ValueError(`Unrecognized update_freq: expected "epoch", "batch" or a positive integer. Received: updateFreq=${JSON.stringify(uf)}`);
    }
    this.updateFreq = uf === 'batch' ? 1 : uf;
    if (!(Number.isInteger(this.histogramFreq) && this.histogramFreq >= 0)) {
      throw new ValueError(`histogramFreq must be a non-negative integer. Received: histogramFreq=${a.histogramFreq}`);
    }
    this.embeddingsFreq = a.embeddingsFreq ?? 0;
    this.embeddingsMetadata = a.embeddingsMetadata ?? null;
    [this.startBatch, this.stopBatch] = parseProfileBatch(a.profileBatch ?? 0);
  }

  private get trainDir(): string {
    return join(this.logDir, 'train');
  }
  private get valDir(): string {
    return join(this.logDir, 'validation');
  }
  /** Created on first use, as Keras's, so runs without validation have no `validation/` folder. */
  private get trainWriter(): EventFileWriter {
    return (this.writers.train ??= new EventFileWriter(this.trainDir));
  }
  private get valWriter(): EventFileWriter {
    return (this.writers.val ??= new EventFileWriter(this.valDir));
  }
  /** The event files written so far (`train`, `validation`). */
  get eventFiles(): {train?: string; validation?: string} {
    return {train: this.writers.train?.path, validation: this.writers.val?.path};
  }

  override setModel(model: CallbackModel): void {
    super.setModel(model);
    this.closeWriters();
    if (this.writeGraph) this.writeKerasModelSummary();
  }

  private get tbModel(): TensorBoardModel {
    return this.model as TensorBoardModel;
  }

  /** Keras's `keras_model_summary('keras', model, step=0)`, for Functional and Sequential models. */
  private writeKerasModelSummary(): void {
    const m = this.tbModel;
    if (m.className !== 'Functional' && m.className !== 'Sequential') return;
    let json: string;
    try {
      json = m.toJson!();
    } catch (e) {
      console.warn(`Model failed to serialize as JSON. Ignoring... ${(e as Error).message}`);
      return;
    }
    this.trainWriter.addSummary([stringValue('keras', json, 'graph_keras_model', '1')], 0);
    this.trainWriter.flush();
  }

  override onTrainBegin(): void {
    this.globalTrainBatch = 0;
    this.previousEpochIterations = 0;
  }

  override onTrainEnd(): void {
    this.stopTrace();
    this.closeWriters();
  }

  override onTestEnd(logs: Logs = {}): void {
    const opt = this.model?.optimizer;
    if (!opt) return;
    const step = opt.iterations;
    const values = Object.entries(logs).map(([name, v]) => scalarValue(`evaluation_${name}_vs_iterations`, v));
    if (values.length) this.valWriter.addSummary(values, step);
    // a standalone evaluate() has no epoch end or train end to flush at
    this.writers.val?.flush();
  }

  override onTrainBatchBegin(): void {
    this.globalTrainBatch += 1;
    if (this.writeStepsPerSecond) this.batchStartTime = performance.now();
    if (this.stopBatch > 0 && this.globalTrainBatch === this.startBatch) this.startTrace();
    if (this.trace) this.trace.batchStart = performance.now();
  }

  override onTrainBatchEnd(_batch: number, logs?: Logs): void {
    if (this.trace) {
      const t = this.trace, now = performance.now();
      t.events.push({ph: 'X', name: `train batch ${this.globalTrainBatch}`, pid: 1, tid: 1, ts: (t.batchStart - t.origin) * 1000, dur: (now - t.batchStart) * 1000});
      if (this.globalTrainBatch >= this.stopBatch) this.stopTrace();
    }
    if (this.updateFreq === 'epoch' || this.globalTrainBatch % this.updateFreq !== 0) return;
    const values: SummaryValue[] = [];
    if (this.writeStepsPerSecond) values.push(scalarValue('batch_steps_per_second', 1000 / (performance.now() - this.batchStartTime)));
    for (const [name, v] of Object.entries(logs ?? {})) values.push(scalarValue(`batch_${name}`, v));
    if (values.length) this.trainWriter.addSummary(values, this.globalTrainBatch);
  }

  override onTestBatchBegin(): void {
    this.globalTestBatch += 1;
  }

  override onEpochBegin(): void {
    if (this.writeStepsPerSecond) {
      this.previousEpochIterations = this.model?.optimizer?.iterations ?? 0;
      this.epochStartTime = performance.now();
    }
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.logEpochMetrics(epoch, logs);
    if (this.histogramFreq && epoch % this.histogramFreq === 0) this.logWeights(epoch);
    this.writers.train?.flush();
    this.writers.val?.flush();
  }

  private logEpochMetrics(epoch: number, logs: Logs): void {
    if (!Object.keys(logs).length) return;
    const train: Logs = {};
    const val: Logs = {};
    for (const [k, v] of Object.entries(logs)) {
      if (k.startsWith('val_')) val[k.slice(4)] = v;
      else train[k] = v;
    }
    const opt = this.model?.optimizer;
    if (opt) train['learning_rate'] = opt.learningRate;
    if (this.writeStepsPerSecond && opt) {
      train['steps_per_second'] = (opt.iterations - this.previousEpochIterations) / ((performance.now() - this.epochStartTime) / 1000);
    }
    const asValues = (l: Logs) => Object.entries(l).map(([name, v]) => scalarValue(`epoch_${name}`, v));
    if (Object.keys(train).length) this.trainWriter.addSummary(asValues(train), epoch);
    if (Object.keys(val).length) this.valWriter.addSummary(asValues(val), epoch);
  }

  /** Every weight of every layer: `<path>/histogram`, and `<path>/image` with `writeImages`. */
  private logWeights(epoch: number): void {
    const values: SummaryValue[] = [];
    for (const layer of this.tbModel.layers ?? []) {
      for (const w of layer.weights) {
        const name = w.path.replace(/:/g, '_');
        const data = w.dataSync();
        values.push(histogramValue(`${name}/histogram`, data));
        if (this.writeImages) {
          const img = weightAsImages(data, w.shape);
          if (img) values.push(imageValue(`${name}/image`, img.width, img.height, img.pngs));
        }
      }
    }
    if (values.length) this.trainWriter.addSummary(values, epoch);
    this.trainWriter.flush();
  }

  /** Starts recording every kernel run (Keras's `_start_trace`). */
  private startTrace(): void {
    const events: TraceEvent[] = [
      {ph: 'M', name: 'process_name', pid: 1, tid: 0, args: {name: `keras-ts (${backendName()} backend)`}},
      {ph: 'M', name: 'thread_name', pid: 1, tid: 1, args: {name: 'training batches'}},
      {ph: 'M', name: 'thread_name', pid: 1, tid: 2, args: {name: 'kernels'}},
    ];
    const origin = performance.now();
    const listener: KernelListener = (name, start, end, fellBack) => {
      events.push({ph: 'X', name, pid: 1, tid: 2, ts: (start - origin) * 1000, dur: (end - start) * 1000, args: {fellBack}});
    };
    this.trace = {events, previous: setKernelListener(listener), origin, batchStart: origin};
  }

  /** Stops recording and writes the trace (Keras's `_stop_trace`); nothing when not tracing. */
  private stopTrace(): void {
    const t = this.trace;
    if (!t) return;
    this.trace = null;
    setKernelListener(t.previous);
    const d = new Date();
    const p2 = (n: number) => String(n).padStart(2, '0');
    // the profiler's run name: the time the trace was written, as TensorFlow names it
    const run = `${d.getFullYear()}_${p2(d.getMonth() + 1)}_${p2(d.getDate())}_${p2(d.getHours())}_${p2(d.getMinutes())}_${p2(d.getSeconds())}`;
    const dir = join(this.trainDir, 'plugins', 'profile', run);
    mkdirSync(dir, {recursive: true});
    const path = join(dir, `${hostname()}.trace.json.gz`);
    writeFileSync(path, gzipSync(new TextEncoder().encode(JSON.stringify({displayTimeUnit: 'ms', traceEvents: t.events}))));
    this.profileFiles.push(path);
  }

  private closeWriters(): void {
    this.writers.train?.close();
    this.writers.val?.close();
    this.writers = {};
  }
}

/** Keras's `_init_profile_batch`: an integer, a pair, or `"start,stop"`; returns `[start, stop]`. */
function parseProfileBatch(p: number | [number, number] | string): [number, number] {
  const message = `profile_batch must be a non-negative integer or 2-tuple of positive integers. A pair of positive integers signifies a range of batches to profile. Found: ${JSON.stringify(p)}`;
  let v: unknown = p;
  if (typeof p === 'string') {
    const parts = p.split(',').map((s) => Number(s.trim()));
    v = parts.length === 1 ? parts[0] : parts;
  }
  let start: number;
  let stop: number;
  if (typeof v === 'number' && Number.isInteger(v)) start = stop = v;
  else if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x))) [start, stop] = v as [number, number];
  else throw new ValueError(message);
  if (start < 0 || stop < start) throw new ValueError(message);
  return [start, stop];
}

/**
 * Keras's `_log_weight_as_image`: squeeze the weight; a vector becomes a 1 x n image, a matrix an
 * image (transposed when taller than wide), a 3-D kernel (channels last) one image per last-axis
 * slice; anything else is skipped. Pixels as `tf.image.convert_image_dtype(w, uint8, saturate)`:
 * `trunc(clip(w * 255.5, 0, 255))`; TensorBoard's `max_outputs=3` images are encoded.
 */
export function weightAsImages(data: ArrayLike<number>, shape: readonly number[]): {width: number; height: number; pngs: Uint8Array[]} | null {
  const s = shape.filter((d) => d !== 1);
  const px = (v: number) => Math.trunc(Math.min(255, Math.max(0, v * 255.5)));
  let images: number; // [n, h, w]
  let h: number;
  let w: number;
  let at: (n: number, y: number, x: number) => number;
  if (s.length === 1) {
    [images, h, w] = [1, s[0]!, 1];
    at = (_n, y) => data[y]!;
  } else if (s.length === 2) {
    const [r, c] = s as [number, number];
    if (r > c) {
      [images, h, w] = [1, c, r];
      at = (_n, y, x) => data[x * c + y]!;
    } else {
      [images, h, w] = [1, r, c];
      at = (_n, y, x) => data[y * c + x]!;
    }
  } else if (s.length === 3) {
    const [a, b, c] = s as [number, number, number];
    [images, h, w] = [c, a, b];
    at = (n, y, x) => data[(y * b + x) * c + n]!;
  } else return null;
  const pngs: Uint8Array[] = [];
  for (let n = 0; n < Math.min(images, 3); n++) {
    const pix = new Uint8Array(h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pix[y * w + x] = px(at(n, y, x));
    pngs.push(encodePng(w, h, 1, pix));
  }
  return {width: w, height: h, pngs};
}
