/**
 * NumPy's `.npy` and `.npz` files, read without NumPy: format versions 1.0, 2.0 and 3.0, little and
 * big endian, C and Fortran order, numeric dtypes (`u1 i1 u2 i2 u4 i4 i8 u8 f2 f4 f8 bool`) and object
 * arrays (`|O`), whose pickled payload goes through the restricted reader of `pickle.ts` — so a file
 * can hold ragged integer sequences (imdb.npz, reuters.npz) but can never run code.
 *
 * ```ts
 * const f = loadNpz('~/.keras/datasets/mnist.npz');
 * const x = f.get('x_train')!; // {kind: 'u1', shape: [60000, 28, 28], data: Uint8Array}
 * ```
 */
import {readFileSync} from '../platform/index.js';
import {ValueError} from '../errors.js';
import {decodeArrayBytes, itemsize, parseDescr, sizeOfShape, type NdArray} from './ndarray.js';
import {isNdArray, unpickle} from './pickle.js';
import {readZip} from './zip.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Offset of the data (or pickle stream) after the header. */
  dataOffset: number;
}

/** Parses the magic and the header dict of a `.npy` stream. */
export function readNpyHeader(bytes: Uint8Array, source = 'npy'): NpyHeader {
  const fail = (msg: string): never => {
    throw new ValueError(`${source}: ${msg}`);
  };
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) fail('not a .npy file (bad magic string)');
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hlen: number;
  let start: number;
  if (major === 1) {
    hlen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated header');
    hlen = dv.getUint32(8, true);
    start = 12;
  } else {
    return fail(`unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (start + hlen > bytes.length) fail('truncated header');
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + hlen));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined) fail(`unsupported dtype in header ${text.trim()} (structured dtypes are not supported)`);
  if (fortran === undefined || shapeText === undefined) fail(`malformed header ${text.trim()}`);
  const shape = shapeText!
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s.length > 0)
    .map((s) => {
      if (!/^\d+$/.test(s)) fail(`bad shape in header ${text.trim()}`);
      return Number(s);
    });
  return {descr: descr!, fortranOrder: fortran === 'True', shape, dataOffset: start + hlen};
}

/** Reads a `.npy` stream into C-order values. */
export function readNpy(bytes: Uint8Array, source = 'npy'): NdArray {
  const h = readNpyHeader(bytes, source);
  const {kind, bigEndian} = parseDescr(h.descr, source);
  const body = bytes.subarray(h.dataOffset);
  if (kind === 'O') {
    const v = unpickle(body, {source: `${source} (object array)`});
    if (!isNdArray(v) || v.kind !== 'O') throw new ValueError(`${source}: the pickled payload is not an object ndarray`);
    const n = sizeOfShape(h.shape, source);
    if (v.data.length !== n) {
      throw new ValueError(`${source}: header shape [${h.shape.join(', ')}] does not match the pickled array's ${v.data.length} elements`);
    }
    return {kind: 'O', shape: h.shape, data: v.data};
  }
  // numpy reads exactly size*itemsize bytes; anything after them is ignored, as there
  const need = sizeOfShape(h.shape, source) * itemsize(kind);
  return decodeArrayBytes(body.length > need ? body.subarray(0, need) : body, kind, bigEndian, h.shape, h.fortranOrder, source);
}

/** Reads every `.npy` member of an `.npz` archive; keys are the member names without `.npy`. */
export function readNpz(bytes: Uint8Array, source = 'npz'): Map<string, NdArray> {
  const zip = readZip(bytes, {source});
  const out = new Map<string, NdArray>();
  for (const e of zip.entries) {
    if (!e.name.endsWith('.npy')) continue;
    out.set(e.name.slice(0, -4), readNpy(zip.read(e), `${source}[${e.name}]`));
  }
  return out;
}

export function loadNpy(path: string): NdArray {
  return readNpy(readFileSync(path), path);
}

export function loadNpz(path: string): Map<string, NdArray> {
  return readNpz(readFileSync(path), path);
}

/** One array of an npz, or an error listing the keys the file has. */
export function npzGet(f: Map<string, NdArray>, key: string, source: string): NdArray {
  const a = f.get(key);
  if (!a) throw new ValueError(`${source}: no array named ${JSON.stringify(key)}. Arrays in the file: ${[...f.keys()].join(', ')}`);
  return a;
}
