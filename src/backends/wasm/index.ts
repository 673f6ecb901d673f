import type {Backend} from '../backend.js';
import {compiledKernels} from '../compiled/index.js';
import {loadWasmKernels} from './module.js';

/**
 * The wasm backend: the native backend's C++ kernels compiled to WebAssembly when the package is
 * built (scripts/build-wasm.mjs) and shipped in it, so it runs where the addon does not load — no
 * compiler at install, install scripts blocked, other platforms. The relaxed-SIMD build where the
 * engine runs it, else SIMD128; one thread. Every kernel above the call into compiled code is the
 * native backend's; kernels it lacks and dtypes other than float32 run on the reference backend.
 *
 * Returns the backend, or the one-line reason it cannot load (the registry then falls back).
 */
export interface WasmBackend extends Backend {
  /** The build in use: `wasm-relaxed-simd` or `wasm-simd128`. */
  readonly isa: string;
}

let instance: WasmBackend | string | null = null;

export function loadWasmBackend(): WasmBackend | string {
  if (instance !== null) return instance;
  const kernels = loadWasmKernels();
  if (typeof kernels === 'string') {
    instance = kernels;
    return instance;
  }
  instance = {name: 'wasm', kernels: compiledKernels(kernels), isa: kernels.isa()};
  return instance;
}
