/**
 * How the wasm backend gets its compiled kernels (src/backends/wasm/module.ts): in Node, read from the
 * package's .wasm files (scripts/build-wasm.mjs) synchronously when the backend is first chosen;
 * ../browser/wasm.ts fetches them when a page loads keras-ts. Also the threads of the threaded builds.
 */
import {existsSync, readFileSync} from 'node:fs';
import {availableParallelism} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {setFlagsFromString} from 'node:v8';
import {Worker} from 'node:worker_threads';

/** The builds: relaxed SIMD (fused multiply-add) and plain SIMD128, each for one thread and threaded ("-mt"). */
export type WasmVariant = 'relaxed-simd' | 'simd128' | 'relaxed-simd-mt' | 'simd128-mt';

/** The kernels' module, instantiated. */
export interface WasmInstance {
  /** The instance's exports (malloc, free, kt_run, kt_isa_name; the one-thread builds' memory). */
  exports: Record<string, unknown>;
  /** Where the module came from (messages). */
  url: string;
  variant: WasmVariant;
  /** A threaded build's compiled module and its shared memory (the workers instantiate them too). */
  threaded?: {module: object; memory: object};
}

/** The parts of the WebAssembly JS API used here (the compile target's lib has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => {readonly exports: Record<string, unknown>};
  Memory: new (descriptor: {initial: number; maximum: number; shared: boolean}) => object;
}

/** The threaded builds' memory: 16 MiB at first (the module's declared minimum), at most 4 GiB. */
const WASM_MT_MEMORY = {initial: 256, maximum: 65536, shared: true};

/** WASI imports the C library links in (stdio behind abort paths): never called by the kernels. */
const WASI_STUBS = {wasi_snapshot_preview1: {fd_close: () => 52, fd_seek: () => 52, fd_write: () => 52}};

/** The file of build `variant` in `dir` (default: the package's native/wasm, three levels above this file in src/ and dist/). */
export function wasmPath(variant: WasmVariant, dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native', 'wasm')): string {
  return join(dir, `keras_kernels.${variant}.wasm`);
}

/**
 * Whether this engine runs relaxed SIMD. Node 20's V8 has it behind a flag, which a library may set
 * before it compiles the module; `KERAS_WASM_SIMD=simd128` keeps the plain build (benchmarks).
 */
function relaxedSupported(WA: WasmApi, bytes: Uint8Array): boolean {
  if (process.env['KERAS_WASM_SIMD'] === 'simd128') return false;
  if (WA.validate(bytes)) return true;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return WA.validate(bytes);
}

/**
 * Reads, compiles and instantiates the best build in `dir` this engine runs (or `variant`): the
 * relaxed build where the engine runs it, then the plain one (also when the relaxed one fails);
 * threaded builds first where `threads` > 1 and memory can be shared. The reason (one line) when none loads.
 */
export function loadWasmInstance({dir, variant: only, threads}: {dir?: string; variant?: WasmVariant; threads: number}): WasmInstance | string {
  const WA = (globalThis as {WebAssembly?: WasmApi}).WebAssembly;
  const plainFile = wasmPath('simd128', dir);
  if (!WA) return 'this JavaScript engine has no WebAssembly';
  if (!existsSync(plainFile)) {
    return `the WebAssembly kernels are not built (no ${plainFile}; "npm run build" builds them with clang-19 and wasm-ld-19)`;
  }
  const shared = threads > 1 || only?.endsWith('-mt') ? wasmThreadsUnavailable() : 'one thread';
  if (only?.endsWith('-mt') && shared) return `the threaded build ${only} cannot run here: ${shared}`;
  const order: WasmVariant[] = only ? [only] : [...(shared ? [] : (['relaxed-simd-mt', 'simd128-mt'] as const)), 'relaxed-simd', 'simd128'];
  const candidates: {file: string; variant: WasmVariant; bytes: Uint8Array}[] = [];
  for (const variant of order) {
    const file = wasmPath(variant, dir);
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    if (variant.startsWith('relaxed') && !relaxedSupported(WA, bytes)) continue;
    candidates.push({file, variant, bytes});
  }
  let reason = only && !candidates.length ? `the ${only} build at ${wasmPath(only, dir)} is absent or this engine does not run it` : '';
  for (const {file, variant, bytes} of candidates) {
    try {
      const module = new WA.Module(bytes);
      // a threaded build imports its memory, shared (it cannot load where memory cannot be shared)
      const memory = variant.endsWith('-mt') && !shared ? new WA.Memory(WASM_MT_MEMORY) : undefined;
      const {exports} = new WA.Instance(module, memory ? {env: {memory}} : WASI_STUBS);
      return {exports, url: file, variant, threaded: memory ? {module, memory} : undefined};
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      reason ||= `the WebAssembly kernels at ${file} failed to compile: ${msg.split('\n')[0]}`;
    }
  }
  return reason;
}

/**
 * Resolves once the preloaded kernels (a page's, fetched relative to `base`: the URL of the module
 * they sit beside) are ready or failed; in Node at once.
 */
export function wasmKernelsReady(_base?: string): Promise<void> {
  return Promise.resolve();
}

/** A thread running the threaded wasm build's worker loop (src/backends/wasm/module.ts). */
export interface WasmWorker {
  /** Resolves once the worker has instantiated the module and entered its loop; rejects with why not. */
  readonly ready: Promise<void>;
}

/** Null where a `WebAssembly.Memory` can be shared with other threads (Node: always), else why not. */
export function wasmThreadsUnavailable(): string | null {
  return typeof SharedArrayBuffer === 'function' ? null : 'this JavaScript engine has no SharedArrayBuffer';
}

/** Whether the thread that loads keras-ts may block in `Atomics.wait` (Node: yes, its main thread too). */
export function wasmMainThreadCanBlock(): boolean {
  return true;
}

/** The cores a default thread count takes: Node's `os.availableParallelism()`. */
export function wasmCores(): number {
  return availableParallelism();
}

/**
 * The worker's program (CommonJS, run with `eval`: nothing to locate on disk): instantiates the
 * module over the shared memory, takes the stack and thread-local block the caller allocated for it,
 * says so, and enters kt_worker_loop, which sleeps in memory.atomic.wait32 between jobs.
 */
const WORKER_SOURCE = `
const {parentPort, workerData: d} = require('node:worker_threads');
let e;
try {
  e = new WebAssembly.Instance(d.module, {env: {memory: d.memory}}).exports;
  e.kt_set_stack_pointer(d.stackTop);
  e.__wasm_init_tls(d.tls);
} catch (err) {
  parentPort.postMessage(String((err && err.message) || err));
  e = null;
}
if (e) {
  parentPort.postMessage('');
  e.kt_worker_loop();
}
`;

/**
 * Starts one worker thread of the threaded build: `module` (a compiled `WebAssembly.Module`) over
 * `memory` (its shared memory), with the stack top and thread-local block `kt_thread_alloc` gave it.
 * The thread is unreferenced: it never keeps the process alive.
 */
export function startWasmWorker(module: object, memory: object, stackTop: number, tls: number): WasmWorker {
  const w = new Worker(WORKER_SOURCE, {eval: true, workerData: {module, memory, stackTop, tls}, stdout: false, stderr: false});
  w.unref();
  const ready = new Promise<void>((resolve, reject) => {
    w.once('message', (m: unknown) => (m === '' ? resolve() : reject(new Error(String(m)))));
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`the worker exited (code ${code})`)));
  });
  ready.catch(() => {});
  return {ready};
}
