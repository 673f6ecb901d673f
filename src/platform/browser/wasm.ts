/**
 * The page's side of ../node/wasm.ts: the wasm backend's kernels, fetched when the module loads.
 *
 * The browser build ships keras_kernels.{relaxed-simd,simd128}.wasm beside keras.js, so they are
 * fetched relative to keras.js's URL, which the entry passes (this module may sit in a shared chunk): the relaxed-SIMD build where the browser validates it, else
 * SIMD128. They are compiled and instantiated asynchronously (a browser may refuse to compile a
 * large module synchronously on a page's main thread). The browser build's entry
 * (src/index.browser.ts) awaits `wasmKernelsReady(import.meta.url)`, so that `import * as keras from 'keras-ts'`
 * resolves with the wasm backend ready: a page computes on it by default. When the files cannot be
 * fetched or compiled (a bundler that did not copy them, a `file://` page), the reason is kept and
 * the backend registry falls back to 'reference' with one line saying why.
 *
 * Threads: a cross-origin-isolated page (served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`) can share a `WebAssembly.Memory` with Web Workers;
 * there the threaded builds (keras_kernels.*-mt.wasm) load first, over one shared memory, and the
 * backend starts `navigator.hardwareConcurrency - 1` workers (from a Blob: no file to locate). Else
 * one thread. The page's main thread may not block: it polls for the workers' last chunks.
 */
import type * as Node from '../node/wasm.js';

export type WasmInstance = Node.WasmInstance;
export type WasmVariant = Node.WasmVariant;

interface PageWasm {
  validate(bytes: Uint8Array): boolean;
  instantiate(bytes: Uint8Array, imports: object): Promise<{module: object; instance: {exports: Record<string, unknown>}}>;
  Memory: new (descriptor: {initial: number; maximum: number; shared: boolean}) => object;
}
interface PageWorker {
  postMessage(message: unknown): void;
  addEventListener(type: 'message' | 'error', listener: (ev: {data?: unknown; message?: string}) => void): void;
}
interface PageGlobals {
  WebAssembly?: PageWasm;
  crossOriginIsolated?: boolean;
  document?: unknown;
  navigator?: {hardwareConcurrency?: number};
  Worker?: new (url: string) => PageWorker;
  Blob?: new (parts: string[], options: {type: string}) => object;
  URL: {createObjectURL?(blob: object): string} & (new (url: string, base?: string) => {href: string});
  fetch?: (url: string) => Promise<{ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer>}>;
}
// cast: fetch and WebAssembly's async API are not in the ES2022 lib this project compiles with
const page = globalThis as unknown as PageGlobals;

/** ../node/wasm.ts's: the WASI imports the C library links in (never called), the threaded builds' memory. */
const WASI_STUBS = {wasi_snapshot_preview1: {fd_close: () => 52, fd_seek: () => 52, fd_write: () => 52}};
const WASM_MT_MEMORY = {initial: 256, maximum: 65536, shared: true};

/** The file name of a build (its URL is relative to keras.js). */
export function wasmPath(variant: WasmVariant): string {
  return `keras_kernels.${variant}.wasm`;
}

async function preload(base: string): Promise<WasmInstance | string> {
  const WA = page.WebAssembly;
  const fetch = page.fetch;
  if (!WA || !fetch) return 'this page has no WebAssembly or no fetch';
  const problems: string[] = [];
  const threaded = !wasmThreadsUnavailable() && wasmCores() > 1;
  for (const variant of [...(threaded ? (['relaxed-simd-mt', 'simd128-mt'] as const) : []), 'relaxed-simd', 'simd128'] as const) {
    // a computed name: bundlers leave it alone (a literal would make them look for the file beside this source)
    const url = new URL(wasmPath(variant), base).href;
    try {
      const res = await fetch(url);
      if (!res.ok) {
        problems.push(`${url}: HTTP ${res.status}`);
        continue;
      }
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (!WA.validate(bytes)) {
        problems.push(`${url}: this browser does not run it`);
        continue;
      }
      // threaded: 16 MiB at first (the module's declared minimum), at most 4 GiB (src/backends/wasm/module.ts)
      const memory = threaded && variant.endsWith('-mt') ? new WA.Memory(WASM_MT_MEMORY) : null;
      const {module, instance} = await WA.instantiate(bytes, memory ? {env: {memory}} : WASI_STUBS);
      return {exports: instance.exports, url, variant, threaded: memory ? {module, memory} : undefined};
    } catch (e) {
      problems.push(`${url}: ${String(e instanceof Error ? e.message : e).split('\n')[0]}`);
    }
  }
  return `the WebAssembly kernels could not be loaded beside keras-ts's module (${problems.join('; ')})`;
}

let loaded: WasmInstance | string | null = null;
let ready: Promise<void> | null = null;

/** Starts fetching the kernels (once), relative to `base` (keras.js's URL; else this module's). */
export const wasmKernelsReady: typeof Node.wasmKernelsReady = (base) => (ready ??= preload(base ?? import.meta.url).then((r) => void (loaded = r)));

/** The build the page loaded as keras-ts loaded (whatever the arguments). */
export const loadWasmInstance: typeof Node.loadWasmInstance = () => loaded ?? 'the WebAssembly kernels are still loading';

export type WasmWorker = Node.WasmWorker;

export function wasmThreadsUnavailable(): string | null {
  return typeof SharedArrayBuffer === 'function' && page.crossOriginIsolated && page.Worker ? null : 'the page is not cross-origin isolated or has no Web Workers';
}

/** A page's main thread may not block (Atomics.wait throws there); a worker's may. */
export function wasmMainThreadCanBlock(): boolean {
  return page.document === undefined;
}

export function wasmCores(): number {
  return Math.max(1, page.navigator?.hardwareConcurrency ?? 1);
}

/** ../node/wasm.ts's worker program, for a Web Worker: the same steps, its data by message. */
const WORKER_SOURCE =
  'onmessage=({data:d})=>{let e;try{e=new WebAssembly.Instance(d.module,{env:{memory:d.memory}}).exports;' +
  'e.kt_set_stack_pointer(d.stackTop);e.__wasm_init_tls(d.tls)}catch(r){return postMessage(String(r?.message??r))}' +
  'postMessage("");e.kt_worker_loop()}';

let workerUrl: string | null = null;

export const startWasmWorker: typeof Node.startWasmWorker = (module, memory, stackTop, tls) => {
  // (wasmThreadsUnavailable() said there are workers, and the module loads only then)
  workerUrl ??= page.URL.createObjectURL!(new page.Blob!([WORKER_SOURCE], {type: 'text/javascript'}));
  const w = new page.Worker!(workerUrl);
  const ready = new Promise<void>((resolve, reject) => {
    w.addEventListener('message', (ev) => (ev.data ? reject(new Error(String(ev.data))) : resolve()));
    w.addEventListener('error', (ev) => reject(new Error(ev.message)));
  });
  ready.catch(() => {});
  w.postMessage({module, memory, stackTop, tls});
  return {ready};
};
