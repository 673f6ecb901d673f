import {ValueError} from '../errors.js';
import {allocate, checkDType, checkNotString, dtypeOfArray, type DType, type TypedArray} from './dtype.js';
import {fmtShape, sizeOf, type Shape} from './shape.js';

let nextId = 1;

/** A nested array of numbers or booleans, as users write tensors literally. */
export type NestedArray = number | boolean | readonly NestedArray[];
/** A nested array of strings: the data of a `string` tensor. */
export type NestedStrings = string | readonly NestedStrings[];

/**
 * Storage a backend keeps outside JavaScript memory (a GPU buffer): the tensor's values live there
 * and are copied to a typed array only when something on the host reads them. Implemented by the
 * backend that owns the memory (`backends/webgpu`); the tensor only asks it for the values.
 */
export interface DeviceData {
  /** The values as a typed array, copied from the device the first time (then kept until the device copy changes). */
  readSync(): TypedArray;
  /** The same, without blocking. */
  read(): Promise<TypedArray>;
  /** The host copy when one is current, else null (never reads the device). */
  readonly hostCopy: TypedArray | null;
  /** A new storage holding a copy of these values (on the device). */
  clone(): DeviceData;
  /** Reads this storage and `others` (of the same device) back together, in one transfer. */
  readSyncWith(others: readonly DeviceData[]): void;
  /** The same, without blocking. */
  readWith(others: readonly DeviceData[]): Promise<void>;
  /** Why `readSync` cannot work here (a page cannot wait for its GPU), or null when it can. */
  readonly syncUnavailable: string | null;
}

/**
 * Brings the host copies of tensors that live on a device in at once (one transfer per device
 * instead of one per tensor): what a training step's logs do when a callback first reads one.
 */
export function fetchValues(ts: readonly Tensor[]): void {
  const ds = ts.map((t) => t.device).filter((d): d is DeviceData => d !== null && d.hostCopy === null);
  if (ds.length) ds[0]!.readSyncWith(ds.slice(1));
}

/**
 * `fetchValues` for code that can wait: reads the device values only where reading them
 * synchronously is impossible (a page's GPU), so that later synchronous reads find them on the host;
 * elsewhere nothing is read now and `fetchValues` reads them when first asked for, as before.
 */
export async function fetchValuesWhereAsyncOnly(ts: readonly Tensor[]): Promise<void> {
  const ds = ts.map((t) => t.device).filter((d): d is DeviceData => d !== null && d.hostCopy === null && d.syncUnavailable !== null);
  if (ds.length) await ds[0]!.readWith(ds.slice(1));
}

/**
 * An n-dimensional array: a shape, a dtype and contiguous row-major storage in a typed array (or,
 * on a GPU backend, in device memory read back on demand through `values`, `data()`, `dataSync()`).
 * Tensors are immutable values once returned by an op; the storage is garbage-collected, so there is
 * nothing to dispose.
 *
 * A `string` tensor stores, in `values`, indices (Int32Array) into its table `strings`: code that
 * moves rows around (batching, shuffling, slicing) copies indices and keeps the table, while no
 * kernel accepts the dtype (`execute` refuses it), so text reaches only the layers that read it.
 */
export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly size: number;
  private _storage: TypedArray | DeviceData;

  constructor(
    shape: Shape,
    readonly dtype: DType,
    /** Row-major storage, or device storage. Backends read it in place; do not write into a tensor you did not create. */
    storage: TypedArray | DeviceData,
    /** A `string` tensor's strings, which `values` index; null for every other dtype. */
    readonly strings: readonly string[] | null = null,
  ) {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this._storage = storage;
    if (ArrayBuffer.isView(storage) && storage.length !== this.size) {
      throw new ValueError(
        `Tensor storage has ${storage.length} elements but shape ${fmtShape(shape)} needs ${this.size}`,
      );
    }
    if ((dtype === 'string') !== (strings !== null) || (dtype === 'string' && !(storage instanceof Int32Array))) {
      throw new ValueError(
        dtype === 'string'
          ? 'A string tensor needs its strings and Int32Array indices into them; create one with stringTensor(...) or tensor([...strings])'
          : `A ${dtype} tensor holds numbers, not a table of strings`,
      );
    }
  }

  /** The same kind of tensor over other storage (rows copied or viewed): a string tensor keeps its table. */
  withValues(shape: Shape, values: TypedArray): Tensor {
    return new Tensor(shape, this.dtype, values, this.strings);
  }

  /** The strings of a `string` tensor in row-major order (an error naming the dtype for any other). */
  stringValues(): string[] {
    if (!this.strings) throw new ValueError(`stringValues() needs a string tensor. Received a ${this.dtype} tensor`);
    const table = this.strings;
    return Array.from(this.values, (i) => table[i]!);
  }

  /** The row-major values (read back from the device first if they live there). */
  get values(): TypedArray {
    const s = this._storage;
    return ArrayBuffer.isView(s) ? s : s.readSync();
  }

  /** The storage as given: a typed array, or a backend's device storage. */
  get storage(): TypedArray | DeviceData {
    return this._storage;
  }

  /** The device storage, when the values live on a device. */
  get device(): DeviceData | null {
    const s = this._storage;
    return ArrayBuffer.isView(s) ? null : s;
  }

  /** The host values when present without reading a device: the typed array, or a device's current host copy. */
  get hostValues(): TypedArray | null {
    const s = this._storage;
    return ArrayBuffer.isView(s) ? s : s.hostCopy;
  }

  /**
   * For backends: moves this tensor's storage to `d` (an upload of its values, or a device output
   * written into it). Shape and dtype stay; no other holder of the old storage may exist.
   */
  setStorage(d: TypedArray | DeviceData): void {
    this._storage = d;
  }

  /** A tensor of the same shape and dtype with its own copy of the values (on the device when they live there). */
  clone(): Tensor {
    const s = this._storage;
    return new Tensor(this.shape, this.dtype, ArrayBuffer.isView(s) ? s.slice() : s.clone(), this.strings);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The values, copied, as a typed array (synchronous). */
  dataSync(): TypedArray {
    return this.values.slice();
  }

  /** The values, copied, as a typed array. */
  async data(): Promise<TypedArray> {
    const s = this._storage;
    return (ArrayBuffer.isView(s) ? s : await s.read()).slice();
  }

  /** The values as nested JS arrays (booleans for `bool`, strings for `string`). */
  arraySync(): NestedArray {
    const v = this.values;
    const isBool = this.dtype === 'bool';
    const table = this.strings;
    const build = (dim: number, offset: number): NestedArray => {
      // cast: a string tensor's leaves are strings; callers of a string tensor read them as `NestedStrings`
      if (dim === this.shape.length) return table ? (table[v[offset]!] as unknown as NestedArray) : isBool ? v[offset] !== 0 : v[offset]!;
      const n = this.shape[dim]!;
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  async array(): Promise<NestedArray> {
    await this.data(); // the device copy read without blocking; arraySync then finds it on the host
    return this.arraySync();
  }

  /** A single number from a tensor of one element. */
  item(): number {
    if (this.strings) throw new ValueError('item() returns a number; this is a string tensor: read it with stringValues()[0]');
    if (this.size !== 1) {
      throw new ValueError(`item() needs a tensor of one element. Received shape ${fmtShape(this.shape)}`);
    }
    return this.values[0]!;
  }

  toString(): string {
    return formatTensor(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function formatNumber(x: number, dtype: DType, strings: readonly string[] | null): string {
  if (strings) return JSON.stringify(strings[x]);
  if (dtype === 'bool') return x ? 'true' : 'false';
  if (dtype === 'int32') return String(x);
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return x.toExponential(4);
  return Number(x.toFixed(4)).toString();
}

/** Readable form, NumPy-like, eliding the middle of long axes. */
export function formatTensor(t: Tensor, maxPerAxis = 6): string {
  const v = t.values;
  const rec = (dim: number, offset: number, indent: string): string => {
    if (dim === t.rank) return formatNumber(v[offset]!, t.dtype, t.strings);
    const n = t.shape[dim]!;
    const stride = sizeOf(t.shape.slice(dim + 1));
    const idx: (number | null)[] = [];
    if (n <= maxPerAxis) for (let i = 0; i < n; i++) idx.push(i);
    else {
      const h = maxPerAxis / 2;
      for (let i = 0; i < h; i++) idx.push(i);
      idx.push(null);
      for (let i = n - h; i < n; i++) idx.push(i);
    }
    const parts = idx.map((i) => (i === null ? '...' : rec(dim + 1, offset + i * stride, indent + ' ')));
    const sep = dim === t.rank - 1 ? ', ' : ',\n' + indent + ' ';
    return '[' + parts.join(sep) + ']';
  };
  return `Tensor(shape=${fmtShape(t.shape)}, dtype=${t.dtype},\n  ${rec(0, 0, '  ')})`;
}

// ---------------------------------------------------------------------------------------------
// Creation

function inferShape(x: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0] as NestedArray;
  }
  return shape;
}

function flattenInto(x: NestedArray, shape: number[], dim: number, out: number[], path: string): void {
  if (dim === shape.length) {
    if (Array.isArray(x)) throw new ValueError(`tensor: ragged nested array at ${path || 'top'}: expected a scalar`);
    if (typeof x === 'boolean') out.push(x ? 1 : 0);
    else if (typeof x === 'number') out.push(x);
    else throw new ValueError(`tensor: expected numbers or booleans, received ${x === null ? 'null' : typeof x} at ${path || 'top'}`);
    return;
  }
  if (!Array.isArray(x) || x.length !== shape[dim]) {
    throw new ValueError(
      `tensor: ragged nested array: expected ${shape[dim]} elements at ${path || 'top'}, received ${
        Array.isArray(x) ? x.length : 'a scalar'
      }`,
    );
  }
  for (let i = 0; i < x.length; i++) flattenInto(x[i] as NestedArray, shape, dim + 1, out, `${path}[${i}]`);
}

function firstLeaf(x: NestedArray): number | boolean | undefined {
  let cur: NestedArray = x;
  while (Array.isArray(cur)) {
    if (cur.length === 0) return undefined;
    cur = cur[0] as NestedArray;
  }
  return cur as number | boolean;
}

function checkShape(shape: Shape, op: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ValueError(`${op}: shape must be a list of non-negative integers. Received: shape=${fmtShape(shape)}`);
    }
  }
}

function fromNumbers(values: ArrayLike<number>, shape: Shape, dtype: DType): Tensor {
  const out = allocate(dtype, values.length);
  if (dtype === 'int32') {
    for (let i = 0; i < values.length; i++) out[i] = Math.trunc(values[i]!);
  } else if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  } else {
    out.set(values);
  }
  return new Tensor(shape, dtype, out);
}

/**
 * Creates a tensor from a nested array, a typed array or a number, as TF.js's `tf.tensor`.
 * The dtype defaults to the typed array's own, `bool` for booleans, `string` for strings (the input
 * of TextVectorization, StringLookup, Hashing), and `float32` otherwise.
 */
export function tensor(values: NestedArray | NestedStrings | TypedArray | Tensor, shape?: Shape, dtype?: DType): Tensor {
  if (dtype !== undefined) checkDType(dtype, 'tensor');
  if (values instanceof Tensor) {
    const d = dtype ?? values.dtype;
    const s = shape ?? values.shape;
    checkShape(s, 'tensor');
    if (sizeOf(s) !== values.size) {
      throw new ValueError(`tensor: shape ${fmtShape(s)} does not match ${values.size} values`);
    }
    if ((d === 'string') !== (values.dtype === 'string')) {
      throw new ValueError(`tensor: cannot convert a ${values.dtype} tensor to ${d}: strings and numbers do not convert into each other`);
    }
    return d === values.dtype ? values.withValues(s, values.values.slice()) : fromNumbers(values.values, s, d);
  }
  if (firstLeafIsString(values)) return stringTensor(values as NestedStrings, shape);
  if (dtype === 'string') {
    throw new ValueError(
      'tensor: numbers cannot become a string tensor (did a number meet a string tensor in an op?). String tensors hold text ' +
        'for the layers that read it (StringLookup, TextVectorization, Hashing) and take part in no arithmetic',
    );
  }
  if (ArrayBuffer.isView(values)) {
    const arr = values as TypedArray;
    const own = dtypeOfArray(arr);
    if (own === null) {
      throw new ValueError(
        `tensor: unsupported typed array ${arr.constructor.name}. Expected Float32Array, Float64Array, Int32Array or a smaller integer array`,
      );
    }
    const d = dtype ?? own;
    const s = shape ?? [arr.length];
    checkShape(s, 'tensor');
    if (sizeOf(s) !== arr.length) {
      throw new ValueError(`tensor: shape ${fmtShape(s)} needs ${sizeOf(s)} values, received ${arr.length}`);
    }
    return fromNumbers(arr, s, d);
  }
  const inferred = inferShape(values as NestedArray);
  const flat: number[] = [];
  flattenInto(values as NestedArray, inferred, 0, flat, '');
  const leaf = firstLeaf(values as NestedArray);
  const d = dtype ?? (typeof leaf === 'boolean' ? 'bool' : 'float32');
  const s = shape ?? inferred;
  checkShape(s, 'tensor');
  if (sizeOf(s) !== flat.length) {
    throw new ValueError(`tensor: shape ${fmtShape(s)} needs ${sizeOf(s)} values, received ${flat.length}`);
  }
  return fromNumbers(flat, s, d);
}

function firstLeafIsString(x: unknown): boolean {
  let cur = x;
  while (Array.isArray(cur)) {
    if (cur.length === 0) return false;
    cur = cur[0];
  }
  return typeof cur === 'string';
}

/**
 * A `string` tensor from a string or nested arrays of strings (rectangular): the data of an
 * `Input({dtype: 'string'})`, StringLookup, TextVectorization or Hashing.
 *
 * ```ts
 * stringTensor([['the cat'], ['a dog']]);   // shape [2, 1], dtype string
 * ```
 */
export function stringTensor(values: NestedStrings, shape?: Shape): Tensor {
  const inferred = inferShape(values as NestedArray);
  const flat: string[] = [];
  const walk = (x: unknown, dim: number, path: string): void => {
    if (dim === inferred.length) {
      if (typeof x !== 'string') {
        throw new ValueError(`stringTensor: expected strings, received ${x === null ? 'null' : Array.isArray(x) ? 'a nested array (ragged)' : typeof x} at ${path || 'top'}`);
      }
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== inferred[dim]) {
      throw new ValueError(`stringTensor: ragged nested array: expected ${inferred[dim]} elements at ${path || 'top'}, received ${Array.isArray(x) ? x.length : 'a string'}`);
    }
    x.forEach((e: unknown, i) => walk(e, dim + 1, `${path}[${i}]`));
  };
  walk(values, 0, '');
  const s = shape ?? inferred;
  checkShape(s, 'stringTensor');
  if (sizeOf(s) !== flat.length) throw new ValueError(`stringTensor: shape ${fmtShape(s)} needs ${sizeOf(s)} strings, received ${flat.length}`);
  return new Tensor(s, 'string', Int32Array.from(flat, (_, i) => i), flat);
}

export function scalar(value: number | boolean, dtype?: DType): Tensor {
  return tensor(value, [], dtype);
}

export function full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
  checkShape(shape, 'full');
  checkDType(dtype, 'full');
  checkNotString(dtype, 'full', 'output');
  const out = allocate(dtype, sizeOf(shape));
  out.fill(dtype === 'bool' ? (value ? 1 : 0) : value);
  return new Tensor(shape, dtype, out);
}

export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  checkShape(shape, 'zeros');
  checkDType(dtype, 'zeros');
  // as tf.zeros: a string tensor of empty strings
  if (dtype === 'string') return new Tensor(shape, 'string', new Int32Array(sizeOf(shape)), ['']);
  return new Tensor(shape, dtype, allocate(dtype, sizeOf(shape)));
}

export function ones(shape: Shape, dtype: DType = 'float32'): Tensor {
  return full(shape, 1, dtype);
}

/** Identity matrix `[n, m]` (m defaults to n). */
export function eye(n: number, m: number = n, dtype: DType = 'float32'): Tensor {
  checkNotString(dtype, 'eye', 'output');
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(m) || m < 0) {
    throw new ValueError(`eye: n and m must be non-negative integers. Received: n=${n}, m=${m}`);
  }
  const t = zeros([n, m], dtype);
  for (let i = 0; i < Math.min(n, m); i++) t.values[i * m + i] = 1;
  return t;
}

/**
 * `[start, stop)` by `step`, as NumPy's `arange`; `arange(n)` counts from 0. The dtype is `int32`
 * when start, stop and step are all integers, else `float32`.
 */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (dtype !== undefined) checkNotString(checkDType(dtype, 'arange'), 'arange', 'output');
  if (![start, stop, step].every(Number.isFinite)) {
    throw new ValueError(`arange: start, stop and step must be finite numbers. Received: start=${start}, stop=${stop}, step=${step}`);
  }
  if (step === 0) throw new ValueError('arange: step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const d = dtype ?? ([start, stop, step].every(Number.isInteger) ? 'int32' : 'float32');
  const out = allocate(d, n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return new Tensor([n], d, out);
}
