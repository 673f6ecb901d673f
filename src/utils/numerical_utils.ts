/**
 * `keras.utils.to_categorical` and `keras.utils.normalize`, computed directly on the values (they are
 * data preparation, not part of a model's graph).
 *
 * ```ts
 * toCategorical([0, 1, 2, 3], 4); // 4x4 identity, float32
 * normalize([[3, 4]]);            // [[0.6, 0.8]]
 * ```
 */
import {floatx} from '../config.js';
import {ValueError} from '../errors.js';
import {allocate, type TypedArray} from '../tensor/dtype.js';
import {fmtShape, normAxis} from '../tensor/shape.js';
import {Tensor, tensor, type NestedArray} from '../tensor/tensor.js';

type ArrayInput = Tensor | NestedArray | TypedArray;

function asTensor(x: ArrayInput): Tensor {
  return x instanceof Tensor ? x : tensor(x as NestedArray);
}

/**
 * One-hot encodes integer class labels: output shape `[...x.shape, numClasses]`, except that a
 * trailing axis of size 1 is dropped first (`[n, 1]` labels give `[n, numClasses]`). `numClasses`
 * defaults to `max(x) + 1`. The result has dtype `floatx()`.
 */
export function toCategorical(x: ArrayInput, numClasses?: number | null): Tensor {
  const t = asTensor(x);
  let shape = [...t.shape];
  if (shape.length > 1 && shape[shape.length - 1] === 1) shape = shape.slice(0, -1);
  const v = t.values;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i])) {
      throw new ValueError(`to_categorical: class values must be integers. Received: ${v[i]} at flat index ${i}`);
    }
  }
  let n = numClasses ?? 0;
  if (!n) {
    let m = -1;
    for (let i = 0; i < v.length; i++) if (v[i]! > m) m = v[i]!;
    n = m + 1;
  }
  if (!Number.isInteger(n) || n <= 0) {
    throw new ValueError(`to_categorical: num_classes must be a positive integer. Received: num_classes=${numClasses}`);
  }
  const out = allocate(floatx(), v.length * n);
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c < 0 || c >= n) {
      throw new ValueError(`to_categorical: class value ${c} at flat index ${i} is outside [0, ${n}) for num_classes=${n}`);
    }
    out[i * n + c] = 1;
  }
  return new Tensor([...shape, n], floatx(), out);
}

/**
 * Divides `x` by its `order`-norm along `axis` (as `np.linalg.norm`: `order` 2 is Euclidean, 1 the sum
 * of magnitudes, `Infinity` the largest magnitude, 0 the count of non-zeros, p the p-norm); a zero norm
 * divides by 1. Integer input gives a `floatx()` result.
 */
export function normalize(x: ArrayInput, axis = -1, order = 2): Tensor {
  const t = asTensor(x);
  const rank = Math.max(1, t.rank);
  const ax = normAxis(axis, rank);
  if (ax === null) {
    throw new ValueError(`normalize: axis ${axis} is out of bounds for an array of rank ${t.rank}. Shape: ${fmtShape(t.shape)}`);
  }
  if (!(order >= 0)) throw new ValueError(`normalize: order must be a non-negative number or Infinity. Received: order=${order}`);
  const shape = t.rank === 0 ? [1] : t.shape;
  const dtype = t.dtype === 'float64' ? 'float64' : floatx();
  const len = shape[ax]!;
  const inner = shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const v = t.values;
  const out = allocate(dtype, v.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let norm = 0;
      if (order === Infinity) {
        for (let k = 0; k < len; k++) norm = Math.max(norm, Math.abs(v[base + k * inner]!));
      } else if (order === 0) {
        for (let k = 0; k < len; k++) norm += v[base + k * inner] !== 0 ? 1 : 0;
      } else if (order === 1) {
        for (let k = 0; k < len; k++) norm += Math.abs(v[base + k * inner]!);
      } else if (order === 2) {
        for (let k = 0; k < len; k++) norm += v[base + k * inner]! ** 2;
        norm = Math.sqrt(norm);
      } else {
        for (let k = 0; k < len; k++) norm += Math.abs(v[base + k * inner]!) ** order;
        norm = norm ** (1 / order);
      }
      if (norm === 0) norm = 1;
      for (let k = 0; k < len; k++) out[base + k * inner] = v[base + k * inner]! / norm;
    }
  }
  return new Tensor(t.shape, dtype, out);
}
