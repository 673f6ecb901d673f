/**
 * Helpers for tests that run kernel implementations directly (native against reference): a
 * deterministic generator, outputs allocated from a kernel's shape inference, a run that fails when
 * the implementation declines, and the native backend or the reason it is absent.
 */
import assert from 'node:assert/strict';
import type {AnyKernelImpl} from '../backends/backend.js';
import {loadNativeBackend, type NativeBackend} from '../backends/native/index.js';
import {backendName, registerBackend, setBackend} from '../backends/registry.js';
import {loadWasmBackend} from '../backends/wasm/index.js';
import {KERNELS, type KernelDef, type KernelName} from '../kernels/index.js';
import {allocate, type DType} from '../tensor/dtype.js';
import {Tensor} from '../tensor/tensor.js';

/** xorshift32 from `seed`: uniform numbers in [0, 1), independent of the library's generators. */
export function xorshift32(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * A tensor of `dtype` (bool, int32, or a float type) drawn from `rand` with what exact kernels must
 * get right: repeated values (ties), zeros, negatives, and NaN among the floats.
 */
export function awkwardTensor(shape: readonly number[], dtype: DType, rand: () => number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const t = new Tensor(shape, dtype, allocate(dtype, n));
  for (let i = 0; i < n; i++) {
    const r = rand();
    t.values[i] = dtype === 'bool' ? +(r < 0.5) : dtype === 'int32' ? Math.floor(r * 7) - 3 : r < 0.05 ? Number.NaN : r < 0.15 ? 0 : Math.fround(Math.floor(r * 9) / 4 - 1);
  }
  return t;
}

/** Fresh outputs of kernel `name` for these inputs, as `execute` allocates them. */
export function outputsFor(name: KernelName, inputs: Record<string, Tensor | Tensor[]>, attrs: unknown): Tensor[] {
  // the kernel as the untyped contract: tests pass inputs by name, as backends receive them
  const def: KernelDef<any, any> = KERNELS[name];
  return def
    .infer(inputs, attrs)
    .map((m) => new Tensor(m.shape, m.dtype, allocate(m.dtype, m.shape.reduce((a, b) => a * b, 1))));
}

/** Runs `impl` (a backend's implementation of `name`) into fresh outputs; fails if it declines. */
export function runImpl(name: KernelName, impl: AnyKernelImpl, inputs: Record<string, Tensor | Tensor[]>, attrs: unknown, label: string = name): Tensor[] {
  const outs = outputsFor(name, inputs, attrs);
  assert.notEqual(impl(inputs, attrs, outs), false, `${label} declined`);
  return outs;
}

/**
 * The native backend, or null with `skip` saying why (the addon was not built, e.g. `CXX=false npm
 * install`); prints one `# SKIP` line naming `what` when it is absent.
 */
export function nativeForTests(what: string): {native: NativeBackend | null; skip: string | false} {
  // KERAS_BACKEND=wasm runs the compiled kernels' tests on the WebAssembly build of the same sources
  const wasm = process.env['KERAS_BACKEND'] === 'wasm';
  const loaded = wasm ? loadWasmBackend() : loadNativeBackend();
  if (typeof loaded === 'string') {
    const skip = `${wasm ? 'wasm kernels' : 'native addon'} not built: ${loaded}`;
    console.log(`# SKIP ${what}: ${skip}`);
    return {native: null, skip};
  }
  return {native: loaded, skip: false};
}

/**
 * Runs `body` once per instruction set this CPU has (avx512, avx2, neon, scalar), then restores the
 * best; returns the ones it ran.
 */
export function forEachIsa(native: NativeBackend, body: (isa: string) => void): string[] {
  const best = native.isa;
  const seen: string[] = [];
  try {
    for (const isa of new Set(['avx512', 'avx2', 'neon', 'scalar', best])) {
      if (!native.addon.forceIsa(isa)) continue;
      seen.push(isa);
      body(isa);
    }
  } finally {
    native.addon.forceIsa(best);
  }
  return seen;
}

/** Runs `f` with the native thread pool at `n` threads, then restores the previous count. */
export function withThreads<T>(native: NativeBackend, n: number, f: () => T): T {
  const before = native.getNumThreads();
  native.setNumThreads(n);
  try {
    return f();
  } finally {
    native.setNumThreads(before);
  }
}

/** Per kernel name, how many calls ran natively and how many the native backend declined (fell back). */
export interface KernelRecord {
  native: Map<string, number>;
  fallback: Map<string, number>;
}

/**
 * Runs `body` on a backend that forwards every kernel to `native` and counts, per kernel, the calls
 * the native code ran and those it declined (which the reference then ran): the way to assert in a
 * test that a native kernel, not the reference, produced the numbers. Restores the previous backend.
 */
export function recordNativeKernels(native: NativeBackend, body: () => void): KernelRecord {
  const ran = new Map<string, number>(), fell = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const kernels: Record<string, AnyKernelImpl> = {};
  for (const name of Object.keys(KERNELS)) {
    const impl = (native.kernels as Record<string, AnyKernelImpl | undefined>)[name];
    kernels[name] = (inputs, attrs, outputs) => {
      const r = impl ? impl(inputs, attrs, outputs) : false;
      bump(r === false ? fell : ran, name);
      return r;
    };
  }
  registerBackend('native-recorded', () => ({name: 'native-recorded', kernels}));
  const before = backendName();
  setBackend('native-recorded');
  try {
    body();
  } finally {
    setBackend(before);
  }
  return {native: ran, fallback: fell};
}
