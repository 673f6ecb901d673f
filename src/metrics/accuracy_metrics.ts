/**
 * Accuracy metrics: `Accuracy`, `BinaryAccuracy`, `CategoricalAccuracy`, `SparseCategoricalAccuracy`,
 * `TopKCategoricalAccuracy`, `SparseTopKCategoricalAccuracy` — each the mean of a per-sample 0/1 match,
 * computed as Keras computes it.
 */
import {floatx} from '../config.js';
import {squeezeOrExpandToSameRank} from '../losses/loss.js';
import * as ops from '../ops/index.js';
import {toFloat, toTensor} from '../ops/core.js';
import {registerKerasSerializable} from '../serialization.js';
import type {DType} from '../tensor/dtype.js';
import {Tensor} from '../tensor/tensor.js';
import {MeanMetricWrapper, type MetricArgs} from './metric.js';

type T = Tensor;
const fx = () => floatx() as DType;

function pred(yPred: ops.TensorLike): T {
  return toFloat(toTensor(yPred, 'y_pred', 'accuracy'));
}

/** `yTrue == yPred`, elementwise. */
export function accuracy(yTrue: ops.TensorLike, yPred: ops.TensorLike): T {
  const yp = pred(yPred);
  const [yt, p] = squeezeOrExpandToSameRank(toTensor(yTrue, 'y_true', 'accuracy', yp.dtype), yp);
  return ops.cast(ops.equal(yt, p), fx());
}

/** `yTrue == (yPred > threshold)`, elementwise. */
export function binaryAccuracy(yTrue: ops.TensorLike, yPred: ops.TensorLike, {threshold = 0.5}: {threshold?: number} = {}): T {
  const yp0 = pred(yPred);
  let yt = toTensor(yTrue, 'y_true', 'binary_accuracy');
  let yp: T;
  [yt, yp] = squeezeOrExpandToSameRank(yt, yp0);
  const p = ops.cast(ops.greater(yp, threshold), yt.dtype);
  return ops.cast(ops.equal(yt, p), fx());
}

/** `argmax(yTrue) == argmax(yPred)` per sample (one-hot labels). */
export function categoricalAccuracy(yTrue: ops.TensorLike, yPred: ops.TensorLike): T {
  const yp = pred(yPred);
  const yt = ops.argmax(toTensor(yTrue, 'y_true', 'categorical_accuracy'), -1);
  return ops.cast(ops.equal(yt, ops.argmax(yp, -1)), fx());
}

/** `yTrue == argmax(yPred)` per sample (integer labels, `[batch]` or `[batch, 1]`). */
export function sparseCategoricalAccuracy(yTrue: ops.TensorLike, yPred: ops.TensorLike): T {
  const yp = pred(yPred);
  let yt = toTensor(yTrue, 'y_true', 'sparse_categorical_accuracy', yp.dtype);
  const orig = yt.shape;
  let reshape = false;
  if (yt.rank === yp.rank && yt.shape[yt.rank - 1] === 1) {
    yt = ops.squeeze(yt, -1);
    reshape = true;
  }
  const p = ops.cast(ops.argmax(yp, -1), yt.dtype);
  let matches = ops.cast(ops.equal(yt, p), fx());
  if (reshape) matches = ops.reshape(matches, orig);
  if (matches.rank > 1 && matches.shape[matches.rank - 1] === 1) matches = ops.squeeze(matches, -1);
  return matches;
}

/** Whether `targets[i]` is among the `k` largest of `predictions[i]` (ties resolved as TF's `in_top_k`: a tie at the k-th value counts). */
export function inTopK(targets: T, predictions: T, k: number): T {
  const [n, c] = [predictions.shape[0]!, predictions.shape[1]!];
  const p = predictions.values, t = targets.values;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const target = t[i]!;
    if (target < 0 || target >= c) continue;
    const v = p[i * c + target]!;
    if (!Number.isFinite(v)) continue;
    let larger = 0;
    for (let j = 0; j < c; j++) if (p[i * c + j]! > v) larger++;
    out[i] = larger < k ? 1 : 0;
  }
  return new Tensor([n], 'bool', out);
}

function topKMatches(yt: T, yp: T, k: number): T {
  const orig = yt.shape;
  if (yp.rank > 2) yp = ops.reshape(yp, [-1, yp.shape[yp.rank - 1]!]);
  const reshape = yt.rank > 1;
  if (reshape) yt = ops.reshape(yt, [-1]);
  let m = ops.cast(inTopK(ops.cast(yt, 'int32'), yp, k), fx());
  if (reshape) m = ops.reshape(m, orig);
  return m;
}

/** Whether the true class (one-hot) is among the top `k` predictions. */
export function topKCategoricalAccuracy(yTrue: ops.TensorLike, yPred: ops.TensorLike, {k = 5}: {k?: number} = {}): T {
  const yp = pred(yPred);
  return topKMatches(ops.argmax(toTensor(yTrue, 'y_true', 'top_k_categorical_accuracy', yp.dtype), -1), yp, k);
}

/** Whether the true class (integer label) is among the top `k` predictions. */
export function sparseTopKCategoricalAccuracy(yTrue: ops.TensorLike, yPred: ops.TensorLike, {k = 5}: {k?: number} = {}): T {
  const yp = pred(yPred);
  let yt = toTensor(yTrue, 'y_true', 'sparse_top_k_categorical_accuracy');
  if (yt.dtype !== 'int32') yt = ops.cast(yt, 'int32');
  return topKMatches(yt, yp, k);
}

export class Accuracy extends MeanMetricWrapper {
  static override readonly className: string = 'Accuracy';
  constructor(args: MetricArgs = {}) {
    super(accuracy, {name: 'accuracy', ...args});
    this.direction = 'up';
  }
  override getConfig(): Record<string, unknown> {
    return {name: this.name, dtype: this.dtype};
  }
}

export class BinaryAccuracy extends MeanMetricWrapper {
  static override readonly className: string = 'BinaryAccuracy';
  readonly threshold: number;
  constructor(args: MetricArgs & {threshold?: number} = {}) {
    const {threshold = 0.5, ...rest} = args;
    super(binaryAccuracy, {name: 'binary_accuracy', ...rest, threshold});
    this.threshold = threshold;
    this.direction = 'up';
  }
  override getConfig(): Record<string, unknown> {
    return {name: this.name, dtype: this.dtype, threshold: this.threshold};
  }
}

export class CategoricalAccuracy extends MeanMetricWrapper {
  static override readonly className: string = 'CategoricalAccuracy';
  constructor(args: MetricArgs = {}) {
    super(categoricalAccuracy, {name: 'categorical_accuracy', ...args});
    this.direction = 'up';
  }
  override getConfig(): Record<string, unknown> {
    return {name: this.name, dtype: this.dtype};
  }
}

export class SparseCategoricalAccuracy extends MeanMetricWrapper {
  static override readonly className: string = 'SparseCategoricalAccuracy';
  constructor(args: MetricArgs = {}) {
    super(sparseCategoricalAccuracy, {name: 'sparse_categorical_accuracy', ...args});
    this.direction = 'up';
  }
  override getConfig(): Record<string, unknown> {
    return {name: this.name, dtype: this.dtype};
  }
}

export class TopKCategoricalAccuracy extends MeanMetricWrapper {
  static override readonly className: string = 'TopKCategoricalAccuracy';
  readonly k: number;
  constructor(args: MetricArgs & {k?: number} = {}) {
    const {k = 5, ...rest} = args;
    super(topKCategoricalAccuracy, {name: 'top_k_categorical_accuracy', ...rest, k});
    this.k = k;
    this.direction = 'up';
  }
  override getConfig(): Record<string, unknown> {
    return {name: this.name, dtype: this.dtype, k: this.k};
  }
}

export class SparseTopKCategoricalAccuracy extends MeanMetricWrapper {
  static override readonly className: string = 'SparseTopKCategoricalAccuracy';
  readonly k: number;
  constructor(args: MetricArgs & {k?: number} = {}) {
    const {k = 5, ...rest} = args;
    super(sparseTopKCategoricalAccuracy, {name: 'sparse_top_k_categorical_accuracy', ...rest, k});
    this.k = k;
    this.direction = 'up';
  }
  override getConfig(): Record<string, unknown> {
    return {name: this.name, dtype: this.dtype, k: this.k};
  }
}

for (const c of [Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy]) {
  registerKerasSerializable(c, {pkg: 'keras.metrics'});
}
