/**
 * One configuration of bench/data_parallel.ts: trains `mlp` or `cnn` (bench/models.ts) with `fit` on
 * synthetic data under keras.distribution.DataParallel (one process, or however many mpirun started),
 * and prints `RESULT {...}` from rank 0: samples/s over the timed epochs (the first epoch is
 * warm-up: it traces the compiled step), and the time of one all-reduce of all the model's gradients
 * when both ranks call it together; and `CPU {...}` from every rank: its CPU time per 1000 samples and
 * per step, and that of the MPI binding's communication thread.
 *
 *   [mpirun -np 2] node --import tsx bench/data_parallel_worker.ts mlp|cnn [stepsPerEpoch] [epochs] [globalBatch]
 *
 * BENCH_EAGER=1: steps run eagerly (`jitCompile: false`). BENCH_SHARD=1: each rank updates its share
 * of the weights (DataParallel's `shardOptimizer: true`; default: the all-reduce path). BENCH_PROFILE=1: every rank
 * also prints `PROFILE {...}`, where one step's wall time went in the last epoch: kernels (the
 * optimizer's update kernels apart), waiting for collectives (JavaScript blocked in `wait`), and the
 * rest (JavaScript: the plan's replay loop, host steps, callbacks, the event loop).
 */
import {readdirSync, readFileSync} from 'node:fs';
import * as keras from '../src/index.js';
import {setKernelListener} from '../src/backends/kernel_trace.js';
import {batchFor, buildModel, type ModelName} from './models.js';

/** CPU ms so far of this process's threads whose name is `name` (`keras-mpi`: the MPI binding's communication thread). */
function threadCpuMs(name: string): number {
  let ms = 0;
  for (const id of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${id}/stat`, 'utf8');
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== name) continue;
    ms += Number(readFileSync(`/proc/self/task/${id}/schedstat`, 'utf8').split(' ')[0]) / 1e6; // ns on a CPU (stat's ticks are 10 ms)
  }
  return ms;
}

const [name = 'mlp', stepsArg = '40', epochsArg = '3', batchArg = '128'] = process.argv.slice(2);
const batch = Number(batchArg);
const steps = Number(stepsArg);
const epochs = Number(epochsArg);
keras.distribution.setDistribution(new keras.distribution.DataParallel({shardOptimizer: process.env.BENCH_SHARD === '1'}));
const dist = keras.distribution.distribution()!;
// BENCH_PROFILE=1: kernel time (update kernels apart) and time JavaScript waits for collectives, per epoch
const prof = {kernels: 0, update: 0, wait: 0, waits: 0};
if (process.env.BENCH_PROFILE === '1') {
  setKernelListener((kernel, start, end) => {
    if (kernel.endsWith('Update')) prof.update += end - start;
    else prof.kernels += end - start;
  });
  const comm = dist.comm as {wait(h: number): void};
  const wait = comm.wait.bind(comm);
  comm.wait = (h: number) => {
    const a = performance.now();
    wait(h);
    prof.wait += performance.now() - a;
    prof.waits++;
  };
}
const model = buildModel(name as ModelName);
if (process.env.BENCH_EAGER === '1') {
  const optimizer = name === 'mlp' ? new keras.optimizers.RMSprop() : new keras.optimizers.Adadelta();
  model.compile({optimizer, loss: 'categorical_crossentropy', metrics: ['accuracy'], jitCompile: false});
}
const [x, y] = batchFor(name as ModelName, batch * steps);
const times: number[] = [];
const cpu: number[] = [];
const comm: number[] = [];
let t0 = 0;
let c0 = 0;
let m0 = 0;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const timer = new keras.callbacks.LambdaCallback({
  onEpochBegin: () => void ((t0 = performance.now()), (c0 = cpuMs()), (m0 = threadCpuMs('keras-mpi')), Object.assign(prof, {kernels: 0, update: 0, wait: 0, waits: 0})),
  onEpochEnd: () => void (times.push(performance.now() - t0), cpu.push(cpuMs() - c0), comm.push(threadCpuMs('keras-mpi') - m0)),
});
await model.fit(x, y, {batchSize: batch, epochs, verbose: 0, shuffle: false, callbacks: [timer]});
const timed = times.slice(1);
if (process.env.BENCH_PROFILE === '1') {
  const per = (v: number) => Number((v / steps).toFixed(3));
  const stepMs = times.at(-1)! / steps;
  console.log(`PROFILE ${JSON.stringify({rank: dist.processId, stepMs: per(times.at(-1)!), kernelsMs: per(prof.kernels), updateMs: per(prof.update), waitMs: per(prof.wait), waitsPerStep: prof.waits / steps, restMs: Number((stepMs - (prof.kernels + prof.update + prof.wait) / steps).toFixed(3)), cpuMsPerStep: per(cpu.at(-1)!), commThreadMsPerStep: per(comm.at(-1)!)})}`);
}
const best = Math.min(...timed);
// CPU time of this process per 1000 samples of the global batch (the timed epochs): summed over the
// ranks it says how much work data parallelism adds, whatever else the machine runs
const k = cpu.indexOf(Math.min(...cpu.slice(1)));
console.log(`CPU ${JSON.stringify({rank: dist.processId, msPer1000: (cpu[k]! * 1000) / (batch * steps), msPerStep: cpu[k]! / steps, commThreadMsPerStep: comm[k]! / steps})}`);

// one all-reduce of as many floats as the model has weights, both ranks together (best of 20), in an
// array from the communicator as the gradient buckets are (in the binding's shared window where it has one)
const grads = dist.comm.allocate('float32', model.trainableWeights.reduce((n, w) => n + w.value.size, 0));
let allreduceMs = 0;
if (dist.numProcesses > 1) {
  allreduceMs = Infinity;
  for (let i = 0; i < 25; i++) {
    await dist.comm.barrier();
    const a = performance.now();
    dist.comm.wait(dist.comm.startAllreduce(grads));
    if (i >= 5) allreduceMs = Math.min(allreduceMs, performance.now() - a);
  }
}
if (dist.processId === 0) {
  console.log(`RESULT ${JSON.stringify({model: name, processes: dist.numProcesses, batch, samplesPerSec: (batch * steps * 1000) / best, msPerStep: best / steps, epochMs: timed, allreduceMs, floats: grads.length})}`);
}
