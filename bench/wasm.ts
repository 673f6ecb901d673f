/**
 * The wasm backend against the native backend and TF.js's wasm backend, one thread, in one run:
 * SGEMM GFLOP/s on the relaxed-SIMD and the SIMD128 builds (threaded builds at 1 thread, and the
 * one-thread builds), SGEMM 1024^3 on 1 and 2 threads (wall time, CPU time, the worker's chunks),
 * where the time of a wasm call goes
 * (copies of the buffers in and out of the module's memory vs the kernel), and training samples/s
 * of the seed's MLP, CNN and Embedding+LSTM (bench/models.ts) on wasm and native, plus the MLP on
 * `@tensorflow/tfjs-backend-wasm` (bench/models_tfjs.ts with TFJS_BACKEND=wasm).
 *
 *   node --import tsx bench/wasm.ts [--models mlp,cnn,lstm] [--steps N] [--no-tfjs] [--threads-only]
 *
 * `--threads-only`: the SGEMM tables alone (a minute; for a rerun on an idle machine). The other
 * builds' figures come from child processes (KERAS_WASM_SIMD=simd128, KERAS_NUM_THREADS=1): a
 * process holds one build of the module.
 */
import {spawnSync} from 'node:child_process';
import * as keras from '../src/index.js';
import {wasmCallStats} from '../src/backends/wasm/module.js';
import {loadWasmBackend} from '../src/backends/wasm/index.js';
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

/** The wasm backend of this process and its build ('relaxed-simd-mt', ...). */
function wasmBackend() {
  const b = keras.backend.setBackend('wasm');
  const w = loadWasmBackend();
  if (typeof w === 'string') throw new Error(w);
  return {b, w, variant: w.addon.variant as string, threads: w.addon.threads};
}

interface ChildGemm {
  isa: string;
  variant: string;
  gflops: number;
}

if (argv.includes('--child-gemm')) {
  // another build: this process was started with KERAS_WASM_SIMD=simd128 and/or KERAS_NUM_THREADS=1
  const {b, w, variant} = wasmBackend();
  b.setNumThreads!(1);
  console.log(JSON.stringify({isa: w.isa, variant, gflops: gemmGflops(...SGEMM)} satisfies ChildGemm));
  process.exit(0);
}

function childGemm(env: Record<string, string>): ChildGemm | string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child-gemm'], {encoding: 'utf8', env: {...process.env, ...env}});
  return r.status === 0 ? (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildGemm) : (r.stderr.trim().split('\n').at(-1) ?? 'failed');
}

/**
 * SGEMM n^3 on the threaded build at 1 and 2 threads, interleaved, best of `reps` each: wall time,
 * the process's CPU time in that call (all threads), and the chunks the worker ran.
 */
async function threadScaling(n: number, reps: number) {
  const {b, variant, threads} = wasmBackend();
  if (!threads) return null;
  b.setNumThreads!(2);
  await threads.ready();
  const a = matrix(n, n), c = matrix(n, n);
  const best: Record<number, {wall: number; cpu: number; chunks: number}> = {1: {wall: Infinity, cpu: 0, chunks: 0}, 2: {wall: Infinity, cpu: 0, chunks: 0}};
  for (let r = 0; r < reps; r++) {
    for (const t of [1, 2]) {
      b.setNumThreads!(t);
      if (r === 0) keras.ops.matmul(a, c);
      const k0 = threads.workerChunks(), u0 = process.cpuUsage(), t0 = performance.now();
      keras.ops.matmul(a, c);
      const wall = performance.now() - t0, u = process.cpuUsage(u0), chunks = threads.workerChunks() - k0;
      if (wall < best[t]!.wall) best[t] = {wall, cpu: (u.user + u.system) / 1000, chunks};
    }
  }
  b.setNumThreads!(0);
  return {variant, n, best};
}

async function threadTable(): Promise<void> {
  const n = 1024;
  const before = loadavg();
  const s = await threadScaling(n, 7);
  if (!s) return void console.log('\n# no threaded wasm build loaded (one thread): no thread scaling');
  const g = (ms: number) => (2 * n ** 3) / (ms / 1000) / 1e9;
  console.log(`\nSGEMM ${n}^3 on the threaded build (${s.variant}): 1 vs 2 threads, best of 7 each, interleaved (load before ${before}, after ${loadavg()})\n`);
  console.log('| threads | wall ms | GFLOP/s (wall) | CPU ms, all threads | worker chunks | speed-up (wall) |');
  console.log('|---|---|---|---|---|---|');
  for (const t of [1, 2]) {
    const r = s.best[t]!;
    console.log(`| ${t} | ${r.wall.toFixed(1)} | ${f1(g(r.wall))} | ${r.cpu.toFixed(1)} | ${r.chunks} | ${(s.best[1]!.wall / r.wall).toFixed(2)}x |`);
  }
}

const f1 = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

async function main(): Promise<void> {
  if (argv.includes('--threads-only')) {
    console.log(`# wasm threads, SGEMM. ${new Date().toISOString()}; Node ${process.version}; load average before: ${loadavg()}`);
    const {b, variant} = wasmBackend();
    b.setNumThreads!(1);
    const g = gemmGflops(...SGEMM);
    console.log(`\nSGEMM ${SGEMM.join('x')} on ${variant}, 1 thread: ${f1(g)} GFLOP/s (best of 30, CPU time; load ${loadavg()})`);
    b.setNumThreads!(0);
    await threadTable();
    return;
  }
  const models = (opt('--models') ?? 'mlp,cnn,lstm').split(',') as ModelName[];
  const steps = Number(opt('--steps') ?? 10);
  console.log(`# wasm backend benchmark, 1 thread. ${new Date().toISOString()}; Node ${process.version}`);
  console.log(`# load average before: ${loadavg()}`);

  // SGEMM, the builds at 1 thread, and native at 1 thread
  const {b: wasm, variant} = wasmBackend();
  wasm.setNumThreads!(1);
  const relaxed = gemmGflops(...SGEMM);
  wasm.setNumThreads!(0);
  const simd = childGemm({KERAS_WASM_SIMD: 'simd128'});
  const relaxed1 = childGemm({KERAS_NUM_THREADS: '1'});
  const simd1 = childGemm({KERAS_WASM_SIMD: 'simd128', KERAS_NUM_THREADS: '1'});
  const native = keras.backend.setBackend('native');
  native.setNumThreads!(1);
  const nativeGemm = gemmGflops(...SGEMM);
  native.setNumThreads!(0);
  const cell = (c: ChildGemm | string) => (typeof c === 'string' ? c : `${f1(c.gflops)} (${c.variant})`);
  const ratio = (x: number, c: ChildGemm | string) => (typeof c === 'string' ? '—' : (x / c.gflops).toFixed(2));
  console.log(`\nSGEMM ${SGEMM.join('x')}, 1 thread, GFLOP/s (best of 30, CPU time; load ${loadavg()})\n`);
  console.log('| wasm relaxed SIMD | wasm SIMD128 | native | relaxed / SIMD128 | wasm relaxed / native |');
  console.log('|---|---|---|---|---|');
  console.log(`| ${f1(relaxed)} (${variant}) | ${cell(simd)} | ${f1(nativeGemm)} | ${ratio(relaxed, simd)} | ${(relaxed / nativeGemm).toFixed(2)} |`);
  const r1 = typeof relaxed1 === 'string' ? NaN : relaxed1.gflops;
  console.log(`| ${cell(relaxed1)} | ${cell(simd1)} | | ${ratio(r1, simd1)} | ${(r1 / nativeGemm).toFixed(2)} |`);
  await threadTable();

  // where a wasm call's time goes: SGEMM and one MLP training step
  keras.backend.setBackend('wasm').setNumThreads!(1);
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
    keras.backend.setBackend('wasm').setNumThreads!(1);
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
