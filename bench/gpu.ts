/**
 * The webgpu backend against native, in one run: float32 GEMM GFLOP/s (square n^3) and the seed
 * models' training samples/s (`trainOnBatch` on one synthetic batch). Prints the adapter Dawn found
 * (or why there is none), and what the machine offers for a GPU (nvidia-smi, Vulkan ICDs).
 *
 *   node --import tsx bench/gpu.ts [--sizes 1024,2048,4096,8192] [--models mlp,cnn] [--steps N]
 *
 * GPU timing: `reps` matmuls on the same operands are queued, then one element of a reduction of the
 * last result is read back (which waits for all of them); the time of that reduction and read alone is
 * subtracted. On a machine without a GPU the adapter is Mesa's llvmpipe (OpenGL ES on the CPU): give
 * it small sizes (`--sizes 128,256,512`).
 */
import {existsSync, readdirSync} from 'node:fs';
import {spawnSync} from 'node:child_process';
import * as keras from '../src/index.js';
import {batchFor, buildModel, SPECS, type ModelName} from './models.js';
import {loadavg} from './timing.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}
const sizes = arg('sizes', '1024,2048,4096,8192').split(',').map(Number);
const models = arg('models', 'mlp,cnn').split(',') as ModelName[];
const steps = Number(arg('steps', '20'));

function machine(): string[] {
  const out: string[] = [];
  const smi = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], {encoding: 'utf8'});
  out.push(`nvidia-smi: ${smi.error ? 'not found' : (smi.stdout || smi.stderr).trim()}`);
  const icds = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'].flatMap((d) => (existsSync(d) ? readdirSync(d).map((f) => `${d}/${f}`) : []));
  out.push(`Vulkan ICDs: ${icds.length ? icds.join(', ') : 'none'}`);
  const vk = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/libvulkan.so.1'].find(existsSync);
  out.push(`libvulkan.so.1: ${vk ?? 'absent'}`);
  return out;
}

function square(n: number): keras.Tensor {
  const v = new Float32Array(n * n);
  for (let i = 0; i < v.length; i++) v[i] = Math.random() - 0.5;
  return keras.tensor(v, [n, n]);
}

/** GFLOP/s of n^3 matmuls on the active backend (wall time; the GPU's queue drained by one small read). */
function gemm(n: number, gpu: boolean): number {
  const a = square(n), b = square(n);
  const drain = (t: keras.Tensor) => keras.ops.sum(keras.ops.slice(t, [0, 0], [1, 1])).dataSync();
  drain(keras.ops.matmul(a, b)); // warm-up: upload, pipeline compile
  const reps = gpu ? Math.max(2, Math.min(20, Math.ceil(2e11 / (2 * n ** 3)))) : Math.max(1, Math.min(10, Math.ceil(2e10 / (2 * n ** 3))));
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    let c = keras.ops.matmul(a, b);
    for (let r = 1; r < reps; r++) c = keras.ops.matmul(a, b);
    if (!gpu) {
      // a CPU backend has finished each matmul when it returns
      best = Math.min(best, (performance.now() - t0) / reps);
      continue;
    }
    drain(c);
    const t1 = performance.now();
    drain(c);
    const t2 = performance.now();
    best = Math.min(best, (t1 - t0 - (t2 - t1)) / reps);
  }
  return (2 * n ** 3) / (best / 1000) / 1e9;
}

/** Training samples/s: median wall time of `steps` trainOnBatch calls, each ended by reading its loss. */
async function train(name: ModelName): Promise<number> {
  const {batch} = SPECS[name];
  const model = buildModel(name);
  const [x, y] = batchFor(name, batch);
  for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await model.trainOnBatch(x, y); // returns the loss as numbers: the step's work has finished
    times.push(performance.now() - t0);
  }
  times.sort((p, q) => p - q);
  return batch / (times[Math.floor(times.length / 2)]! / 1000);
}

async function main(): Promise<void> {
  console.log(`load average before: ${loadavg()}`);
  for (const line of machine()) console.log(line);
  let gpuName: string | null = null;
  try {
    const b = keras.backend.setBackend('webgpu') as unknown as {adapter: {description: string}};
    gpuName = b.adapter.description;
    console.log(`adapter: ${gpuName}`);
  } catch (e) {
    console.log(`no webgpu backend: ${(e as Error).message}`);
  }
  const rows: string[] = [];
  for (const n of sizes) {
    keras.backend.setBackend('native');
    keras.backend.getBackend().setNumThreads?.(2);
    const cpu = gemm(n, false);
    let g: number | undefined;
    if (gpuName) {
      keras.backend.setBackend('webgpu');
      g = gemm(n, true);
    }
    rows.push(`| GEMM ${n}^3 GFLOP/s | ${g === undefined ? '—' : g.toFixed(2)} | ${cpu.toFixed(1)} | ${g === undefined ? '—' : (g / cpu).toFixed(3)} |`);
    console.log(rows.at(-1));
  }
  for (const m of models) {
    keras.backend.setBackend('native');
    keras.utils.setRandomSeed(1);
    const cpu = await train(m);
    let g: number | undefined;
    if (gpuName) {
      keras.backend.setBackend('webgpu');
      keras.utils.setRandomSeed(1);
      g = await train(m);
    }
    rows.push(`| ${SPECS[m].title}: training samples/s | ${g === undefined ? '—' : g.toFixed(1)} | ${cpu.toFixed(1)} | ${g === undefined ? '—' : (g / cpu).toFixed(3)} |`);
    console.log(rows.at(-1));
  }
  console.log(`\n| measure | webgpu | native 2T | webgpu/native |\n|---|---|---|---|\n${rows.join('\n')}`);
  console.log(`load average after: ${loadavg()}`);
}

await main();
