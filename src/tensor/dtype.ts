import {ValueError} from '../errors.js';

/**
 * Element types. `float64` is available on the reference backend only. `string` tensors hold text
 * for the preprocessing layers that read it (StringLookup, TextVectorization, Hashing); no kernel
 * takes them (see `checkNotString`).
 */
export type DType = 'float32' | 'float64' | 'int32' | 'bool' | 'string';
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool', 'string'];

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

/** Throws a clear error for anything that is not one of the dtypes above, naming the op. */
export function checkDType(dtype: unknown, op: string): DType {
  if (!isDType(dtype)) {
    throw new ValueError(`${op}: unknown dtype ${JSON.stringify(dtype)}. Expected one of ${DTYPES.join(', ')}`);
  }
  return dtype;
}

export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

/** From this many floats `allocate` takes float32 storage from the allocator a backend set (below: plain arrays). */
export const ALIGNED_MIN_FLOATS = 256;

let float32Allocator: ((length: number) => Float32Array) | null = null;

/**
 * Where `allocate` takes float32 storage of at least ALIGNED_MIN_FLOATS floats from: the native
 * backend sets one that returns 64-byte-aligned zeroed arrays (a view into an ArrayBuffer a little
 * longer), so that its SIMD loads never straddle two cache lines and two threads splitting a matrix
 * by columns (at multiples of 16 floats) never write one line. null: `new Float32Array`. The arrays
 * it returns are ordinary Float32Arrays; code that reads `.buffer` must honour `byteOffset`.
 */
export function setFloat32Allocator(allocator: ((length: number) => Float32Array) | null): void {
  float32Allocator = allocator;
}

export function allocate(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return float32Allocator && size >= ALIGNED_MIN_FLOATS ? float32Allocator(size) : new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
    case 'string': // a string tensor's storage: indices into its table of strings
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

/**
 * The dtype a tensor made from this typed array gets by default. Small integer arrays (image bytes
 * from a dataset, say) hold numbers, not booleans: they become `int32`; ask for `bool` explicitly.
 * Returns null for arrays whose values do not fit one of our dtypes (Uint32, BigInt64, ...).
 */
export function dtypeOfArray(a: ArrayBufferView): DType | null {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (
    a instanceof Int32Array || a instanceof Uint8Array || a instanceof Uint8ClampedArray ||
    a instanceof Int8Array || a instanceof Int16Array || a instanceof Uint16Array
  ) {
    return 'int32';
  }
  return null;
}

const RANK: Record<Exclude<DType, 'string'>, number> = {bool: 0, int32: 1, float32: 2, float64: 3};

/** Result dtype of a binary op, as Keras's `result_type` for the numeric types. */
export function upcast(a: DType, b: DType): DType {
  if (a === 'string' || b === 'string') {
    if (a === b) return a;
    throw new ValueError(`Cannot combine a string tensor with a ${a === 'string' ? b : a} tensor: string tensors hold text for StringLookup, TextVectorization and Hashing, and take part in no arithmetic`);
  }
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * Refuses a string tensor where numbers are needed, naming the op: string tensors only flow into
 * the layers that read text (StringLookup, TextVectorization, Hashing), which turn them into numbers.
 */
export function checkNotString(dtype: DType, what: string, role: 'input' | 'output' = 'input'): void {
  if (dtype === 'string') {
    const said = role === 'input' ? 'received a string tensor, but this operation needs numbers' : 'cannot make a string tensor, only numbers';
    throw new ValueError(
      `${what}: ${said}. String tensors can only be passed to layers that ` +
        'read text (StringLookup, TextVectorization, Hashing), which turn them into numbers',
    );
  }
}
