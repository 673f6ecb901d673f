/**
 * Compiled steps against eager execution, in one run, native backend, 1 thread: training and
 * inference samples/s of the three seed models (bench/models.ts) with `jitCompile: false` (eager)
 * and `jitCompile: 'auto'` (plans; the default), alternated so the machine's load hits both alike;
 * the seed MLP's compiled training step against its GEMMs alone (the 8 matrix products of one step
 * with the shapes and transposes forward and backward use, timed by themselves); and the process's
 * RSS at the end of each of 20 epochs of the seed MLP, eager and compiled.
 *
 *   node --import tsx bench/compiled.ts [--models mlp,cnn,lstm] [--steps N] [--rounds R] [--no-rss]
 *
 * Figures are from CPU time per step (robust at 1 thread on a shared machine; the JSON lines also
 * give training from the median wall time); the load average is printed beside each measurement. Uses the public API only.
 */
import * as keras from '../src/index.js';
import {batchFor, buildModel, SPECS, type ModelName} from './models.js';
import {loadavg, median, warmUp} from './timing.js';
import {getBackend} from '../src/backends/registry.js';

type Mode = 'eager' | 'compiled';

/** The seed model of bench/models.ts, compiled again with a fresh optimizer of the same kind and `jitCompile` for `mode`. */
function seedModel(name: ModelName, mode: Mode): keras.Sequential {
  const model = buildModel(name);
  const optimizer = name === 'mlp' ? new keras.optimizers.RMSprop() : name === 'cnn' ? new keras.optimizers.Adadelta() : new keras.optimizers.Adam();
  const loss = name === 'lstm' ? 'binary_crossentropy' : 'categorical_crossentropy';
  model.compile({optimizer, loss, metrics: ['accuracy'], jitCompile: mode === 'compiled' ? 'auto' : false});
  return model;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
interface Figures {
  trainCpu: number; // samples/s from CPU time per step
  train: number; // samples/s from the median wall time
  infer: number; // samples/s from CPU time per predictOnBatch
  msPerStepCpu: number;
}

function measure(name: ModelName, mode: Mode, steps: number): Figures {
  const {batch} = SPECS[name];
  const model = seedModel(name, mode);
  const [x, y] = batchFor(name, batch);
  warmUp(() => model.trainOnBatch(x, y), 3); // two traced runs, then replays for timing.ts's warm-up
  const times: number[] = [];
  const c0 = cpuMs();
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    model.trainOnBatch(x, y);
    times.push(performance.now() - t0);
  }
  const msCpu = (cpuMs() - c0) / steps;
  warmUp(() => model.predictOnBatch(x), 3);
  const c1 = cpuMs();
  for (let i = 0; i < steps; i++) model.predictOnBatch(x);
  const inferCpu = (cpuMs() - c1) / steps;
  return {trainCpu: (batch * 1000) / msCpu, train: (batch * 1000) / median(times), infer: (batch * 1000) / inferCpu, msPerStepCpu: msCpu};
}

/**
 * The seed MLP's compiled training step (batch 128) against its 8 GEMMs alone (forward, each
 * kernel's gradient, the input gradients of layers 3 and 2, with the transposes the gradients use):
 * CPU ms, the best of `rounds` interleaved rounds of 5 each. The GEMMs are timed twice: through
 * `keras.ops.matmul` (a new output each call) and through the backend's MatMul kernel writing into
 * preallocated outputs, as a plan runs it (the stricter baseline).
 */
function mlpStepVsGemms(rounds: number): {gemmsOps: number; gemmsInPlace: number; step: number} {
  const b = 128;
  const r = (shape: number[]) => keras.random.uniform(shape, {minval: -0.5, maxval: 0.5});
  const x = r([b, 784]), w1 = r([784, 512]), w2 = r([512, 512]), w3 = r([512, 10]);
  const h1 = r([b, 512]), h2 = r([b, 512]), d3 = r([b, 10]), d2 = r([b, 512]), d1 = r([b, 512]);
  const products: [keras.Tensor, keras.Tensor, boolean, boolean][] = [
    [x, w1, false, false], [h1, w2, false, false], [h2, w3, false, false], // forward
    [h2, d3, true, false], [d3, w3, false, true], // layer 3: kernel gradient, input gradient
    [h1, d2, true, false], [d2, w2, false, true], // layer 2
    [x, d1, true, false], // layer 1: kernel gradient only
  ];
  const viaOps = () => {
    for (const [a, c, ta, tb] of products) keras.ops.matmul(a, c, {transposeA: ta, transposeB: tb});
  };
  const outs = products.map(([a, c, ta, tb]) => keras.ops.matmul(a, c, {transposeA: ta, transposeB: tb}));
  const kernel = getBackend().kernels.MatMul!;
  const inPlace = () => {
    products.forEach(([a, c, ta, tb], i) => kernel({a, b: c}, {transposeA: ta, transposeB: tb}, [outs[i]!]));
  };
  const model = seedModel('mlp', 'compiled');
  const [bx, by] = batchFor('mlp', b);
  warmUp(() => model.trainOnBatch(bx, by), 3);
  const step = () => model.trainOnBatch(bx, by);
  const best = {gemmsOps: Infinity, gemmsInPlace: Infinity, step: Infinity};
  for (let round = 0; round < rounds; round++) {
    for (const [k, f] of [['gemmsInPlace', inPlace], ['gemmsOps', viaOps], ['step', step]] as const) {
      f();
      const t0 = cpuMs();
      for (let i = 0; i < 5; i++) f();
      best[k] = Math.min(best[k], (cpuMs() - t0) / 5);
    }
  }
  return best;
}

/** RSS (MiB) at the end of each of 20 epochs of the seed MLP on 2048 synthetic samples. */
async function rssOver20Epochs(mode: Mode): Promise<number[]> {
  const model = seedModel('mlp', mode);
  const n = 2048;
  const x = keras.random.uniform([n, 784]);
  const y = keras.ops.oneHot(keras.tensor(Int32Array.from({length: n}, (_, i) => i % 10), [n], 'int32'), 10);
  const rss: number[] = [];
  const cb = new keras.callbacks.LambdaCallback({onEpochEnd: () => void rss.push(process.memoryUsage().rss / 2 ** 20)});
  await model.fit(x, y, {batchSize: 128, epochs: 20, verbose: 0, callbacks: [cb]});
  return rss;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (k: string) => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : undefined);
  const models = (opt('--models') ?? 'mlp,cnn,lstm').split(',') as ModelName[];
  const steps = Number(opt('--steps') ?? 20);
  const rounds = Number(opt('--rounds') ?? 2);
  const native = keras.backend.setBackend('native', {fallback: true});
  if (native.name !== 'native') {
    console.log('The native addon is not built (run `npm install` with a C++ compiler).');
    return;
  }
  native.setNumThreads!(1);
  console.log(`# Compiled steps vs eager, native, 1 thread. ${new Date().toISOString()}; Node ${process.version}`);
  console.log(`# load average before: ${loadavg()}`);
  const best = new Map<string, Figures>();
  for (let r = 0; r < rounds; r++) {
    for (const m of models) {
      for (const mode of ['eager', 'compiled'] as const) {
        const f = measure(m, mode, steps);
        console.log(`#   round ${r + 1} ${m} ${mode}: ${JSON.stringify(f, (_, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))} (load ${loadavg()})`);
        const k = `${m}/${mode}`, prev = best.get(k);
        best.set(k, prev ? {trainCpu: Math.max(prev.trainCpu, f.trainCpu), train: Math.max(prev.train, f.train), infer: Math.max(prev.infer, f.infer), msPerStepCpu: Math.min(prev.msPerStepCpu, f.msPerStepCpu)} : f);
      }
    }
  }
  const f0 = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(0));
  console.log('\nSamples/s, native, 1 thread (best of the rounds; from CPU time per step)\n');
  console.log('| model | train eager | train compiled | compiled/eager | predict eager | predict compiled | compiled/eager |');
  console.log('|---|---|---|---|---|---|---|');
  for (const m of models) {
    const e = best.get(`${m}/eager`)!, c = best.get(`${m}/compiled`)!;
    console.log(`| ${m} | ${f0(e.trainCpu)} | ${f0(c.trainCpu)} | ${(c.trainCpu / e.trainCpu).toFixed(2)} | ${f0(e.infer)} | ${f0(c.infer)} | ${(c.infer / e.infer).toFixed(2)} |`);
  }
  if (models.includes('mlp')) {
    const g = mlpStepVsGemms(10);
    console.log(
      `\nSeed MLP training step (batch 128), CPU ms, best of 10 interleaved rounds: compiled step ${g.step.toFixed(2)}; its 8 GEMMs alone ` +
        `${g.gemmsInPlace.toFixed(2)} into preallocated outputs (step = ${(g.step / g.gemmsInPlace).toFixed(2)}x), ${g.gemmsOps.toFixed(2)} through ops.matmul ` +
        `(step = ${(g.step / g.gemmsOps).toFixed(2)}x) (load ${loadavg()})`,
    );
  }
  if (!argv.includes('--no-rss')) {
    for (const mode of ['eager', 'compiled'] as const) {
      const rss = await rssOver20Epochs(mode);
      const from = rss[1]!, max = Math.max(...rss.slice(1));
      console.log(`\nRSS over 20 epochs of the seed MLP (2048 samples, batch 128), ${mode}: epoch 2 ${from.toFixed(0)} MiB, max from epoch 2 on ${max.toFixed(0)} MiB (+${((max / from - 1) * 100).toFixed(1)} %), last ${rss.at(-1)!.toFixed(0)} MiB (load ${loadavg()})`);
    }
  }
  console.log(`\n# load average after: ${loadavg()}`);
}

await main();
