/**
 * The CNN's convolution, pooling and dropout-mask kernels on the native backend, called directly at
 * the seed model's shapes (bench/models.ts `cnn`, batch 128): ms per call (best of runs;
 * CPU time at 1 thread, wall time at 2) and GFLOP/s (2 * multiply-adds of the direct convolution).
 *
 *   node --import tsx bench/conv.ts [reps]
 */
import * as keras from '../src/index.js';
import type {AnyKernelImpl} from '../src/backends/backend.js';
import {bestOf, loadavg, randTensor as rand, sizeOf as size, zerosTensor as zeros} from './timing.js';

const reps = Number(process.argv[2] ?? 10);
const native = keras.backend.setBackend('native');
const K = native.kernels as Record<string, AnyKernelImpl>;

// 1 thread: CPU time of the process (robust on a shared machine); 2 threads: wall time
let cpuClock = true;
const best = (f: () => unknown) => bestOf(reps, f, cpuClock);

const load = loadavg();
console.log(`# CNN kernels, native, ms per call (best of ${reps}; CPU time at 1 thread, wall time at 2), ${new Date().toISOString()}; load ${load}`);
console.log('| kernel | shape | threads | ms | GFLOP/s |');
console.log('|---|---|---|---|---|');
const conv = {strides: [1, 1] as [number, number], padding: 'valid' as const, dilations: [1, 1] as [number, number]};
for (const threads of [1, 2]) {
  native.setNumThreads!(threads);
  cpuClock = threads === 1;
  const row = (name: string, shape: string, ms: number, flops: number) =>
    console.log(`| ${name} | ${shape} | ${threads} | ${ms.toFixed(2)} | ${flops ? (flops / ms / 1e6).toFixed(1) : '-'} |`);
  for (const [xs, fs] of [[[128, 28, 28, 1], [3, 3, 1, 32]], [[128, 26, 26, 32], [3, 3, 32, 64]]] as const) {
    const x = rand([...xs]), f = rand([...fs]), b = rand([fs[3]]);
    const ys = [xs[0], xs[1] - fs[0] + 1, xs[2] - fs[1] + 1, fs[3]];
    const y = zeros(ys), dy = rand(ys), dx = zeros([...xs]), df = zeros([...fs]);
    const flops = 2 * size(ys) * fs[0] * fs[1] * fs[2];
    const shape = `x ${xs.join('x')}, k ${fs.join('x')}`;
    row('FusedConv2D relu', shape, best(() => K.FusedConv2D!({x, filter: f, bias: b}, {...conv, activation: 'relu'}, [y])), flops);
    if (xs[3] > 1) row('Conv2DBackpropInput', shape, best(() => K.Conv2DBackpropInput!({dy, filter: f}, {...conv, inputShape: [...xs]}, [dx])), flops);
    row('Conv2DBackpropFilter', shape, best(() => K.Conv2DBackpropFilter!({x, dy}, {...conv, filterShape: [...fs]}, [df])), flops);
  }
  const px = rand([128, 24, 24, 64]), py = zeros([128, 12, 12, 64]), pdy = rand([128, 12, 12, 64]), pdx = zeros([128, 24, 24, 64]);
  const pool = {poolSize: [2, 2] as [number, number], strides: [2, 2] as [number, number], padding: 'valid' as const};
  row('MaxPool 2x2', 'x 128x24x24x64', best(() => K.MaxPool!({x: px}, pool, [py])), 0);
  row('MaxPoolGrad 2x2', 'x 128x24x24x64', best(() => K.MaxPoolGrad!({x: px, dy: pdy}, pool, [pdx])), 0);
  const m = zeros([128, 12, 12, 64]);
  const mask = {shape: [128, 12, 12, 64], keepProb: 0.75, dtype: 'float32' as const, k0: 12345, k1: 678};
  row('BernoulliMask', '1179648 elements', best(() => K.BernoulliMask!({}, mask, [m])), 0);
}
