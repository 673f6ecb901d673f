/**
 * NumPy-style ops keras.io code uses often, written from other ops (composites: no kernel and no
 * gradient rule of their own; autodiff differentiates what they are made of). Names and defaults
 * are Keras 3's `keras.ops`.
 */
import {ValueError} from '../errors.js';
import {fmtShape} from '../tensor/shape.js';
import {Tensor} from '../tensor/tensor.js';
import {concatenate, moveaxis, reshape, slice, split, squeeze} from './array.js';
import {cast, checkAxes, checkAxis, toFloat, toTensor, type TensorLike} from './core.js';
import {abs, equal, isnan, less, max, mean, min, multiply, negative, power, sqrt, square, subtract, sum, topK, where} from './math.js';
import type {Axis} from './math.js';

/** Population variance over `axis` (all axes when null), as `np.var`. */
function variance(x: TensorLike, axis: Axis = null, keepdims = false): Tensor {
  const t = toFloat(toTensor(x, 'x', 'var'));
  const m = mean(t, axis, true);
  return mean(square(subtract(t, m)), axis, keepdims);
}
export {variance as var};

/** Population standard deviation over `axis`, as `np.std`. */
export function std(x: TensorLike, axis: Axis = null, keepdims = false): Tensor {
  return sqrt(variance(toTensor(x, 'x', 'std'), axis, keepdims));
}

/** `[mean, variance]` over `axes` (Keras's `ops.moments`). */
export function moments(x: TensorLike, axes: number | number[], keepdims = false): [Tensor, Tensor] {
  const t = toFloat(toTensor(x, 'x', 'moments'));
  return [mean(t, axes, keepdims), variance(t, axes, keepdims)];
}

/** Keeps the entries of the last two axes with `col - row <= k` (`tril`) or `>= k` (`triu`), zeroes the rest. */
function triangle(x: TensorLike, k: number, lower: boolean, op: string): Tensor {
  const t = toTensor(x, 'x', op);
  if (t.rank < 2) throw new ValueError(`${op}: x must have at least 2 dimensions. Received: x.shape=${fmtShape(t.shape)}`);
  if (!Number.isInteger(k)) throw new ValueError(`${op}: k must be an integer. Received: k=${k}`);
  const [m, n] = t.shape.slice(-2) as [number, number];
  const keep = new Uint8Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) keep[i * n + j] = (lower ? j - i <= k : j - i >= k) ? 1 : 0;
  return where(new Tensor([m, n], 'bool', keep), t, 0);
}

/** The lower triangle of the last two axes (`np.tril`): entries with `col <= row + k`. */
export function tril(x: TensorLike, k = 0): Tensor {
  return triangle(x, k, true, 'tril');
}

/** The upper triangle of the last two axes (`np.triu`): entries with `col >= row + k`. */
export function triu(x: TensorLike, k = 0): Tensor {
  return triangle(x, k, false, 'triu');
}

/** The slices of `x` along `axis`, that axis removed (`ops.unstack`); `num` checks their count. */
export function unstack(x: TensorLike, num: number | null = null, axis = 0): Tensor[] {
  const t = toTensor(x, 'x', 'unstack');
  const a = checkAxis(axis, t.rank, 'unstack', t.shape);
  const n = t.shape[a]!;
  if (num !== null && num !== n) throw new ValueError(`unstack: num=${num} does not match the size ${n} of axis ${axis} (x.shape=${fmtShape(t.shape)})`);
  return split(t, n, a).map((s) => squeeze(s, a));
}

/** `num` evenly spaced values from `start` to `stop` (`np.linspace`; `stop` excluded when `endpoint` is false). */
export function linspace(start: number, stop: number, num = 50, {endpoint = true, dtype = 'float32'}: {endpoint?: boolean; dtype?: 'float32' | 'float64'} = {}): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new ValueError(`linspace: num must be a non-negative integer. Received: num=${num}`);
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const out = dtype === 'float64' ? new Float64Array(num) : new Float32Array(num);
  for (let i = 0; i < num; i++) out[i] = start + i * step;
  if (endpoint && num > 1) out[num - 1] = stop;
  return new Tensor([num], dtype, out);
}

/**
 * Vector or matrix norm (`ops.norm`, as `np.linalg.norm`): for vectors `ord` is 2 (default), 1,
 * `Infinity`, `-Infinity` or 0 (the count of non-zeros); over two axes (or a whole matrix) `'fro'`.
 */
export function norm(x: TensorLike, {ord = null, axis = null, keepdims = false}: {ord?: number | 'fro' | null; axis?: number | number[] | null; keepdims?: boolean} = {}): Tensor {
  const t = toFloat(toTensor(x, 'x', 'norm'));
  const axes = axis === null ? (t.rank === 2 ? [0, 1] : null) : checkAxes(axis, t.rank, 'norm', t.shape);
  const matrix = axes !== null && axes.length === 2;
  if (axes !== null && axes.length > 2) throw new ValueError(`norm: axis must name one or two axes. Received: axis=${JSON.stringify(axis)}`);
  const a: Axis = axes;
  if (matrix || axes === null) {
    if (ord !== null && ord !== 'fro' && !(axes === null && ord === 2)) {
      throw new ValueError(`norm: for a matrix (two axes) only ord=null or 'fro' is supported here. Received: ord=${String(ord)}`);
    }
    return sqrt(sum(square(t), a, keepdims));
  }
  if (ord === null || ord === 2) return sqrt(sum(square(t), a, keepdims));
  if (ord === 1) return sum(abs(t), a, keepdims);
  if (ord === Infinity) return max(abs(t), a, keepdims);
  if (ord === -Infinity) return min(abs(t), a, keepdims);
  if (ord === 0) return sum(toFloat(less(0, abs(t))), a, keepdims);
  if (typeof ord === 'number') {
    return power(sum(power(abs(t), ord), a, keepdims), 1 / ord);
  }
  throw new ValueError(`norm: invalid ord for a vector norm. Received: ord=${String(ord)}`);
}

/** True where `x` is neither infinite nor NaN (`np.isfinite`). */
export function isfinite(x: TensorLike): Tensor {
  const t = toTensor(x, 'x', 'isfinite');
  // NaN compares false, so |x| < Infinity is false for NaN and the infinities
  return less(abs(t), Infinity);
}

/** NaN to `nan`, +Infinity to `posinf`, -Infinity to `neginf` (defaults: 0 and the dtype's extremes), as `np.nan_to_num`. */
export function nanToNum(x: TensorLike, {nan = 0, posinf = null, neginf = null}: {nan?: number; posinf?: number | null; neginf?: number | null} = {}): Tensor {
  const t = toTensor(x, 'x', 'nanToNum');
  if (t.dtype !== 'float32' && t.dtype !== 'float64') return t;
  const big = t.dtype === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
  let out = where(isnan(t), nan, t);
  out = where(equal(t, Infinity), posinf ?? big, out);
  return where(equal(t, -Infinity), neginf ?? -big, out);
}

/** Cumulative product along `axis` (flattened when null), as `np.cumprod`. */
export function cumprod(x: TensorLike, axis: number | null = null): Tensor {
  let t = toTensor(x, 'x', 'cumprod');
  if (axis === null) {
    t = reshape(t, [-1]);
    axis = 0;
  }
  const a = checkAxis(axis, t.rank, 'cumprod', t.shape);
  const n = t.shape[a]!;
  if (n === 0) return t;
  // a running product of the slices: exp(cumsum(log x)) would fail on zeros and negatives
  const parts = split(t, n, a);
  const out: Tensor[] = [parts[0]!];
  for (let i = 1; i < n; i++) out.push(multiply(out[i - 1]!, parts[i]!));
  return concatenate(out, a);
}

/** `x` shifted by `shift` along `axis` with wrap-around (flattened when `axis` is null), as `np.roll`. */
export function roll(x: TensorLike, shift: number | number[], axis: number | number[] | null = null): Tensor {
  let t = toTensor(x, 'x', 'roll');
  if (axis === null) {
    const shape = [...t.shape];
    const s = Array.isArray(shift) ? shift.reduce((p, q) => p + q, 0) : shift;
    return reshape(roll(reshape(t, [-1]), s, 0), shape);
  }
  const axes = Array.isArray(axis) ? axis : [axis];
  const shifts = Array.isArray(shift) ? shift : axes.map(() => shift);
  if (shifts.length !== axes.length) throw new ValueError(`roll: shift and axis must have the same length. Received: shift=${JSON.stringify(shift)}, axis=${JSON.stringify(axis)}`);
  axes.forEach((ax, i) => {
    const a = checkAxis(ax, t.rank, 'roll', t.shape);
    const n = t.shape[a]!;
    if (n === 0) return;
    const s = (((shifts[i]! % n) + n) % n);
    if (s === 0) return;
    const begin = t.shape.map(() => 0), size = t.shape.map(() => -1);
    const tailBegin = [...begin]; tailBegin[a] = n - s;
    const headSize = [...size]; headSize[a] = n - s;
    t = concatenate([slice(t, tailBegin, size), slice(t, begin, headSize)], a);
  });
  return t;
}

/** `x`'s values along `axis` in ascending order and their indices: the TopK kernel of `-x` over all of them. */
function sorted(x: TensorLike, axis: number, op: string): [Tensor, Tensor] {
  const t = toTensor(x, 'x', op);
  if (t.rank === 0) throw new ValueError(`${op}: x must have at least 1 dimension. Received a scalar`);
  const a = checkAxis(axis, t.rank, op, t.shape);
  const last = t.rank - 1;
  const moved = a === last ? t : moveaxis(t, a, last);
  const n = moved.shape[last]!;
  if (n === 0) return [t, cast(t, 'int32')];
  const [negValues, indices] = topK(negative(moved), n);
  const values = negative(negValues);
  return a === last ? [values, indices] : [moveaxis(values, last, a), moveaxis(indices, last, a)];
}

/** `x` sorted ascending along `axis` (default the last), as `np.sort`; differentiable (the gradient follows each value). */
export function sort(x: TensorLike, axis = -1): Tensor {
  return sorted(x, axis, 'sort')[0];
}

/** The indices that sort `x` ascending along `axis` (int32), as `np.argsort`. */
export function argsort(x: TensorLike, axis = -1): Tensor {
  return sorted(x, axis, 'argsort')[1];
}
