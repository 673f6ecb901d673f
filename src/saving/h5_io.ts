/**
 * HDF5 files in and out, through the HDF5 worker (`h5_worker.ts`): reading a corrupted or hostile
 * file ends in a `ValueError` naming the file, never in a crash or a hang of the caller — each
 * request has a time limit, and a worker that aborted or timed out is replaced.
 *
 * ```ts
 * const tree = await readH5File('model.weights.h5');
 * await writeH5File('copy.weights.h5', tree); // atomic: temp file + rename
 * ```
 */
import {closeSync, fsyncSync, openSync, readSync, renameSync, statSync, unlinkSync, writeFileSync, readFileSync} from '../platform/index.js';
import {tmpdir} from '../platform/index.js';
import {basename, dirname, join} from '../platform/index.js';
import {randomBytes} from '../platform/index.js';
import {Worker} from '../platform/index.js';
import {ValueError} from '../errors.js';
import {getEnv, hasFileSystem} from '../platform/index.js';
import {readH5InMemory, writeH5InMemory} from './h5_memory.js';
import type {H5Group} from './h5_tree.js';
import type {ReadLimits} from './h5_worker.js';

export interface H5ReadOptions {
  /** Milliseconds a read may take before the worker is stopped (default 30 s + 1 s per 10 MB). */
  timeoutMs?: number;
  /** Largest declared dataset, in bytes (default 2 GiB: what one typed array in the worker can hold). */
  maxDatasetBytes?: number;
  /** Named in errors instead of the path. */
  source?: string;
}

const GiB = 2 ** 30;
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Checks the HDF5 format signature (at offset 0, or 512, 1024, ... after a user block) before a
 * file reaches the library; throws a `ValueError` naming `source` when it is not an HDF5 file.
 */
export function checkHdf5Signature(head: Uint8Array, fileBytes: number, source: string): void {
  for (let off = 0; off + 8 <= Math.min(head.length, fileBytes); off = off === 0 ? 512 : off * 2) {
    if (SIGNATURE.every((b, i) => head[off + i] === b)) return;
  }
  throw new ValueError(`${source}: not an HDF5 file (no HDF5 signature found). The file may be truncated, corrupted, or of another format`);
}

function readHead(path: string, n: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

// --- the worker -------------------------------------------------------------------------------------

/** What the worker (h5_worker.ts) answers to a request. */
interface Reply {
  ok: boolean;
  tree?: H5Group;
  error?: string;
  fatal?: boolean;
  known?: boolean;
}

interface Pending {
  w: Worker;
  resolve(v: Reply): void;
}

let worker: Worker | null = null;
let ready: Promise<Worker> | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();
/** Requests run one at a time: a timeout then blames the right file. */
let queue: Promise<unknown> = Promise.resolve();

function workerUrl(): URL {
  // `.ts` under tsx (tests), `.js` once compiled
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./h5_worker${ext}`, import.meta.url);
}

function startWorker(): Promise<Worker> {
  if (ready) return ready;
  ready = new Promise<Worker>((resolve, reject) => {
    const url = workerUrl();
    // under tsx the worker needs the TypeScript loader too
    const w = url.pathname.endsWith('.ts')
      ? // the HDF5 library is loaded before tsx is registered, so tsx does not transform its 4 MB
        // (and the console is silenced first, as h5_worker.ts does, before the library binds it)
        new Worker(
          `console.error = console.warn = console.log = () => {};` +
            `import(${JSON.stringify(import.meta.resolve('h5wasm/node'))})` +
            `.then(() => import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}))` +
            `.then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`,
          {eval: true},
        )
      : new Worker(url);
    const onFirst = (m: {ready?: boolean}): void => {
      if (m.ready) {
        w.off('error', onStartError);
        w.on('message', (msg: Reply & {id: number}) => {
          const p = pending.get(msg.id);
          if (p) {
            pending.delete(msg.id);
            p.resolve(msg);
          }
        });
        w.on('error', (e) => failAll(w, `the HDF5 worker failed: ${e.message}`, true));
        w.on('exit', () => failAll(w, 'the HDF5 worker stopped', true));
        worker = w;
        w.unref();
        resolve(w);
      }
    };
    const onStartError = (e: Error): void => {
      ready = null;
      reject(new ValueError(`Cannot start the HDF5 worker (h5wasm): ${e.message}`));
    };
    w.once('message', onFirst);
    w.once('error', onStartError);
  });
  return ready;
}

function failAll(w: Worker, error: string, fatal: boolean): void {
  if (worker === w) {
    worker = null;
    ready = null;
  }
  for (const [id, p] of pending) {
    if (p.w !== w) continue;
    pending.delete(id);
    p.resolve({ok: false, error, fatal});
  }
}

function stopWorker(w: Worker): void {
  if (worker === w) {
    worker = null;
    ready = null;
  }
  void w.terminate();
}

/** Stops the HDF5 worker (it is restarted on the next request); lets tests end promptly. */
export async function shutdownH5(): Promise<void> {
  const w = worker;
  worker = null;
  ready = null;
  if (w) await w.terminate();
}

function request(msg: Record<string, unknown>, timeoutMs: number): Promise<{ok: boolean; tree?: H5Group; error?: string; fatal?: boolean; known?: boolean; timedOut?: boolean}> {
  const run = async () => {
    const w = await startWorker();
    const id = nextId++;
    w.ref();
    try {
      return await new Promise<Reply & {timedOut?: boolean}>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          stopWorker(w);
          resolve({ok: false, error: `no answer within ${timeoutMs} ms (the file may be corrupted)`, timedOut: true});
        }, timeoutMs);
        pending.set(id, {
          w,
          resolve: (v) => {
            clearTimeout(timer);
            if (v.fatal) stopWorker(w);
            resolve(v);
          },
        });
        w.postMessage({id, ...msg});
      });
    } finally {
      w.unref();
    }
  };
  const p = queue.then(run, run);
  queue = p.catch(() => undefined);
  return p;
}

// --- public functions ------------------------------------------------------------------------------

function readLimits(options: H5ReadOptions, fileBytes: number): ReadLimits {
  return {
    maxDatasetBytes: options.maxDatasetBytes ?? 2 * GiB - 1,
    maxTotalBytes: 4 * GiB,
    expansionFloorBytes: 16 * 2 ** 20,
    maxExpansion: 1000,
    maxObjects: 1_000_000,
    maxDepth: 64,
    fileBytes,
  };
}

/** Reads a whole HDF5 file (groups, attributes, datasets) into a tree. */
export async function readH5File(path: string, options: H5ReadOptions = {}): Promise<H5Group> {
  const source = options.source ?? path;
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new ValueError(`${source}: not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof ValueError) throw e;
    throw new ValueError(`${source}: cannot open the file: ${(e as Error).message}`);
  }
  checkHdf5Signature(readHead(path, 4096), size, source);
  const limits = readLimits(options, size);
  // KERAS_TS_H5_TIMEOUT_MS shortens the limit (fuzz tests)
  const envLimit = Number(getEnv('KERAS_TS_H5_TIMEOUT_MS'));
  const timeoutMs = options.timeoutMs ?? (envLimit > 0 ? envLimit : 30_000 + Math.ceil(size / 10e6) * 1000);
  const r = await request({op: 'read', path, limits}, timeoutMs);
  if (!r.ok || !r.tree) {
    const why = r.known || r.timedOut ? r.error : `the HDF5 library could not read it (${r.error ?? 'unknown error'}); the file may be truncated or corrupted`;
    throw new ValueError(`${source}: invalid HDF5 file: ${why}`);
  }
  return r.tree;
}

/** Reads an HDF5 file held in memory (a `.keras` archive member). */
export async function readH5Bytes(bytes: Uint8Array, options: H5ReadOptions = {}): Promise<H5Group> {
  const source = options.source ?? 'HDF5 data';
  checkHdf5Signature(bytes.subarray(0, 4096), bytes.length, source);
  // a page: no files, no worker threads; h5wasm runs here, in memory
  if (!hasFileSystem) return readH5InMemory(bytes, readLimits(options, bytes.length), source);
  const tmp = join(tmpdir(), `keras-ts-${process.pid}-${randomBytes(6).toString('hex')}.h5`);
  writeFileSync(tmp, bytes, {mode: 0o600});
  try {
    return await readH5File(tmp, {...options, source});
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
}

/** A temporary name beside `path`, so the final rename stays on one file system. */
function tempPathBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Writes `bytes` to `path` atomically: a temp file in the same folder, flushed, then renamed over. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = tempPathBeside(path);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeFileSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean
    }
    throw e;
  }
}

async function writeTreeTo(path: string, tree: H5Group): Promise<void> {
  const r = await request({op: 'write', path, tree}, 120_000 + 0);
  if (!r.ok) throw new ValueError(`Cannot write HDF5 file ${path}: ${r.error ?? 'unknown error'}`);
}

/** Writes a tree as an HDF5 file, atomically (temp file in the same folder, then rename). */
export async function writeH5File(path: string, tree: H5Group): Promise<void> {
  const tmp = tempPathBeside(path);
  try {
    await writeTreeTo(tmp, tree);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean
    }
    throw e;
  }
}

/** The bytes of a tree written as an HDF5 file (for a `.keras` archive). */
export async function h5Bytes(tree: H5Group): Promise<Uint8Array> {
  if (!hasFileSystem) return writeH5InMemory(tree);
  const tmp = join(tmpdir(), `keras-ts-${process.pid}-${randomBytes(6).toString('hex')}.h5`);
  try {
    await writeTreeTo(tmp, tree);
    return readFileSync(tmp);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean
    }
  }
}
