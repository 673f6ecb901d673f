/**
 * Inference throughput of the three seed models (bench/models.ts), in one run: keras-ts `predict` on
 * the native backend (1 thread), ONNX Runtime for Node (npm `onnxruntime-node`, CPU, 1 intra-op
 * thread: what a Node user picks to serve a model) and PyTorch (1 thread), all three with the SAME
 * weights: keras-ts builds each model, its weights go to PyTorch (bench/models_onnx.py), which
 * exports the model with `torch.onnx.export` (opset 13) for ONNX Runtime. The three outputs on the
 * batch are compared before anything is timed (largest absolute difference printed).
 *
 *   node --import tsx bench/inference.ts [--models mlp,cnn,lstm] [--rounds N] [--reps N] [--no-torch]
 *
 * keras-ts and ONNX Runtime are timed in alternating rounds (each round `reps` calls of each) so a
 * burst of load from other processes hits both alike; samples/s come from the median call's wall
 * time, and from the process's CPU time per call (robust on a shared machine: each runs on one thread;
 * keras-ts's CPU time includes V8's garbage-collector threads). keras-ts
 * gets its batch channels-last (its layout), ONNX Runtime and PyTorch get the CNN's batch as NCHW
 * (theirs), converted once outside the timed calls. Batches: 128 (MLP, CNN), 32 (LSTM: 80 token ids).
 * Ratios against PyTorch are printed only when its BLAS is a real one (bench/peers.ts).
 */
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as ort from 'onnxruntime-node';
import * as keras from '../src/index.js';
import {batchFor, buildModel, SPECS, type ModelName} from './models.js';
import {torchEnv, torchPeer} from './peers.js';
import {loadavg, median, warmUpAsync} from './timing.js';

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const models = (opt('--models') ?? 'mlp,cnn,lstm').split(',') as ModelName[];
const rounds = Number(opt('--rounds') ?? 5);
const reps = Number(opt('--reps') ?? 20);

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) throw new Error(`output sizes differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
const bytesOf = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

const native = keras.backend.setBackend('native', {fallback: true});
if (native.name !== 'native') {
  console.log('The native addon is not built (run `npm install` with a C++ compiler).');
  process.exit(0);
}
native.setNumThreads!(1);
const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
console.log(`# Inference, samples/s, 1 thread. ${new Date().toISOString()}`);
console.log(`# CPU: ${cpu}; native ISA: ${(native as unknown as {isa: string}).isa}; Node ${process.version}; onnxruntime-node ${ort.env.versions.node ?? ''}`);
console.log(`# load average before: ${loadavg()}`);

// 1. keras-ts builds the models; their weights and one batch go to PyTorch, which exports ONNX
const dir = mkdtempSync(join(tmpdir(), 'keras-ts-onnx-'));
const built = new Map<ModelName, {model: keras.Sequential; x: keras.Tensor}>();
for (const m of models) {
  const model = buildModel(m);
  const [x] = batchFor(m, SPECS[m].batch);
  const weights = model.getWeights().map((w, i) => {
    writeFileSync(join(dir, `${m}.w${i}.bin`), bytesOf(w.values as Float32Array));
    return {shape: w.shape, file: `${m}.w${i}.bin`};
  });
  writeFileSync(join(dir, `${m}.x.bin`), bytesOf(x.values as Float32Array | Int32Array));
  writeFileSync(join(dir, `${m}.json`), JSON.stringify({inputShape: x.shape, inputDtype: x.dtype, weights}));
  built.set(m, {model, x});
}
const peer = argv.includes('--no-torch') ? undefined : torchPeer();
if (peer) console.log(`# ${peer.line}`);
const py = spawnSync('/usr/bin/python3', [new URL('./models_onnx.py', import.meta.url).pathname, dir, String(rounds * reps), ...models], {
  encoding: 'utf8',
  env: torchEnv(1),
  timeout: 1_800_000,
});
if (py.status !== 0) throw new Error(`bench/models_onnx.py failed: ${(py.stderr || py.error?.message || '').trim().split('\n').slice(-3).join('\n')}`);
const torch = new Map<string, {infer: number; inferCpu: number}>();
for (const line of py.stdout.trim().split('\n')) {
  if (!line.startsWith('{')) continue;
  const j = JSON.parse(line) as {model: string; infer: number; inferCpu: number};
  torch.set(j.model, j);
}
console.log(`#   PyTorch done (load ${loadavg()})`);

// 2. keras-ts `predict` and ONNX Runtime, alternating rounds
interface Result {keras: number; ort: number; torch?: number; kerasCpu: number; ortCpu: number; torchCpu?: number; diffOrt: number; diffTorch: number}
const results = new Map<ModelName, Result>();
const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
for (const m of models) {
  const {model, x} = built.get(m)!;
  const session = await ort.InferenceSession.create(join(dir, `${m}.onnx`), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const [b, ...rest] = x.shape as number[];
  let feed: ort.Tensor;
  if (m === 'lstm') feed = new ort.Tensor('int64', BigInt64Array.from(x.values as Int32Array, (v) => BigInt(v)), x.shape as number[]);
  else if (m === 'cnn') {
    const [h, w, c] = rest as [number, number, number];
    const src = x.values as Float32Array, nchw = new Float32Array(src.length);
    for (let n = 0; n < b!; n++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) nchw[((n * c + k) * h + i) * w + j] = src[((n * h + i) * w + j) * c + k]!;
    feed = new ort.Tensor('float32', nchw, [b!, c, h, w]);
  } else feed = new ort.Tensor('float32', x.values as Float32Array, x.shape as number[]);
  const runOrt = async () => (await session.run({x: feed}))['y']!.data as Float32Array;
  const runKeras = async () => (await model.predict(x, {batchSize: b!, verbose: 0})) as keras.Tensor;

  const kOut = (await runKeras()).values as Float32Array;
  const oOut = await runOrt();
  // both peers warmed up as bench/models.ts warms its steps
  for (const run of [runKeras, runOrt]) await warmUpAsync(run, 1);
  const tBytes = readFileSync(join(dir, `${m}.torch.bin`));
  const tOut = new Float32Array(tBytes.buffer.slice(tBytes.byteOffset, tBytes.byteOffset + tBytes.byteLength));
  const kt: number[] = [], ot: number[] = [];
  let kCpu = 0, oCpu = 0;
  for (let r = 0; r < rounds; r++) {
    let c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await runKeras();
      kt.push(performance.now() - t0);
    }
    kCpu += cpuMs(process.cpuUsage(c0));
    c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await runOrt();
      ot.push(performance.now() - t0);
    }
    oCpu += cpuMs(process.cpuUsage(c0));
  }
  results.set(m, {
    keras: (b! * 1000) / median(kt),
    ort: (b! * 1000) / median(ot),
    torch: torch.get(m)?.infer,
    kerasCpu: (b! * 1000 * kt.length) / kCpu,
    ortCpu: (b! * 1000 * ot.length) / oCpu,
    torchCpu: torch.get(m)?.inferCpu,
    diffOrt: maxAbsDiff(kOut, oOut),
    diffTorch: maxAbsDiff(kOut, tOut),
  });
  console.log(`#   ${m}: ${JSON.stringify(results.get(m))} (load ${loadavg()})`);
  await session.release();
}
rmSync(dir, {recursive: true, force: true});
console.log(`# load average after: ${loadavg()}`);

const f0 = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(0));
const withRatios = peer?.ok === true;
for (const [title, k, o, p] of [
  ['from the CPU time per call (robust on a shared machine)', 'kerasCpu', 'ortCpu', 'torchCpu'],
  ['from the median wall time of a call', 'keras', 'ort', 'torch'],
] as const) {
  console.log(`\nInference, 1 thread, samples/s ${title}\n`);
  console.log('| model | batch | keras-ts predict | ONNX Runtime | PyTorch | keras-ts / ORT | keras-ts / PyTorch | max abs diff vs ORT, PyTorch |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const m of models) {
    const r = results.get(m)!;
    const vsTorch = withRatios && r[p] !== undefined ? (r[k] / r[p]!).toFixed(2) : '—';
    console.log(
      `| ${m} | ${SPECS[m].batch} | ${f0(r[k])} | ${f0(r[o])} | ${f0(r[p])} | ${(r[k] / r[o]).toFixed(2)} | ${vsTorch} | ${r.diffOrt.toExponential(1)}, ${r.diffTorch.toExponential(1)} |`,
    );
  }
}
if (!withRatios && peer) console.log('\n(no ratios against PyTorch: its BLAS is not a real one, see above)');
