/**
 * Keras's losses, in function form (`categoricalCrossentropy(yTrue, yPred)`: one value per sample)
 * and class form (`new CategoricalCrossentropy({fromLogits: true})`: reduced over the batch).
 * Crossentropies on logits go through `logSoftmax` / `logSigmoid`; on probabilities they clip to
 * `[epsilon, 1 - epsilon]` as Keras does.
 */
import {hostCheck} from '../autodiff/engine.js';
import {epsilon} from '../config.js';
import {ValueError} from '../errors.js';
import * as ops from '../ops/index.js';
import {checkAxis, toFloat, toTensor} from '../ops/core.js';
import {setMask} from '../layers/layer.js';
import {registerKerasSerializable} from '../serialization.js';
import type {Tensor} from '../tensor/tensor.js';
import {Loss, pyShape, squeezeOrExpandToSameRank, type LossArgs} from './loss.js';

type T = Tensor;

function floatPair(yTrue: ops.TensorLike, yPred: ops.TensorLike): [T, T] {
  const yp = toFloat(toTensor(yPred, 'y_pred', 'loss'));
  const yt = toTensor(yTrue, 'y_true', 'loss', yp.dtype);
  return [yt, yp];
}

function sameRankPair(yTrue: ops.TensorLike, yPred: ops.TensorLike): [T, T] {
  const [yt, yp] = floatPair(yTrue, yPred);
  return squeezeOrExpandToSameRank(yt, yp);
}

// --- regression -------------------------------------------------------------------------------

/** `mean(square(yTrue - yPred), axis=-1)`. */
export function meanSquaredError(yTrue: ops.TensorLike, yPred: ops.TensorLike): T {
  const [yt, yp] = sameRankPair(yTrue, yPred);
  return ops.mean(ops.square(ops.subtract(yt, yp)), -1);
}

/** `mean(abs(yTrue - yPred), axis=-1)`. */
export function meanAbsoluteError(yTrue: ops.TensorLike, yPred: ops.TensorLike): T {
  const [yt, yp] = sameRankPair(yTrue, yPred);
  return ops.mean(ops.abs(ops.subtract(yt, yp)), -1);
}

/** `100 * mean(abs((yTrue - yPred) / max(abs(yTrue), epsilon)), axis=-1)`. */
export function meanAbsolutePercentageError(yTrue: ops.TensorLike, yPred: ops.TensorLike): T {
  const [yt, yp] = sameRankPair(yTrue, yPred);
  const diff = ops.abs(ops.divide(ops.subtract(yt, yp), ops.maximum(ops.abs(yt), epsilon())));
  return ops.multiply(ops.mean(diff, -1), 100);
}

/** `mean(square(log(max(yPred, eps) + 1) - log(max(yTrue, eps) + 1)), axis=-1)`. */
export function meanSquaredLogarithmicError(yTrue: ops.TensorLike, yPred: ops.TensorLike): T {
  const [yt, yp] = sameRankPair(yTrue, yPred);
  const first = ops.log(ops.add(ops.maximum(yp, epsilon()), 1));
  const second = ops.log(ops.add(ops.maximum(yt, epsilon()), 1));
  return ops.mean(ops.square(ops.subtract(first, second)), -1);
}

/** L2-normalizes along `axis` (Keras's `ops.normalize`: `x * min(rsqrt(sum(x^2)), 1 / epsilon)`). */
export function l2Normalize(x: T, axis = -1): T {
  const sq = ops.sum(ops.square(x), axis, true);
  return ops.multiply(x, ops.minimum(ops.rsqrt(sq), 1 / epsilon()));
}

/** `-sum(l2Normalize(yTrue) * l2Normalize(yPred), axis)`: -1 for identical directions. */
export function cosineSimilarity(yTrue: ops.TensorLike, yPred: ops.TensorLike, {axis = -1}: {axis?: number} = {}): T {
  const [yt, yp] = sameRankPair(yTrue, yPred);
  return ops.negative(ops.sum(ops.multiply(l2Normalize(yt, axis), l2Normalize(yp, axis)), axis));
}

/** Quadratic for `|error| <= delta`, linear beyond: `mean(0.5 e^2 | delta |e| - 0.5 delta^2, axis=-1)`. */
export function huber(yTrue: ops.TensorLike, yPred: ops.TensorLike, {delta = 1.0}: {delta?: number} = {}): T {
  const [yt, yp] = sameRankPair(yTrue, yPred);
  const error = ops.subtract(yp, yt);
  const absError = ops.abs(error);
  const quadratic = ops.multiply(ops.square(error), 0.5);
  const linear = ops.subtract(ops.multiply(absError, delta), 0.5 * delta * delta);
  return ops.mean(ops.where(ops.lessEqual(absError, delta), quadratic, linear), -1);
}

/** `mean(log(cosh(yPred - yTrue)), axis=-1)`, as `x + softplus(-2x) - log(2)` (stable for large |x|). */
export function logCosh(yTrue: ops.TensorLike, yPred: ops.TensorLike): T {
  const [yt, yp] = sameRankPair(yTrue, yPred);
  const x = ops.subtract(yp, yt);
  return ops.mean(ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2))), Math.log(2)), -1);
}

// --- probabilistic ----------------------------------------------------------------------------

/** `sum(yTrue * log(yTrue / yPred), axis=-1)`, both clipped to `[epsilon, 1]`. */
export function klDivergence(yTrue: ops.TensorLike, yPred: ops.TensorLike): T {
  let [yt, yp] = floatPair(yTrue, yPred);
  yt = ops.clip(yt, epsilon(), 1);
  yp = ops.clip(yp, epsilon(), 1);
  return ops.sum(ops.multiply(yt, ops.log(ops.divide(yt, yp))), -1);
}

/** `mean(yPred - yTrue * log(yPred + epsilon), axis=-1)`. */
export function poisson(yTrue: ops.TensorLike, yPred: ops.TensorLike): T {
  const [yt, yp] = floatPair(yTrue, yPred);
  return ops.mean(ops.subtract(yp, ops.multiply(yt, ops.log(ops.add(yp, epsilon())))), -1);
}

export interface CrossentropyArgs {
  fromLogits?: boolean;
  labelSmoothing?: number;
  axis?: number;
}

function checkAxisArg(axis: unknown): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    throw new ValueError(`\`axis\` must be of type \`int\`. Received: axis=${String(axis)} of type ${typeof axis}`);
  }
  return axis;
}

/** `log(p)` along `axis` from logits (log-softmax) or from probabilities (normalized, clipped). */
function logProbabilities(output: T, fromLogits: boolean, axis: number): T {
  if (fromLogits) return ops.logSoftmax(output, axis);
  const eps = epsilon();
  const p = ops.divide(output, ops.sum(output, axis, true));
  return ops.log(ops.clip(p, eps, 1 - eps));
}

/** Crossentropy between one-hot (or soft) labels and predicted class probabilities (or logits). */
export function categoricalCrossentropy(yTrue: ops.TensorLike, yPred: ops.TensorLike, args: CrossentropyArgs = {}): T {
  const axis = checkAxisArg(args.axis ?? -1);
  let [yt, yp] = floatPair(yTrue, yPred);
  if (yt.rank !== yp.rank || yt.shape.some((d, i) => d !== yp.shape[i])) {
    throw new ValueError(
      `Arguments \`target\` and \`output\` must have the same shape. Received: target.shape=${pyShape(yt.shape)}, output.shape=${pyShape(yp.shape)}`,
    );
  }
  if (yp.rank < 1) {
    throw new ValueError(`Arguments \`target\` and \`output\` must be at least rank 1. Received: target.shape=${pyShape(yt.shape)}, output.shape=${pyShape(yp.shape)}`);
  }
  const a = checkAxis(axis, yp.rank, 'categorical_crossentropy', yp.shape);
  if (yp.shape[a] === 1) {
    console.warn(
      `In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, num_classes) with num_classes > 1. Received: y_pred.shape=${pyShape(yp.shape)}. Consider using 'binary_crossentropy' if you only have 2 classes.`,
    );
  }
  const ls = args.labelSmoothing ?? 0;
  if (ls) yt = ops.add(ops.multiply(yt, 1 - ls), ls / yp.shape[a]!);
  return ops.negative(ops.sum(ops.multiply(yt, logProbabilities(yp, args.fromLogits ?? false, a)), a));
}

export interface SparseCrossentropyArgs {
  fromLogits?: boolean;
  ignoreClass?: number | null;
  axis?: number;
}

/** Crossentropy between integer labels `[batch]` (or `[batch, 1]`) and class probabilities (or logits). */
export function sparseCategoricalCrossentropy(yTrue: ops.TensorLike, yPred: ops.TensorLike, args: SparseCrossentropyArgs = {}): T {
  const axis = args.axis ?? -1;
  const yp = toFloat(toTensor(yPred, 'y_pred', 'sparse_categorical_crossentropy'));
  let yt = toTensor(yTrue, 'y_true', 'sparse_categorical_crossentropy');
  if (yt.rank === yp.rank && yt.shape[yt.rank - 1] === 1) yt = ops.squeeze(yt, -1);
  if (yp.rank < 1) throw new ValueError(`Argument \`output\` must be at least rank 1. Received: output.shape=${pyShape(yp.shape)}`);
  if (yt.rank !== yp.rank - 1 || yt.shape.some((d, i) => d !== yp.shape[i])) {
    throw new ValueError(
      `Arguments \`target\` and \`output\` must have the same shape up until the last dimension: target.shape=${pyShape(yt.shape)}, output.shape=${pyShape(yp.shape)}`,
    );
  }
  const numClasses = yp.shape[yp.rank - 1]!;
  let labels = yt.dtype === 'int32' ? yt : ops.cast(ops.round(toFloat(yt)), 'int32');
  // a compiled step reruns the check on each batch's labels
  hostCheck(labels, (t) => checkLabelRange(t, numClasses, args.ignoreClass ?? null));
  let valid: T | null = null;
  let pred = yp;
  if (args.ignoreClass !== undefined && args.ignoreClass !== null) {
    valid = ops.notEqual(labels, args.ignoreClass);
    labels = ops.where(valid, labels, 0);
    pred = ops.where(ops.expandDims(valid, -1), yp, 0);
  }
  const target = ops.oneHot(labels, numClasses, {dtype: pred.dtype});
  let res = ops.negative(ops.sum(ops.multiply(target, logProbabilities(pred, args.fromLogits ?? false, axis)), axis));
  if (valid) {
    res = ops.where(valid, res, 0);
    setMask(res, valid); // the reduction then averages over the valid samples only, as Keras
  }
  return res;
}

/**
 * A sparse label outside `[0, numClasses)` would select no class (a one-hot row of zeros, loss 0):
 * refused with TensorFlow's message, which names the value and the range.
 */
function checkLabelRange(labels: T, numClasses: number, ignoreClass: number | null): void {
  const v = labels.values;
  for (let i = 0; i < v.length; i++) {
    const l = v[i]!;
    if ((l < 0 || l >= numClasses) && l !== ignoreClass) {
      const shown = Array.from(v.subarray(0, 20)).join(' ') + (v.length > 20 ? ' ...' : '');
      throw new ValueError(`Received a label value of ${l} which is outside the valid range of [0, ${numClasses}).  Label values: ${shown}`);
    }
  }
}

/** Elementwise binary crossentropy (before the mean over the last axis). */
function binaryCrossentropyElementwise(target: T, output: T, fromLogits: boolean): T {
  if (target.rank !== output.rank || target.shape.some((d, i) => d !== output.shape[i])) {
    throw new ValueError(
      `Arguments \`target\` and \`output\` must have the same shape. Received: target.shape=${pyShape(target.shape)}, output.shape=${pyShape(output.shape)}`,
    );
  }
  if (fromLogits) {
    // -t log(sigmoid(x)) - (1 - t) log(sigmoid(-x)), written with logSigmoid so large |x| stays finite
    return ops.negative(ops.add(ops.multiply(target, ops.logSigmoid(output)), ops.multiply(ops.subtract(1, target), ops.logSigmoid(ops.negative(output)))));
  }
  const eps = epsilon();
  const p = ops.clip(output, eps, 1 - eps);
  return ops.negative(ops.add(ops.multiply(target, ops.log(p)), ops.multiply(ops.subtract(1, target), ops.log(ops.subtract(1, p)))));
}

/** `mean(binary crossentropy, axis)`; labels smoothed towards 0.5. */
export function binaryCrossentropy(yTrue: ops.TensorLike, yPred: ops.TensorLike, args: CrossentropyArgs = {}): T {
  let [yt, yp] = floatPair(yTrue, yPred);
  const ls = args.labelSmoothing ?? 0;
  if (ls) yt = ops.add(ops.multiply(yt, 1 - ls), 0.5 * ls);
  return ops.mean(binaryCrossentropyElementwise(yt, yp, args.fromLogits ?? false), args.axis ?? -1);
}

export interface BinaryFocalArgs extends CrossentropyArgs {
  applyClassBalancing?: boolean;
  alpha?: number;
  gamma?: number;
}

/** Binary crossentropy scaled by `(1 - p_t)^gamma` (and `alpha` weights with class balancing). */
export function binaryFocalCrossentropy(yTrue: ops.TensorLike, yPred: ops.TensorLike, args: BinaryFocalArgs = {}): T {
  const {applyClassBalancing = false, alpha = 0.25, gamma = 2.0, fromLogits = false, labelSmoothing = 0, axis = -1} = args;
  let [yt, yp] = floatPair(yTrue, yPred);
  if (labelSmoothing) yt = ops.add(ops.multiply(yt, 1 - labelSmoothing), 0.5 * labelSmoothing);
  if (fromLogits) yp = ops.sigmoid(yp);
  const bce = binaryCrossentropyElementwise(yt, yp, false);
  const pT = ops.add(ops.multiply(yt, yp), ops.multiply(ops.subtract(1, yt), ops.subtract(1, yp)));
  let focal = ops.multiply(ops.power(ops.subtract(1, pT), gamma), bce);
  if (applyClassBalancing) focal = ops.multiply(ops.add(ops.multiply(yt, alpha), ops.multiply(ops.subtract(1, yt), 1 - alpha)), focal);
  return ops.mean(focal, axis);
}

export interface CategoricalFocalArgs extends CrossentropyArgs {
  alpha?: number;
  gamma?: number;
}

/** Categorical crossentropy scaled by `alpha * (1 - p)^gamma` per class. */
export function categoricalFocalCrossentropy(yTrue: ops.TensorLike, yPred: ops.TensorLike, args: CategoricalFocalArgs = {}): T {
  const {alpha = 0.25, gamma = 2.0, fromLogits = false, labelSmoothing = 0} = args;
  const axis = checkAxisArg(args.axis ?? -1);
  let [yt, yp] = floatPair(yTrue, yPred);
  const a = checkAxis(axis, yp.rank, 'categorical_focal_crossentropy', yp.shape);
  if (labelSmoothing) yt = ops.add(ops.multiply(yt, 1 - labelSmoothing), labelSmoothing / yp.shape[a]!);
  if (fromLogits) yp = ops.softmax(yp, a);
  const eps = epsilon();
  const output = ops.clip(ops.divide(yp, ops.sum(yp, a, true)), eps, 1 - eps);
  const cce = ops.multiply(ops.negative(yt), ops.log(output));
  const weighting = ops.multiply(ops.power(ops.subtract(1, output), gamma), alpha);
  return ops.sum(ops.multiply(weighting, cce), a);
}

// --- hinge --------------------------------------------------------------------------------------

/** Labels in {0, 1} become {-1, 1}; other labels are used as given (Keras's check). */
function toHingeLabels(yTrue: T): T {
  const v = yTrue.values;
  for (let i = 0; i < v.length; i++) if (v[i] !== 0 && v[i] !== 1) return yTrue;
  return ops.subtract(ops.multiply(yTrue, 2), 1);
}

/** `mean(max(1 - yTrue * yPred, 0), axis=-1)`, labels -1/1 (0/1 converted). */
export function hinge(yTrue: ops.TensorLike, yPred: ops.TensorLike): T {
  const [yt, yp] = floatPair(yTrue, yPred);
  return ops.mean(ops.maximum(ops.subtract(1, ops.multiply(toHingeLabels(yt), yp)), 0), -1);
}

/** `mean(square(max(1 - yTrue * yPred, 0)), axis=-1)`. */
export function squaredHinge(yTrue: ops.TensorLike, yPred: ops.TensorLike): T {
  const [yt, yp] = floatPair(yTrue, yPred);
  return ops.mean(ops.square(ops.maximum(ops.subtract(1, ops.multiply(toHingeLabels(yt), yp)), 0)), -1);
}

/** `max(neg - pos + 1, 0)` with `pos = sum(yTrue * yPred)`, `neg = max((1 - yTrue) * yPred)`. */
export function categoricalHinge(yTrue: ops.TensorLike, yPred: ops.TensorLike): T {
  const [yt, yp] = floatPair(yTrue, yPred);
  const pos = ops.sum(ops.multiply(yt, yp), -1);
  const neg = ops.max(ops.multiply(ops.subtract(1, yt), yp), -1);
  return ops.maximum(ops.add(ops.subtract(neg, pos), 1), 0);
}

// --- classes ------------------------------------------------------------------------------------

export type LossFn = (yTrue: T, yPred: T, kwargs?: any) => T;

/** A loss from a per-sample function and its keyword arguments (Keras's `LossFunctionWrapper`). */
export class LossFunctionWrapper extends Loss {
  static override readonly className: string = 'LossFunctionWrapper';
  readonly fn: LossFn;
  readonly fnKwargs: Record<string, unknown>;
  constructor(fn: LossFn, args: LossArgs & Record<string, unknown> = {}) {
    const {name, reduction, dtype, ...kwargs} = args;
    super({name: name ?? fnName(fn), reduction, dtype});
    this.fn = fn;
    this.fnKwargs = kwargs;
  }
  call(yTrue: T, yPred: T): T {
    const [yt, yp] = squeezeOrExpandToSameRank(yTrue, yPred);
    return this.fn(yt, yp, this.fnKwargs);
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), ...this.fnKwargs};
  }
}

const FN_NAMES = new Map<LossFn, string>();
/** The Keras (snake_case) name of a loss function: `categorical_crossentropy`. */
export function fnName(fn: LossFn): string {
  return FN_NAMES.get(fn) ?? (fn.name ? fn.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase() : 'loss');
}

function lossClass(className: string, fn: LossFn, defaultName: string, defaults: Record<string, unknown> = {}) {
  FN_NAMES.set(fn, defaultName);
  const kwargNames = Object.keys(defaults);
  const cls = class extends LossFunctionWrapper {
    static override readonly className = className;
    constructor(args: LossArgs & Record<string, unknown> = {}) {
      const extra = Object.keys(args).filter((k) => !['name', 'reduction', 'dtype', ...kwargNames].includes(k));
      if (extra.length) throw new ValueError(`${className}: argument(s) not recognized: ${extra.join(', ')}`);
      super(fn, {name: defaultName, ...defaults, ...args});
      for (const k of kwargNames) (this as Record<string, unknown>)[k] = this.fnKwargs[k];
    }
  };
  Object.defineProperty(cls, 'name', {value: className});
  registerKerasSerializable(cls, {pkg: 'keras.losses'});
  return cls;
}

export const MeanSquaredError = lossClass('MeanSquaredError', meanSquaredError, 'mean_squared_error');
export const MeanAbsoluteError = lossClass('MeanAbsoluteError', meanAbsoluteError, 'mean_absolute_error');
export const MeanAbsolutePercentageError = lossClass('MeanAbsolutePercentageError', meanAbsolutePercentageError, 'mean_absolute_percentage_error');
export const MeanSquaredLogarithmicError = lossClass('MeanSquaredLogarithmicError', meanSquaredLogarithmicError, 'mean_squared_logarithmic_error');
export const CosineSimilarity = lossClass('CosineSimilarity', cosineSimilarity as LossFn, 'cosine_similarity', {axis: -1});
export const Huber = lossClass('Huber', huber as LossFn, 'huber_loss', {delta: 1.0});
export const LogCosh = lossClass('LogCosh', logCosh, 'log_cosh');
export const Hinge = lossClass('Hinge', hinge, 'hinge');
export const SquaredHinge = lossClass('SquaredHinge', squaredHinge, 'squared_hinge');
export const CategoricalHinge = lossClass('CategoricalHinge', categoricalHinge, 'categorical_hinge');
export const KLDivergence = lossClass('KLDivergence', klDivergence, 'kl_divergence');
export const Poisson = lossClass('Poisson', poisson, 'poisson');
const XENT = {fromLogits: false, labelSmoothing: 0, axis: -1};
export const BinaryCrossentropy = lossClass('BinaryCrossentropy', binaryCrossentropy as LossFn, 'binary_crossentropy', XENT);
export const BinaryFocalCrossentropy = lossClass('BinaryFocalCrossentropy', binaryFocalCrossentropy as LossFn, 'binary_focal_crossentropy', {
  applyClassBalancing: false, alpha: 0.25, gamma: 2.0, ...XENT,
});
export const CategoricalCrossentropy = lossClass('CategoricalCrossentropy', categoricalCrossentropy as LossFn, 'categorical_crossentropy', XENT);
export const CategoricalFocalCrossentropy = lossClass('CategoricalFocalCrossentropy', categoricalFocalCrossentropy as LossFn, 'categorical_focal_crossentropy', {
  alpha: 0.25, gamma: 2.0, ...XENT,
});
export const SparseCategoricalCrossentropy = lossClass('SparseCategoricalCrossentropy', sparseCategoricalCrossentropy as LossFn, 'sparse_categorical_crossentropy', {
  fromLogits: false, ignoreClass: null, axis: -1,
});

/** Options of the class forms that take keyword arguments (all optional). */
export type LossClassArgs = LossArgs & CrossentropyArgs & BinaryFocalArgs & SparseCrossentropyArgs & {delta?: number};
