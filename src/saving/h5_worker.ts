/**
 * The HDF5 worker: the only place that runs the HDF5 library (h5wasm). It runs in a worker thread
 * because HDF5 can abort or loop forever on a corrupted file; the main thread (`h5_io.ts`) puts a
 * time limit on every request and replaces a worker that failed, so a bad file costs an error,
 * never the process.
 *
 * Requests: `{id, op: 'read', path, limits}` -> `{id, ok, tree}`; `{id, op: 'write', path, tree}`.
 */
import {devNull, loadH5wasm, openSync, parentPort} from '../platform/index.js';
import type {GuessableDataTypes} from 'h5wasm';
import type {H5AttrValue, H5Data, H5DType, H5Group, H5Node} from './h5_tree.js';

// The HDF5 library prints diagnostics and emscripten prints warnings; errors reach the caller as
// exceptions, so this thread stays quiet. Done before the library binds `console.error`. In a page
// (no worker: `parentPort` is null) this module is imported directly and `h5_memory.ts` quiets each call.
const quiet = (): void => undefined;
if (parentPort) {
  console.error = quiet;
  console.warn = quiet;
  console.log = quiet;
}

type H5Module = typeof import('h5wasm');
export const h5: H5Module = await loadH5wasm();
if (parentPort) {
  const FS = h5.FS as unknown as {getStream(fd: number): {nfd: number}} | null;
  const stderr = FS?.getStream(2);
  if (stderr) stderr.nfd = openSync(devNull, 'w');
}

export interface ReadLimits {
  /** Largest declared size of one dataset, in bytes. */
  maxDatasetBytes: number;
  /** Largest total of all datasets, in bytes. */
  maxTotalBytes: number;
  /** Datasets above this size must not declare more than `maxExpansion` times the file's size. */
  expansionFloorBytes: number;
  maxExpansion: number;
  maxObjects: number;
  maxDepth: number;
  /** Size of the file, for the expansion check. */
  fileBytes: number;
}

class ReadError extends Error {}

function dtypeOf(meta: {type: number; size: number; signed: boolean; vlen?: boolean}, dtypeAttr?: unknown): H5DType | null {
  const T = h5.Module.H5T_class_t;
  if (meta.type === T.H5T_OPAQUE.value && meta.size === 2 && dtypeAttr === 'bfloat16') return 'bfloat16';
  if (meta.type === T.H5T_FLOAT.value) return meta.size === 4 ? 'float32' : meta.size === 8 ? 'float64' : meta.size === 2 ? 'float16' : null;
  if (meta.type === T.H5T_INTEGER.value) {
    const bits = meta.size * 8;
    if (![8, 16, 32, 64].includes(bits)) return null;
    return `${meta.signed ? 'int' : 'uint'}${bits}` as H5DType;
  }
  if (meta.type === T.H5T_STRING.value) return 'string';
  return null;
}

const ARRAYS = {float16: Float32Array, bfloat16: Float32Array, float32: Float32Array, float64: Float64Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, int64: Float64Array, uint64: Float64Array};

/** Every typed array h5wasm returns for numbers (BigInt64Array for 64-bit integers). */
type NumericView = Exclude<H5Data, string[]> | BigInt64Array | BigUint64Array;
const NUMERIC_VIEWS = [Float32Array, Float64Array, Int8Array, Int16Array, Int32Array, Uint8Array, Uint16Array, Uint32Array, BigInt64Array, BigUint64Array];

function isNumericView(v: unknown): v is NumericView {
  return NUMERIC_VIEWS.some((C) => v instanceof C);
}

function emptyOf(dtype: H5DType): H5Data {
  if (dtype === 'string') return [];
  return new (ARRAYS[dtype as keyof typeof ARRAYS] ?? Float32Array)(0);
}

function toData(dtype: H5DType, v: unknown, n: number, where: string): H5Data {
  const bad = (): never => {
    throw new ReadError(`dataset ${where}: cannot decode ${n} values of type ${dtype}`);
  };
  if (dtype === 'string') {
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((s) => typeof s === 'string')) bad();
    return list as string[];
  }
  if (dtype === 'int64' || dtype === 'uint64') {
    // 64-bit integers (Keras's `iteration` counter) become float64: exact up to 2^53
    const list: unknown[] = isNumericView(v) ? Array.from<number | bigint>(v) : Array.isArray(v) ? v : [v];
    const out = new Float64Array(list.length);
    list.forEach((x, i) => (out[i] = Number(x)));
    return out;
  }
  if (dtype === 'float16' || dtype === 'bfloat16') return bad();
  if (isNumericView(v)) return v instanceof BigInt64Array || v instanceof BigUint64Array ? bad() : v.slice();
  if (typeof v === 'number' && n === 1) {
    const C = ARRAYS[dtype as keyof typeof ARRAYS];
    return C ? new C([v]) : bad();
  }
  return bad();
}

// --- 2-byte floats: h5wasm refuses float16 and gives bfloat16 as opaque bytes, so both are read raw ---

/** IEEE 754 half precision bits as a number (subnormals, infinities and NaN included). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** The dataset's bytes as the file stores them (h5wasm's own read, without its type conversion). */
function rawBytes(file: {file_id: bigint}, path: string, nbytes: number): Uint8Array {
  const M = h5.Module as unknown as {_malloc(n: number): number; _free(p: number): void; HEAPU8: Uint8Array; get_dataset_data(f: bigint, p: string, c: null, o: null, s: null, ptr: bigint): number};
  const ptr = M._malloc(Math.max(1, nbytes));
  if (!ptr) throw new ReadError(`dataset ${path}: cannot allocate ${nbytes} bytes`);
  try {
    M.get_dataset_data(file.file_id, path, null, null, null, BigInt(ptr));
    return M.HEAPU8.slice(ptr, ptr + nbytes);
  } finally {
    M._free(ptr);
  }
}

/** float16 (IEEE, byte order from the file) or bfloat16 (the top half of a float32, little-endian as numpy writes it) as float32. */
function twoByteFloats(bytes: Uint8Array, n: number, dtype: 'float16' | 'bfloat16', littleEndian: boolean): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  if (dtype === 'bfloat16') {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = dv.getUint16(2 * i, true) << 16;
  } else {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, littleEndian));
  }
  return out;
}

function readAttrs(obj: {attrs: Record<string, {value: unknown; metadata: {type: number; size: number; signed: boolean; vlen: boolean}}>}, where: string): Record<string, H5AttrValue> {
  const out: Record<string, H5AttrValue> = {};
  for (const [name, attr] of Object.entries(obj.attrs)) {
    const v = attr.value;
    const meta = attr.metadata;
    if (typeof v === 'string') out[name] = v;
    else if (Array.isArray(v) && v.every((s) => typeof s === 'string')) out[name] = meta.vlen ? v : {strings: v as string[], fixed: true};
    else if (typeof v === 'number') out[name] = v;
    else if (typeof v === 'bigint') out[name] = Number(v);
    else if (isNumericView(v)) out[name] = Array.from<number | bigint, number>(v, Number);
    else if (v === null || v === undefined) continue;
    else throw new ReadError(`attribute "${name}" of ${where} has a type this reader does not support`);
  }
  return out;
}

export function readFile(path: string, lim: ReadLimits): H5Group {
  let objects = 0;
  let total = 0;
  const file = new h5.File(path, 'r');
  try {
    if (!file || file.file_id < 0n) throw new ReadError('not an HDF5 file');
    const walk = (g: InstanceType<H5Module['Group']>, where: string, depth: number): H5Group => {
      if (depth > lim.maxDepth) throw new ReadError(`groups nested deeper than ${lim.maxDepth} levels at ${where}`);
      const node: H5Group = {kind: 'group', attrs: readAttrs(g, where), children: Object.create(null) as Record<string, H5Node>, order: []};
      for (const name of g.keys()) {
        if (++objects > lim.maxObjects) throw new ReadError(`more than ${lim.maxObjects} objects`);
        const p = where === '/' ? `/${name}` : `${where}/${name}`;
        const child = g.get(name);
        if (child instanceof h5.Group) {
          node.children[name] = walk(child, p, depth + 1);
        } else if (child instanceof h5.Dataset) {
          const meta = child.metadata as {type: number; size: number; signed: boolean; vlen: boolean; littleEndian: boolean; total_size: number; shape: number[] | null};
          const attrs = readAttrs(child, p);
          const dtype = dtypeOf(meta, attrs['dtype']);
          if (!dtype) throw new ReadError(`dataset ${p} has an element type this reader does not support (class ${meta.type}, ${meta.size} bytes)`);
          const shape = meta.shape ?? [];
          const n = shape.reduce((a, b) => a * b, 1);
          const bytes = n * meta.size;
          if (!Number.isSafeInteger(bytes) || bytes > lim.maxDatasetBytes) {
            throw new ReadError(`dataset ${p} declares ${bytes} bytes (shape [${shape.join(', ')}]), over the limit of ${lim.maxDatasetBytes}`);
          }
          if (bytes > lim.expansionFloorBytes && bytes > lim.maxExpansion * lim.fileBytes) {
            throw new ReadError(`dataset ${p} declares ${bytes} bytes but the file holds only ${lim.fileBytes}: refusing a potential decompression/shape bomb`);
          }
          total += bytes;
          if (total > lim.maxTotalBytes) throw new ReadError(`datasets add up to more than ${lim.maxTotalBytes} bytes`);
          const data =
            n === 0 ? emptyOf(dtype)
            : dtype === 'float16' || dtype === 'bfloat16' ? twoByteFloats(rawBytes(file, p, bytes), n, dtype, meta.littleEndian)
            : toData(dtype, child.value, n, p);
          if (data.length !== n) throw new ReadError(`dataset ${p} holds ${data.length} values, expected ${n} for shape [${shape.join(', ')}]`);
          node.children[name] = {kind: 'dataset', dtype, shape: [...shape], data, attrs};
        } else if (child === null) {
          throw new ReadError(`cannot open ${p}`);
        } else {
          // soft, external and broken links, named datatypes: Keras refuses links, and weights never use them
          throw new ReadError(`${p} is a ${(child as {type?: string}).type ?? 'link'}; links are not allowed in weight files`);
        }
        node.order.push(name);
      }
      return node;
    };
    return walk(file, '/', 0);
  } finally {
    file.close();
  }
}

function attrArgs(v: H5AttrValue): [GuessableDataTypes, number[] | null, string | null] {
  if (typeof v === 'string') return [v, null, null];
  if (typeof v === 'number') return [v, null, Number.isInteger(v) ? '<i' : '<d'];
  if (Array.isArray(v)) {
    if (v.length === 0) return [new Float64Array(0), [0], '<d'];
    if (v.every((x) => typeof x === 'string')) return [v, [v.length], null];
    return [new Float64Array(v as number[]), [v.length], '<d'];
  }
  if ('strings' in v) {
    if (v.strings.length === 0) return [new Float64Array(0), [0], '<d']; // as h5py stores an empty numpy array
    const len = Math.max(1, ...v.strings.map((s) => utf8Length(s)));
    return [v.strings, [v.strings.length], `A${len}`];
  }
  return [v.dtype === 'int32' ? new Int32Array(v.values) : new Float64Array(v.values), [v.values.length], v.dtype === 'int32' ? '<i' : '<d'];
}

const H5_DTYPE: Record<H5DType, string> = {
  float16: '<e', bfloat16: '<e', float32: '<f', float64: '<d', int8: '<b', int16: '<h', int32: '<i', int64: '<q',
  uint8: '<B', uint16: '<H', uint32: '<I', uint64: '<Q', string: 'S',
};

export function writeFile(path: string, tree: H5Group): void {
  const file = new h5.File(path, 'w');
  try {
    const put = (g: InstanceType<H5Module['Group']>, node: H5Group, where: string): void => {
      for (const [k, v] of Object.entries(node.attrs)) {
        const [data, shape, dtype] = attrArgs(v);
        g.create_attribute(k, data, shape, dtype);
      }
      for (const name of node.order) {
        const child = node.children[name];
        if (!child) continue;
        const p = `${where}/${name}`;
        if (child.kind === 'group') {
          const sub = g.create_group(name);
          if (!sub) throw new Error(`cannot create group ${p}`);
          put(sub, child, p);
        } else {
          // weights are always written as float32; 2-byte floats are only read
          if (child.dtype === 'float16' || child.dtype === 'bfloat16') throw new Error(`cannot write ${p} as ${child.dtype}`);
          let data: GuessableDataTypes = child.data;
          if (child.dtype === 'int64') data = BigInt64Array.from(child.data as ArrayLike<number>, (x) => BigInt(Math.round(x)));
          if (child.dtype === 'uint64') data = BigUint64Array.from(child.data as ArrayLike<number>, (x) => BigInt(Math.round(x)));
          const ds = g.create_dataset({name, data: data, shape: child.shape, dtype: H5_DTYPE[child.dtype]});
          if (!ds) throw new Error(`cannot create dataset ${p}`);
          for (const [k, v] of Object.entries(child.attrs)) {
            const [a, shape, dtype] = attrArgs(v);
            ds.create_attribute(k, a, shape, dtype);
          }
        }
      }
    };
    put(file, tree, '');
    file.flush();
  } finally {
    file.close();
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** A wasm trap or an abort leaves the library in an unknown state: the main thread replaces this worker. */
function isFatal(e: unknown): boolean {
  return (e instanceof Error && e.name === 'RuntimeError') || /Aborted\(|abort\(|out of bounds|unreachable/i.test(describe(e));
}

parentPort?.on('message', (req: {id: number; op: 'read' | 'write'; path: string; limits?: ReadLimits; tree?: H5Group}) => {
  try {
    if (req.op === 'read') {
      const tree = readFile(req.path, req.limits!);
      parentPort!.postMessage({id: req.id, ok: true, tree});
    } else {
      writeFile(req.path, req.tree!);
      parentPort!.postMessage({id: req.id, ok: true});
    }
  } catch (e) {
    parentPort!.postMessage({id: req.id, ok: false, error: describe(e), fatal: isFatal(e), known: e instanceof ReadError});
  }
});
parentPort?.postMessage({ready: true});

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}
