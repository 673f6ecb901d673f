import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {tensor, Tensor, type NestedArray} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {encodeCategorical, encodedShape, type EncodingMode} from './categorical.js';

export interface DiscretizationArgs extends LayerArgs {
  /** Sorted bin edges: `[0, 1, 2]` makes bins `(-inf, 0)`, `[0, 1)`, `[1, 2)`, `[2, inf)`. */
  binBoundaries?: number[] | null;
  /** Number of bins, for `adapt` to find boundaries at quantiles. */
  numBins?: number | null;
  /** Error tolerance of the approximate quantiles (`adapt`), default 0.01. */
  epsilon?: number;
  outputMode?: EncodingMode;
  sparse?: boolean;
}

const f32 = (a: ArrayLike<number>) => Float32Array.from(a as ArrayLike<number>);

/** Keras's `summarize`: every `step`-th sorted value, each with weight `step`. */
function summarize(values: Float32Array, epsilon: number): [Float32Array, Float32Array] {
  const sorted = f32(values).sort();
  const step = Math.max(sorted.length / (1 / epsilon), 1);
  const start = Math.trunc(step - 1), stride = Math.trunc(step);
  const bounds: number[] = [];
  for (let i = start; i < sorted.length; i += stride) bounds.push(sorted[i]!);
  return [f32(bounds), new Float32Array(bounds.length).fill(Math.fround(step))];
}

/** `numpy.interp` (xp increasing). */
function interp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>): number {
  const n = xp.length;
  if (x < xp[0]!) return fp[0]!;
  if (x > xp[n - 1]!) return fp[n - 1]!;
  if (x === xp[n - 1]!) return fp[n - 1]!;
  let lo = 0, hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xp[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const slope = (fp[lo + 1]! - fp[lo]!) / (xp[lo + 1]! - xp[lo]!);
  return slope * (x - xp[lo]!) + fp[lo]!;
}

/** Keras's `compress_summary`: the summary resampled at `1 / epsilon` evenly spaced quantiles. */
function compress(s: [Float32Array, Float32Array], epsilon: number): [Float32Array, Float32Array] {
  const m = s[0].length;
  if (m * epsilon < 1) return s;
  const np = Math.ceil(1 / epsilon);
  const percents = Float64Array.from({length: np}, (_, i) => epsilon + i * epsilon);
  const cum = new Float32Array(m);
  let acc = 0;
  for (let i = 0; i < m; i++) cum[i] = acc = Math.fround(acc + s[1][i]!);
  const cumPct = cum.map((c) => Math.fround(c / cum[m - 1]!));
  const bins = percents.map((p) => interp(p, cumPct, s[0]));
  const cw = percents.map((p) => interp(p, cumPct, cum));
  const weights = cw.map((c, i) => c - (i === 0 ? 0 : cw[i - 1]!));
  return [f32(bins), f32(weights)];
}

function merge(a: [Float32Array, Float32Array], b: [Float32Array, Float32Array], epsilon: number): [Float32Array, Float32Array] {
  const v = [...a[0], ...b[0]], w = [...a[1], ...b[1]];
  const order = v.map((_, i) => i).sort((i, j) => v[i]! - v[j]! || i - j);
  return compress([f32(order.map((i) => v[i]!)), f32(order.map((i) => w[i]!))], epsilon);
}

/**
 * Buckets continuous values into integer bins (Keras's `Discretization`): given `binBoundaries`, or
 * `numBins` boundaries found by `adapt` at approximate quantiles (Keras's summary algorithm, so the
 * same data gives the same boundaries). Output: bin indices (`int32`), or `'one_hot'`,
 * `'multi_hot'`, `'count'` encodings. The boundaries are part of the config, as in Keras.
 *
 * ```ts
 * new Discretization({binBoundaries: [0, 1, 2]}).apply([[-1.5, 1.0, 3.4, 0.5]]); // [[0, 2, 3, 1]]
 * ```
 */
export class Discretization extends Layer {
  static override readonly className: string = 'Discretization';
  binBoundaries: number[] | null;
  readonly numBins: number | null;
  readonly epsilon: number;
  readonly outputMode: EncodingMode;
  readonly sparse: boolean;
  private summary: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];

  constructor(args: DiscretizationArgs = {}) {
    const {binBoundaries = null, numBins = null, epsilon = 0.01, outputMode = 'int', sparse = false, ...rest} = args;
    super(rest);
    if (sparse) throw new ValueError('Discretization: `sparse=true` is not supported (keras-ts has no sparse tensors).');
    if (!['int', 'one_hot', 'multi_hot', 'count'].includes(outputMode)) {
      throw new ValueError(`Unknown value for \`output_mode\`. Allowed values are: 'int', 'one_hot', 'multi_hot', 'count'. Received: output_mode=${JSON.stringify(outputMode)}`);
    }
    if (numBins !== null && !(Number.isInteger(numBins) && numBins >= 0)) throw new ValueError(`\`num_bins\` must be greater than or equal to 0. Received: \`num_bins=${numBins}\``);
    if (numBins !== null && binBoundaries !== null) {
      throw new ValueError(`Both \`num_bins\` and \`bin_boundaries\` should not be set. Received: \`num_bins=${numBins}\` and \`bin_boundaries=${JSON.stringify(binBoundaries)}\``);
    }
    if (numBins === null && binBoundaries === null) throw new ValueError('You need to set either `num_bins` or `bin_boundaries`.');
    this.binBoundaries = binBoundaries ? [...binBoundaries] : null;
    this.numBins = numBins;
    this.epsilon = epsilon;
    this.outputMode = outputMode;
    this.sparse = false;
    this.built = true;
  }

  /** Finds `numBins` boundaries at approximate quantiles of `data` (an array, or a list / iterable of batches). */
  adapt(data: Tensor | NestedArray | Iterable<Tensor | NestedArray>): void {
    if (this.numBins === null) throw new ValueError('Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`, use `num_bins` instead.');
    this.summary = [new Float32Array(0), new Float32Array(0)];
    const batches = data instanceof Tensor || !(Symbol.iterator in Object(data)) || (Array.isArray(data) && !(data[0] instanceof Tensor)) ? [data as Tensor | NestedArray] : [...(data as Iterable<Tensor | NestedArray>)];
    for (const b of batches) {
      const t = b instanceof Tensor ? b : tensor(b, undefined, 'float32');
      this.summary = merge(summarize(f32(t.values), this.epsilon), this.summary, this.epsilon);
    }
    const bins = compress(this.summary, 1 / this.numBins)[0];
    this.binBoundaries = Array.from(bins.subarray(0, bins.length - 1));
  }

  override call(inputs: Tensor): Tensor {
    const bounds = this.binBoundaries;
    if (bounds === null) {
      throw new ValueError('You need to either pass the `bin_boundaries` argument at construction time or call `adapt(dataset)` before you can start using the `Discretization` layer.');
    }
    const x = ops.cast(inputs, 'float32').values;
    const ids = new Int32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      // numpy.digitize (right=false): the number of boundaries <= x; NaN goes past the last
      const v = x[i]!;
      let lo = 0, hi = bounds.length;
      if (Number.isNaN(v)) lo = bounds.length;
      else {
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (bounds[mid]! <= v) lo = mid + 1;
          else hi = mid;
        }
      }
      ids[i] = lo;
    }
    return encodeCategorical(ids, inputs.shape, this.outputMode, bounds.length + 1, this.outputMode === 'int' ? 'int32' : this.dtype, this.name);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    const depth = this.binBoundaries !== null ? this.binBoundaries.length + 1 : (this.numBins ?? 0);
    return encodedShape(inputShape, this.outputMode, depth);
  }

  // exactly Keras's keys (its constructor takes no `trainable`)
  override getConfig(): Record<string, unknown> {
    return {binBoundaries: this.binBoundaries, numBins: this.numBins, epsilon: this.epsilon, outputMode: this.outputMode, sparse: this.sparse, name: this.name, dtype: this.dtype};
  }

  static override fromConfig(config: Record<string, unknown>): Discretization {
    // after adapt both are set; the constructor accepts one, so the boundaries are applied after
    if (config['binBoundaries'] != null && config['numBins'] != null) {
      const {binBoundaries, ...rest} = config;
      const layer = new this(rest as DiscretizationArgs);
      layer.binBoundaries = [...(binBoundaries as number[])];
      return layer;
    }
    return new this(config as DiscretizationArgs);
  }
}
registerKerasSerializable(Discretization, {pkg: 'keras'});
