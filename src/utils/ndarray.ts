/**
 * NumPy arrays as they come out of `.npy` files and pickles: a NumPy type string, a shape and the
 * values, always in C (row-major) order and in this machine's byte order. Shared by `npy.ts` and
 * `pickle.ts`; turned into Tensors by `ndarrayToTensor`.
 *
 * Element types: `u1 i1 u2 i2 u4 i4 i8 u8 f2 f4 f8 b1` and `O` (object). 64-bit integers are narrowed
 * to Int32Array after checking that every value fits (Keras's dataset files store labels and word
 * indices as int64); half floats are widened to Float32Array.
 */
import {endianness} from '../platform/index.js';
import {ValueError} from '../errors.js';
import {Tensor} from '../tensor/tensor.js';
import type {DType} from '../tensor/dtype.js';

export type NdKind = 'u1' | 'i1' | 'u2' | 'i2' | 'u4' | 'i4' | 'u8' | 'i8' | 'f2' | 'f4' | 'f8' | 'b1' | 'O';

export type NdData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | unknown[];

export interface NdArray {
  /** NumPy's type code without byte order: `u1`, `i8`, `f4`, `b1`, `O` ... */
  readonly kind: NdKind;
  readonly shape: readonly number[];
  /** C-order values; `unknown[]` for object arrays (their elements are unpickled Python values). */
  readonly data: NdData;
}

const ITEMSIZE: Record<Exclude<NdKind, 'O'>, number> = {
  u1: 1, i1: 1, b1: 1, u2: 2, i2: 2, f2: 2, u4: 4, i4: 4, f4: 4, u8: 8, i8: 8, f8: 8,
};

/** Splits a NumPy `descr` such as `<f4`, `|u1`, `>i8`, `?`, `|O` into its kind and byte order. */
export function parseDescr(descr: string, where: string): {kind: NdKind; bigEndian: boolean} {
  let order = '=';
  let code = descr;
  if ('<>|='.includes(descr[0] ?? '')) {
    order = descr[0]!;
    code = descr.slice(1);
  }
  if (code === '?') code = 'b1';
  if (code === 'O' || code === 'O8' || code === 'O4') return {kind: 'O', bigEndian: false};
  if (code === 'B' || code === 'u1') code = 'u1';
  if (code === 'b' || code === 'i1') code = 'i1';
  if (!(code in ITEMSIZE)) {
    throw new ValueError(
      `${where}: unsupported NumPy dtype ${JSON.stringify(descr)}. Supported: u1, i1, u2, i2, u4, i4, u8, i8, f2, f4, f8, bool, object`,
    );
  }
  const bigEndian = order === '>' || (order === '=' && endianness() === 'BE');
  return {kind: code as NdKind, bigEndian};
}

export function itemsize(kind: Exclude<NdKind, 'O'>): number {
  return ITEMSIZE[kind];
}

export function sizeOfShape(shape: readonly number[], where: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ValueError(`${where}: invalid array shape [${shape.join(', ')}]`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw new ValueError(`${where}: array shape [${shape.join(', ')}] is too large`);
  return n;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * Decodes raw array bytes (as stored in `.npy` or a pickled ndarray) into C-order values.
 * `bytes` must hold exactly `size(shape) * itemsize` bytes.
 */
export function decodeArrayBytes(
  bytes: Uint8Array,
  kind: Exclude<NdKind, 'O'>,
  bigEndian: boolean,
  shape: readonly number[],
  fortranOrder: boolean,
  where: string,
): NdArray {
  const n = sizeOfShape(shape, where);
  const isz = ITEMSIZE[kind];
  if (bytes.length !== n * isz) {
    throw new ValueError(
      `${where}: array data has ${bytes.length} bytes but shape [${shape.join(', ')}] of ${kind} needs ${n * isz}`,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = !bigEndian;
  let data: Exclude<NdData, unknown[]>;
  switch (kind) {
    case 'u1':
    case 'b1':
      data = new Uint8Array(bytes);
      break;
    case 'i1':
      data = new Int8Array(new Uint8Array(bytes).buffer);
      break;
    case 'u2': {
      const a = new Uint16Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getUint16(2 * i, le);
      data = a;
      break;
    }
    case 'i2': {
      const a = new Int16Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getInt16(2 * i, le);
      data = a;
      break;
    }
    case 'f2': {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = halfToFloat(dv.getUint16(2 * i, le));
      data = a;
      break;
    }
    case 'u4': {
      const a = new Uint32Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getUint32(4 * i, le);
      data = a;
      break;
    }
    case 'i4': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getInt32(4 * i, le);
      data = a;
      break;
    }
    case 'f4': {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getFloat32(4 * i, le);
      data = a;
      break;
    }
    case 'f8': {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getFloat64(8 * i, le);
      data = a;
      break;
    }
    case 'i8':
    case 'u8': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = kind === 'i8' ? dv.getBigInt64(8 * i, le) : dv.getBigUint64(8 * i, le);
        if (v > 2147483647n || v < -2147483648n) {
          throw new ValueError(
            `${where}: ${kind === 'i8' ? 'int64' : 'uint64'} value ${v} at flat index ${i} does not fit in int32, the widest integer type of keras-ts`,
          );
        }
        a[i] = Number(v);
      }
      data = a;
      break;
    }
  }
  if (fortranOrder && shape.length > 1) data = fortranToC(data, shape);
  return {kind, shape: [...shape], data};
}

/** Reorders column-major values into row-major ones. */
function fortranToC<T extends Exclude<NdData, unknown[]> | unknown[]>(src: T, shape: readonly number[]): T {
  const rank = shape.length;
  const n = src.length;
  const out = (Array.isArray(src) ? new Array(n) : new (src.constructor as new (n: number) => T)(n)) as T;
  // strides of the Fortran layout
  const fstride: number[] = new Array(rank);
  let s = 1;
  for (let d = 0; d < rank; d++) {
    fstride[d] = s;
    s *= shape[d]!;
  }
  const idx = new Array<number>(rank).fill(0);
  for (let c = 0; c < n; c++) {
    let f = 0;
    for (let d = 0; d < rank; d++) f += idx[d]! * fstride[d]!;
    (out as unknown[])[c] = (src as unknown[])[f];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * A Tensor holding an array's values: integer and bool kinds become `int32` (there is no uint8
 * dtype; image bytes 0..255 and labels keep their values), floats become `floatDtype`.
 */
export function ndarrayToTensor(a: NdArray, floatDtype: DType = 'float32', where = 'ndarrayToTensor'): Tensor {
  if (a.kind === 'O' || Array.isArray(a.data)) {
    throw new ValueError(`${where}: an object array (dtype=object) cannot become a Tensor; its elements are Python objects`);
  }
  const d = a.data as Exclude<NdData, unknown[]>;
  if (a.kind[0] === 'f') {
    if (floatDtype === 'float64') return new Tensor(a.shape, 'float64', d instanceof Float64Array ? d : Float64Array.from(d));
    if (floatDtype !== 'float32') throw new ValueError(`${where}: floatDtype must be float32 or float64. Received: ${floatDtype}`);
    return new Tensor(a.shape, 'float32', d instanceof Float32Array ? d : Float32Array.from(d));
  }
  if (a.kind === 'u4') {
    const out = new Int32Array(d.length);
    for (let i = 0; i < d.length; i++) {
      if (d[i]! > 2147483647) throw new ValueError(`${where}: uint32 value ${d[i]} does not fit in int32`);
      out[i] = d[i]!;
    }
    return new Tensor(a.shape, 'int32', out);
  }
  return new Tensor(a.shape, 'int32', d instanceof Int32Array ? d : Int32Array.from(d as ArrayLike<number>));
}
