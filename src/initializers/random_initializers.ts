/**
 * Initializers that draw random values: `RandomNormal`, `TruncatedNormal`, `RandomUniform`,
 * `VarianceScaling` and its fixed forms (`GlorotUniform`, `HeNormal`, ...), `Orthogonal`.
 */
import {ValueError} from '../errors.js';
import type {DType} from '../tensor/dtype.js';
import {randomNormal, randomUniform, SeedGenerator, truncatedNormal} from '../tensor/random.js';
import {fmtShape, sizeOf} from '../tensor/shape.js';
import {Tensor, zeros} from '../tensor/tensor.js';
import {checkFloatDtype, checkShape, dtypeOr, Initializer} from './initializer.js';

export interface SeedArgs {
  /** An integer: the same values on every call. Omitted: a seed drawn once from the global generator. */
  seed?: number | null;
}

/** Holds the seed as Keras's `RandomInitializer`: the one given (for the config) and the one used. */
export abstract class RandomInitializer extends Initializer {
  /** The seed as given to the constructor (`null` when none), which `getConfig` reports. */
  readonly initSeed: number | null;
  /** The seed every draw uses. */
  readonly seed: number;
  constructor(seed: number | null | undefined) {
    super();
    if (seed !== undefined && seed !== null && !Number.isInteger(seed)) {
      throw new ValueError(`\`seed\` argument should be an integer. Received: seed=${seed}`);
    }
    this.initSeed = seed ?? null;
    // Keras's `make_default_seed`: one draw from the global generator, at construction
    this.seed = seed ?? new SeedGenerator().seed;
  }
  override getConfig(): Record<string, unknown> {
    return {seed: this.initSeed};
  }
}

export interface RandomNormalArgs extends SeedArgs {
  mean?: number;
  stddev?: number;
}

/** What RandomNormal and TruncatedNormal share: `mean` and `stddev` (0 and 0.05 by default), and `sample`. */
abstract class NormalInitializer extends RandomInitializer {
  readonly mean: number;
  readonly stddev: number;
  protected abstract readonly sample: typeof randomNormal;
  constructor({mean = 0.0, stddev = 0.05, seed}: RandomNormalArgs = {}) {
    super(seed);
    this.mean = mean;
    this.stddev = stddev;
  }
  call(shape: readonly number[], dtype?: DType): Tensor {
    checkShape(shape, this.className);
    const d = dtypeOr(dtype);
    checkFloatDtype(d, this.className);
    return this.sample(shape, {mean: this.mean, stddev: this.stddev, dtype: d, seed: this.seed});
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), mean: this.mean, stddev: this.stddev};
  }
}

/** Normal values, `mean` 0 and `stddev` 0.05 by default. */
export class RandomNormal extends NormalInitializer {
  static override readonly className = 'RandomNormal';
  protected readonly sample = randomNormal;
}

/** Normal values, redrawn beyond two standard deviations; `stddev` 0.05 by default. */
export class TruncatedNormal extends NormalInitializer {
  static override readonly className = 'TruncatedNormal';
  protected readonly sample = truncatedNormal;
}

export interface RandomUniformArgs extends SeedArgs {
  minval?: number;
  maxval?: number;
}

/** Uniform values in `[minval, maxval)`, `[-0.05, 0.05)` by default. */
export class RandomUniform extends RandomInitializer {
  static override readonly className = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;
  constructor({minval = -0.05, maxval = 0.05, seed}: RandomUniformArgs = {}) {
    super(seed);
    this.minval = minval;
    this.maxval = maxval;
  }
  call(shape: readonly number[], dtype?: DType): Tensor {
    checkShape(shape, 'RandomUniform');
    return randomUniform(shape, {minval: this.minval, maxval: this.maxval, dtype: dtypeOr(dtype), seed: this.seed});
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), minval: this.minval, maxval: this.maxval};
  }
}

/**
 * `fan_in` and `fan_out` of a weight shape, as Keras's `compute_fans`: a kernel
 * `(..., input_depth, depth)` multiplies both by its receptive field.
 */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length < 1) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape.at(-2)! * receptive, shape.at(-1)! * receptive];
}

export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
export type VarianceDistribution = 'truncated_normal' | 'untruncated_normal' | 'uniform';

export interface VarianceScalingArgs extends SeedArgs {
  scale?: number;
  mode?: FanMode;
  /** `'normal'` is read as `'truncated_normal'`, as Keras does. */
  distribution?: VarianceDistribution | 'normal';
}

/**
 * Values scaled to the weight's fan: `scale /= max(1, fan)`, then a truncated normal of stddev
 * `sqrt(scale) / 0.87962566103423978` (the stddev of a unit normal truncated at ±2), an untruncated
 * normal of stddev `sqrt(scale)`, or a uniform in `±sqrt(3 * scale)`.
 */
export class VarianceScaling extends RandomInitializer {
  static override readonly className: string = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: VarianceDistribution;
  constructor({scale = 1.0, mode = 'fan_in', distribution = 'truncated_normal', seed}: VarianceScalingArgs = {}) {
    super(seed);
    if (!(typeof scale === 'number' && scale > 0)) {
      throw new ValueError(`Argument \`scale\` must be positive float. Received: scale=${scale}`);
    }
    if (!['fan_in', 'fan_out', 'fan_avg'].includes(mode)) {
      throw new ValueError(`Invalid \`mode\` argument: ${mode}. Please use one of {'fan_in', 'fan_out', 'fan_avg'}`);
    }
    let dist = String(distribution).toLowerCase();
    if (dist === 'normal') dist = 'truncated_normal';
    if (!['uniform', 'truncated_normal', 'untruncated_normal'].includes(dist)) {
      throw new ValueError(
        `Invalid \`distribution\` argument: ${distribution}. Please use one of {'uniform', 'truncated_normal', 'untruncated_normal'}`,
      );
    }
    this.scale = scale;
    this.mode = mode;
    this.distribution = dist as VarianceDistribution;
  }
  call(shape: readonly number[], dtype?: DType): Tensor {
    checkShape(shape, this.className);
    const d = dtypeOr(dtype);
    checkFloatDtype(d, this.className);
    const [fanIn, fanOut] = computeFans(shape);
    let scale = this.scale;
    if (this.mode === 'fan_in') scale /= Math.max(1, fanIn);
    else if (this.mode === 'fan_out') scale /= Math.max(1, fanOut);
    else scale /= Math.max(1, (fanIn + fanOut) / 2);
    if (this.distribution === 'truncated_normal') {
      return truncatedNormal(shape, {mean: 0, stddev: Math.sqrt(scale) / 0.87962566103423978, dtype: d, seed: this.seed});
    }
    if (this.distribution === 'untruncated_normal') {
      return randomNormal(shape, {mean: 0, stddev: Math.sqrt(scale), dtype: d, seed: this.seed});
    }
    const limit = Math.sqrt(3 * scale);
    return randomUniform(shape, {minval: -limit, maxval: limit, dtype: d, seed: this.seed});
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), scale: this.scale, mode: this.mode, distribution: this.distribution};
  }
}

/** A `VarianceScaling` with fixed parameters, whose config is only the seed (Keras's Glorot/He/Lecun). */
function fixedVarianceScaling(className: string, scale: number, mode: FanMode, distribution: VarianceDistribution) {
  const cls = class extends VarianceScaling {
    static override readonly className: string = className;
    constructor({seed}: SeedArgs = {}) {
      super({scale, mode, distribution, seed});
    }
    override getConfig(): Record<string, unknown> {
      return {seed: this.initSeed};
    }
  };
  return cls;
}

/** Uniform in `±sqrt(6 / (fan_in + fan_out))`: the default kernel initializer. */
export class GlorotUniform extends fixedVarianceScaling('GlorotUniform', 1.0, 'fan_avg', 'uniform') {}
/** Truncated normal with stddev `sqrt(2 / (fan_in + fan_out))`. */
export class GlorotNormal extends fixedVarianceScaling('GlorotNormal', 1.0, 'fan_avg', 'truncated_normal') {}
/** Uniform in `±sqrt(3 / fan_in)`. */
export class LecunUniform extends fixedVarianceScaling('LecunUniform', 1.0, 'fan_in', 'uniform') {}
/** Truncated normal with stddev `sqrt(1 / fan_in)`. */
export class LecunNormal extends fixedVarianceScaling('LecunNormal', 1.0, 'fan_in', 'truncated_normal') {}
/** Uniform in `±sqrt(6 / fan_in)`. */
export class HeUniform extends fixedVarianceScaling('HeUniform', 2.0, 'fan_in', 'uniform') {}
/** Truncated normal with stddev `sqrt(2 / fan_in)`. */
export class HeNormal extends fixedVarianceScaling('HeNormal', 2.0, 'fan_in', 'truncated_normal') {}

/**
 * A (semi-)orthogonal matrix times `gain`: the Q of the QR decomposition of a normal matrix, with
 * the signs of R's diagonal folded in so the result is unique (Saxe et al., 2014). Weights of rank
 * > 2 are flattened to `(prod(shape[:-1]), shape[-1])`.
 */
export class Orthogonal extends RandomInitializer {
  static override readonly className = 'Orthogonal';
  readonly gain: number;
  constructor({gain = 1.0, seed}: {gain?: number} & SeedArgs = {}) {
    super(seed);
    this.gain = gain;
  }
  call(shape: readonly number[], dtype?: DType): Tensor {
    checkShape(shape, 'Orthogonal');
    const d = dtypeOr(dtype);
    checkFloatDtype(d, 'Orthogonal');
    if (shape.length < 2) {
      throw new ValueError(`The tensor to initialize must be at least two-dimensional. Received: shape=${fmtShape(shape)} of rank ${shape.length}.`);
    }
    const rows = sizeOf(shape.slice(0, -1));
    const cols = shape.at(-1)!;
    const m = Math.max(rows, cols), n = Math.min(rows, cols);
    const a = randomNormal([m, n], {dtype: 'float64', seed: this.seed}).values as Float64Array;
    const q = thinQ(a, m, n); // m x n, orthonormal columns
    const out = zeros(shape, d);
    // rows < cols: the result is Q transposed, (n x m) = (rows x cols)
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) out.values[i * cols + j] = this.gain * (rows >= cols ? q[i * n + j]! : q[j * n + i]!);
    }
    return out;
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), gain: this.gain};
  }
}

/**
 * Q of the thin QR of an `m x n` (m >= n) row-major matrix, by Householder reflections; columns
 * are signed so that R has a non-negative diagonal (what Keras's `q * sign(diag(r))` produces).
 */
function thinQ(a: Float64Array, m: number, n: number): Float64Array {
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const v = new Float64Array(m);
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const alpha = r[k * n + k]! >= 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i] = r[i * n + k]!;
    v[k]! -= alpha;
    let vn = 0;
    for (let i = k; i < m; i++) vn += v[i]! ** 2;
    if (vn > 0) {
      for (let j = k; j < n; j++) {
        let dot = 0;
        for (let i = k; i < m; i++) dot += v[i]! * r[i * n + j]!;
        const f = (2 * dot) / vn;
        for (let i = k; i < m; i++) r[i * n + j]! -= f * v[i]!;
      }
    }
    vs.push(v);
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    let vn = 0;
    for (let i = k; i < m; i++) vn += v[i]! ** 2;
    if (vn === 0) continue;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i]! * q[i * n + j]!;
      const f = (2 * dot) / vn;
      for (let i = k; i < m; i++) q[i * n + j]! -= f * v[i]!;
    }
  }
  for (let j = 0; j < n; j++) {
    if (r[j * n + j]! < 0) for (let i = 0; i < m; i++) q[i * n + j] = -q[i * n + j]!;
  }
  return q;
}
