/**
 * Metrics from confusion-matrix counts at thresholds: `TruePositives`, `TrueNegatives`,
 * `FalsePositives`, `FalseNegatives`, `Precision`, `Recall` and `AUC` (ROC or PR, 200 thresholds,
 * interpolated as Keras 3). The counts are accumulated on the host: `pred > threshold` per element,
 * which is what Keras's bucketed fast path computes too.
 */
import type {Variable} from '../autodiff/variable.js';
import {noGrad} from '../autodiff/engine.js';
import {epsilon} from '../config.js';
import {ValueError} from '../errors.js';
import {squeezeOrExpandToSameRank} from '../losses/loss.js';
import * as ops from '../ops/index.js';
import {toTensor} from '../ops/core.js';
import {registerKerasSerializable} from '../serialization.js';
import {tensor, Tensor} from '../tensor/tensor.js';
import {Metric, type MetricArgs} from './metric.js';

const NEG_INF = -1e10;

export type ConfusionKey = 'tp' | 'fp' | 'tn' | 'fn';

function parseInitThresholds(thresholds: number | number[] | null | undefined, defaultThreshold = 0.5): number[] {
  if (thresholds !== null && thresholds !== undefined) {
    const list = Array.isArray(thresholds) ? thresholds : [thresholds];
    const bad = list.filter((t) => t === null || t < 0 || t > 1);
    if (bad.length) throw new ValueError(`Threshold values must be in [0, 1]. Received: ${JSON.stringify(bad)}`);
    return list;
  }
  return [defaultThreshold];
}

/** Keeps each row's `k` largest values and sets the others to -1e10 (Keras's `_filter_top_k`). */
function filterTopK(x: Float64Array, rows: number, cols: number, k: number): void {
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
    const order = row.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const keep = new Set(order.slice(0, k).map((p) => p[1]));
    for (let c = 0; c < cols; c++) if (!keep.has(c)) x[r * cols + c] = NEG_INF;
  }
}

export interface ConfusionUpdateArgs {
  thresholds: number[];
  topK?: number | null;
  classId?: number | null;
  sampleWeight?: ops.TensorLike | null;
  multiLabel?: boolean;
  labelWeights?: ArrayLike<number> | null;
}

/**
 * Adds the counts of one batch to `vars` (shape `[thresholds]`, or `[thresholds, labels]` with
 * `multiLabel`), as Keras's `update_confusion_matrix_variables`.
 */
export function updateConfusionMatrixVariables(
  vars: Partial<Record<ConfusionKey, Variable>>,
  yTrue: ops.TensorLike,
  yPred: ops.TensorLike,
  {thresholds, topK = null, classId = null, sampleWeight = null, multiLabel = false, labelWeights = null}: ConfusionUpdateArgs,
): void {
  noGrad(() => {
    let yp = ops.cast(toTensor(yPred, 'y_pred', 'confusion_matrix'), 'float64');
    let yt = ops.cast(toTensor(yTrue, 'y_true', 'confusion_matrix'), 'float64');
    [yp, yt] = squeezeOrExpandToSameRank(yp, yt);
    let sw: Tensor | null = null;
    if (sampleWeight !== null && sampleWeight !== undefined) {
      sw = ops.expandDims(ops.cast(toTensor(sampleWeight, 'sample_weight', 'confusion_matrix'), 'float64'), -1);
      [, sw] = squeezeOrExpandToSameRank(yt, sw, false);
    }
    if (yt.shape.length !== yp.shape.length || yt.shape.some((d, i) => d !== yp.shape[i])) {
      throw new ValueError(`Shapes of y_true ${JSON.stringify(yt.shape)} and y_pred ${JSON.stringify(yp.shape)} are incompatible`);
    }
    if (sw) sw = ops.broadcastTo(sw, yp.shape);
    const cols = yp.rank === 0 ? 1 : yp.shape[yp.rank - 1]!;
    const p = Float64Array.from(yp.values);
    const rows = p.length / Math.max(cols, 1);
    if (topK !== null && topK !== undefined) filterTopK(p, rows, cols, topK);
    let preds: Float64Array = p, labels: ArrayLike<number> = yt.values, weights: ArrayLike<number> | null = sw ? sw.values : null;
    let width = cols; // entries per "label" column for multi-label
    if (classId !== null && classId !== undefined) {
      if (yp.rank <= 1) {
        throw new ValueError(`When class_id is provided, y_pred must be a 2D array with shape (num_samples, num_classes), found shape: ${JSON.stringify(yp.shape)}`);
      }
      const pick = (a: ArrayLike<number>) => Float64Array.from({length: rows}, (_, r) => a[r * cols + classId]!);
      preds = pick(preds);
      labels = pick(labels);
      if (weights) weights = pick(weights);
      width = 1;
    }
    const n = preds.length;
    const numLabels = multiLabel ? width : 1;
    const T = thresholds.length;
    const acc: Record<ConfusionKey, Float64Array> = {
      tp: new Float64Array(T * numLabels), fp: new Float64Array(T * numLabels),
      tn: new Float64Array(T * numLabels), fn: new Float64Array(T * numLabels),
    };
    for (let i = 0; i < n; i++) {
      const label = i % width;
      let w = weights ? weights[i]! : 1;
      if (labelWeights && !multiLabel) w *= labelWeights[label]!;
      const pos = labels[i] !== 0;
      const v = preds[i]!;
      const col = multiLabel ? label : 0;
      for (let t = 0; t < T; t++) {
        const predPos = v > thresholds[t]!;
        const key: ConfusionKey = pos ? (predPos ? 'tp' : 'fn') : predPos ? 'fp' : 'tn';
        acc[key][t * numLabels + col]! += w;
      }
    }
    for (const key of Object.keys(vars) as ConfusionKey[]) {
      const v = vars[key]!;
      v.assign(ops.add(v.value, tensor(acc[key], v.shape, 'float64')));
    }
  });
}

function divNoNan(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  return Float64Array.from({length: a.length}, (_, i) => (b[i] === 0 ? 0 : a[i]! / b[i]!));
}

abstract class ConfusionMatrixConditionCount extends Metric {
  readonly initThresholds: number | number[] | null;
  readonly thresholds: number[];
  readonly accumulator: Variable;
  constructor(private readonly cond: ConfusionKey, args: MetricArgs & {thresholds?: number | number[] | null}) {
    super(args);
    this.initThresholds = args.thresholds ?? null;
    this.thresholds = parseInitThresholds(args.thresholds, 0.5);
    this.accumulator = this.addVariable([this.thresholds.length], {name: 'accumulator'});
  }
  updateState(yTrue: ops.TensorLike, yPred: ops.TensorLike, sampleWeight: ops.TensorLike | null = null): void {
    updateConfusionMatrixVariables({[this.cond]: this.accumulator}, yTrue, yPred, {thresholds: this.thresholds, sampleWeight});
  }
  result(): Tensor {
    return this.thresholds.length === 1 ? ops.reshape(ops.slice(this.accumulator.value, [0], [1]), []) : this.accumulator.value;
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), thresholds: this.initThresholds};
  }
}

type CountArgs = MetricArgs & {thresholds?: number | number[] | null};
export class TruePositives extends ConfusionMatrixConditionCount {
  static override readonly className: string = 'TruePositives';
  constructor(args: CountArgs = {}) {
    super('tp', args);
  }
}
export class TrueNegatives extends ConfusionMatrixConditionCount {
  static override readonly className: string = 'TrueNegatives';
  constructor(args: CountArgs = {}) {
    super('tn', args);
  }
}
export class FalsePositives extends ConfusionMatrixConditionCount {
  static override readonly className: string = 'FalsePositives';
  constructor(args: CountArgs = {}) {
    super('fp', args);
  }
}
export class FalseNegatives extends ConfusionMatrixConditionCount {
  static override readonly className: string = 'FalseNegatives';
  constructor(args: CountArgs = {}) {
    super('fn', args);
  }
}

export interface PrecisionRecallArgs extends MetricArgs {
  thresholds?: number | number[] | null;
  topK?: number | null;
  classId?: number | null;
}

abstract class PrecisionRecallBase extends Metric {
  readonly initThresholds: number | number[] | null;
  readonly thresholds: number[];
  readonly topK: number | null;
  readonly classId: number | null;
  readonly truePositives: Variable;
  readonly other: Variable;
  constructor(private readonly otherKey: 'fp' | 'fn', args: PrecisionRecallArgs) {
    super(args);
    this.direction = 'up';
    this.initThresholds = args.thresholds ?? null;
    this.topK = args.topK ?? null;
    this.classId = args.classId ?? null;
    this.thresholds = parseInitThresholds(args.thresholds, this.topK === null ? 0.5 : NEG_INF);
    this.truePositives = this.addVariable([this.thresholds.length], {name: 'true_positives'});
    this.other = this.addVariable([this.thresholds.length], {name: otherKey === 'fp' ? 'false_positives' : 'false_negatives'});
  }
  updateState(yTrue: ops.TensorLike, yPred: ops.TensorLike, sampleWeight: ops.TensorLike | null = null): void {
    updateConfusionMatrixVariables({tp: this.truePositives, [this.otherKey]: this.other}, yTrue, yPred, {
      thresholds: this.thresholds, topK: this.topK, classId: this.classId, sampleWeight,
    });
  }
  result(): Tensor {
    const tp = this.truePositives.value.values;
    const o = this.other.value.values;
    const r = divNoNan(tp, Float64Array.from(tp, (x, i) => x + o[i]!));
    return this.thresholds.length === 1 ? tensor(r[0]!, [], this.dtype) : tensor(r, [r.length], this.dtype);
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), thresholds: this.initThresholds, topK: this.topK, classId: this.classId};
  }
}

/** `tp / (tp + fp)` at `thresholds` (default 0.5), optionally over the top-k classes or one class. */
export class Precision extends PrecisionRecallBase {
  static override readonly className: string = 'Precision';
  constructor(args: PrecisionRecallArgs = {}) {
    super('fp', args);
  }
  get falsePositives(): Variable {
    return this.other;
  }
}

/** `tp / (tp + fn)` at `thresholds` (default 0.5). */
export class Recall extends PrecisionRecallBase {
  static override readonly className: string = 'Recall';
  constructor(args: PrecisionRecallArgs = {}) {
    super('fn', args);
  }
  get falseNegatives(): Variable {
    return this.other;
  }
}

export interface AUCArgs extends MetricArgs {
  numThresholds?: number;
  curve?: 'ROC' | 'PR' | 'roc' | 'pr';
  summationMethod?: 'interpolation' | 'majoring' | 'minoring';
  thresholds?: number[] | null;
  multiLabel?: boolean;
  numLabels?: number | null;
  labelWeights?: number[] | null;
  fromLogits?: boolean;
}

/**
 * Area under the ROC or PR curve from counts at `numThresholds` thresholds (default 200, evenly
 * spaced in [0, 1] with the ends pushed out by epsilon), Riemann sums with interpolation as Keras;
 * PR with interpolation uses Davis & Goadrich's interpolation (Keras's `interpolate_pr_auc`).
 */
export class AUC extends Metric {
  static override readonly className: string = 'AUC';
  readonly numThresholds: number;
  readonly curve: 'ROC' | 'PR';
  readonly summationMethod: 'interpolation' | 'majoring' | 'minoring';
  readonly multiLabel: boolean;
  readonly numLabels: number | null;
  readonly labelWeights: number[] | null;
  readonly fromLogits: boolean;
  private readonly initFromThresholds: boolean;
  private readonly _thresholds: number[];
  private vars: Record<ConfusionKey, Variable> | null = null;

  constructor(args: AUCArgs = {}) {
    super(args);
    this.direction = 'up';
    const curve = (args.curve ?? 'ROC').toUpperCase();
    if (curve !== 'ROC' && curve !== 'PR') {
      throw new ValueError(`Invalid AUC curve value: "${args.curve}". Expected values are ["PR", "ROC", "PRGAIN"]`);
    }
    this.curve = curve;
    const sm = (args.summationMethod ?? 'interpolation').toLowerCase();
    if (!['interpolation', 'majoring', 'minoring'].includes(sm)) {
      throw new ValueError(`Invalid AUC summation method value: "${args.summationMethod}". Expected values are ["interpolation", "majoring", "minoring"]`);
    }
    this.summationMethod = sm as AUC['summationMethod'];
    this.initFromThresholds = args.thresholds !== null && args.thresholds !== undefined;
    let inner: number[];
    if (this.initFromThresholds) {
      inner = [...args.thresholds!].sort((a, b) => a - b);
      this.numThresholds = inner.length + 2;
    } else {
      const n = args.numThresholds ?? 200;
      if (n <= 1) throw new ValueError(`Argument \`num_thresholds\` must be an integer > 1. Received: num_thresholds=${n}`);
      this.numThresholds = n;
      inner = Array.from({length: n - 2}, (_, i) => (i + 1) / (n - 1));
    }
    this._thresholds = [0 - epsilon(), ...inner, 1 + epsilon()];
    this.multiLabel = args.multiLabel ?? false;
    this.numLabels = args.numLabels ?? null;
    this.labelWeights = args.labelWeights ?? null;
    this.fromLogits = args.fromLogits ?? false;
    if (this.multiLabel) {
      if (this.numLabels) this.build(this.numLabels);
    } else {
      if (this.numLabels) throw new ValueError('`num_labels` is needed only when `multi_label` is True.');
      this.build(null);
    }
  }

  get thresholds(): number[] {
    return [...this._thresholds];
  }

  private build(numLabels: number | null): void {
    const shape = numLabels === null ? [this.numThresholds] : [this.numThresholds, numLabels];
    this.vars = {
      tp: this.addVariable(shape, {name: 'true_positives'}),
      fp: this.addVariable(shape, {name: 'false_positives'}),
      tn: this.addVariable(shape, {name: 'true_negatives'}),
      fn: this.addVariable(shape, {name: 'false_negatives'}),
    };
  }

  get truePositives(): Variable | undefined {
    return this.vars?.tp;
  }

  updateState(yTrue: ops.TensorLike, yPred: ops.TensorLike, sampleWeight: ops.TensorLike | null = null): void {
    let yp = toTensor(yPred, 'y_pred', this.name);
    if (!this.vars) {
      if (yp.rank !== 2) {
        throw new ValueError(`\`y_pred\` must have rank 2 when \`multi_label=True\`. Found rank ${yp.rank}. Full shape received for \`y_pred\`: ${JSON.stringify(yp.shape)}`);
      }
      this.build(yp.shape[1]!);
    }
    if (this.fromLogits) yp = noGrad(() => ops.sigmoid(yp));
    updateConfusionMatrixVariables(this.vars!, yTrue, yp, {
      thresholds: this._thresholds, sampleWeight, multiLabel: this.multiLabel, labelWeights: this.multiLabel ? null : this.labelWeights,
    });
  }

  result(): Tensor {
    if (!this.vars) return tensor(0, [], this.dtype);
    const L = this.multiLabel ? this.vars.tp.shape[1]! : 1;
    const N = this.numThresholds;
    const get = (k: ConfusionKey) => this.vars![k].value.values;
    const tp = get('tp'), fp = get('fp'), tn = get('tn'), fn = get('fn');
    const byLabel: number[] = [];
    for (let l = 0; l < L; l++) {
      const at = (a: ArrayLike<number>, i: number) => a[i * L + l]!;
      let total = 0;
      if (this.curve === 'PR' && this.summationMethod === 'interpolation') {
        for (let i = 0; i < N - 1; i++) {
          const dtp = at(tp, i) - at(tp, i + 1);
          const p0 = at(tp, i) + at(fp, i), p1 = at(tp, i + 1) + at(fp, i + 1);
          const dp = p0 - p1;
          const dpPos = Math.max(dp, 0);
          const precSlope = dpPos === 0 ? 0 : dtp / dpPos;
          const intercept = at(tp, i + 1) - precSlope * p1;
          const p1Pos = Math.max(p1, 0);
          const safeRatio = p0 > 0 && p1 > 0 ? (p1Pos === 0 ? 0 : p0 / p1Pos) : 1;
          const denom = Math.max(at(tp, i + 1) + at(fn, i + 1), 0);
          const num = precSlope * (dtp + intercept * Math.log(safeRatio));
          total += denom === 0 ? 0 : num / denom;
        }
      } else {
        const div = (a: number, b: number) => (b === 0 ? 0 : a / b);
        const recall = (i: number) => div(at(tp, i), at(tp, i) + at(fn, i));
        const x = (i: number) => (this.curve === 'ROC' ? div(at(fp, i), at(fp, i) + at(tn, i)) : recall(i));
        const y = (i: number) => (this.curve === 'ROC' ? recall(i) : div(at(tp, i), at(tp, i) + at(fp, i)));
        for (let i = 0; i < N - 1; i++) {
          const h = this.summationMethod === 'interpolation' ? (y(i) + y(i + 1)) / 2 : this.summationMethod === 'minoring' ? Math.min(y(i), y(i + 1)) : Math.max(y(i), y(i + 1));
          total += (x(i) - x(i + 1)) * h;
        }
      }
      byLabel.push(total);
    }
    let r: number;
    if (!this.multiLabel) r = byLabel[0]!;
    else if (!this.labelWeights) r = byLabel.reduce((a, b) => a + b, 0) / L;
    else {
      const sw = this.labelWeights.reduce((a, b) => a + b, 0);
      r = sw === 0 ? 0 : byLabel.reduce((a, b, i) => a + b * this.labelWeights![i]!, 0) / sw;
    }
    return tensor(r, [], this.dtype);
  }

  override resetState(): void {
    if (this.vars) super.resetState();
  }

  override getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...super.getConfig(),
      numThresholds: this.numThresholds,
      curve: this.curve,
      summationMethod: this.summationMethod,
      multiLabel: this.multiLabel,
      numLabels: this.numLabels,
      labelWeights: this.labelWeights,
      fromLogits: this.fromLogits,
    };
    if (this.initFromThresholds) c['thresholds'] = this._thresholds.slice(1, -1);
    return c;
  }
}

for (const c of [TruePositives, TrueNegatives, FalsePositives, FalseNegatives, Precision, Recall, AUC]) {
  registerKerasSerializable(c, {pkg: 'keras.metrics'});
}
