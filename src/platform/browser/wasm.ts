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
 */
import type * as Node from '../node/wasm.js';

export type PreloadedWasmKernels = Node.PreloadedWasmKernels;

interface PageWasm {
  validate(bytes: Uint8Array): boolean;
  instantiate(bytes: Uint8Array, imports: object): Promise<{instance: {exports: Record<string, unknown>}}>;
}
interface PageGlobals {
  WebAssembly?: PageWasm;
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
  for (const variant of ['relaxed-simd', 'simd128']) {
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
