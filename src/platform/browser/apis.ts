/**
 * The browser's stand-ins for the Node.js built-ins of `../node/apis.ts` (same names, same types).
 * A page has no file system, processes or sockets: those functions throw an error that says so and
 * what to pass instead; a missing file is simply missing (`existsSync` is false). Paths are POSIX
 * strings; compression is fflate's, synchronous like node:zlib.
 */
import {deflateSync, gunzipSync as fflateGunzip, gzipSync as fflateGzip, inflateSync} from 'fflate';
import type * as Node from '../node/apis.js';

class PlatformError extends Error {
  override name = 'PlatformError';
}

function unavailable<T>(what: string): T {
  const fail = (): never => {
    throw new PlatformError(
      `${what} needs Node.js: a web page has no file system, processes or sockets. ` +
        'In a page pass bytes (ArrayBuffer, Uint8Array), a File/Blob or a URL instead of a path.',
    );
  };
  // cast: a stand-in that throws, typed as the Node API it replaces
  return fail as unknown as T;
}

// --- files: none --------------------------------------------------------------------------------------
export const accessSync = unavailable<typeof Node.accessSync>('fs.accessSync');
export const appendFileSync = unavailable<typeof Node.appendFileSync>('fs.appendFileSync');
export const closeSync = unavailable<typeof Node.closeSync>('fs.closeSync');
export const constants = {F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1} as typeof Node.constants;
export const copyFileSync = unavailable<typeof Node.copyFileSync>('fs.copyFileSync');
export const createReadStream = unavailable<typeof Node.createReadStream>('fs.createReadStream');
export const createWriteStream = unavailable<typeof Node.createWriteStream>('fs.createWriteStream');
export const existsSync = ((_path: unknown) => false) as typeof Node.existsSync;
export const fsyncSync = unavailable<typeof Node.fsyncSync>('fs.fsyncSync');
export const linkSync = unavailable<typeof Node.linkSync>('fs.linkSync');
export const lstatSync = unavailable<typeof Node.lstatSync>('fs.lstatSync');
export const mkdirSync = unavailable<typeof Node.mkdirSync>('fs.mkdirSync');
export const openSync = unavailable<typeof Node.openSync>('fs.openSync');
export const readdirSync = unavailable<typeof Node.readdirSync>('fs.readdirSync');
export const readFile = unavailable<typeof Node.readFile>('fs.readFile');
export const readFileSync = unavailable<typeof Node.readFileSync>('fs.readFileSync');
export const readSync = unavailable<typeof Node.readSync>('fs.readSync');
export const realpathSync = unavailable<typeof Node.realpathSync>('fs.realpathSync');
export const renameSync = unavailable<typeof Node.renameSync>('fs.renameSync');
export const rmSync = unavailable<typeof Node.rmSync>('fs.rmSync');
export const statSync = unavailable<typeof Node.statSync>('fs.statSync');
export const symlinkSync = unavailable<typeof Node.symlinkSync>('fs.symlinkSync');
export const unlinkSync = unavailable<typeof Node.unlinkSync>('fs.unlinkSync');
export const writeFileSync = unavailable<typeof Node.writeFileSync>('fs.writeFileSync');

// --- os ---------------------------------------------------------------------------------------------
export const devNull = '/dev/null';
export const endianness = (() => (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'LE' : 'BE')) as typeof Node.endianness;
export const homedir = (() => '/') as typeof Node.homedir;
export const hostname = (() => (globalThis as {location?: {hostname?: string}}).location?.hostname || 'localhost') as typeof Node.hostname;
export const tmpdir = (() => '/tmp') as typeof Node.tmpdir;

// --- paths (POSIX) ------------------------------------------------------------------------------------
export const sep = '/';
export const isAbsolute = ((p: string) => p.startsWith('/')) as typeof Node.isAbsolute;
export const normalize = ((p: string): string => {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else if (part !== '..' || !abs) out.push(part);
  }
  const s = (abs ? '/' : '') + out.join('/');
  if (!s) return abs ? '/' : '.';
  return p.endsWith('/') && s !== '/' ? `${s}/` : s;
}) as typeof Node.normalize;
export const join = ((...parts: string[]) => normalize(parts.filter((x) => x !== '').join('/') || '.')) as typeof Node.join;
export const resolve = ((...parts: string[]) => {
  let p = '';
  for (const x of parts) p = x.startsWith('/') ? x : p ? `${p}/${x}` : x;
  return normalize(p.startsWith('/') ? p : `/${p}`);
}) as typeof Node.resolve;
export const dirname = ((p: string) => {
  const n = p.length > 1 ? p.replace(/\/+$/, '') || '/' : p;
  const i = n.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : n.slice(0, i);
}) as typeof Node.dirname;
export const basename = ((p: string, ext?: string) => {
  const b = p.replace(/\/+$/, '').split('/').pop() ?? '';
  return ext && b.endsWith(ext) && b !== ext ? b.slice(0, -ext.length) : b;
}) as typeof Node.basename;
export const extname = ((p: string) => {
  const b = basename(p);
  const i = b.lastIndexOf('.');
  return i <= 0 ? '' : b.slice(i);
}) as typeof Node.extname;
export const relative = ((from: string, to: string) => {
  const a = resolve(from).split('/').filter(Boolean);
  const b = resolve(to).split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}) as typeof Node.relative;

// --- crypto, workers, URLs, sockets ---------------------------------------------------------------------
export const createHash = unavailable<typeof Node.createHash>('crypto.createHash');
export const randomBytes = unavailable<typeof Node.randomBytes>('crypto.randomBytes');
export const Worker = unavailable<typeof Node.Worker>('worker_threads.Worker');
export const parentPort = null as typeof Node.parentPort;
/** A page's module URL is http(s): its path stands in (only file checks use it, and they find nothing). */
export const fileURLToPath = ((url: string | URL) => decodeURIComponent(new URL(String(url)).pathname)) as typeof Node.fileURLToPath;
export const kMaxLength = 2 ** 31 - 1;
export type IncomingMessage = Node.IncomingMessage;
export const httpRequest = unavailable<typeof Node.httpRequest>('http.request');
export const httpsRequest = unavailable<typeof Node.httpsRequest>('https.request');
export const Transform = unavailable<typeof Node.Transform>('stream.Transform');
export const pipeline = unavailable<typeof Node.pipeline>('stream.pipeline');
export const createRequire = unavailable<typeof Node.createRequire>('module.createRequire');
/** V8 flags are Node's to set; a page has the features its browser ships (relaxed SIMD included where supported). */
export const setFlagsFromString = ((_flags: string) => undefined) as typeof Node.setFlagsFromString;
// cast: only the sync read/write of pngjs's PNG are stood in for
export const PNG = {
  sync: {read: unavailable('PNG decoding (pngjs)'), write: unavailable('PNG encoding (pngjs)')},
} as unknown as typeof Node.PNG;
export const spawnSync = unavailable<typeof Node.spawnSync>('child_process.spawnSync');

// --- compression ------------------------------------------------------------------------------------------
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export const crc32 = ((data: Uint8Array, value = 0) => {
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}) as typeof Node.crc32;

// cast: fflate's functions stand in for Node's zlib ones on Uint8Arrays (no Buffer in a page)
export const inflateRawSync = ((data: Uint8Array, options?: {maxOutputLength?: number}) => {
  const out = inflateSync(data);
  if (options?.maxOutputLength !== undefined && out.length > options.maxOutputLength) {
    throw new RangeError(`inflated data is larger than maxOutputLength (${options.maxOutputLength} bytes)`);
  }
  return out;
}) as unknown as typeof Node.inflateRawSync;
export const deflateRawSync = ((data: Uint8Array) => deflateSync(data)) as unknown as typeof Node.deflateRawSync;
export const gunzipSync = ((data: Uint8Array) => fflateGunzip(data)) as unknown as typeof Node.gunzipSync;
export const gzipSync = ((data: Uint8Array) => fflateGzip(data)) as unknown as typeof Node.gzipSync;
