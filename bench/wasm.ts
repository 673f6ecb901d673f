/**
 * The wasm backend against the native backend and TF.js's wasm backend, one thread, in one run:
 * SGEMM GFLOP/s on the relaxed-SIMD and the SIMD128 builds, where the time of a wasm call goes
 * (copies of the buffers in and out of the module's memory vs the kernel), and training samples/s
 * of the seed's MLP, CNN and Embedding+LSTM (bench/models.ts) on wasm and native, plus the MLP on
 * `@tensorflow/tfjs-backend-wasm` (bench/models_tfjs.ts with TFJS_BACKEND=wasm).
 *
 *   node --import tsx bench/wasm.ts [--models mlp,cnn,lstm] [--steps N] [--no-tfjs]
 *
 * The SIMD128 figures come from a child process (KERAS_WASM_SIMD=simd128): a process holds one
 * build of the module.
 */
import {spawnSync} from 'node:child_process';
import * as keras from '../src/index.js';
import type {Backend} from '../src/backends/backend.js';
import {wasmCallStats} from '../src/backends/wasm/module.js';
import {measure, type ModelName} from './models.js';
import {bestOf, loadavg} from './timing.js';

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

function matrix(rows: number, cols: number): keras.Tensor {
  return keras.tensor(Float32Array.from({length: rows * cols}, () => Math.random() - 0.5), [rows, cols]);
}

/** Best GFLOP/s of `matmul` m x k x n (CPU time: robust on a shared machine at 1 thread). */
function gemmGflops(m: number, k: number, n: number): number {
  const a = matrix(m, k), b = matrix(k, n);
  const ms = bestOf(m * n * k > 1e8 ? 5 : 30, () => keras.ops.matmul(a, b), true);
  return (2 * m * n * k) / (ms / 1000) / 1e9;
}

const SGEMM: [number, number, number] = [128, 784, 512];

if (argv.includes('--child-gemm')) {
  // the SIMD128 half: this process was started with KERAS_WASM_SIMD=simd128
  const b = keras.backend.setBackend('wasm') as Backend & {isa?: string};
  console.log(JSON.stringify({isa: b.isa, gflops: gemmGflops(...SGEMM)}));
  process.exit(0);
}

const f1 = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

async function main(): Promise<void> {
  const models = (opt('--models') ?? 'mlp,cnn,lstm').split(',') as ModelName[];
  const steps = Number(opt('--steps') ?? 10);
  console.log(`# wasm backend benchmark, 1 thread. ${new Date().toISOString()}; Node ${process.version}`);
  console.log(`# load average before: ${loadavg()}`);

  // SGEMM, both builds, and native at 1 thread
  const wasm = keras.backend.setBackend('wasm') as Backend & {isa?: string};
  const relaxed = gemmGflops(...SGEMM);
  const child = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child-gemm'], {
    encoding: 'utf8', env: {...process.env, KERAS_WASM_SIMD: 'simd128'},
  });
  const simd = child.status === 0 ? (JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {isa: string; gflops: number}) : null;
  const native = keras.backend.setBackend('native');
  native.setNumThreads!(1);
  const nativeGemm = gemmGflops(...SGEMM);
  console.log(`\nSGEMM ${SGEMM.join('x')}, 1 thread, GFLOP/s (best of 30, CPU time; load ${loadavg()})\n`);
  console.log('| wasm relaxed SIMD | wasm SIMD128 | native | relaxed / SIMD128 | wasm relaxed / native |');
  console.log('|---|---|---|---|---|');
  console.log(`| ${f1(relaxed)} (${wasm.isa}) | ${simd ? f1(simd.gflops) : child.stderr.trim().split('\n').at(-1)} | ${f1(nativeGemm)} | ${simd ? (relaxed / simd.gflops).toFixed(2) : '—'} | ${(relaxed / nativeGemm).toFixed(2)} |`);

  // where a wasm call's time goes: SGEMM and one MLP training step
  keras.backend.setBackend('wasm');
  const a = matrix(SGEMM[0], SGEMM[1]), b = matrix(SGEMM[1], SGEMM[2]);
  keras.ops.matmul(a, b);
  const gs = wasmCallStats(true)!;
  for (let i = 0; i < 20; i++) keras.ops.matmul(a, b);
  const g = {...gs};
  const mlp = measure('mlp', 3, 2);  // warm
  void mlp;
  const ms = wasmCallStats(true)!;
  const steps3 = 5;
  const mlpAgain = measure('mlp', steps3, 0);
  const s = {...ms};
  wasmCallStats(false);
  console.log(`\nTime in wasm calls: copies in and out of the module's memory vs the kernels (load ${loadavg()})\n`);
  console.log('| workload | calls | copied in + out | copy ms | kernel ms | copies / (copies + kernels) |');
  console.log('|---|---|---|---|---|---|');
  const row = (name: string, st: typeof g) =>
    console.log(`| ${name} | ${st.calls} | ${((st.bytesIn + st.bytesOut) / 1e6).toFixed(1)} MB | ${st.copyMs.toFixed(1)} | ${st.kernelMs.toFixed(1)} | ${((100 * st.copyMs) / (st.copyMs + st.kernelMs)).toFixed(1)} % |`);
  row(`SGEMM ${SGEMM.join('x')} x 20`, g);
  row(`MLP training, ${steps3 + 1} steps + predict`, s);
  void mlpAgain;

  // models: wasm vs native, 1 thread
  const results: Record<string, {wasm: number; native: number}> = {};
  for (const m of models) {
    keras.backend.setBackend('wasm');
    const w = measure(m, steps, 2);
    keras.backend.setBackend('native');
    native.setNumThreads!(1);
    const n = measure(m, steps, 2);
    results[m] = {wasm: w.trainCpu, native: n.trainCpu};
    console.log(`#   ${m}: wasm ${JSON.stringify(w)} native ${JSON.stringify(n)} (load ${loadavg()})`);
  }
  native.setNumThreads!(0);
  let tfjsMlp: number | undefined;
  if (!argv.includes('--no-tfjs') && models.includes('mlp')) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', new URL('./models_tfjs.ts', import.meta.url).pathname, '3', 'mlp'], {
      encoding: 'utf8', env: {...process.env, TFJS_BACKEND: 'wasm'}, timeout: 900_000,
    });
    const line = (r.stdout ?? '').trim().split('\n').find((l) => l.startsWith('{'));
    if (line) tfjsMlp = (JSON.parse(line) as {train: number}).train;
    else console.log(`# TF.js wasm: ${(r.stderr || 'failed').trim().split('\n').at(-1)}`);
  }
  console.log(`\nTraining samples/s, 1 thread (CPU time per step; TF.js: median wall time; load after ${loadavg()})\n`);
  console.log('| model | wasm | native | wasm / native | TF.js wasm | wasm / TF.js wasm |');
  console.log('|---|---|---|---|---|---|');
  for (const m of models) {
    const r = results[m]!;
    const t = m === 'mlp' ? tfjsMlp : undefined;
    console.log(`| ${m} | ${f1(r.wasm)} | ${f1(r.native)} | ${(r.wasm / r.native).toFixed(2)} | ${t === undefined ? '—' : f1(t)} | ${t === undefined ? '—' : (r.wasm / t).toFixed(1)} |`);
  }
}

await main();
