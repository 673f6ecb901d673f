/**
 * Fused against unfused, through the public ops: `ops.dense(x, w, b, 'relu')` (one FusedDense kernel:
 * bias and relu in the GEMM epilogue) against `relu(add(matmul(x, w), b))` (three kernels, two extra
 * passes over the output), and the same for Conv2D + bias + relu. Native backend, 1 thread, best of runs.
 *
 *   node --import tsx bench/fused.ts
 */
import * as keras from '../src/index.js';
import {bestOf, loadavg, randTensor} from './timing.js';

const ops = keras.ops;
const native = keras.backend.setBackend('native');
native.setNumThreads!(1);
const rand = randTensor;

const best = (f: () => unknown, reps = 30) => bestOf(reps, f, false);

console.log(`# fused vs unfused, native, 1 thread, ms (best of runs). ${new Date().toISOString()}; load ${loadavg()}`);
console.log('| op | shape | unfused ms | fused ms | speed-up |');
console.log('|---|---|---|---|---|');
for (const [m, k, n] of [[128, 784, 512], [128, 512, 512], [32, 256, 512]] as const) {
  const x = rand([m, k]), w = rand([k, n]), b = rand([n]);
  const u = best(() => ops.relu(ops.add(ops.matmul(x, w), b)));
  const f = best(() => ops.dense(x, w, b, 'relu'));
  console.log(`| Dense + bias + relu | ${m}x${k}x${n} | ${u.toFixed(3)} | ${f.toFixed(3)} | ${(u / f).toFixed(2)} |`);
}
for (const [xs, fs] of [[[128, 28, 28, 1], [3, 3, 1, 32]], [[128, 26, 26, 32], [3, 3, 32, 64]]] as const) {
  const x = rand([...xs]), w = rand([...fs]), b = rand([fs[3]]);
  const u = best(() => ops.relu(ops.add(ops.conv(x, w), b)), 5);
  const f = best(() => ops.fusedConv(x, w, b, {activation: 'relu'}), 5);
  console.log(`| Conv2D + bias + relu | x ${xs.join('x')}, k ${fs.join('x')} | ${u.toFixed(2)} | ${f.toFixed(2)} | ${(u / f).toFixed(2)} |`);
}
