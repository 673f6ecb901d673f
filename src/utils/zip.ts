/**
 * ZIP archives, read from memory: the container of `.npz` files and of zipped downloads. Entries
 * may be stored or deflated (node's zlib `inflateRawSync`); sizes come from the central directory
 * (Zip64 included), and every entry is checked against its declared size and CRC-32, so a file that
 * lies about its size cannot inflate past it.
 *
 * ```ts
 * const zip = readZip(readFileSync('mnist.npz'));
 * const bytes = zip.read('x_train.npy');
 * ```
 */
import {mkdirSync, writeFileSync} from '../platform/index.js';
import {dirname} from '../platform/index.js';
import {crc32, deflateRawSync, inflateRawSync} from '../platform/index.js';
import {ValueError} from '../errors.js';
import {safeJoin, type ExtractLimits, DEFAULT_EXTRACT_LIMITS} from './archive_paths.js';

interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  readonly isDirectory: boolean;
  /** Offset of the local file header. */
  readonly headerOffset: number;
}

export interface ZipArchive {
  readonly entries: readonly ZipEntry[];
  /** The entry's uncompressed bytes (checked against size and CRC). */
  read(name: string | ZipEntry): Uint8Array;
}

export interface ReadZipOptions {
  /** Named in errors. */
  source?: string;
  /** Refuse entries larger than this many uncompressed bytes (default 4 GiB). */
  maxEntryBytes?: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CDH = 0x02014b50;
const SIG_LFH = 0x04034b50;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

export function readZip(bytes: Uint8Array, options: ReadZipOptions = {}): ZipArchive {
  const src = options.source ?? 'zip';
  const maxEntry = options.maxEntryBytes ?? 4 * 2 ** 30;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (msg: string): never => {
    throw new ValueError(`${src}: ${msg}`);
  };
  // End of central directory: within the last 64 KiB + 22 bytes (the comment is at most 65535 bytes).
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('not a ZIP archive (no end-of-central-directory record)');
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== SIG_EOCD64_LOCATOR) fail('Zip64 archive without a Zip64 locator');
    const e64 = Number(dv.getBigUint64(loc + 8, true));
    if (e64 + 56 > bytes.length || dv.getUint32(e64, true) !== SIG_EOCD64) fail('bad Zip64 end-of-central-directory record');
    count = Number(dv.getBigUint64(e64 + 32, true));
    cdSize = Number(dv.getBigUint64(e64 + 40, true));
    cdOffset = Number(dv.getBigUint64(e64 + 48, true));
  }
  if (cdOffset + cdSize > bytes.length) fail('central directory lies outside the file (truncated download?)');
  const decoder = new TextDecoder('utf-8');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== SIG_CDH) fail(`bad central directory entry ${k}`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let csize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let offset = dv.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen + commentLen > bytes.length) fail(`central directory entry ${k} is truncated`);
    if (flags & 1) fail('encrypted entries are not supported');
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // Zip64 extended information: the 64-bit values, in this order, for the fields that are 0xFFFFFFFF.
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const next = (): number => {
          if (q + 8 > e + 4 + len) fail(`bad Zip64 extra field in ${name}`);
          const v = Number(dv.getBigUint64(q, true));
          q += 8;
          return v;
        };
        if (usize === 0xffffffff) usize = next();
        if (csize === 0xffffffff) csize = next();
        if (offset === 0xffffffff) offset = next();
      }
      e += 4 + len;
    }
    entries.push({name, method, compressedSize: csize, size: usize, crc32: crc, isDirectory: name.endsWith('/'), headerOffset: offset});
    p += 46 + nameLen + extraLen + commentLen;
  }

  const byName = new Map(entries.map((x) => [x.name, x]));
  return {
    entries,
    read(which: string | ZipEntry): Uint8Array {
      const ent = typeof which === 'string' ? byName.get(which) : which;
      if (!ent) return fail(`no entry named ${JSON.stringify(which)}; entries: ${entries.map((x) => x.name).join(', ')}`);
      if (ent.size > maxEntry) fail(`entry ${ent.name} declares ${ent.size} bytes, over the limit of ${maxEntry}`);
      const h = ent.headerOffset;
      if (h + 30 > bytes.length || dv.getUint32(h, true) !== SIG_LFH) fail(`bad local header for ${ent.name}`);
      const start = h + 30 + dv.getUint16(h + 26, true) + dv.getUint16(h + 28, true);
      if (start + ent.compressedSize > bytes.length) fail(`entry ${ent.name} is truncated`);
      const raw = bytes.subarray(start, start + ent.compressedSize);
      let out: Uint8Array;
      if (ent.method === 0) {
        if (ent.compressedSize !== ent.size) fail(`stored entry ${ent.name} has inconsistent sizes`);
        out = raw;
      } else if (ent.method === 8) {
        try {
          // maxOutputLength stops a deflate stream that inflates past its declared size
          out = inflateRawSync(raw, {maxOutputLength: Math.max(1, ent.size)});
        } catch (err) {
          return fail(`cannot inflate ${ent.name}: ${(err as Error).message}`);
        }
        if (out.length !== ent.size) fail(`entry ${ent.name} inflates to ${out.length} bytes, expected ${ent.size}`);
      } else {
        return fail(`entry ${ent.name} uses compression method ${ent.method}; only stored (0) and deflate (8) are supported`);
      }
      if ((crc32(out) >>> 0) !== ent.crc32) fail(`CRC-32 mismatch in ${ent.name} (corrupted file?)`);
      return out;
    },
  };
}

/**
 * Extracts a ZIP archive under `dest`. Entries whose path would leave `dest` (`../x`, `/etc/x`,
 * drive letters) are refused with an error, as are archives over the size or entry limits.
 */
export function extractZip(bytes: Uint8Array, dest: string, limits: Partial<ExtractLimits> = {}, source = 'zip'): string[] {
  const lim = {...DEFAULT_EXTRACT_LIMITS, ...limits};
  const zip = readZip(bytes, {source, maxEntryBytes: lim.maxTotalBytes});
  if (zip.entries.length > lim.maxEntries) {
    throw new ValueError(`${source}: ${zip.entries.length} entries, over the limit of ${lim.maxEntries}`);
  }
  let total = 0;
  for (const e of zip.entries) {
    safeJoin(dest, e.name, source); // check every path before writing anything
    total += e.size;
  }
  if (total > lim.maxTotalBytes) {
    throw new ValueError(`${source}: unpacks to ${total} bytes, over the limit of ${lim.maxTotalBytes}`);
  }
  const written: string[] = [];
  for (const e of zip.entries) {
    const target = safeJoin(dest, e.name, source);
    if (e.isDirectory) {
      mkdirSync(target, {recursive: true});
      continue;
    }
    mkdirSync(dirname(target), {recursive: true});
    writeFileSync(target, zip.read(e));
    written.push(target);
  }
  return written;
}

/** Writes a ZIP archive (stored or deflated entries, no Zip64): enough for `.npz` files and tests. */
export function writeZip(files: ReadonlyArray<{name: string; data: Uint8Array}>, options: {deflate?: boolean} = {}): Uint8Array {
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const f of files) {
    const name = enc.encode(f.name);
    const crc = crc32(f.data) >>> 0;
    const body = options.deflate ? deflateRawSync(f.data) : f.data;
    const method = options.deflate ? 8 : 0;
    const lh = new Uint8Array(30 + name.length);
    const l = new DataView(lh.buffer);
    l.setUint32(0, SIG_LFH, true);
    l.setUint16(4, 20, true);
    l.setUint16(8, method, true);
    l.setUint32(14, crc, true);
    l.setUint32(18, body.length, true);
    l.setUint32(22, f.data.length, true);
    l.setUint16(26, name.length, true);
    lh.set(name, 30);
    const ch = new Uint8Array(46 + name.length);
    const c = new DataView(ch.buffer);
    c.setUint32(0, SIG_CDH, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint16(10, method, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, body.length, true);
    c.setUint32(24, f.data.length, true);
    c.setUint16(28, name.length, true);
    c.setUint32(42, offset, true);
    ch.set(name, 46);
    locals.push(lh, body);
    centrals.push(ch);
    offset += lh.length + body.length;
  }
  const cdSize = centrals.reduce((s, x) => s + x.length, 0);
  const end = new Uint8Array(22);
  const d = new DataView(end.buffer);
  d.setUint32(0, SIG_EOCD, true);
  d.setUint16(8, files.length, true);
  d.setUint16(10, files.length, true);
  d.setUint32(12, cdSize, true);
  d.setUint32(16, offset, true);
  return concatBytes([...locals, ...centrals, end]);
}

/** The parts one after the other in one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
