/**
 * `Model`: a layer with a training loop (`compile`, `fit`, `evaluate`, `predict`), `summary()` and
 * weight access. Subclass it and implement `call`, use `Sequential`, or — once the functional API is
 * loaded — `new Model({inputs, outputs})` (the functional module installs itself with
 * `setFunctionalInit`).
 *
 * ```ts
 * const model = new Sequential([new Dense(10, {activation: 'softmax', inputShape: [784]})]);
 * model.compile({optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy']});
 * const history = await model.fit(x, y, {epochs: 5, batchSize: 128});
 * ```
 */
import type {Variable} from '../autodiff/variable.js';
import type {History} from '../callbacks/history.js';
import {ValueError} from '../errors.js';
import {Layer, type LayerArgs, type ShapeLike} from '../layers/layer.js';
import type {Metric} from '../metrics/metric.js';
import type {Optimizer} from '../optimizers/optimizer.js';
import * as saving from '../saving/saving_lib.js';
import type {Tensor} from '../tensor/tensor.js';
import * as trainer from '../trainers/trainer.js';
import {sliceRows, type Data, type StepData, type StepTensors} from '../trainers/data_adapter.js';
import {isStream, type Stream} from '../trainers/epoch_iterator.js';

/** An options object in the place of `y` (`fit(stream, {epochs})`): a plain object, not data. */
function isOptions<T extends object>(y: unknown): y is T {
  return typeof y === 'object' && y !== null && !Array.isArray(y) && !ArrayBuffer.isView(y) && Object.getPrototypeOf(y) === Object.prototype;
}
import {noGrad} from '../autodiff/engine.js';
import {formatShape, printSummary, summaryLines, type SummaryArgs, type SummaryModel, type SummaryRow} from '../utils/summary.js';
import {formatCount} from '../utils/summary.js';

export interface ModelArgs extends LayerArgs {
  /** Functional API: the symbolic inputs and outputs (needs models/functional loaded). */
  inputs?: unknown;
  outputs?: unknown;
}

export type FunctionalInit = (model: Model, args: ModelArgs) => void;
let functionalInit: FunctionalInit | null = null;
/** Installed by the functional API: how `new Model({inputs, outputs})` turns into a graph model. */
export function setFunctionalInit(fn: FunctionalInit): void {
  functionalInit = fn;
}

export class Model extends Layer implements trainer.TrainerModel, SummaryModel {
  static override readonly className: string = 'Model';
  stopTraining = false;
  stopEvaluating = false;
  stopPredicting = false;
  history: History | null = null;
  trainerState: trainer.TrainerState | null = null;
  outputNames: string[] | null = null;

  constructor(args: ModelArgs = {}) {
    const {inputs, outputs, ...layerArgs} = args;
    super(layerArgs);
    if (inputs !== undefined || outputs !== undefined) {
      if (!functionalInit) {
        throw new ValueError('new Model({inputs, outputs}) needs the functional API (models/functional) to be loaded');
      }
      // as Keras's Model.__new__: the instance becomes a functional model
      functionalInit(this, args);
    }
  }

  /** Subclasses compute the outputs here; `apply(x, {training})` is how callers run the model. */
  override call(inputs: Tensor | Tensor[], kwargs: {training?: boolean} = {}): Tensor | Tensor[] {
    void [inputs, kwargs];
    throw new ValueError(`Model "${this.name}" has no call(); subclass Model and implement call(inputs, {training})`);
  }

  /** The layers the model tracks, in order (the Sequential's stack; a subclass's fields). */
  get layers(): Layer[] {
    return this.sublayers;
  }

  /** Looks a layer up by name or index, as Keras's `get_layer`. */
  getLayer(nameOrIndex: string | number): Layer {
    const layers = this.layers;
    if (typeof nameOrIndex === 'number') {
      const l = layers[nameOrIndex];
      if (!l) throw new ValueError(`Was asked to retrieve layer at index ${nameOrIndex} but model only has ${layers.length} layers.`);
      return l;
    }
    const l = layers.find((x) => x.name === nameOrIndex);
    if (!l) throw new ValueError(`No such layer: ${nameOrIndex}. Existing layers are: ${JSON.stringify(layers.map((x) => x.name))}.`);
    return l;
  }

  // --- trainer ----------------------------------------------------------------------------------

  get optimizer(): Optimizer | null {
    return this.trainerState?.optimizer ?? null;
  }
  get compiled(): boolean {
    return this.trainerState !== null;
  }
  /** The trainable variables (Keras 3's `trainable_variables`, the same as `trainableWeights`). */
  get trainableVariables(): Variable[] {
    return this.trainableWeights;
  }
  /**
   * The metric objects `fit` resets each epoch and reports: the loss tracker, then the compiled
   * metrics (built before the first step). A subclass with its own trackers overrides this getter.
   */
  get metrics(): Metric[] {
    return trainer.modelMetrics(this);
  }
  get metricsNames(): string[] {
    return this.metrics.map((m) => m.name);
  }

  compile(args: trainer.CompileArgs = {}): void {
    trainer.compile(this, args);
  }
  /** `fit(x, y, args)` over arrays, or `fit(stream, args)` over batches (a stream yields its own `y`). */
  fit(x: Data | Stream, y?: Data | null | trainer.FitArgs, args: trainer.FitArgs = {}): Promise<History> {
    if (isStream(x) && isOptions<trainer.FitArgs>(y)) return trainer.fit(this, x, null, y);
    return trainer.fit(this, x, y as Data | null | undefined, args);
  }
  /** `evaluate(x, y, args)` over arrays, or `evaluate(stream, args)`. */
  evaluate(x: Data | Stream, y?: Data | null | trainer.EvaluateArgs, args: trainer.EvaluateArgs = {}): Promise<number | number[] | Record<string, number>> {
    if (isStream(x) && isOptions<trainer.EvaluateArgs>(y)) return trainer.evaluate(this, x, null, y);
    return trainer.evaluate(this, x, y as Data | null | undefined, args);
  }
  predict(x: Data | Stream, args: trainer.PredictArgs = {}): Promise<Tensor | Tensor[]> {
    return trainer.predict(this, x, args);
  }
  trainOnBatch(x: Data, y?: Data | null, args: Parameters<typeof trainer.trainOnBatch>[3] = {}) {
    return trainer.trainOnBatch(this, x, y, args);
  }
  testOnBatch(x: Data, y?: Data | null, args: Parameters<typeof trainer.testOnBatch>[3] = {}) {
    return trainer.testOnBatch(this, x, y, args);
  }
  predictOnBatch(x: Data): Tensor | Tensor[] {
    return trainer.predictOnBatch(this, x);
  }
  resetMetrics(): void {
    for (const m of this.metrics) m.resetState();
  }

  /**
   * One training step on `data` (`[x]`, `[x, y]` or `[x, y, sampleWeight]`), as Keras 3's
   * `train_step`: override it to change what `fit` does; return the metrics to report.
   */
  trainStep(data: StepData): trainer.StepLogs {
    return trainer.trainStep(this, data);
  }
  /** One evaluation step (Keras's `test_step`). */
  testStep(data: StepData): trainer.StepLogs {
    return trainer.testStep(this, data);
  }
  /** One prediction step (Keras's `predict_step`): the outputs for `data[0]`. */
  predictStep(data: StepData): StepTensors {
    return trainer.predictStep(this, data);
  }
  /** The total loss: compiled losses plus the layers' losses (Keras's `compute_loss`). */
  computeLoss(args: trainer.ComputeLossArgs = {}): Tensor {
    return trainer.computeLoss(this, args);
  }
  /** Updates the compiled metrics and returns every metric's value (Keras's `compute_metrics`). */
  computeMetrics(x: StepTensors | null, y: StepTensors | null, yPred: StepTensors | null, sampleWeight: StepTensors | null = null): trainer.StepLogs {
    void x;
    return trainer.computeMetrics(this, y, yPred, sampleWeight);
  }
  /** Every metric's current value, by name (Keras's `get_metrics_result`). */
  getMetricsResult(): Record<string, number> {
    return trainer.metricsResult(this);
  }

  /** Runs the model on a batch (the trainer's entry): one tensor per input, one per output. */
  forward(x: Tensor[], training: boolean): Tensor[] {
    const out = this.apply(x.length === 1 ? x[0] : x, {training});
    return Array.isArray(out) ? out : [out];
  }

  /**
   * Builds from the first batch if not built: `build` with its shapes (batch unknown), then — for
   * models whose layers create their weights on first call — one inference pass on a row, so the
   * optimizer sees every weight before the first step (Keras's `_symbolic_build`).
   */
  buildFromData(x: Tensor[]): void {
    if (this.built && this.layers.every((l) => l.built)) return;
    const shapes: ShapeLike[] = x.map((t) => [null, ...t.shape.slice(1)]);
    this.maybeBuild(shapes.length === 1 ? shapes[0]! : shapes);
    if (!this.layers.every((l) => l.built)) {
      const rows = x.map((t) => sliceRows(t, 0, Math.min(1, t.shape[0]!)));
      noGrad(() => this.forward(rows, false));
      this.clearCallLosses();
    }
  }

  // --- summary ----------------------------------------------------------------------------------

  summary(args: SummaryArgs = {}): void {
    printSummary(this, args);
  }
  /** The summary as a string (what `summary()` prints). */
  summaryText(args: Omit<SummaryArgs, 'printFn'> = {}): string {
    return summaryLines(this, args).join('\n') + '\n';
  }
  /** The output shape shown for `layer` (Sequential records them; graphs read the layer's node). */
  protected layerOutputShape(layer: Layer): ShapeLike | ShapeLike[] | null {
    try {
      return layer.outputShape;
    } catch {
      return null;
    }
  }
  summaryRows(args: {expandNested?: boolean} = {}): SummaryRow[] {
    void args;
    return this.layers.map((l) => {
      const shape = this.layerOutputShape(l);
      const out =
        shape === null ? '?' : Array.isArray(shape[0]) ? `[${(shape as ShapeLike[]).map((s) => formatShape(s)).join(', ')}]` : formatShape(shape as ShapeLike);
      const params = !l.built ? '0 (unbuilt)' : formatCount(l.countParams());
      return {name: l.name, className: l.className, outputShape: out, params, trainable: l.weights.length ? (l.trainable ? 'Y' : 'N') : '-'};
    });
  }
  summarySequentialLike(): boolean {
    return true;
  }
  summaryOptimizerVariables(): Variable[] | null {
    const o = this.optimizer;
    return o && o.built ? o.variables : null;
  }

  override getConfig(): Record<string, unknown> {
    return {name: this.name, trainable: this.trainable};
  }

  /** Keras's `to_json()`: the model config as Keras 3 writes it (snake_case keys), as JSON text. */
  toJson(): string {
    return saving.modelToJson(this);
  }

  /** The same config as an object, so that `JSON.stringify(model)` gives `toJson()`'s text (not a string in a string). */
  toJSON(): Record<string, unknown> {
    return saving.modelJsonObject(this);
  }

  // --- saving (src/saving) ----------------------------------------------------------------------

  /** Saves the model: `.keras` (default, Keras 3's zip) or legacy `.h5`, written atomically. */
  save(path: string, options: saving.SaveOptions = {}): Promise<void> {
    return saving.saveModel(this, path, options);
  }
  /** Saves the weights in Keras 3's layout to a `.weights.h5` file. */
  saveWeights(path: string, options: {overwrite?: boolean} = {}): Promise<void> {
    return saving.saveWeights(this, path, options);
  }
  /** Loads weights from a `.weights.h5`, a legacy `.h5` (by order or `byName`) or a `.keras` file. */
  loadWeights(source: saving.ModelSource, options: saving.LoadWeightsOptions = {}): Promise<void> {
    return saving.loadWeights(this, source, options);
  }
}

trainer.defaultStepMethods.add(Model.prototype.trainStep);
trainer.defaultStepMethods.add(Model.prototype.testStep);
trainer.defaultStepMethods.add(Model.prototype.predictStep);
trainer.defaultStepMethods.add(Model.prototype.computeMetrics);

