import type {Backend, KernelTable} from '../backend.js';
import type {NativeAddon} from './abi.js';
import {compiledCall} from './call.js';
import {MIN_COMPILED_ELEMENTS} from './checks.js';
import {arrayKernels} from './array.js';
import {attentionKernels} from './attention.js';
import {elementwiseKernels} from './elementwise.js';
import {fusedKernels} from './fused.js';
import {linalgKernels} from './linalg.js';
import {nnKernels} from './nn.js';
import {optimizerKernels} from './optimizer.js';
import {randomKernels} from './random.js';
import {recurrentKernels} from './recurrent.js';
import {reductionKernels} from './reduction.js';

/**
 * The kernels of a compiled backend (native or wasm) over its module's `run` entry, in files named as
 * the reference backend's. Each declines (returns `false`, so the reference kernel runs) for what it
 * does not cover: dtypes other than float32, reductions over non-adjacent axes, tiny elementwise ops
 * where the call costs more than the loop. Before any call into compiled code it checks every buffer
 * against its shape (`checks.ts`).
 */
export function compiledKernels(addon: NativeAddon): Partial<KernelTable> {
  const c = {call: compiledCall(addon), minElements: MIN_COMPILED_ELEMENTS};
  return {
    ...linalgKernels(c),
    ...nnKernels(c),
    ...elementwiseKernels(c),
    ...reductionKernels(c),
    ...fusedKernels(c),
    ...randomKernels(c),
    ...arrayKernels(c),
    ...recurrentKernels(c),
    ...optimizerKernels(c),
    ...attentionKernels(c),
  };
}

/** A backend over compiled kernels: `native` (the addon) or `wasm` (the WebAssembly module). */
export interface CompiledBackend extends Backend {
  readonly addon: NativeAddon;
  /** Threads of the pool; `0` returns to the default (`KERAS_NUM_THREADS`, else the physical cores). */
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** The instruction set in use: `avx512`, `avx2`, `neon`, `scalar`, `wasm-relaxed-simd`, `wasm-simd128`. */
  readonly isa: string;
}
