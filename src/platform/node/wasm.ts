/**
 * How the wasm backend gets its compiled kernels. In Node it reads the .wasm files of the package
 * synchronously when the backend is first chosen (src/backends/wasm/module.ts), so nothing is
 * preloaded here; ../browser/wasm.ts fetches them when a page loads keras-ts.
 */
import {availableParallelism} from 'node:os';
import {Worker} from 'node:worker_threads';

/** The kernels' module instantiated ahead of time, by the page that loaded keras-ts. */
export interface PreloadedWasmKernels {
  /** The instance's exports (memory, malloc, free, kt_run, kt_isa_name). */
  exports: Record<string, unknown>;
  /** Where the module came from (messages). */
  url: string;
  /** A threaded build's compiled module and its shared memory (the workers instantiate them too). */
  threaded?: {module: object; memory: object};
}

/** Node: null (the backend reads the files itself). */
export function preloadedWasmKernels(): PreloadedWasmKernels | string | null {
  return null;
}

/** Resolves once the preloaded kernels (a page's) are ready or failed; in Node at once. */
export function wasmKernelsReady(): Promise<void> {
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
