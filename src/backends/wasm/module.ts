import {getEnv, loadWasmInstance, startWasmWorker, wasmCores, wasmMainThreadCanBlock, type WasmVariant, type WasmWorker} from '../../platform/index.js';
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
 *
 * Threads: the "-mt" builds import one shared `WebAssembly.Memory`; worker threads (worker_threads in
 * Node, Web Workers in a cross-origin-isolated page) instantiate the same module over it and run
 * kt_worker_loop (native/src/threadpool_wasm.cpp): a kernel's chunks are claimed from one shared
 * counter by the calling thread and the workers; idle workers sleep in memory.atomic.wait32.
 * `KERAS_NUM_THREADS` sets the count (default: the cores); with one thread, or where memory cannot be
 * shared, the one-thread builds load instead.
 */

export type {WasmVariant};
export {wasmPath} from '../../platform/index.js';

/** A `WebAssembly.Memory` (the compile target's lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

interface KernelExports {
  memory: WasmMemory;
  /** The threaded builds' pool (native/src/threadpool_wasm.cpp). */
  pool?: PoolExports;
  malloc(bytes: number): number;
  free(ptr: number): void;
  kt_run(kernel: number, bufs: number, lens: number, nbufs: number, attrs: number, nattrs: number, err: number, errlen: number): number;
  kt_isa_name(): number;
}

interface PoolExports {
  kt_set_threads(n: number): void;
  kt_get_threads(): number;
  kt_set_main_can_wait(yes: number): void;
  kt_worker_chunks(): number;
  kt_thread_alloc(stackBytes: number): number;
  kt_thread_tls(): number;
}

/** A worker's stack (the main thread's is 1 MiB: scripts/build-wasm.mjs). */
const WORKER_STACK = 1 << 20;

/** The thread count by default: `KERAS_NUM_THREADS` (>= 1), else the cores. */
function wasmDefaultThreads(): number {
  const env = Number.parseInt(getEnv('KERAS_NUM_THREADS') ?? '', 10);
  if (Number.isFinite(env) && env >= 1) return Math.min(env, 256);
  return Math.max(1, Math.min(wasmCores(), 256));
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

/** What the wasm backend's addon adds to the native one's: its threads. */
export interface WasmAddon extends NativeAddon {
  /** The build loaded (messages, benchmarks). */
  readonly variant: WasmVariant;
  /** The threaded builds' workers; null for a one-thread build. */
  readonly threads: WasmThreads | null;
}

/** The workers of a threaded build. */
interface WasmThreads {
  /** Resolves once every worker started so far runs its loop (or failed: `failures` says why). */
  ready(): Promise<void>;
  /** Chunks of parallel kernels the workers ran, since the module loaded (tests, benchmarks). */
  workerChunks(): number;
  /** Why workers failed to start, one line each. */
  readonly failures: string[];
}

/**
 * Compiles and instantiates the best build this engine runs (or `variant`, for tests and benchmarks),
 * from `dir` (Node; a page has its build loaded already), for `threads` threads (default
 * `KERAS_NUM_THREADS`, else the cores): a threaded build where threads > 1 and memory can be shared,
 * else a one-thread build; the reason (one line) when none loads.
 */
export function loadWasmKernels({dir, variant, threads}: {dir?: string; variant?: WasmVariant; threads?: number} = {}): WasmAddon | string {
  threads ??= wasmDefaultThreads();
  const inst = loadWasmInstance({dir, variant, threads});
  if (typeof inst === 'string') return inst;
  try {
    const memory = inst.threaded?.memory as WasmMemory | undefined;
    const ex = kernelExports(inst.exports, memory);
    return wasmAddon(ex, inst.variant as WasmVariant, inst.threaded && ex.pool ? {module: inst.threaded.module, memory: memory!, threads} : null);
  } catch (e) {
    return `the WebAssembly kernels at ${inst.url} are not usable: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** The module's exports, checked to be what `kt_run`'s callers need. */
function kernelExports(e: Record<string, unknown>, importedMemory?: WasmMemory): KernelExports {
  const fn = (name: string) => {
    const f = e[name];
    if (typeof f !== 'function') throw new Error(`it exports no ${name}()`);
    return f as (...args: number[]) => number;
  };
  const memory = importedMemory ?? e['memory'];
  if (importedMemory) {
    // (a threaded build: its memory is shared, the one passed in)
  } else if (typeof memory !== 'object' || memory === null || !('buffer' in memory) || !(memory.buffer instanceof ArrayBuffer)) {
    throw new Error('it exports no memory');
  }
  const free = fn('free');
  return {
    memory: memory as WasmMemory,
    malloc: fn('malloc'),
    free: (p: number) => void free(p),
    kt_run: fn('kt_run'),
    kt_isa_name: fn('kt_isa_name'),
    // cast: the pool's functions, checked by name
    pool: importedMemory && ['kt_set_threads', 'kt_get_threads', 'kt_set_main_can_wait', 'kt_worker_chunks', 'kt_thread_alloc', 'kt_thread_tls'].every(fn) ? (e as unknown as PoolExports) : undefined,
  };
}

/**
 * The workers of a threaded build: started as `setNumThreads` asks for more (never stopped: they
 * sleep), each with a stack and thread-local block allocated here, before it starts.
 */
function startThreads(pool: PoolExports, module: object, memory: WasmMemory, defaultThreads: number) {
  const workers: WasmWorker[] = [];
  const failures: string[] = [];
  pool.kt_set_main_can_wait(wasmMainThreadCanBlock() ? 1 : 0);
  const grow = (n: number) => {
    while (workers.length < n - 1) {
      const top = pool.kt_thread_alloc(WORKER_STACK);
      if (!top) return void failures.push('out of memory');
      const w = startWasmWorker(module, memory, top, pool.kt_thread_tls());
      w.ready.catch((e: unknown) => failures.push(e instanceof Error ? e.message : String(e)));
      workers.push(w);
    }
  };
  const set = (n: number) => {
    const want = n === 0 ? defaultThreads : n;
    grow(want);
    pool.kt_set_threads(Math.min(want, workers.length + 1));
  };
  set(0);
  const threads: WasmThreads = {
    ready: () => Promise.allSettled(workers.map((w) => w.ready)).then(() => undefined),
    workerChunks: () => pool.kt_worker_chunks() >>> 0,
    failures,
  };
  return {set, get: () => pool.kt_get_threads(), threads};
}

interface Region {
  buffer: ArrayBufferLike;
  start: number;  // bytes, in the JavaScript buffer
  end: number;
  at: number;  // bytes, in the module's memory
  /** Holds an input (or an output the kernel reads): copied in. Regions of outputs alone are not. */
  read: boolean;
}

function wasmAddon(ex: KernelExports, variant: WasmVariant, mt: {module: object; memory: WasmMemory; threads: number} | null): WasmAddon {
  const pool = mt && ex.pool ? startThreads(ex.pool, mt.module, mt.memory, mt.threads) : null;
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
    setNumThreads(n: number): void {
      pool?.set(n);
    },
    getNumThreads: () => (pool ? pool.get() : 1),
    defaultNumThreads: () => (mt ? mt.threads : 1),
    isa: () => isaName,
    forceIsa: (name: string) => name === isaName,
    variant,
    threads: pool?.threads ?? null,
  };
}

function readCString(ex: KernelExports, ptr: number): string {
  const mem = new Uint8Array(ex.memory.buffer);
  let end = ptr;
  while (end < mem.length && mem[end] !== 0) end++;
  // (a copy: a decoder refuses views of a shared buffer)
  return new TextDecoder().decode(mem.slice(ptr, end));
}
