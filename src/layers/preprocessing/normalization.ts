import type {Variable} from '../../autodiff/variable.js';
import {epsilon} from '../../config.js';
import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {fmtShape} from '../../tensor/shape.js';
import {tensor, Tensor, type NestedArray} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';

type Values = number | NestedArray;
/** One batch of `adapt` data: a tensor, nested arrays, a typed array, or `[x, y, ...]` whose `x` is used. */
export type AdaptBatch = Tensor | NestedArray | Float32Array | Float64Array | Int32Array | readonly [Tensor, ...unknown[]];
/** Streamed batches: an iterable, or a `PyDataset`-like object (`length` and `getItem(i)`). */
export type AdaptStream = Iterable<AdaptBatch> | {readonly length: number; getItem(index: number): unknown};

export interface NormalizationArgs extends LayerArgs {
  /** Axes with their own mean and variance (`-1`, the default, the features); null: one scalar for all. */
  axis?: number | number[] | null;
  /** A known mean (with `variance`), instead of `adapt`; broadcast to the kept axes. */
  mean?: Values | null;
  variance?: Values | null;
  /** Undo the normalization: `mean + x * sqrt(variance)`. */
  invert?: boolean;
}

function shapeOfNested(v: Values): number[] {
  const s: number[] = [];
  let x: unknown = v;
  while (Array.isArray(x)) {
    s.push(x.length);
    x = x[0];
  }
  return s;
}

function isStream(d: unknown): d is AdaptStream {
  if (d instanceof Tensor || ArrayBuffer.isView(d)) return false;
  if (Array.isArray(d)) return d.length === 0 || (d[0] instanceof Tensor || (Array.isArray(d[0]) && d[0][0] instanceof Tensor));
  return typeof d === 'object' && d !== null && (Symbol.iterator in d || typeof (d as {getItem?: unknown}).getItem === 'function');
}

function isAsync(d: unknown): d is AsyncIterable<AdaptBatch> {
  return typeof d === 'object' && d !== null && Symbol.asyncIterator in d && !(Symbol.iterator in d);
}

/**
 * Shifts and scales inputs to mean 0 and variance 1 (Keras's `Normalization`):
 * `(x - mean) / max(sqrt(variance), epsilon)`, or with `invert: true` its inverse. `mean` and
 * `variance` are given, or computed by `adapt(data)` over an array or a stream of batches and kept
 * as the non-trainable weights `mean`, `variance` and `count`, as Keras saves them.
 *
 * ```ts
 * const norm = new Normalization({axis: -1});
 * norm.adapt(xTrain);                         // or a generator / PyDataset of batches
 * const model = new Sequential([Input({shape: [8]}), norm, new Dense(1)]);
 * ```
 */
export class Normalization extends Layer {
  static override readonly className: string = 'Normalization';
  readonly axis: number[];
  readonly inputMean: Values | null;
  readonly inputVariance: Values | null;
  readonly invert: boolean;
  adaptMean: Variable | null = null;
  adaptVariance: Variable | null = null;
  count: Variable | null = null;
  private keepAxes: number[] = [];
  private broadcastShape: number[] = [];
  private fixedMean: Tensor | null = null;
  private fixedVariance: Tensor | null = null;

  constructor(args: NormalizationArgs = {}) {
    const {axis = -1, mean = null, variance = null, invert = false, ...rest} = args;
    super(rest);
    const axes = axis === null ? [] : Array.isArray(axis) ? [...axis] : [axis];
    if (!axes.every((a) => Number.isInteger(a))) throw new ValueError(`Normalization: \`axis\` must be an integer, a list of integers or null. Received: axis=${JSON.stringify(axis)}`);
    this.axis = axes;
    this.inputMean = mean;
    this.inputVariance = variance;
    this.invert = Boolean(invert);
    this.supportsMasking = true;
    if ((mean === null) !== (variance === null)) {
      throw new ValueError(`When setting values directly, both \`mean\` and \`variance\` must be set. Received: mean=${JSON.stringify(mean)} and variance=${JSON.stringify(variance)}`);
    }
    if (mean !== null) {
      const ms = shapeOfNested(mean), vs = shapeOfNested(variance!);
      if (fmtShape(ms) !== fmtShape(vs)) {
        throw new ValueError(`When setting values directly, \`mean\` and \`variance\` must have the same shape. Received: mean shape ${fmtShape(ms)} and variance shape ${fmtShape(vs)}`);
      }
      if (ms.length > axes.length) {
        throw new ValueError(`The rank of \`mean\` must be less than or equal to the number of axes (${axes.length}). Received: mean shape ${fmtShape(ms)} for axis ${JSON.stringify(axes)}`);
      }
    }
  }

  override build(inputShape: ShapeLike): void {
    const ndim = inputShape.length;
    if (this.axis.some((a) => a < -ndim || a >= ndim)) {
      throw new ValueError(`All \`axis\` values must be in the range [-ndim, ndim). Received inputs with ndim=${ndim}, while axis=${JSON.stringify(this.axis)}`);
    }
    this.keepAxes = [...new Set(this.axis.map((a) => (a < 0 ? a + ndim : a)))].sort((a, b) => a - b);
    for (const d of this.keepAxes) {
      if (inputShape[d] === null || inputShape[d] === undefined) {
        throw new ValueError(`All \`axis\` values to be kept must have a known shape. Received axis=${JSON.stringify(this.axis)}, inputs.shape=${fmtShape(inputShape)}, with unknown axis at index ${d}`);
      }
    }
    this.broadcastShape = inputShape.map((d, i) => (this.keepAxes.includes(i) ? (d as number) : 1));
    const keptShape = this.keepAxes.map((d) => inputShape[d] as number);
    if (this.inputMean === null) {
      this.adaptMean = this.addWeight({name: 'mean', shape: keptShape, initializer: 'zeros', trainable: false});
      this.adaptVariance = this.addWeight({name: 'variance', shape: keptShape, initializer: 'ones', trainable: false});
      this.count = this.addWeight({name: 'count', shape: [], dtype: 'int32', initializer: 'zeros', trainable: false});
    } else {
      // Keras: a scalar broadcasts everywhere; otherwise its axes align with the kept axes from the right
      const place = (v: Values, what: string): Tensor => {
        const t = tensor(v, undefined, 'float32');
        const expanded = new Array<number>(ndim).fill(1);
        for (let i = 1; i <= t.rank; i++) expanded[this.keepAxes[this.keepAxes.length - i]!] = t.shape[t.rank - i]!;
        try {
          return ops.cast(ops.broadcastTo(ops.reshape(t, expanded), this.broadcastShape), this.dtype);
        } catch {
          throw new ValueError(`Normalization: \`${what}\` of shape ${fmtShape(t.shape)} does not broadcast to the kept axes' shape ${fmtShape(keptShape)}`);
        }
      };
      this.fixedMean = place(this.inputMean, 'mean');
      this.fixedVariance = place(this.inputVariance!, 'variance');
    }
  }

  /**
   * Computes the mean and variance of `data` (Keras's `adapt`): an array or tensor at once, or a
   * stream of batches (an array of tensors, an iterable or generator, a `PyDataset`, each batch
   * possibly `[x, y]`) merged batch by batch; an async iterable returns a promise.
   */
  adapt(data: AsyncIterable<AdaptBatch>): Promise<void>;
  adapt(data: AdaptBatch | AdaptStream): void;
  adapt(data: AdaptBatch | AdaptStream | AsyncIterable<AdaptBatch>): void | Promise<void> {
    if (isAsync(data)) {
      return (async () => {
        const acc = new MomentAccumulator(this);
        for await (const b of data) acc.add(b);
        acc.finish();
      })();
    }
    if (isStream(data)) {
      const acc = new MomentAccumulator(this);
      if (Array.isArray(data) || Symbol.iterator in (data as object)) for (const b of data as Iterable<AdaptBatch>) acc.add(b);
      else {
        const ds = data as {length: number; getItem(i: number): unknown};
        for (let i = 0; i < ds.length; i++) acc.add(ds.getItem(i) as AdaptBatch);
      }
      acc.finish();
      return;
    }
    const acc = new MomentAccumulator(this);
    acc.add(data as AdaptBatch);
    acc.finish();
  }

  /** Builds from the first batch's shape, or checks it against the built shape. @internal */
  prepareAdapt(shape: readonly number[]): {keep: number[]} {
    if (!this.built) this.maybeBuild([...shape]);
    if (this.inputMean !== null) throw new ValueError('Normalization: cannot `adapt` a layer constructed with `mean` and `variance`.');
    const built = this.buildInputShape as ShapeLike;
    for (const d of this.keepAxes) {
      if (shape.length !== built.length || shape[d] !== built[d]) {
        throw new ValueError(`The layer was built with input_shape=${fmtShape(built)}, but adapt() is being called with data with an incompatible shape, data.shape=${fmtShape(shape)}`);
      }
    }
    return {keep: this.keepAxes};
  }

  /** Stores adapted moments (`count` stays 0, as Keras 3 keeps it only for older files). @internal */
  setMoments(mean: Float64Array, variance: Float64Array): void {
    const s = this.adaptMean!.shape;
    this.adaptMean!.assign(tensor(Float32Array.from(mean), s));
    this.adaptVariance!.assign(tensor(Float32Array.from(variance), s));
  }

  override call(inputs: Tensor): Tensor {
    let mean: Tensor, variance: Tensor;
    if (this.fixedMean) {
      mean = this.fixedMean;
      variance = this.fixedVariance!;
    } else {
      mean = ops.cast(ops.reshape(this.adaptMean!.value, this.broadcastShape), this.dtype);
      variance = ops.cast(ops.reshape(this.adaptVariance!.value, this.broadcastShape), this.dtype);
    }
    const x = ops.cast(inputs, this.dtype);
    const std = ops.maximum(ops.sqrt(variance), epsilon());
    return this.invert ? ops.add(mean, ops.multiply(x, std)) : ops.divide(ops.subtract(x, mean), std);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), axis: [...this.axis], invert: this.invert, mean: this.inputMean, variance: this.inputVariance};
  }
}
registerKerasSerializable(Normalization, {pkg: 'keras'});

/** Keras's streaming merge of batch moments (the lack-of-fit sum of squares), in float64. */
class MomentAccumulator {
  private mean: Float64Array | null = null;
  private variance: Float64Array | null = null;
  private total = 0;

  constructor(private readonly layer: Normalization) {}

  add(batch: AdaptBatch): void {
    const x0 = Array.isArray(batch) && batch[0] instanceof Tensor ? batch[0] : batch;
    const x = x0 instanceof Tensor ? x0 : tensor(x0 as NestedArray, undefined, 'float32');
    if (x.rank === 0) throw new ValueError('Normalization.adapt: expected batches of rank >= 1. Received a scalar');
    const {keep} = this.layer.prepareAdapt(x.shape);
    const shape = x.shape;
    // index of each element's kept position, and the count of reduced elements per position
    const keptStrides = new Array<number>(shape.length).fill(0);
    let k = 1;
    for (let i = keep.length - 1; i >= 0; i--) {
      keptStrides[keep[i]!] = k;
      k *= shape[keep[i]!]!;
    }
    const nKept = k;
    const n = x.size / nKept;
    const sums = new Float64Array(nKept), sq = new Float64Array(nKept);
    const v = x.values;
    const idx = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < x.size; i++) {
      let p = 0;
      for (let d = 0; d < shape.length; d++) p += idx[d]! * keptStrides[d]!;
      sums[p] = sums[p]! + v[i]!;
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d]! < shape[d]!) break;
        idx[d] = 0;
      }
    }
    const bMean = sums.map((s) => s / n);
    idx.fill(0);
    for (let i = 0; i < x.size; i++) {
      let p = 0;
      for (let d = 0; d < shape.length; d++) p += idx[d]! * keptStrides[d]!;
      const dv = v[i]! - bMean[p]!;
      sq[p] = sq[p]! + dv * dv;
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d]! < shape[d]!) break;
        idx[d] = 0;
      }
    }
    const bVar = sq.map((s) => s / n);
    if (this.mean === null) {
      this.mean = bMean;
      this.variance = bVar;
      this.total = n;
      return;
    }
    this.total += n;
    const bw = n / this.total, ew = 1 - bw;
    for (let p = 0; p < nKept; p++) {
      const m = this.mean[p]! * ew + bMean[p]! * bw;
      this.variance![p] = (this.variance![p]! + (this.mean[p]! - m) ** 2) * ew + (bVar[p]! + (bMean[p]! - m) ** 2) * bw;
      this.mean[p] = m;
    }
  }

  finish(): void {
    if (this.mean === null) {
      throw new ValueError('adapt() received an empty iterable (no batches). Expected at least one batch. Pass a non-empty array or iterable of arrays or tensors.');
    }
    this.layer.setMoments(this.mean, this.variance!);
  }
}
