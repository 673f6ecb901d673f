import {ValueError} from '../../errors.js';
import {setFloat32Allocator} from '../../tensor/dtype.js';
import type {NativeAddon} from '../compiled/abi.js';
import {loadAddon} from './addon.js';
import {compiledKernels, type CompiledBackend} from '../compiled/index.js';

/**
 * The native CPU backend: C++ kernels through Node-API (`native/`), SIMD chosen at run time
 * (AVX-512, AVX2+FMA, NEON, or portable code) and a persistent thread pool sized to the physical
 * cores (`KERAS_NUM_THREADS` overrides; `setNumThreads` changes it at run time). Kernels it lacks,
 * and dtypes other than float32, run on the reference backend.
 *
 * Returns the backend, or the one-line reason it cannot load (the registry then falls back).
 */
export function loadNativeBackend(): NativeBackend | string {
  const addon = loadAddon();
  if (typeof addon === 'string') return addon;
  return createNativeBackend(addon);
}

export type NativeBackend = CompiledBackend;

let instance: NativeBackend | null = null;

function createNativeBackend(addon: NativeAddon): NativeBackend {
  if (instance) return instance;
  // tensors' float32 storage 64-byte aligned from here on (tensor/dtype.ts): 1-5 % off the seed
  // models' training steps at 1 and 2 threads (bench/aligned.ts; BENCHMARKS.md, "Thirteenth sitting")
  const aligned = addon.allocateAligned?.bind(addon);
  if (aligned) setFloat32Allocator(aligned);
  instance = {
    name: 'native',
    addon,
    kernels: compiledKernels(addon),
    setNumThreads(n: number) {
      if (!Number.isInteger(n) || n < 0) {
        throw new ValueError(`setNumThreads: expected a non-negative integer (0 for the default). Received: ${n}`);
      }
      addon.setNumThreads(n);
    },
    getNumThreads: () => addon.getNumThreads(),
    get isa() {
      return addon.isa();
    },
  };
  return instance;
}

