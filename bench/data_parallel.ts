/**
 * Data-parallel training speed (keras.distribution.DataParallel over MPI), in one run: samples/s of
 * the seed's MLP and the CNN (bench/models.ts, global batch 128, `fit` on synthetic data) for
 *
 *   1 process x 1 thread      KERAS_NUM_THREADS=1 node ...
 *   2 ranks x 1 thread        KERAS_NUM_THREADS=1 mpirun -np 2 node ...
 *   1 process x 2 threads     KERAS_NUM_THREADS=2 node ...
 *
 * and the ratios (2 ranks / 1 process), with the CPU time per 1000 samples (1 process; summed over the
 * 2 ranks: what data parallelism adds in work, which a busy machine does not distort as it does wall
 * time). Prints the load average before and after: on a busy machine the ranks compete with other
 * work, and the figures say so.
 *
 * The last column bounds what two ranks can gain on two cores: each rank runs a step of the model at
 * batch 64, so 2 ranks / 1x1 can reach at most CPU(1 process, batch 128) / CPU(1 process, batch 64)
 * per step, with free communication and a core per rank. (A step's work that does not shrink with
 * the batch -- the optimizer update over every weight, the tape, allocation and V8's collector --
 * runs whole on every rank.)
 *
 *   node --import tsx bench/data_parallel.ts [--models mlp,cnn] [--mlp-steps 40] [--cnn-steps 8] [--epochs 3]
 */
import {spawnSync} from 'node:child_process';
import {loadavg} from './timing.js';

const argv = process.argv.slice(2);
const arg = (k: string, d: string) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : d;
};
const models = arg('models', 'mlp,cnn').split(',');
const epochs = arg('epochs', '3');
const stepsFor: Record<string, string> = {mlp: arg('mlp-steps', '40'), cnn: arg('cnn-steps', '8')};
const isRoot = process.getuid?.() === 0;

/** samples/s (rank 0), CPU ms per 1000 samples summed over the ranks, CPU ms per step (rank 0). */
function run(model: string, ranks: number, threads: number, batch = 128): [number, number, number] {
  const node = [process.execPath, '--import', 'tsx', 'bench/data_parallel_worker.ts', model, stepsFor[model]!, epochs, String(batch)];
  const cmd = ranks > 1 ? ['mpirun', ...(isRoot ? ['--allow-run-as-root'] : []), '--oversubscribe', '--bind-to', 'none', '-np', String(ranks), ...node] : node;
  const r = spawnSync(cmd[0]!, cmd.slice(1), {env: {...process.env, KERAS_NUM_THREADS: String(threads), KERAS_BACKEND: 'native'}, encoding: 'utf8'});
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) throw new Error(`${cmd.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const cpu = r.stdout.split('\n').filter((l) => l.startsWith('CPU ')).map((l) => JSON.parse(l.slice(4)) as {msPer1000: number; msPerStep: number});
  return [(JSON.parse(line.slice(7)) as {samplesPerSec: number}).samplesPerSec, cpu.reduce((a, b) => a + b.msPer1000, 0), cpu[0]!.msPerStep];
}

console.log(`load average before: ${loadavg()}  (${new Date().toISOString()})`);
console.log('| model | 1 process x 1 thread | 2 ranks x 1 thread | 1 process x 2 threads | 2 ranks / 1x1 | 2 ranks / 1x2 | CPU ms per 1000 samples: 1x1, 2 ranks (sum) | CPU ms per step, 1x1: batch 128, batch 64 (bound on 2 ranks / 1x1) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const m of models) {
  const [one, cpuOne, stepOne] = run(m, 1, 1);
  const [ranks, cpuRanks] = run(m, 2, 1);
  const [threads] = run(m, 1, 2);
  const [, , stepHalf] = run(m, 1, 1, 64);
  const f = (v: number) => `${Math.round(v).toLocaleString('en-US')} samples/s`;
  console.log(
    `| ${m} | ${f(one)} | ${f(ranks)} | ${f(threads)} | ${(ranks / one).toFixed(2)}x | ${(ranks / threads).toFixed(2)}x | ${cpuOne.toFixed(0)}, ${cpuRanks.toFixed(0)} | ` +
      `${stepOne.toFixed(1)}, ${stepHalf.toFixed(1)} (${(stepOne / stepHalf).toFixed(2)}x) |`,
  );
}
console.log(`load average after: ${loadavg()}`);
