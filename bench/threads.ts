/**
 * Where a second thread starts to pay for the kernels that split their work over the thread pool by
 * size (native/src/optimizer.cpp, random.cpp, ops.cpp): µs per call at 1 and 2 threads, called
 * straight through the kernel ABI with buffers made once (no allocation, no tensor per call), the
 * thread counts interleaved, best of several batches of calls (wall time: the second thread's work
 * counts only as it shortens the call).
 *
 *   node --import tsx bench/threads.ts [batches] [sizes, comma-separated]
 *
 * RMSprop updates in place as a training step runs it (variable, gradient, velocity; the velocity and
 * the variable written back), Adam likewise; BernoulliMask draws dropout's scaled mask; Mul is an
 * elementwise product (ops.cpp) for comparison.
 */
import * as keras from '../src/index.js';
import {compiledCall} from '../src/backends/compiled/call.js';
import {BinaryOp, OptimizerRule} from '../src/backends/compiled/abi.js';
import type {NativeBackend} from '../src/backends/native/index.js';
import {loadavg} from './timing.js';

const batches = Number(process.argv[2] ?? 15);
const native = keras.backend.setBackend('native') as unknown as NativeBackend;
const call = compiledCall(native.addon);
const sizes = process.argv[3]?.split(',').map(Number) ?? [2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 401408];

const rnd = (n: number, lo = -0.5, hi = 0.5) => Float32Array.from({length: n}, () => lo + (hi - lo) * Math.random());

function kernels(n: number): [string, () => void][] {
  const w = rnd(n), g = rnd(n), v = rnd(n, 0, 1e-3), m = rnd(n, -1e-3, 1e-3), a = rnd(n), b = rnd(n), y = new Float32Array(n);
  return [
    ['RMSprop', () => call('OptimizerUpdate', [w, g, v, w, v], {rule: OptimizerRule.RMSprop, n, p0: 1e-3, p1: 0.9, p2: 0, p3: 1e-7})],
    ['Adam', () => call('OptimizerUpdate', [w, g, m, v, w, m, v], {rule: OptimizerRule.Adam, n, p0: 1e-3, p1: 0.9, p2: 0.999, p3: 1e-7})],
    ['BernoulliMask', () => call('BernoulliMask', [y], {n, keepProb: 0.8, key0: 1, key1: 2, stream: 3, scale: 1.25})],
    ['Mul', () => call('Binary', [a, b, y], {op: BinaryOp.Mul, rank: 1}, [n, 1, 1])],
  ];
}

/** µs per call: the best of `batches` batches, each long enough (~2 ms) to time. */
function perCall(f: () => void, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return ((performance.now() - t0) * 1000) / reps;
}

console.log(`# 1 vs 2 threads, native ${native.isa}, µs per call (wall, best of ${batches} batches, 1T and 2T interleaved), ${new Date().toISOString()}; load ${loadavg()}`);
const names = kernels(1).map(([k]) => k);
console.log(`| n | ${names.map((k) => `${k} 1T | ${k} 2T | 1T/2T`).join(' | ')} |`);
console.log(`|---|${names.map(() => '---|---|---|').join('')}`);
for (const n of sizes) {
  const ks = kernels(n);
  const cells: string[] = [];
  for (const [, f] of ks) {
    f();
    const t1 = perCall(f, 20); // a rough time for the batch length
    const reps = Math.max(5, Math.ceil(2000 / Math.max(t1, 0.1)));
    const best = [Infinity, Infinity];
    for (let r = 0; r < batches; r++) {
      for (const t of [1, 2]) {
        native.setNumThreads!(t);
        f(); // the pool started and the worker spinning
        best[t - 1] = Math.min(best[t - 1]!, perCall(f, reps));
      }
    }
    cells.push(best[0]!.toFixed(2), best[1]!.toFixed(2), (best[0]! / best[1]!).toFixed(2));
  }
  console.log(`| ${n} | ${cells.join(' | ')} |`);
}
native.setNumThreads!(0);
console.log(`# load ${loadavg()}`);
