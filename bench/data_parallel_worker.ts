/**
 * One configuration of bench/data_parallel.ts: trains `mlp` or `cnn` (bench/models.ts) with `fit` on
 * synthetic data, global batch 128, under keras.distribution.DataParallel (one process, or however
 * many mpirun started), and prints `RESULT {...}` from rank 0: samples/s over the timed epochs
 * (the first epoch is warm-up), and `CPU {...}` from every rank: its CPU time per 1000 samples.
 *
 *   [mpirun -np 2] node --import tsx bench/data_parallel_worker.ts mlp|cnn [stepsPerEpoch] [epochs] [globalBatch]
 *
 * (`globalBatch` other than 128: bench/data_parallel.ts runs one process at 64, one rank's share.)
 */
import * as keras from '../src/index.js';
import {readdirSync, readFileSync} from 'node:fs';
import {batchFor, buildModel, type ModelName} from './models.js';

/** CPU ms so far of this process's threads, by name (`keras-mpi`: the MPI binding's communication thread). */
function threadCpu(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${id}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) * 10; // clock ticks of 10 ms
  }
  return out;
}

const [name = 'mlp', stepsArg = '40', epochsArg = '3', batchArg = '128'] = process.argv.slice(2);
const batch = Number(batchArg);
const steps = Number(stepsArg);
const epochs = Number(epochsArg);
keras.distribution.setDistribution(new keras.distribution.DataParallel());
const dist = keras.distribution.distribution()!;
const model = buildModel(name as ModelName);
// BENCH_EAGER=1: the step runs eagerly (jitCompile: false), as data-parallel steps did before they were compiled
if (process.env.BENCH_EAGER === '1') {
  const optimizer = name === 'mlp' ? new keras.optimizers.RMSprop() : name === 'cnn' ? new keras.optimizers.Adadelta() : new keras.optimizers.Adam();
  model.compile({optimizer, loss: name === 'lstm' ? 'binary_crossentropy' : 'categorical_crossentropy', metrics: ['accuracy'], jitCompile: false});
}
const [x, y] = batchFor(name as ModelName, batch * steps);
const times: number[] = [];
const cpu: number[] = [];
let t0 = 0;
let c0 = 0;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const timer = new keras.callbacks.LambdaCallback({
  onEpochBegin: () => void ((t0 = performance.now()), (c0 = cpuMs())),
  onEpochEnd: () => void (times.push(performance.now() - t0), cpu.push(cpuMs() - c0)),
});
await model.fit(x, y, {batchSize: batch, epochs, verbose: 0, shuffle: false, callbacks: [timer]});
const timed = times.slice(1);
const best = Math.min(...timed);
// CPU time of this process per 1000 samples of the global batch (the timed epochs): summed over the
// ranks it says how much work data parallelism adds, whatever else the machine runs
const cpuTimed = cpu.slice(1);
const cpuBest = Math.min(...cpuTimed);
console.log(`CPU ${JSON.stringify({rank: dist.processId, msPer1000: (cpuBest * 1000) / (batch * steps), msPerStep: cpuBest / steps})}`);
if (process.env.BENCH_THREADS) console.log(`THREADS ${dist.processId} ${JSON.stringify(threadCpu())}`);
if (dist.processId === 0) {
  console.log(`RESULT ${JSON.stringify({model: name, processes: dist.numProcesses, samplesPerSec: (batch * steps * 1000) / best, epochMs: timed})}`);
}
