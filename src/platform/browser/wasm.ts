/**
 * The page's side of ../node/wasm.ts: the wasm backend's kernels, fetched when the module loads.
 *
 * The browser build ships keras_kernels.{relaxed-simd,simd128}.wasm beside keras.js, so they are
 * fetched relative to this module's URL: the relaxed-SIMD build where the browser validates it, else
 * SIMD128. They are compiled and instantiated asynchronously (a browser may refuse to compile a
 * large module synchronously on a page's main thread). The browser build's entry
 * (src/index.browser.ts) awaits `wasmKernelsReady()`, so that `import * as keras from 'keras-ts'`
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

export type PreloadedWasmKernels = Node.PreloadedWasmKernels;

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

/** WASI imports the C library links in (stdio behind abort paths): never called by the kernels. */
const imports = {wasi_snapshot_preview1: {fd_close: () => 52, fd_seek: () => 52, fd_write: () => 52}};

async function preload(): Promise<PreloadedWasmKernels | string> {
  const WA = page.WebAssembly;
  const fetch = page.fetch;
  if (!WA || !fetch) return 'this page has no WebAssembly or no fetch';
  const problems: string[] = [];
  const threaded = wasmThreadsUnavailable() === null && wasmCores() > 1;
  for (const variant of threaded ? ['relaxed-simd-mt', 'simd128-mt', 'relaxed-simd', 'simd128'] : ['relaxed-simd', 'simd128']) {
    // a computed name: bundlers leave it alone (a literal would make them look for the file beside this source)
    const url = new URL(`keras_kernels.${variant}.wasm`, import.meta.url).href;
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
      if (variant.endsWith('-mt')) {
        // 16 MiB at first (the module's declared minimum), at most 4 GiB: src/backends/wasm/module.ts
        const memory = new WA.Memory({initial: 256, maximum: 65536, shared: true});
        const {module, instance} = await WA.instantiate(bytes, {env: {memory}});
        return {exports: instance.exports, url, threaded: {module, memory}};
      }
      const {instance} = await WA.instantiate(bytes, imports);
      return {exports: instance.exports, url};
    } catch (e) {
      problems.push(`${url}: ${String(e instanceof Error ? e.message : e).split('\n')[0]}`);
    }
  }
  return `the WebAssembly kernels could not be loaded beside keras-ts's module (${problems.join('; ')})`;
}

let loaded: PreloadedWasmKernels | string | null = null;
const ready = preload().then((r) => void (loaded = r));

export const wasmKernelsReady: typeof Node.wasmKernelsReady = () => ready;

export const preloadedWasmKernels: typeof Node.preloadedWasmKernels = () =>
  loaded ?? 'the WebAssembly kernels are still loading (the browser build, dist/browser/keras.js, resolves its import once they are ready)';

export type WasmWorker = Node.WasmWorker;

export const wasmThreadsUnavailable: typeof Node.wasmThreadsUnavailable = () => {
  if (typeof SharedArrayBuffer !== 'function' || page.crossOriginIsolated !== true) {
    return 'the page is not cross-origin isolated (COOP same-origin and COEP require-corp), so it cannot share memory with workers';
  }
  return page.Worker && page.Blob && page.URL.createObjectURL ? null : 'this page has no Web Workers';
};

/** A page's main thread may not block (Atomics.wait throws there); a worker's may. */
export const wasmMainThreadCanBlock: typeof Node.wasmMainThreadCanBlock = () => page.document === undefined;

export const wasmCores: typeof Node.wasmCores = () => Math.max(1, page.navigator?.hardwareConcurrency ?? 1);

/** ../node/wasm.ts's worker program, for a Web Worker: the same steps, its data by message. */
const WORKER_SOURCE = `onmessage = (ev) => {
  const d = ev.data;
  let e;
  try {
    e = new WebAssembly.Instance(d.module, {env: {memory: d.memory}}).exports;
    e.kt_set_stack_pointer(d.stackTop);
    e.__wasm_init_tls(d.tls);
  } catch (err) {
    postMessage(String((err && err.message) || err));
    return;
  }
  postMessage('');
  e.kt_worker_loop();
};`;

let workerUrl: string | null = null;

export const startWasmWorker: typeof Node.startWasmWorker = (module, memory, stackTop, tls) => {
  const {Worker, Blob} = page;
  if (!Worker || !Blob || !page.URL.createObjectURL) throw new Error('this page has no Web Workers');
  workerUrl ??= page.URL.createObjectURL(new Blob([WORKER_SOURCE], {type: 'text/javascript'}));
  const w = new Worker(workerUrl);
  const ready = new Promise<void>((resolve, reject) => {
    w.addEventListener('message', (ev) => (ev.data === '' ? resolve() : reject(new Error(String(ev.data)))));
    w.addEventListener('error', (ev) => reject(new Error(ev.message ?? 'the worker failed')));
  });
  ready.catch(() => {});
  w.postMessage({module, memory, stackTop, tls});
  return {ready};
};
