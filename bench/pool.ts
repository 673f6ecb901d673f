/**
 * The pooling kernels on the native backend (native/src/pool_impl.inc), called directly: ms per call
 * (best of runs; CPU time of the process at 1 thread, wall time at 2) at the seed CNN's shape
 * (bench/models.ts `cnn`: MaxPooling2D(2) on [128, 24, 24, 64]) and a few others (overlapping 3x3
 * stride 2 `same`, channel counts off the vector width), on every instruction set of this CPU.
 *
 *   node --import tsx bench/pool.ts [reps] [isa...]
 */
import * as keras from '../src/index.js';
import type {AnyKernelImpl} from '../src/backends/backend.js';
import type {NativeBackend} from '../src/backends/native/index.js';
import {bestOf, loadavg, randTensor as rand, zerosTensor as zeros} from './timing.js';

const reps = Number(process.argv[2] ?? 20);
const native = keras.backend.setBackend('native') as unknown as NativeBackend;
const isas = process.argv.length > 3 ? process.argv.slice(3) : [native.isa];
const K = native.kernels as Record<string, AnyKernelImpl>;

let cpuClock = true;
const best = (f: () => unknown) => bestOf(reps, f, cpuClock);

interface Case {x: number[]; pool: [number, number]; strides: [number, number]; padding: 'valid' | 'same'}
const cases: Case[] = [
  {x: [128, 24, 24, 64], pool: [2, 2], strides: [2, 2], padding: 'valid'},
  {x: [128, 24, 24, 64], pool: [3, 3], strides: [2, 2], padding: 'same'},
  {x: [32, 56, 56, 17], pool: [2, 2], strides: [2, 2], padding: 'valid'},
  {x: [32, 27, 27, 100], pool: [3, 3], strides: [3, 3], padding: 'same'},
];

const load = loadavg();
console.log(`# pooling, native, ms per call (best of ${reps}; CPU time at 1 thread, wall time at 2), ${new Date().toISOString()}; load ${load}`);
console.log('| isa | threads | x | window | MaxPool | MaxPoolGrad | AvgPool | AvgPoolGrad |');
console.log('|---|---|---|---|---|---|---|---|');
const bestIsa = native.isa;
for (const isa of isas) {
  if (!native.addon.forceIsa(isa)) continue;
  for (const threads of [1, 2]) {
    native.setNumThreads!(threads);
    cpuClock = threads === 1;
    for (const c of cases) {
      const a = {poolSize: c.pool, strides: c.strides, padding: c.padding};
      const outH = c.padding === 'same' ? Math.ceil(c.x[1]! / c.strides[0]) : Math.floor((c.x[1]! - c.pool[0]) / c.strides[0]) + 1;
      const outW = c.padding === 'same' ? Math.ceil(c.x[2]! / c.strides[1]) : Math.floor((c.x[2]! - c.pool[1]) / c.strides[1]) + 1;
      const ys = [c.x[0]!, outH, outW, c.x[3]!];
      const x = rand(c.x), y = zeros(ys), dy = rand(ys), dx = zeros(c.x);
      const ms = [
        best(() => K.MaxPool!({x}, a, [y])),
        best(() => K.MaxPoolGrad!({x, dy}, a, [dx])),
        best(() => K.AvgPool!({x}, a, [y])),
        best(() => K.AvgPoolGrad!({dy}, {...a, inputShape: c.x}, [dx])),
      ];
      console.log(`| ${isa} | ${threads} | ${c.x.join('x')} | ${c.pool.join('x')} s${c.strides[0]} ${c.padding} | ${ms.map((m) => m.toFixed(3)).join(' | ')} |`);
    }
  }
}
native.addon.forceIsa(bestIsa);
