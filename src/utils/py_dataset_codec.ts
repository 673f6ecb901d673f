/**
 * How a `PyDataset`'s fields and batches cross to and from its worker threads (py_dataset_workers.ts):
 * tensors as their shape, dtype and copied values; typed arrays, arrays, plain objects and primitives
 * as a structured clone carries them.
 */
import {ValueError} from '../errors.js';
import {isDType} from '../tensor/dtype.js';
import {Tensor} from '../tensor/tensor.js';

const TENSOR = '__kerasTsTensor';

/** A value as it crosses to or from a worker: tensors become `{[TENSOR]: {shape, dtype, values, strings}}` (values copied). */
export function encode(x: unknown, path: string): unknown {
  if (x instanceof Tensor) return {[TENSOR]: {shape: [...x.shape], dtype: x.dtype, values: x.values.slice(), strings: x.strings ? [...x.strings] : null}};
  if (x === null || typeof x !== 'object') {
    if (typeof x === 'function' || typeof x === 'symbol') {
      throw new ValueError(`PyDataset with useMultiprocessing: ${path} is a ${typeof x}, which cannot be copied to a worker thread (tensors, typed arrays, arrays, plain objects and primitives can)`);
    }
    return x;
  }
  if (ArrayBuffer.isView(x)) return x;
  if (Array.isArray(x)) return x.map((v, i) => encode(v, `${path}[${i}]`));
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) {
    throw new ValueError(
      `PyDataset with useMultiprocessing: ${path} is a ${(x as object).constructor?.name ?? 'object'}, which cannot be copied to a worker thread (tensors, typed arrays, arrays, plain objects and primitives can)`,
    );
  }
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, encode(v, `${path}.${k}`)]));
}

export function decode(x: unknown): unknown {
  if (x === null || typeof x !== 'object' || ArrayBuffer.isView(x)) return x;
  if (Array.isArray(x)) return x.map(decode);
  const t = (x as Record<string, unknown>)[TENSOR] as {shape: number[]; dtype: string; values: Float32Array; strings?: string[] | null} | undefined;
  if (t !== undefined && isDType(t.dtype)) return new Tensor(t.shape, t.dtype, t.values, t.strings ?? null);
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, decode(v)]));
}

