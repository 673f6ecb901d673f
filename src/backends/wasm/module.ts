import {dirname, existsSync, fileURLToPath, join, preloadedWasmKernels, readFileSync, setFlagsFromString} from '../../platform/index.js';
import type {NativeAddon} from '../compiled/abi.js';
import {firstOutputBuffer, readsOutputs} from '../compiled/abi.js';

/**
 * The C++ kernels of `native/src` compiled to WebAssembly (scripts/build-wasm.mjs), behind the same
 * `run(id, buffers, attrs)` entry as the native addon, so both backends share every kernel above it.
 *
 * Storage: tensors keep their JavaScript `Float32Array`s. A call copies its buffers into one scratch
 * block of the module's memory (buffers that share storage are copied once, so in-place updates
 * stay in place), runs `kt_run`, and copies the output buffers back (BENCHMARKS.md: the copies'
 * cost, measured, against keeping tensors inside the module's memory).
 */

/** The two builds: relaxed SIMD (fused multiply-add) and plain SIMD128. */
export type WasmVariant = 'relaxed-simd' | 'simd128';

/** The parts of the WebAssembly JS API used here (the compile target's lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => {readonly exports: Record<string, unknown>};
  Memory: abstract new (...args: never[]) => WasmMemory;
}
const WA = (globalThis as {WebAssembly?: WasmApi}).WebAssembly;

interface KernelExports {
  memory: WasmMemory;
  malloc(bytes: number): number;
  free(ptr: number): void;
  kt_run(kernel: number, bufs: number, lens: number, nbufs: number, attrs: number, nattrs: number, err: number, errlen: number): number;
  kt_isa_name(): number;
}

/** The package root: three levels above this file in both `src/` and `dist/`. */
function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/** Where scripts/build-wasm.mjs writes the two builds. */
function wasmDir(): string {
  return join(packageRoot(), 'native', 'wasm');
}

/** The file of build `variant` in `dir`. */
export function wasmPath(variant: WasmVariant, dir = wasmDir()): string {
  return join(dir, `keras_kernels.${variant}.wasm`);
}

/**
 * Whether this engine runs relaxed SIMD. Node 20's V8 has it behind a flag, which a library may set
 * before it compiles the module; `KERAS_WASM_SIMD=simd128` keeps the plain build (benchmarks).
 */
function relaxedSupported(WA: WasmApi, bytes: Uint8Array): boolean {
  if (process.env['KERAS_WASM_SIMD'] === 'simd128') return false;
  if (WA.validate(bytes)) return true;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return WA.validate(bytes);
}

const ERR_LEN = 256;

/** Where the time of wasm kernel calls goes (bench/wasm.ts): copies in and out, and the kernels. */
export interface WasmCallStats {
  calls: number;
  copyMs: number;
  kernelMs: number;
  bytesIn: number;
  bytesOut: number;
}

let stats: WasmCallStats | null = null;

/** Starts counting (zeroed) and returns the counters; `false` stops. */
export function wasmCallStats(on: boolean): WasmCallStats | null {
  stats = on ? {calls: 0, copyMs: 0, kernelMs: 0, bytesIn: 0, bytesOut: 0} : null;
  return stats;
}

/** WASI imports the C library links in (stdio behind abort paths): never called by the kernels. */
const wasiStubs = {
  fd_close: () => 52,
  fd_seek: () => 52,
  fd_write: () => 52,
};

/**
 * Compiles and instantiates the best build this engine runs (or `variant`, for tests and benchmarks),
 * from `dir`; the reason (one line) when none loads.
 */
export function loadWasmKernels({dir, variant: only}: {dir?: string; variant?: WasmVariant} = {}): NativeAddon | string {
  // a page: the platform fetched and instantiated the best build as keras-ts loaded (platform/browser/wasm.ts)
  const pre = dir === undefined && only === undefined ? preloadedWasmKernels() : null;
  if (typeof pre === 'string') return pre;
  if (pre) {
    try {
      return wasmAddon(kernelExports(pre.exports));
    } catch (e) {
      return `the WebAssembly kernels at ${pre.url} are not usable: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  dir ??= wasmDir();
  const relaxedFile = wasmPath('relaxed-simd', dir);
  const plainFile = wasmPath('simd128', dir);
  if (!WA) return 'this JavaScript engine has no WebAssembly';
  if (!existsSync(plainFile)) {
    return `the WebAssembly kernels are not built (no ${plainFile}; "npm run build" builds them with clang-19 and wasm-ld-19)`;
  }
  if (only === 'relaxed-simd' && !(existsSync(relaxedFile) && relaxedSupported(WA, readFileSync(relaxedFile)))) {
    return `the relaxed-SIMD build at ${relaxedFile} is absent or this engine does not run it`;
  }
  // the relaxed build where the engine runs it, then the plain one (also when the relaxed one fails)
  const candidates: string[] = [];
  if (only !== 'simd128' && existsSync(relaxedFile) && relaxedSupported(WA, readFileSync(relaxedFile))) candidates.push(relaxedFile);
  if (only !== 'relaxed-simd') candidates.push(plainFile);
  let ex: KernelExports | null = null;
  let reason = '';
  for (const file of candidates) {
    try {
      const instance = new WA.Instance(new WA.Module(readFileSync(file)), {wasi_snapshot_preview1: wasiStubs});
      ex = kernelExports(instance.exports);
      break;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      reason ||= `the WebAssembly kernels at ${file} failed to compile: ${msg.split('\n')[0]}`;
    }
  }
  if (!ex) return reason;
  return wasmAddon(ex);
}

/** The module's exports, checked to be what `kt_run`'s callers need. */
function kernelExports(e: Record<string, unknown>): KernelExports {
  const fn = (name: string) => {
    const f = e[name];
    if (typeof f !== 'function') throw new Error(`it exports no ${name}()`);
    return f as (...args: number[]) => number;
  };
  const memory = e['memory'];
  if (typeof memory !== 'object' || memory === null || !('buffer' in memory) || !(memory.buffer instanceof ArrayBuffer)) {
    throw new Error('it exports no memory');
  }
  const free = fn('free');
  return {
    memory: memory as WasmMemory,
    malloc: fn('malloc'),
    free: (p: number) => void free(p),
    kt_run: fn('kt_run'),
    kt_isa_name: fn('kt_isa_name'),
  };
}

interface Region {
  buffer: ArrayBufferLike;
  start: number;  // bytes, in the JavaScript buffer
  end: number;
  at: number;  // bytes, in the module's memory
  /** Holds an input (or an output the kernel reads): copied in. Regions of outputs alone are not. */
  read: boolean;
}

function wasmAddon(ex: KernelExports): NativeAddon {
  let scratch = 0;
  let scratchBytes = 0;
  const isaName = readCString(ex, ex.kt_isa_name());

  /** A scratch block of at least `bytes`, kept between calls. */
  const reserve = (bytes: number): number => {
    if (bytes <= scratchBytes) return scratch;
    if (scratch) ex.free(scratch);
    const want = Math.max(bytes, Math.ceil(scratchBytes * 1.5), 1 << 16);
    scratch = ex.malloc(want);
    if (scratch === 0) {
      scratchBytes = 0;
      throw new Error(`wasm kernels: out of memory (asked for ${want} bytes)`);
    }
    scratchBytes = want;
    return scratch;
  };

  return {
    run(id: number, buffers: Float32Array[], attrs: Float64Array): void {
      const n = buffers.length;
      // the regions to copy: overlapping views of one ArrayBuffer are merged into one
      const regions: Region[] = [];
      const regionOf = new Array<Region>(n);
      const firstOut = firstOutputBuffer(id, n);
      const outputsRead = readsOutputs(id, attrs);
      buffers.forEach((b, i) => {
        const start = b.byteOffset, end = start + b.byteLength;
        const read = i < firstOut || outputsRead;
        let r = regions.find((q) => q.buffer === b.buffer && start < q.end && q.start < end);
        if (r) {
          r.start = Math.min(r.start, start);
          r.end = Math.max(r.end, end);
          r.read ||= read;
          // a widened region may now overlap another: merge it in
          for (let k = regions.length - 1; k >= 0; k--) {
            const q = regions[k]!;
            if (q !== r && q.buffer === r.buffer && r.start < q.end && q.start < r.end) {
              r.start = Math.min(r.start, q.start);
              r.end = Math.max(r.end, q.end);
              r.read ||= q.read;
              for (let j = 0; j < i; j++) if (regionOf[j] === q) regionOf[j] = r;
              regions.splice(k, 1);
            }
          }
        } else {
          r = {buffer: b.buffer, start, end, at: 0, read};
          regions.push(r);
        }
        regionOf[i] = r;
      });
      // layout: attrs (8-byte aligned), lens (int64), pointers, error text, then the regions
      let off = 0;
      const attrsAt = off;
      off += attrs.length * 8;
      const lensAt = off;
      off += n * 8;
      const ptrsAt = off;
      off += n * 4;
      const errAt = off;
      off += ERR_LEN;
      for (const r of regions) {
        off = (off + 15) & ~15;
        r.at = off;
        off += r.end - r.start;
      }
      const t0 = stats ? performance.now() : 0;
      const base = reserve(off);
      let mem = new Uint8Array(ex.memory.buffer);
      for (const r of regions) if (r.read) mem.set(new Uint8Array(r.buffer, r.start, r.end - r.start), base + r.at);
      new Float64Array(ex.memory.buffer, base + attrsAt, attrs.length).set(attrs);
      const lens = new Int32Array(ex.memory.buffer, base + lensAt, 2 * n);
      const ptrs = new Int32Array(ex.memory.buffer, base + ptrsAt, n);
      buffers.forEach((b, i) => {
        const r = regionOf[i]!;
        lens[2 * i] = b.length;
        lens[2 * i + 1] = 0;
        ptrs[i] = base + r.at + (b.byteOffset - r.start);
      });
      mem[base + errAt] = 0;
      const t1 = stats ? performance.now() : 0;
      const rc = ex.kt_run(id, base + ptrsAt, base + lensAt, n, base + attrsAt, attrs.length, base + errAt, ERR_LEN);
      if (rc !== 0) {
        const text = readCString(ex, base + errAt);
        throw new Error((text || 'wasm kernel failed').replace(/^native /, 'wasm '));
      }
      const t2 = stats ? performance.now() : 0;
      // the kernel may have grown the memory: views are taken afresh
      mem = new Uint8Array(ex.memory.buffer);
      let bytesOut = 0;
      for (let i = firstOut; i < n; i++) {
        const b = buffers[i]!;
        const at = base + regionOf[i]!.at + (b.byteOffset - regionOf[i]!.start);
        new Uint8Array(b.buffer, b.byteOffset, b.byteLength).set(mem.subarray(at, at + b.byteLength));
        bytesOut += b.byteLength;
      }
      if (stats) {
        const t3 = performance.now();
        stats.calls++;
        stats.copyMs += t1 - t0 + (t3 - t2);
        stats.kernelMs += t2 - t1;
        stats.bytesIn += regions.reduce((a, r) => a + (r.read ? r.end - r.start : 0), 0);
        stats.bytesOut += bytesOut;
      }
    },
    setNumThreads(): void {},
    getNumThreads: () => 1,
    defaultNumThreads: () => 1,
    isa: () => isaName,
    forceIsa: (name: string) => name === isaName,
  };
}

function readCString(ex: KernelExports, ptr: number): string {
  const mem = new Uint8Array(ex.memory.buffer);
  let end = ptr;
  while (end < mem.length && mem[end] !== 0) end++;
  return new TextDecoder().decode(mem.subarray(ptr, end));
}
