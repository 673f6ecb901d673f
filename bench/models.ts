/**
 * Model training and inference throughput, side by side, in one run: keras-ts on the native backend
 * (1 and 2 threads) and on the reference backend, PyTorch (`bench/models_torch.py`, 1 and 2
 * threads) and TF.js 4.22's `cpu` backend (`bench/models_tfjs.ts`, pure JS, one thread). Prints
 * samples/s and the ratio to PyTorch at the same thread count; the ratios only where PyTorch runs on a
 * real BLAS (bench/peers.ts: torch.mm must reach 50 GFLOP/s on one thread).
 *
 *   node --import tsx bench/models.ts [--models mlp,cnn,lstm] [--steps N] [--no-torch] [--no-tfjs] [--no-reference]
 *                                     [--no-alternate] [--tfjs mlp,cnn,lstm]   (TF.js runs the MLP only by default: see below)
 *
 * The MLP's and the CNN's 2 threads / 1 thread also comes from alternated rounds on one model
 * (`alternated`; `--no-alternate` leaves it out): 6 rounds of N steps (the CNN: N / 4) at each count.
 *
 * Models (the seed's MLP, the Keras mnist_cnn CNN, the seed's Embedding + LSTM; Keras defaults elsewhere):
 *   mlp   Dense(512, relu)-Dropout(0.2)-Dense(512, relu)-Dropout(0.2)-Dense(10, softmax), RMSprop,
 *         categorical crossentropy + accuracy, batch 128, inputs [784]
 *   cnn   Conv2D(32, 3, relu)-Conv2D(64, 3, relu)-MaxPooling2D(2)-Dropout(0.25)-Flatten-Dense(128, relu)-
 *         Dropout(0.5)-Dense(10, softmax), Adadelta, categorical crossentropy + accuracy, batch 128, [28, 28, 1]
 *   lstm  Embedding(20000, 128)-LSTM(128)-Dense(1, sigmoid), Adam, binary crossentropy + accuracy,
 *         batch 32, sequences of 80 token ids
 *
 * Data are synthetic tensors of the right shapes and dtypes (uniform pixels, random labels, random
 * token ids): the work per step depends only on the shapes, so real data would not change the speed.
 * Training is `trainOnBatch` on one fixed batch (after warm-up steps); inference is `predictOnBatch`
 * on a batch of the same size. Uses the public API only.
 */
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import * as keras from '../src/index.js';
import {torchEnv, torchPeer} from './peers.js';
import {alternatedRounds, loadavg, median, warmUp} from './timing.js';

export type ModelName = 'mlp' | 'cnn' | 'lstm';
export const SPECS: Record<ModelName, {batch: number; title: string}> = {
  mlp: {batch: 128, title: 'M1 MLP 784-512-512-10, RMSprop, batch 128'},
  cnn: {batch: 128, title: 'M2 CNN conv32-conv64-pool-dense128-10, Adadelta, batch 128'},
  lstm: {batch: 32, title: 'M3 Embedding(20000,128)-LSTM(128)-Dense(1), Adam, batch 32, length 80'},
};

const L = keras.layers;

/** A benchmark's command line `[mlp|cnn ...] [--rounds N]`: the models named (else mlp and cnn) and the rounds. */
export function modelsAndRounds(args: readonly string[], defaultRounds: number): {models: ModelName[]; rounds: number} {
  const at = args.indexOf('--rounds');
  const names = args.filter((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1)) as ModelName[];
  return {models: names.length ? names : ['mlp', 'cnn'], rounds: at >= 0 ? Number(args[at + 1]) : defaultRounds};
}

export function buildModel(name: ModelName): keras.Sequential {
  let model: keras.Sequential;
  if (name === 'mlp') {
    model = new keras.Sequential([
      new L.Dense(512, {activation: 'relu', inputShape: [784]}),
      new L.Dropout(0.2),
      new L.Dense(512, {activation: 'relu'}),
      new L.Dropout(0.2),
      new L.Dense(10, {activation: 'softmax'}),
    ]);
    model.compile({optimizer: new keras.optimizers.RMSprop(), loss: 'categorical_crossentropy', metrics: ['accuracy']});
  } else if (name === 'cnn') {
    model = new keras.Sequential([
      new L.Conv2D(32, [3, 3], {activation: 'relu', inputShape: [28, 28, 1]}),
      new L.Conv2D(64, [3, 3], {activation: 'relu'}),
      new L.MaxPooling2D([2, 2]),
      new L.Dropout(0.25),
      new L.Flatten(),
      new L.Dense(128, {activation: 'relu'}),
      new L.Dropout(0.5),
      new L.Dense(10, {activation: 'softmax'}),
    ]);
    model.compile({optimizer: new keras.optimizers.Adadelta(), loss: 'categorical_crossentropy', metrics: ['accuracy']});
  } else {
    model = new keras.Sequential([
      new L.Embedding(20000, 128, {inputShape: [80]}),
      new L.LSTM(128),
      new L.Dense(1, {activation: 'sigmoid'}),
    ]);
    model.compile({optimizer: new keras.optimizers.Adam(), loss: 'binary_crossentropy', metrics: ['accuracy']});
  }
  return model;
}

/** One synthetic batch `[x, y]` for `name`. */
export function batchFor(name: ModelName, batch: number): [keras.Tensor, keras.Tensor] {
  const rnd = (n: number) => Float32Array.from({length: n}, () => Math.random());
  if (name === 'lstm') {
    const ids = Int32Array.from({length: batch * 80}, () => Math.floor(Math.random() * 20000));
    const y = Float32Array.from({length: batch}, () => (Math.random() < 0.5 ? 0 : 1));
    return [keras.tensor(ids, [batch, 80], 'int32'), keras.tensor(y, [batch, 1])];
  }
  const y = new Float32Array(batch * 10);
  for (let i = 0; i < batch; i++) y[i * 10 + Math.floor(Math.random() * 10)] = 1;
  const xShape = name === 'mlp' ? [batch, 784] : [batch, 28, 28, 1];
  return [keras.tensor(rnd(xShape.reduce((a, b) => a * b, 1)), xShape), keras.tensor(y, [batch, 10])];
}

export interface Measured {
  train: number; // samples/s, from the median wall time of a step
  infer: number; // samples/s
  trainMsPerStep: number;
  /** samples/s from the process's CPU time per step: robust to other processes at 1 thread */
  trainCpu: number;
}

/** Median-of-steps timing: the warm-up (timing.ts's `warmUp`, at least `warmup` steps), then `steps` timed steps. */
export function measure(name: ModelName, steps: number, warmup: number): Measured {
  const {batch} = SPECS[name];
  const model = buildModel(name);
  const [x, y] = batchFor(name, batch);
  warmUp(() => model.trainOnBatch(x, y), warmup);
  const times: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    model.trainOnBatch(x, y);
    times.push(performance.now() - t0);
  }
  const c1 = process.cpuUsage(c0);
  const cpuMs = (c1.user + c1.system) / 1000 / steps;
  const trainMs = median(times);
  warmUp(() => model.predictOnBatch(x), Math.max(1, warmup));
  const itimes: number[] = [];
  for (let i = 0; i < Math.max(3, steps); i++) {
    const t0 = performance.now();
    model.predictOnBatch(x);
    itimes.push(performance.now() - t0);
  }
  return {train: (batch * 1000) / trainMs, infer: (batch * 1000) / median(itimes), trainMsPerStep: trainMs, trainCpu: (batch * 1000) / cpuMs};
}

/**
 * 2 threads against 1 on one model, in alternated rounds (`rounds` of `steps` steps at 1 thread, then
 * at 2): a drift of the machine's speed over the run (another tenant, the CPU's clock) then weighs on
 * both counts alike, instead of on whichever ran during it. Median step of each count, ms.
 */
export function alternated(name: ModelName, rounds: number, steps: number, setThreads: (n: number) => void): {ms1: number; ms2: number} {
  const model = buildModel(name);
  const [x, y] = batchFor(name, SPECS[name].batch);
  const ms = alternatedRounds([['step', () => model.trainOnBatch(x, y)]], [1, 2], setThreads, rounds, steps);
  return {ms1: ms.get('step1')!, ms2: ms.get('step2')!};
}


/** Runs a peer's script; returns its results by `model/threads` (what finished within `timeoutS`). */
function runJsonLines(label: string, cmd: string, args: string[], timeoutS: number, env?: NodeJS.ProcessEnv): Map<string, Measured> {
  const r = spawnSync(cmd, args, {encoding: 'utf8', maxBuffer: 1 << 24, timeout: timeoutS * 1000, env});
  if (r.status !== 0) console.log(`# ${label}: ${r.signal ? `stopped after ${timeoutS} s` : (r.stderr || r.error?.message || 'failed').trim().split('\n').at(-1)}`);
  const out = new Map<string, Measured>();
  for (const line of (r.stdout ?? '').trim().split('\n')) {
    if (!line.startsWith('{')) continue;
    const j = JSON.parse(line) as {model: string; threads: number} & Measured;
    out.set(`${j.model}/${j.threads}`, j);
    console.log(`#   ${label} ${j.model} ${j.threads}T: ${line}`);
  }
  return out;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const models = (opt('--models') ?? 'mlp,cnn,lstm').split(',') as ModelName[];
  const steps = Number(opt('--steps') ?? 20);
  const native = keras.backend.setBackend('native', {fallback: true});
  if (native.name !== 'native') {
    console.log('The native addon is not built (run `npm install` with a C++ compiler).');
    return;
  }
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
  console.log(`# Model throughput, samples/s (median step). ${new Date().toISOString()}`);
  console.log(`# CPU: ${cpu}; native ISA: ${(native as unknown as {isa: string}).isa}; Node ${process.version}`);
  console.log(`# load average before: ${loadavg()}`);

  const results = new Map<string, Measured>(); // `${impl}/${model}/${threads}`
  const alternate = new Map<ModelName, {ms1: number; ms2: number}>();
  for (const m of models) {
    for (const t of [1, 2]) {
      keras.backend.setBackend('native');
      native.setNumThreads!(t);
      results.set(`native/${m}/${t}`, measure(m, steps, 3));
      console.log(`#   native ${m} ${t}T: ${JSON.stringify(results.get(`native/${m}/${t}`))} (load ${loadavg()})`);
    }
    if (m !== 'lstm' && !argv.includes('--no-alternate')) {
      const rounds = 6, per = m === 'mlp' ? steps : Math.max(3, Math.ceil(steps / 4));
      const a = alternated(m, rounds, per, (t) => native.setNumThreads!(t));
      alternate.set(m, a);
      console.log(`#   native ${m} 2T/1T alternated, ${rounds} rounds of ${per} steps: ${a.ms1.toFixed(2)} / ${a.ms2.toFixed(2)} ms (load ${loadavg()})`);
    }
    native.setNumThreads!(0);
    if (!argv.includes('--no-reference')) {
      keras.backend.setBackend('reference');
      results.set(`reference/${m}/1`, measure(m, m === 'mlp' ? 3 : 1, 1));
      console.log(`#   reference ${m}: ${JSON.stringify(results.get(`reference/${m}/1`))}`);
      keras.backend.setBackend('native');
    }
  }

  const torch = new Map<string, Measured>();
  const peer = argv.includes('--no-torch') ? undefined : torchPeer();
  if (peer) console.log(`# ${peer.line}`);
  if (peer?.ok) {
    for (const t of [1, 2]) {
      const r = runJsonLines('PyTorch', '/usr/bin/python3', [new URL('./models_torch.py', import.meta.url).pathname, String(t), String(steps), ...models], 1800, torchEnv(t));
      for (const [k, v] of r) torch.set(k, v);
    }
    console.log(`#   PyTorch done (load ${loadavg()})`);
  }
  const tfjs = new Map<string, Measured>();
  if (!argv.includes('--no-tfjs')) {
    // TF.js's cpu backend took 228 s per CNN training step here, and its LSTM run grew past 18 GB
    // without finishing one step in 15 minutes: by default only the MLP (`--tfjs mlp,cnn,lstm` for more)
    const tfModels = (opt('--tfjs') ?? 'mlp').split(',').filter((m) => models.includes(m as ModelName));
    const r = runJsonLines('TF.js', process.execPath, ['--import', 'tsx', new URL('./models_tfjs.ts', import.meta.url).pathname, '2', ...tfModels], 1800);
    for (const [k, v] of r) tfjs.set(k, v);
  }
  console.log(`# load average after: ${loadavg()}`);

  const f0 = (v: number | undefined) => (v === undefined ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '—' : (a / b).toFixed(2));
  console.log('\nTraining, 1 thread, from CPU time per step (samples/s; robust on a shared machine)\n');
  console.log('| model | native 1T | PyTorch 1T | native/PyTorch |');
  console.log('|---|---|---|---|');
  for (const m of models) {
    const n = results.get(`native/${m}/1`)?.trainCpu, p = torch.get(`${m}/1`)?.trainCpu;
    console.log(`| ${m} | ${f0(n)} | ${f0(p)} | ${ratio(n, p)} |`);
  }
  if (alternate.size) {
    console.log('\nTraining, native 2 threads / 1 thread in alternated rounds on one model (median step, ms)\n');
    console.log('| model | 1T | 2T | 2T/1T |');
    console.log('|---|---|---|---|');
    for (const [m, a] of alternate) console.log(`| ${m} | ${a.ms1.toFixed(2)} | ${a.ms2.toFixed(2)} | ${(a.ms1 / a.ms2).toFixed(2)} |`);
  }
  for (const kind of ['train', 'infer'] as const) {
    console.log(`\n${kind === 'train' ? 'Training' : 'Inference'} (samples/s, median wall time of a step)\n`);
    console.log('| model | native 1T | native 2T | native 2T/1T | reference | PyTorch 1T | PyTorch 2T | TF.js cpu | native/PyTorch 1T | native/PyTorch 2T |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const m of models) {
      const n1 = results.get(`native/${m}/1`)?.[kind], n2 = results.get(`native/${m}/2`)?.[kind];
      const p1 = torch.get(`${m}/1`)?.[kind], p2 = torch.get(`${m}/2`)?.[kind];
      console.log(
        `| ${m} | ${f0(n1)} | ${f0(n2)} | ${ratio(n2, n1)} | ${f0(results.get(`reference/${m}/1`)?.[kind])} | ${f0(p1)} | ${f0(p2)} | ${f0(tfjs.get(`${m}/1`)?.[kind])} | ${ratio(n1, p1)} | ${ratio(n2, p2)} |`,
      );
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
