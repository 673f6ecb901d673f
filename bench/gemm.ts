/**
 * GEMM throughput, side by side: the native backend on 1 and 2 threads, the reference backend, and
 * PyTorch (`/usr/bin/python3`, `torch.set_num_threads(n)`) in the same run. Prints GFLOP/s (best of
 * repeated runs, 2*m*n*k flops) and the ratios recorded in BENCHMARKS.md.
 *
 *   npm run bench            (or: node --import tsx bench/gemm.ts)
 *
 * Shapes are m x k x n: `[m, k] @ [k, n]`, e.g. 128x784x512 is a batch of 128 MNIST images through
 * a Dense(512). Uses the public API only (`keras.ops.matmul`, `keras.backend`).
 */
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import * as keras from '../src/index.js';
import {torchEnv, torchPeer} from './peers.js';
import {loadavg} from './timing.js';

const SHAPES: [number, number, number][] = [[128, 784, 512], [128, 512, 512], [32, 256, 512], [1024, 1024, 1024]];
const THREADS = [1, 2];

function randomMatrix(rows: number, cols: number): keras.Tensor {
  const v = new Float32Array(rows * cols);
  for (let i = 0; i < v.length; i++) v[i] = Math.random() - 0.5;
  return keras.tensor(v, [rows, cols]);
}

/** Best GFLOP/s of `matmul` over at least `minReps` runs and about `seconds` seconds. */
function measure(m: number, k: number, n: number, seconds: number, minReps: number): number {
  const a = randomMatrix(m, k), b = randomMatrix(k, n);
  keras.ops.matmul(a, b); // warm-up: JIT, thread pool, packing buffers
  let best = Infinity;
  const end = performance.now() + seconds * 1000;
  for (let r = 0; r < minReps || performance.now() < end; r++) {
    const t0 = performance.now();
    keras.ops.matmul(a, b);
    best = Math.min(best, performance.now() - t0);
  }
  return (2 * m * n * k) / (best / 1000) / 1e9;
}

interface TorchResult {
  mm: number;
  onednn: number;
}

function torchGflops(threads: number): Map<string, TorchResult> | string {
  const specs = SHAPES.map((s) => s.join(','));
  const r = spawnSync('/usr/bin/python3', [new URL('./gemm_torch.py', import.meta.url).pathname, String(threads), ...specs], {encoding: 'utf8', env: torchEnv(threads)});
  if (r.status !== 0) return (r.stderr || r.error?.message || 'failed').trim().split('\n').at(-1)!;
  const out = new Map<string, TorchResult>();
  for (const line of r.stdout.trim().split('\n')) {
    const j = JSON.parse(line) as {m: number; k: number; n: number} & TorchResult;
    out.set(`${j.m}x${j.k}x${j.n}`, {mm: j.mm, onednn: j.onednn});
  }
  return out;
}

const fmt = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '—' : (a / b).toFixed(2));

function main(): void {
  const native = keras.backend.setBackend('native', {fallback: true});
  if (native.name !== 'native') {
    console.log('The native addon is not built: nothing to compare (run `npm install` with a C++ compiler).');
    return;
  }
  const isa = (native as unknown as {isa?: string}).isa ?? '?';
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
  console.log(`# GEMM, float32, GFLOP/s (best of runs). ${new Date().toISOString()}`);
  console.log(`# CPU: ${cpu}; native ISA: ${isa}; load average before: ${loadavg()}`);

  const nat = new Map<string, number>();
  for (const t of THREADS) {
    native.setNumThreads!(t);
    for (const [m, k, n] of SHAPES) nat.set(`${m}x${k}x${n}/${t}`, measure(m, k, n, 1.0, 5));
  }
  native.setNumThreads!(0);

  keras.backend.setBackend('reference');
  const ref = new Map<string, number>();
  for (const [m, k, n] of SHAPES) ref.set(`${m}x${k}x${n}`, measure(m, k, n, m * k * n > 1e8 ? 0 : 0.5, m * k * n > 1e8 ? 1 : 3));
  keras.backend.setBackend('native');

  const torch = new Map<number, Map<string, TorchResult> | string>();
  const peer = torchPeer();
  console.log(`# ${peer.line}`);
  for (const t of THREADS) torch.set(t, peer.ok ? torchGflops(t) : 'not a peer (see above)');

  console.log('| shape m x k x n | native 1T | native 2T | 2T/1T | reference | native 1T / reference | torch.mm 1T | torch.mm 2T | oneDNN 1T | oneDNN 2T | native/oneDNN 1T | native/oneDNN 2T |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [m, k, n] of SHAPES) {
    const key = `${m}x${k}x${n}`;
    const n1 = nat.get(`${key}/1`), n2 = nat.get(`${key}/2`), r = ref.get(key);
    const t1 = torch.get(1), t2 = torch.get(2);
    const p1 = typeof t1 === 'string' ? undefined : t1?.get(key);
    const p2 = typeof t2 === 'string' ? undefined : t2?.get(key);
    console.log(
      `| ${key} | ${fmt(n1)} | ${fmt(n2)} | ${ratio(n2, n1)} | ${fmt(r)} | ${ratio(n1, r)} | ${fmt(p1?.mm)} | ${fmt(p2?.mm)} | ` +
        `${fmt(p1?.onednn)} | ${fmt(p2?.onednn)} | ${ratio(n1, p1?.onednn)} | ${ratio(n2, p2?.onednn)} |`,
    );
  }
  for (const t of THREADS) {
    const v = torch.get(t);
    if (typeof v === 'string') console.log(`# PyTorch (${t} threads) unavailable: ${v}`);
  }
  console.log(`# load average after: ${loadavg()}`);
}

main();
