/**
 * What a second thread can give the seed models' training step when the step's JavaScript is taken
 * away: the native calls of one `trainOnBatch` are recorded (kernel, buffers, attributes, in order)
 * and replayed straight through the addon, at 1 and 2 threads, in rounds alternated with the whole
 * step on the same model. The replay's 2 threads / 1 is what the kernels alone reach on this machine:
 * the plan, the kernels' JavaScript wrappers and the small ops that run in JavaScript (a few per step)
 * are left out, so no change above the native calls can lift the step's ratio past it.
 *
 *   node --import tsx bench/threads_bound.ts [mlp|cnn ...] [--rounds N]
 *
 * The replay trains on as it goes (the same batch, the recorded dropout keys), which changes the
 * values, not the work. Median step of each count, wall time; the load average before and after.
 */
import {registerBackend, setBackend} from '../src/backends/registry.js';
import {compiledKernels} from '../src/backends/compiled/index.js';
import type {NativeAddon} from '../src/backends/compiled/abi.js';
import {loadAddon} from '../src/backends/native/addon.js';
import {batchFor, buildModel, modelsAndRounds, SPECS} from './models.js';
import {alternatedRounds, loadavg, warmUp} from './timing.js';

const {models, rounds} = modelsAndRounds(process.argv.slice(2), 6);

const addon = loadAddon();
if (typeof addon === 'string') {
  console.log(`native backend unavailable: ${addon}`);
  process.exit(0);
}
type Recorded = [id: number, buffers: Float32Array[], attrs: Float64Array];
let recording: Recorded[] | null = null;
// the addon's exports are frozen: a copy whose `run` also records, under a backend of its own (with
// its `addon`, as the native backend: the plan fuses for a backend on the host, plan/patterns.ts)
const recorder: NativeAddon = {
  ...addon,
  run(id, buffers, attrs) {
    recording?.push([id, [...buffers], Float64Array.from(attrs)]);
    return addon.run(id, buffers, attrs);
  },
};
setBackend('native'); // loaded first: it sets tensors' aligned storage (tensor/dtype.ts), as in any native run
registerBackend('native-recorded', () => ({name: 'native-recorded', addon: recorder, kernels: compiledKernels(recorder)}));
setBackend('native-recorded');

console.log(`# load ${loadavg()}`);
console.log('| model | native calls per step | step 1T ms | step 2T ms | step 2T/1T | replay 1T ms | replay 2T ms | replay 2T/1T |');
console.log('|---|---|---|---|---|---|---|---|');
for (const name of models) {
  const model = buildModel(name);
  const [x, y] = batchFor(name, SPECS[name].batch);
  const step = () => model.trainOnBatch(x, y);
  addon.setNumThreads(2);
  warmUp(step, 3); // the step recorded is the compiled plan's, not a traced one
  recording = [];
  step();
  const calls = recording;
  recording = null;
  const replay = () => {
    for (let i = 0; i < calls.length; i++) addon.run(calls[i]![0], calls[i]![1], calls[i]![2]);
  };
  const steps = name === 'mlp' ? 150 : 10;
  const ms = alternatedRounds([['step', step], ['replay', replay]], [1, 2], (n) => addon.setNumThreads(n), rounds, steps);
  const [s1, s2, r1, r2] = ['step1', 'step2', 'replay1', 'replay2'].map((k) => ms.get(k)!) as [number, number, number, number];
  console.log(`| ${name} | ${calls.length} | ${s1.toFixed(2)} | ${s2.toFixed(2)} | ${(s1 / s2).toFixed(2)} | ${r1.toFixed(2)} | ${r2.toFixed(2)} | ${(r1 / r2).toFixed(2)} |`);
}
addon.setNumThreads(0);
console.log(`# load ${loadavg()}`);
