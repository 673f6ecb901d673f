/**
 * How the wasm backend gets its compiled kernels. In Node it reads the .wasm files of the package
 * synchronously when the backend is first chosen (src/backends/wasm/module.ts), so nothing is
 * preloaded here; ../browser/wasm.ts fetches them when a page loads keras-ts.
 */

/** The kernels' module instantiated ahead of time, by the page that loaded keras-ts. */
export interface PreloadedWasmKernels {
  /** The instance's exports (memory, malloc, free, kt_run, kt_isa_name). */
  exports: Record<string, unknown>;
  /** Where the module came from (messages). */
  url: string;
}

/** Node: null (the backend reads the files itself). */
export function preloadedWasmKernels(): PreloadedWasmKernels | string | null {
  return null;
}

/** Resolves once the preloaded kernels (a page's) are ready or failed; in Node at once. */
export function wasmKernelsReady(): Promise<void> {
  return Promise.resolve();
}
