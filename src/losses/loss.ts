/**
 * The `Loss` base (Keras 3's `keras.losses.Loss`): `call(yTrue, yPred)` returns one value per sample;
 * `apply(yTrue, yPred, sampleWeight)` (Python's `loss(y_true, y_pred)`) weights, masks and reduces them.
 *
 * ```ts
 * const cce = new CategoricalCrossentropy({fromLogits: true});
 * const value = cce.apply(yTrue, logits); // scalar, 'sum_over_batch_size'
 * ```
 */
import {floatx} from '../config.js';
import {ValueError} from '../errors.js';
import {getMask, uniqueName} from '../layers/layer.js';
import {toSnakeCase} from '../serialization.js';
import * as ops from '../ops/index.js';
import {toTensor} from '../ops/core.js';
import type {DType} from '../tensor/dtype.js';
import {Tensor} from '../tensor/tensor.js';

export type Reduction = 'sum_over_batch_size' | 'sum' | 'none' | 'mean' | 'mean_with_sample_weight' | null;
const REDUCTIONS = ['sum_over_batch_size', 'sum', null, 'none', 'mean', 'mean_with_sample_weight'];

export interface LossArgs {
  name?: string;
  reduction?: Reduction;
  dtype?: DType;
}

export function standardizeReduction(reduction: unknown): Reduction {
  if (!REDUCTIONS.includes(reduction as string | null)) {
    throw new ValueError(
      `Invalid value for argument \`reduction\`. Expected one of {'sum_over_batch_size', 'sum', None, 'none', 'mean', 'mean_with_sample_weight'}. Received: reduction=${JSON.stringify(reduction)}`,
    );
  }
  return reduction as Reduction;
}

/** Shapes as Python prints tuples, for messages that match Keras's: `(2, 3)`, `(3,)`. */
export function pyShape(shape: readonly (number | null)[]): string {
  const s = shape.map((d) => (d === null ? 'None' : String(d)));
  return s.length === 1 ? `(${s[0]},)` : `(${s.join(', ')})`;
}

/**
 * Makes two tensors the same rank by squeezing or expanding a last axis of length 1 (Keras's
 * `squeeze_or_expand_to_same_rank`).
 */
export function squeezeOrExpandToSameRank(x1: Tensor, x2: Tensor, expandRank1 = true): [Tensor, Tensor] {
  const r1 = x1.rank, r2 = x2.rank;
  if (r1 === r2) return [x1, x2];
  if (r1 === r2 + 1 && x1.shape[r1 - 1] === 1) {
    if (r2 === 1 && expandRank1) x2 = ops.expandDims(x2, -1);
    else x1 = ops.squeeze(x1, -1);
  }
  if (r2 === r1 + 1 && x2.shape[r2 - 1] === 1) {
    if (r1 === 1 && expandRank1) x1 = ops.expandDims(x1, -1);
    else x2 = ops.squeeze(x2, -1);
  }
  return [x1, x2];
}

/** `sum / count`, 0 where the count is 0 (`ops.divide_no_nan`). */
function divideNoNan(a: Tensor, b: Tensor | number): Tensor {
  // a count known on the host (the batch's size): the division alone, the same values in 1 kernel instead of 5
  if (typeof b === 'number') return b === 0 ? ops.zerosLike(a) : ops.divide(a, ops.convertToTensor(b, a.dtype));
  const bt = b;
  const safe = ops.where(ops.equal(bt, 0), 1, bt);
  return ops.where(ops.equal(bt, 0), 0, ops.divide(a, safe));
}

/** Reduces per-sample values: `sum`, or `sum / number of values` for the mean reductions. */
function reduceValues(values: Tensor, sampleWeight: Tensor | null, reduction: Reduction): Tensor {
  if (reduction === null || reduction === 'none' || values.rank === 0 || (values.rank === 1 && values.shape[0] === 0)) return values;
  const loss = ops.sum(values);
  if (reduction === 'sum') return loss;
  const divisor = reduction === 'mean_with_sample_weight' && sampleWeight ? ops.cast(ops.sum(sampleWeight), loss.dtype) : values.size;
  return divideNoNan(loss, divisor);
}

/** Turns a mask into weights; for mean reductions valid entries weigh `total / valid` so the mean is over them. */
export function applyMask(sampleWeight: Tensor | null, mask: Tensor | null, dtype: DType, reduction: Reduction): Tensor | null {
  if (!mask) return sampleWeight;
  let floatMask: Tensor;
  if (reduction === 'mean' || reduction === 'sum_over_batch_size') {
    const valid = ops.sum(ops.cast(mask, dtype));
    const w = divideNoNan(ops.convertToTensor(mask.size, dtype), valid);
    floatMask = ops.where(ops.cast(mask, 'bool'), w, 0);
  } else {
    floatMask = ops.cast(mask, dtype);
  }
  if (!sampleWeight) return floatMask;
  const [m, sw] = squeezeOrExpandToSameRank(floatMask, ops.cast(sampleWeight, dtype));
  return ops.multiply(sw, m);
}

/** Weights, masks and reduces per-sample loss values, as Keras's `reduce_weighted_values`. */
export function reduceWeightedValues(
  values: Tensor,
  {sampleWeight = null, mask = null, reduction = 'sum_over_batch_size', dtype}: {sampleWeight?: Tensor | null; mask?: Tensor | null; reduction?: Reduction; dtype?: DType} = {},
): Tensor {
  standardizeReduction(reduction);
  let v = dtype && values.dtype !== dtype ? ops.cast(values, dtype) : values;
  let sw = applyMask(sampleWeight, mask, v.dtype, reduction);
  if (sw) {
    sw = ops.cast(sw, v.dtype);
    [v, sw] = squeezeOrExpandToSameRank(v, sw);
    v = ops.multiply(v, sw);
  }
  return reduceValues(v, sw, reduction);
}

export abstract class Loss {
  static readonly className: string = 'Loss';
  name: string;
  reduction: Reduction;
  readonly dtype: DType;

  constructor({name, reduction = 'sum_over_batch_size', dtype}: LossArgs = {}) {
    this.name = name ?? uniqueName(toSnakeCase((this.constructor as typeof Loss).className));
    this.reduction = standardizeReduction(reduction);
    this.dtype = dtype ?? (floatx() as DType);
  }

  get className(): string {
    return (this.constructor as typeof Loss).className;
  }

  /** Per-sample losses (reduced over the last axis, not over the batch). */
  abstract call(yTrue: Tensor, yPred: Tensor): Tensor;

  /** The reduced loss, as Python's `loss(y_true, y_pred, sample_weight=None)`. */
  apply(yTrue: ops.TensorLike, yPred: ops.TensorLike, sampleWeight?: ops.TensorLike | null): Tensor {
    const inMask = yPred instanceof Tensor ? getMask(yPred) : null;
    const yp = toTensor(yPred, 'y_pred', this.name, this.dtype);
    const yt = toTensor(yTrue, 'y_true', this.name, this.dtype);
    const losses = this.call(yt, yp);
    const outMask = getMask(losses);
    const mask = inMask && outMask ? ops.logicalAnd(inMask, outMask) : inMask ?? outMask;
    const sw = sampleWeight === undefined || sampleWeight === null ? null : toTensor(sampleWeight, 'sample_weight', this.name, this.dtype);
    return reduceWeightedValues(losses, {sampleWeight: sw, mask, reduction: this.reduction, dtype: this.dtype});
  }

  getConfig(): Record<string, unknown> {
    return {name: this.name, reduction: this.reduction};
  }

  static fromConfig<T extends Loss>(this: new (config: Record<string, unknown>) => T, config: Record<string, unknown>): T {
    return new this(config);
  }
}
