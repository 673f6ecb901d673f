/**
 * `keras.random`, as Keras 3 names it: draws from a seed (an integer gives the same values every
 * call, a `SeedGenerator` advances on each draw, nothing draws from the global generator that
 * `keras.utils.setRandomSeed` resets).
 *
 * ```ts
 * const gen = new keras.random.SeedGenerator(1337);
 * const z = keras.random.normal([32, 128], {seed: gen});
 * const idx = keras.random.randint([4], 0, 10, {seed: 7});
 * ```
 */
import {ValueError} from '../errors.js';
import {isFloat, type DType} from '../tensor/dtype.js';
import {fmtShape, type Shape} from '../tensor/shape.js';
import {permutation, randomNormal, randomUniform, SeedGenerator, truncatedNormal as truncated, type Seed} from '../tensor/random.js';
import {Tensor, tensor} from '../tensor/tensor.js';
import {take} from './array.js';
import {cast, toTensor, type TensorLike} from './core.js';
import {divide, multiply} from './math.js';
import {bernoulliMask} from './random.js';

export {SeedGenerator};
export type {Seed};
// the names this namespace had before it followed Keras 3 (kept for programs that use them)
export {randomNormal, randomUniform, permutation, setRandomSeed} from '../tensor/random.js';

export interface DrawArgs {
  dtype?: DType;
  seed?: Seed;
}

function checkShape(shape: Shape, op: string): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ValueError(`${op}: shape must be a list of non-negative integers. Received: shape=${Array.isArray(shape) ? fmtShape(shape) : String(shape)}`);
  }
}

/** Values from a normal distribution (`keras.random.normal`). */
export function normal(shape: Shape, {mean = 0, stddev = 1, dtype = 'float32', seed}: DrawArgs & {mean?: number; stddev?: number} = {}): Tensor {
  checkShape(shape, 'normal');
  return randomNormal(shape, {mean, stddev, dtype, seed});
}

/** Values from a uniform distribution on `[minval, maxval)` (`keras.random.uniform`). */
export function uniform(shape: Shape, {minval = 0, maxval = 1, dtype = 'float32', seed}: DrawArgs & {minval?: number; maxval?: number} = {}): Tensor {
  checkShape(shape, 'uniform');
  if (!isFloat(dtype)) {
    throw new ValueError(`\`keras.random.uniform\` requires a floating point \`dtype\`. Received: dtype=${dtype} . Use \`keras.random.randint\` for integers.`);
  }
  return randomUniform(shape, {minval, maxval, dtype, seed});
}

/** Normal values with those beyond two standard deviations redrawn (`keras.random.truncated_normal`). */
export function truncatedNormal(shape: Shape, {mean = 0, stddev = 1, dtype = 'float32', seed}: DrawArgs & {mean?: number; stddev?: number} = {}): Tensor {
  checkShape(shape, 'truncatedNormal');
  return truncated(shape, {mean, stddev, dtype, seed});
}

/** Integers uniform on `[minval, maxval)` (`keras.random.randint`). */
export function randint(shape: Shape, minval: number, maxval: number, {dtype = 'int32', seed}: DrawArgs = {}): Tensor {
  checkShape(shape, 'randint');
  if (!Number.isInteger(minval) || !Number.isInteger(maxval) || maxval <= minval) {
    throw new ValueError(`randint: expected integers with minval < maxval. Received: minval=${minval}, maxval=${maxval}`);
  }
  const u = randomUniform(shape, {minval: 0, maxval: 1, dtype: 'float64', seed});
  const out = new Int32Array(u.size);
  for (let i = 0; i < out.length; i++) out[i] = minval + Math.floor(u.values[i]! * (maxval - minval));
  const t = new Tensor([...shape], 'int32', out);
  return dtype === 'int32' ? t : cast(t, dtype);
}

/**
 * `numSamples` class indices per row of `logits` (`[batch, classes]`, unnormalized log-probabilities),
 * as `keras.random.categorical`: returns `[batch, numSamples]`.
 */
export function categorical(logits: TensorLike, numSamples: number, {dtype = 'int32', seed}: DrawArgs = {}): Tensor {
  const l = toTensor(logits, 'logits', 'categorical');
  if (l.rank !== 2) throw new ValueError(`\`logits\` should be a 2-D tensor with shape [batch_size, num_classes]. Received: logits.shape=${fmtShape(l.shape)}`);
  if (!Number.isInteger(numSamples) || numSamples < 1) throw new ValueError(`categorical: numSamples must be a positive integer. Received: numSamples=${numSamples}`);
  const [b, k] = l.shape as [number, number];
  const u = randomUniform([b, numSamples], {dtype: 'float64', seed}).values;
  const out = new Int32Array(b * numSamples);
  const p = new Float64Array(k);
  for (let i = 0; i < b; i++) {
    let mx = -Infinity;
    for (let j = 0; j < k; j++) mx = Math.max(mx, l.values[i * k + j]!);
    let total = 0;
    for (let j = 0; j < k; j++) total += p[j] = Math.exp(l.values[i * k + j]! - mx);
    for (let s = 0; s < numSamples; s++) {
      let r = u[i * numSamples + s]! * total;
      let j = 0;
      while (j < k - 1 && r >= p[j]!) r -= p[j++]!;
      out[i * numSamples + s] = j;
    }
  }
  const t = new Tensor([b, numSamples], 'int32', out);
  return dtype === 'int32' ? t : cast(t, dtype);
}

/** `x` with its entries along `axis` in a random order (`keras.random.shuffle`). */
export function shuffle(x: TensorLike, {axis = 0, seed}: {axis?: number; seed?: Seed} = {}): Tensor {
  const t = toTensor(x, 'x', 'shuffle');
  if (t.rank === 0) throw new ValueError('shuffle: cannot shuffle a scalar (rank 0)');
  const a = axis < 0 ? axis + t.rank : axis;
  if (a < 0 || a >= t.rank) throw new ValueError(`shuffle: axis ${axis} is out of bounds for a tensor of rank ${t.rank}`);
  return take(t, tensor(permutation(t.shape[a]!, seed), [t.shape[a]!], 'int32'), a);
}

/**
 * Inverted dropout (`keras.random.dropout`): a fraction `rate` of the values set to 0, the rest scaled
 * by `1 / (1 - rate)`; `noiseShape` broadcasts the mask (null entries take the input's size).
 */
export function dropout(inputs: TensorLike, rate: number, {noiseShape = null, seed}: {noiseShape?: (number | null)[] | null; seed?: Seed} = {}): Tensor {
  const x = toTensor(inputs, 'inputs', 'dropout');
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new ValueError(`Invalid value received for argument \`rate\`. Expected a float value in [0, 1). Received: rate=${rate}`);
  }
  if (rate === 0) return x;
  const shape = noiseShape ? noiseShape.map((d, i) => d ?? x.shape[i]!) : [...x.shape];
  const mask = bernoulliMask(shape, 1 - rate, x.dtype, seed);
  return divide(multiply(x, mask), 1 - rate);
}
