import {ValueError} from '../errors.js';
import {isDType, isFloat, type DType} from '../tensor/dtype.js';
import {fmtShape, type Shape} from '../tensor/shape.js';
import {maskKey, type Seed} from '../tensor/random.js';
import type {Tensor} from '../tensor/tensor.js';
import {run} from './core.js';

/**
 * A Bernoulli(`keepProb`) mask of 0/1 in `dtype`, for dropout: the same values as
 * `tensor/random.ts`'s `bernoulliMask` for the same seed (a `SeedGenerator` advances by one draw),
 * drawn by the active backend (natively where it can). With `scale`, kept elements hold `scale` (rounded
 * to `dtype`) instead of 1: dropout's scaled mask in one pass.
 */
export function bernoulliMask(shape: Shape, keepProb: number, dtype: DType, seed: Seed, scale = 1): Tensor {
  const op = 'bernoulliMask';
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ValueError(`${op}: shape must be a list of non-negative integers. Received: shape=${Array.isArray(shape) ? fmtShape(shape) : String(shape)}`);
  }
  if (typeof keepProb !== 'number' || Number.isNaN(keepProb)) {
    throw new ValueError(`${op}: keepProb must be a number. Received: keepProb=${String(keepProb)}`);
  }
  if (!isDType(dtype)) {
    throw new ValueError(`${op}: unknown dtype ${JSON.stringify(dtype)}. Expected one of float32, float64, int32, bool`);
  }
  if (!Number.isFinite(scale) || (scale !== 1 && !isFloat(dtype))) {
    throw new ValueError(`${op}: scale must be a finite number, and 1 unless dtype is a float type. Received: scale=${scale}, dtype=${dtype}`);
  }
  const [k0, k1] = maskKey(seed);
  const v = dtype === 'float32' ? Math.fround(scale) : scale;
  return run('BernoulliMask', {}, {shape: [...shape], keepProb, dtype, k0: k0 >>> 0, k1: k1 >>> 0, ...(v === 1 ? {} : {scale: v})});
}
