/**
 * The stateful `Metric` base (Keras 3's `keras.metrics.Metric`): state lives in non-trainable
 * Variables; `updateState` accumulates a batch, `result` reads the value, `resetState` zeroes it.
 * Plus the reduction metrics `Sum`, `Mean` and `MeanMetricWrapper` (the mean of a per-sample function).
 *
 * ```ts
 * const m = new Mean();
 * m.updateState([1, 3, 5, 7]);
 * m.result().item(); // 4
 * ```
 */
import {noGrad} from '../autodiff/engine.js';
import {Variable} from '../autodiff/variable.js';
import {floatx} from '../config.js';
import {uniqueName, getMask} from '../layers/layer.js';
import {applyMask, squeezeOrExpandToSameRank} from '../losses/loss.js';
import * as ops from '../ops/index.js';
import {toTensor} from '../ops/core.js';
import {registerKerasSerializable, toSnakeCase} from '../serialization.js';
import {isTracing} from '../plan/trace.js';
import {allocate, type DType} from '../tensor/dtype.js';
import {full, Tensor} from '../tensor/tensor.js';

export interface MetricArgs {
  name?: string;
  dtype?: DType;
}

export abstract class Metric {
  static readonly className: string = 'Metric';
  name: string;
  readonly dtype: DType;
  /** `'up'` when larger is better, `'down'` when smaller is (used by callbacks in `mode: 'auto'`). */
  direction: 'up' | 'down' | null = null;
  /** @internal the state variables, in creation order (read them through `variables`) */
  readonly _variables: Variable[] = [];

  constructor({name, dtype}: MetricArgs = {}) {
    this.name = name ?? uniqueName(toSnakeCase((this.constructor as typeof Metric).className));
    this.dtype = dtype ?? (floatx() as DType);
  }

  get className(): string {
    return (this.constructor as typeof Metric).className;
  }

  /** Creates a state variable (non-trainable), as Keras's `add_variable`. */
  addVariable(shape: readonly number[], {initializer = 0, dtype, name}: {initializer?: number; dtype?: DType; name?: string} = {}): Variable {
    const v = new Variable(full(shape, initializer, dtype ?? this.dtype), {name: name ?? 'variable', trainable: false});
    v.path = `${this.name.replaceAll('/', '>')}/${v.name}`;
    this._variables.push(v);
    return v;
  }

  get variables(): Variable[] {
    return [...this._variables];
  }

  /** Accumulates the statistics of one batch. */
  abstract updateState(...args: any[]): void;

  /** The metric's value from the accumulated state. */
  abstract result(): Tensor;

  /** Zeroes every state variable. */
  resetState(): void {
    for (const v of this._variables) v.assign(full(v.shape, 0, v.dtype));
  }

  /** `updateState` then `result`, as Python's `metric(y_true, y_pred)`. */
  apply(...args: any[]): Tensor {
    this.updateState(...args);
    return this.result();
  }

  getConfig(): Record<string, unknown> {
    return {name: this.name, dtype: this.dtype};
  }

  static fromConfig<T extends Metric>(this: new (config: Record<string, unknown>) => T, config: Record<string, unknown>): T {
    return new this(config);
  }

  toString(): string {
    return `<${this.className} name=${this.name}>`;
  }
}

/** Adds `value` to a variable. */
export function assignAdd(v: Variable, value: Tensor | number): void {
  v.assign(ops.add(v.value, value));
}

/** `0` where the denominator is 0, else `a / b` (`ops.divide_no_nan`). */
function divideNoNan(a: Tensor, b: Tensor): Tensor {
  const zero = ops.equal(b, 0);
  return ops.where(zero, 0, ops.divide(a, ops.where(zero, 1, b)));
}

/** Converts an argument to a tensor of `dtype` (metrics take arrays, typed arrays or tensors). */
function asTensor(x: ops.TensorLike, arg: string, name: string, dtype?: DType): Tensor {
  return toTensor(x, arg, name, dtype);
}

/**
 * Reduces values to one per sample and weights them, as Keras's `reduce_to_samplewise_values`.
 * Returns the per-sample values and the (reduced) sample weights.
 */
export function reduceToSamplewiseValues(
  values: Tensor,
  sampleWeight: Tensor | null,
  reduce: (x: Tensor, axis: number[]) => Tensor,
  dtype: DType,
): [Tensor, Tensor | null] {
  const mask = getMask(values);
  let v = ops.cast(values, dtype);
  let sw = sampleWeight ? ops.cast(sampleWeight, dtype) : null;
  if (sw) {
    if (mask) sw = applyMask(sw, mask, dtype, 'sum');
    [v, sw] = squeezeOrExpandToSameRank(v, sw!);
    const wn = sw.rank, vn = v.rank;
    if (vn > wn) v = reduce(v, range(wn, vn));
    sw = ops.broadcastTo(sw, v.shape);
    v = ops.multiply(v, sw);
    if (wn > 1) sw = reduce(sw, range(1, wn));
  }
  if (v.rank > 1) v = reduce(v, range(1, v.rank));
  return [v, sw];
}

function range(a: number, b: number): number[] {
  return Array.from({length: b - a}, (_, i) => a + i);
}

/** The sum of the values seen (weighted). */
export class Sum extends Metric {
  static override readonly className: string = 'Sum';
  readonly total: Variable;
  constructor(args: MetricArgs = {}) {
    super({name: 'sum', ...args});
    this.total = this.addVariable([], {name: 'total'});
  }
  updateState(values: ops.TensorLike, sampleWeight: ops.TensorLike | null = null): void {
    noGrad(() => {
      const sw = sampleWeight === null ? null : asTensor(sampleWeight, 'sample_weight', this.name, this.dtype);
      const [v] = reduceToSamplewiseValues(asTensor(values, 'values', this.name), sw, (x, a) => ops.sum(x, a), this.dtype);
      assignAdd(this.total, ops.sum(v));
    });
  }
  result(): Tensor {
    return this.total.value;
  }
}

/** The (weighted) mean of the values seen. */
export class Mean extends Metric {
  static override readonly className: string = 'Mean';
  readonly total: Variable;
  readonly count: Variable;
  constructor(args: MetricArgs = {}) {
    super({name: 'mean', ...args});
    this.total = this.addVariable([], {name: 'total'});
    this.count = this.addVariable([], {name: 'count'});
  }
  updateState(values: ops.TensorLike, sampleWeight: ops.TensorLike | null = null): void {
    noGrad(() => {
      const sw0 = sampleWeight === null || sampleWeight === undefined ? null : asTensor(sampleWeight, 'sample_weight', this.name, this.dtype);
      const [v, sw] = reduceToSamplewiseValues(asTensor(values, 'values', this.name), sw0, (x, a) => ops.mean(x, a), this.dtype);
      assignAdd(this.total, ops.sum(v));
      const n = sw ? ops.sum(sw) : v.rank >= 1 ? v.shape[0]! : 1;
      assignAdd(this.count, n);
    });
  }
  result(): Tensor {
    if (!isTracing()) {
      // host scalars outside a trace (a step's logs, read after every step): divideNoNan's value
      // computed here, a float division rounded to the dtype as Div's, without its four kernel calls;
      // the values read as they are (reading `value` would make the next in-place update copy them)
      const t = this.total.peekUnshared() ?? this.total.value, c = this.count.peekUnshared() ?? this.count.value;
      const tv = t.hostValues, cv = c.hostValues;
      if (tv && cv && !t.device && !c.device && t.rank === 0 && c.rank === 0 && t.dtype === c.dtype && (t.dtype === 'float32' || t.dtype === 'float64')) {
        const out = allocate(t.dtype, 1);
        out[0] = cv[0] === 0 ? 0 : tv[0]! / cv[0]!;
        return new Tensor([], t.dtype, out);
      }
    }
    return divideNoNan(this.total.value, this.count.value);
  }
}

export type MetricFn = (yTrue: Tensor, yPred: Tensor, kwargs?: any) => Tensor;

/** The mean of a per-sample function of `(yTrue, yPred)` (Keras's `MeanMetricWrapper`). */
export class MeanMetricWrapper extends Mean {
  static override readonly className: string = 'MeanMetricWrapper';
  readonly fn: MetricFn;
  readonly fnKwargs: Record<string, unknown>;
  constructor(fn: MetricFn, args: MetricArgs & Record<string, unknown> = {}) {
    const {name, dtype, ...kwargs} = args;
    super({name: name ?? (fn.name ? toSnakeCase(fn.name) : undefined), dtype});
    this.fn = fn;
    this.fnKwargs = kwargs;
  }
  override updateState(yTrue: ops.TensorLike, yPred: ops.TensorLike, sampleWeight: ops.TensorLike | null = null): void {
    noGrad(() => {
      const yp = asTensor(yPred, 'y_pred', this.name);
      const mask = getMask(yp);
      const values = this.fn(asTensor(yTrue, 'y_true', this.name), yp, this.fnKwargs);
      let sw = sampleWeight === null || sampleWeight === undefined ? null : asTensor(sampleWeight, 'sample_weight', this.name, this.dtype);
      sw = applyMask(sw, mask, this.dtype, 'sum');
      super.updateState(values, sw);
    });
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), ...this.fnKwargs};
  }
}

for (const c of [Sum, Mean]) registerKerasSerializable(c, {pkg: 'keras.metrics'});

