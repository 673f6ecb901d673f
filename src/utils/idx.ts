/**
 * The IDX format of MNIST and Fashion-MNIST (`train-images-idx3-ubyte.gz` ...), gzipped or not:
 * two zero bytes, a type code, the rank, then each dimension as a big-endian int32, then the values
 * (big-endian for multi-byte types).
 *
 * ```ts
 * const x = readIdx(readFileSync('train-images-idx3-ubyte.gz')); // {kind: 'u1', shape: [60000, 28, 28]}
 * ```
 */
import {readFileSync} from '../platform/index.js';
import {kMaxLength} from '../platform/index.js';
import {gunzipSync} from '../platform/index.js';
import {ValueError} from '../errors.js';
import {decodeArrayBytes, itemsize, sizeOfShape, type NdArray, type NdKind} from './ndarray.js';

const TYPES: Record<number, Exclude<NdKind, 'O' | 'b1'>> = {
  0x08: 'u1',
  0x09: 'i1',
  0x0b: 'i2',
  0x0c: 'i4',
  0x0d: 'f4',
  0x0e: 'f8',
};

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips when the bytes start with the gzip magic; otherwise returns them as they are. */
export function maybeGunzip(bytes: Uint8Array, source: string, maxBytes = 4 * 2 ** 30): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, {maxOutputLength: Math.max(1, Math.min(maxBytes, kMaxLength))});
  } catch (err) {
    throw new ValueError(`${source}: cannot gunzip: ${(err as Error).message}`);
  }
}

export function readIdx(bytes: Uint8Array, source = 'idx'): NdArray {
  const raw = maybeGunzip(bytes, source);
  const fail = (msg: string): never => {
    throw new ValueError(`${source}: ${msg}`);
  };
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) fail('not an IDX file (the magic number must start with two zero bytes)');
  const kind = TYPES[raw[2]!];
  if (!kind) fail(`unknown IDX type code 0x${raw[2]!.toString(16)}`);
  const rank = raw[3]!;
  const start = 4 + 4 * rank;
  if (raw.length < start) fail('truncated IDX header');
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(dv.getUint32(4 + 4 * i, false));
  const need = sizeOfShape(shape, source) * itemsize(kind!);
  if (raw.length - start !== need) {
    fail(`IDX header says shape [${shape.join(', ')}] (${need} bytes of data) but the file holds ${raw.length - start}`);
  }
  return decodeArrayBytes(raw.subarray(start), kind!, true, shape, false, source);
}

export function loadIdx(path: string): NdArray {
  return readIdx(readFileSync(path), path);
}
