/**
 * Tar archives (POSIX ustar, with GNU long names and pax `path`/`size` records), gzipped or not —
 * the format of `cifar-10-python.tar.gz`. Extraction refuses members that would land outside the
 * target folder (absolute paths, `..`, links pointing out) and archives over the size limits.
 *
 * ```ts
 * extractTar(readFileSync('cifar-10-python.tar.gz'), '/tmp/out');
 * ```
 */
import {linkSync, mkdirSync, symlinkSync, writeFileSync, existsSync, rmSync} from '../platform/index.js';
import {dirname, relative} from '../platform/index.js';
import {ValueError} from '../errors.js';
import {assertRealInside, DEFAULT_EXTRACT_LIMITS, safeJoin, safeLinkTarget, type ExtractLimits} from './archive_paths.js';
import {maybeGunzip} from './idx.js';
import {concatBytes} from './zip.js';

type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  readonly name: string;
  readonly type: TarEntryType;
  readonly size: number;
  readonly linkName: string;
  /** The member's bytes (empty for non-files). */
  readonly data: Uint8Array;
}

export function isTar(bytes: Uint8Array): boolean {
  if (bytes.length < 512) return false;
  const magic = String.fromCharCode(...bytes.subarray(257, 262));
  if (magic === 'ustar') return true;
  return checksumOk(bytes.subarray(0, 512));
}

function checksumOk(h: Uint8Array): boolean {
  const stored = parseOctal(h.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return stored === sum;
}

function cstr(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder('utf-8').decode(end < 0 ? b : b.subarray(0, end));
}

function parseOctal(b: Uint8Array): number {
  if (b[0]! & 0x80) {
    // GNU base-256 for sizes over 8 GiB
    let v = 0;
    for (let i = 1; i < b.length; i++) v = v * 256 + b[i]!;
    return v;
  }
  const s = cstr(b).trim();
  return s ? parseInt(s, 8) : 0;
}

/** Lists the members of a tar (or tar.gz) held in memory. */
export function readTar(input: Uint8Array, source = 'tar', limits: Partial<ExtractLimits> = {}): TarEntry[] {
  const lim = {...DEFAULT_EXTRACT_LIMITS, ...limits};
  const bytes = maybeGunzip(input, source, lim.maxTotalBytes + 1024 * 1024);
  const fail = (msg: string): never => {
    throw new ValueError(`${source}: ${msg}`);
  };
  const out: TarEntry[] = [];
  let pos = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax: Record<string, string> = {};
  let total = 0;
  while (pos + 512 <= bytes.length) {
    const h = bytes.subarray(pos, pos + 512);
    if (h.every((b) => b === 0)) break; // end-of-archive blocks
    if (!checksumOk(h)) fail(`bad header checksum at offset ${pos} (corrupted or not a tar file)`);
    let name = cstr(h.subarray(0, 100));
    const prefix = cstr(h.subarray(345, 500));
    if (String.fromCharCode(...h.subarray(257, 262)) === 'ustar' && prefix) name = `${prefix}/${name}`;
    let size = parseOctal(h.subarray(124, 136));
    const flag = String.fromCharCode(h[156]!);
    let linkName = cstr(h.subarray(157, 257));
    if (pax['size'] !== undefined) size = Number(pax['size']);
    if (!Number.isSafeInteger(size) || size < 0) fail(`bad member size at offset ${pos}`);
    const dataStart = pos + 512;
    if (dataStart + size > bytes.length) fail(`member ${JSON.stringify(name)} is truncated (incomplete download?)`);
    const data = bytes.subarray(dataStart, dataStart + size);
    pos = dataStart + Math.ceil(size / 512) * 512;
    if (flag === 'L') {
      longName = cstr(data);
      continue;
    }
    if (flag === 'K') {
      longLink = cstr(data);
      continue;
    }
    if (flag === 'x') {
      pax = parsePax(data);
      continue;
    }
    if (flag === 'g') continue; // global pax header: nothing we use
    if (longName !== null) name = longName;
    if (longLink !== null) linkName = longLink;
    if (pax['path'] !== undefined) name = pax['path'];
    if (pax['linkpath'] !== undefined) linkName = pax['linkpath'];
    longName = longLink = null;
    pax = {};
    const type: TarEntryType =
      flag === '0' || flag === '\0' || flag === '7'
        ? 'file'
        : flag === '5'
          ? 'directory'
          : flag === '2'
            ? 'symlink'
            : flag === '1'
              ? 'hardlink'
              : 'other';
    total += type === 'file' ? size : 0;
    if (total > lim.maxTotalBytes) fail(`unpacks to more than ${lim.maxTotalBytes} bytes, over the limit`);
    if (out.length >= lim.maxEntries) fail(`more than ${lim.maxEntries} members, over the limit`);
    out.push({name, type, size: type === 'file' ? size : 0, linkName, data: type === 'file' ? data : new Uint8Array(0)});
  }
  return out;
}

function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const text = new TextDecoder('utf-8').decode(data);
  let i = 0;
  while (i < text.length) {
    const sp = text.indexOf(' ', i);
    if (sp < 0) break;
    const len = parseInt(text.slice(i, sp), 10);
    if (!(len > 0)) break;
    const rec = text.slice(sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/**
 * Extracts a tar (or tar.gz) under `dest`, checking every member's path first: nothing is written
 * when any member would escape. Symbolic and hard links are kept only when they point inside `dest`;
 * device files and FIFOs are skipped.
 */
export function extractTar(input: Uint8Array, dest: string, limits: Partial<ExtractLimits> = {}, source = 'tar'): string[] {
  const entries = readTar(input, source, limits);
  for (const e of entries) {
    safeJoin(dest, e.name, source);
    if (e.type === 'symlink' || e.type === 'hardlink') {
      // hard links name their target from the archive root, symlinks from their own folder
      if (e.type === 'hardlink') safeJoin(dest, e.linkName, source);
      else safeLinkTarget(dest, e.name, e.linkName, source);
    }
  }
  mkdirSync(dest, {recursive: true});
  const written: string[] = [];
  for (const e of entries) {
    const target = safeJoin(dest, e.name, source);
    if (e.type === 'directory') {
      mkdirSync(target, {recursive: true});
      assertRealInside(dest, target, source);
      continue;
    }
    if (e.type === 'other') continue;
    mkdirSync(dirname(target), {recursive: true});
    assertRealInside(dest, dirname(target), source);
    if (existsSync(target)) rmSync(target, {recursive: true, force: true});
    if (e.type === 'file') writeFileSync(target, e.data);
    else if (e.type === 'symlink') symlinkSync(relative(dirname(target), safeLinkTarget(dest, e.name, e.linkName, source)), target);
    else linkSync(safeJoin(dest, e.linkName, source), target);
    written.push(target);
  }
  return written;
}

/** Writes a ustar archive (regular files and folders): for tests and small tools. */
export function writeTar(files: ReadonlyArray<{name: string; data?: Uint8Array; type?: 'file' | 'directory' | 'symlink'; linkName?: string}>): Uint8Array {
  const blocks: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const f of files) {
    const h = new Uint8Array(512);
    const put = (s: string, off: number, len: number): void => {
      const b = enc.encode(s);
      if (b.length > len) throw new ValueError(`writeTar: ${JSON.stringify(s)} is too long for a ustar field`);
      h.set(b, off);
    };
    const data = f.type === 'file' || f.type === undefined ? (f.data ?? new Uint8Array(0)) : new Uint8Array(0);
    put(f.name, 0, 100);
    put('0000644\0', 100, 8);
    put('0000000\0', 108, 8);
    put('0000000\0', 116, 8);
    put(data.length.toString(8).padStart(11, '0') + '\0', 124, 12);
    put('00000000000\0', 136, 12);
    h[156] = (f.type === 'directory' ? '5' : f.type === 'symlink' ? '2' : '0').charCodeAt(0);
    if (f.linkName) put(f.linkName, 157, 100);
    put('ustar\0', 257, 6);
    put('00', 263, 2);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
    blocks.push(h, data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) blocks.push(new Uint8Array(pad));
  }
  blocks.push(new Uint8Array(1024));
  return concatBytes(blocks);
}

