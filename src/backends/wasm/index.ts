import {ValueError} from '../../errors.js';
import {compiledKernels, type CompiledBackend} from '../compiled/index.js';
import {loadWasmKernels, type WasmAddon} from './module.js';

/**
 * The wasm backend: the native backend's C++ kernels compiled to WebAssembly when the package is
 * built (scripts/build-wasm.mjs) and shipped in it, so it runs where the addon does not load — no
 * compiler at install, install scripts blocked, other platforms. The relaxed-SIMD build where the
 * engine runs it, else SIMD128; threaded where memory can be shared between threads (worker_threads in
 * Node, Web Workers in a cross-origin-isolated page), `KERAS_NUM_THREADS` threads (default: the cores),
 * else one thread. Every kernel above the call into compiled code is the
 * native backend's (`src/backends/compiled/`); kernels it lacks and dtypes other than float32 run on
 * the reference backend.
 */
export type WasmBackend = CompiledBackend & {addon: WasmAddon};

let instance: WasmBackend | string | null = null;

/** The backend, or the one-line reason it cannot load (the registry then falls back). */
export function loadWasmBackend(): WasmBackend | string {
  if (instance !== null) return instance;
  const addon = loadWasmKernels();
  if (typeof addon === 'string') {
    instance = addon;
    return instance;
  }
  instance = {
    name: 'wasm',
    addon,
    kernels: compiledKernels(addon),
    setNumThreads(n: number) {
      if (!Number.isInteger(n) || n < 0) {
        throw new ValueError(`setNumThreads: expected a non-negative integer (0 for the default). Received: ${n}`);
      }
      addon.setNumThreads(n);
    },
    getNumThreads: () => addon.getNumThreads(),
    isa: addon.isa(),
  };
  return instance;
}
