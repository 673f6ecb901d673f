/**
 * The whole-sequence recurrent kernels on the native backend, called directly at the seed LSTM's
 * shape (batch 32, 80 steps, 128 units; bench/models.ts `lstm`) with their outputs allocated once:
 * ms per call (best of runs; CPU time at 1 thread, wall time at 2) and the GFLOP/s of their recurrent
 * GEMMs (2 * b * u * gates*u per step), beside what one step's GEMM shape reaches alone
 * (`MatMul` [32, 128] x [128, 4u], 80 calls).
 *
 *   node --import tsx bench/recurrent.ts [reps]
 */
import * as keras from '../src/index.js';
import type {AnyKernelImpl} from '../src/backends/backend.js';
import {bestOf, loadavg, randTensor as rand, zerosTensor as zeros} from './timing.js';

const reps = Number(process.argv[2] ?? 20);
const native = keras.backend.setBackend('native');
const K = native.kernels as Record<string, AnyKernelImpl>;
const [b, t, u] = [32, 80, 128];
const attrs = {goBackwards: false, zeroOutputForMask: false};

console.log(`# recurrent sequence kernels, native, b ${b}, T ${t}, u ${u}; ms per call (best of ${reps}; CPU time at 1 thread, wall time at 2), ${new Date().toISOString()}; load ${loadavg()}`);
console.log('| kernel | threads | ms | recurrent GEMM GFLOP/s |');
console.log('|---|---|---|---|');
for (const threads of [1, 2]) {
  native.setNumThreads!(threads);
  const best = (f: () => unknown) => bestOf(reps, f, threads === 1);
  const row = (name: string, ms: number, flops: number) => console.log(`| ${name} | ${threads} | ${ms.toFixed(2)} | ${(flops / ms / 1e6).toFixed(1)} |`);
  for (const gates of [4, 3]) {
    const flops = 2 * b * u * gates * u * t;
    const h = rand([b, u]), w = rand([u, gates * u]), out = zeros([b, gates * u]);
    row(`MatMul [${b}, ${u}] x [${u}, ${gates * u}], ${t} calls`, best(() => {
      for (let k = 0; k < t; k++) K.MatMul!({a: h, b: w}, {transposeA: false, transposeB: false}, [out]);
    }), flops);
    const z = rand([b, t, gates * u]), h0 = zeros([b, u]), dy = rand([b, t, u]), dh = rand([b, u]);
    // recurrent weights small enough that the states stay in the gates' sensitive range
    const rk = keras.ops.multiply(rand([u, gates * u]), 0.1) as unknown as typeof w;
    const y = zeros([b, t, u]), hn = zeros([b, u]), hs = zeros([t, b, u]), dz = zeros([b, t, gates * u]), dh0 = zeros([b, u]), drk = zeros([u, gates * u]);
    if (gates === 4) {
      const c0 = zeros([b, u]), cn = zeros([b, u]), g = zeros([t, b, 4 * u]), cs = zeros([t, b, u]), dc0 = zeros([b, u]);
      const fwd = () => K.LSTMSequence!({z, h0, c0, recurrentKernel: rk, mask: [], recurrentMask: []}, attrs, [y, hn, cn, g, cs, hs]);
      row('LSTMSequence', best(fwd), flops);
      const zg = zeros([t, b, 4 * u]), zs = zeros([t, b, u]);
      row('LSTMSequenceGrad', best(() => K.LSTMSequenceGrad!(
        {dy, dh, dc: zeros([b, u]), dGates: zg, dCs: zs, dHs: zs, gates: g, cs, hs, h0, c0, recurrentKernel: rk, mask: [], recurrentMask: []},
        attrs, [dz, dh0, dc0, drk])), 2 * flops); // dh_prev per step, and dW over all steps
    } else {
      const rb = rand([3 * u]), res = zeros([t, b, 4 * u]);
      row('GRUSequence', best(() => K.GRUSequence!({z, h0, recurrentKernel: rk, recurrentBias: rb, mask: []}, attrs, [y, hn, res, hs])), flops);
      row('GRUSequenceGrad', best(() => K.GRUSequenceGrad!(
        {dy, dh, dReserve: zeros([t, b, 4 * u]), dHs: zeros([t, b, u]), reserve: res, hs, h0, recurrentKernel: rk, mask: []},
        attrs, [dz, dh0, drk, zeros([3 * u])])), 2 * flops);
    }
  }
}
