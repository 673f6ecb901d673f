/**
 * Data-parallel training speed (keras.distribution.DataParallel over MPI), in one run: samples/s of
 * the seed's MLP and the CNN (bench/models.ts, `fit` on synthetic data, compiled steps) for
 *
 *   1 process x 1 thread      KERAS_NUM_THREADS=1 node ...
 *   2 ranks x 1 thread        KERAS_NUM_THREADS=1 mpirun -np 2 node ...
 *   1 process x 2 threads     KERAS_NUM_THREADS=2 node ...
 *   2 ranks, sharded update   the same 2 ranks with DataParallel's shardOptimizer: true (ZeRO-1: each
 *                             rank updates its share of the weights), against the default all-reduce
 *   2 ranks, ring             the same 2 ranks with KERAS_MPI_SHM=0: gradients summed by the ring of
 *                             messages instead of the MPI binding's shared-memory window (the default
 *                             where the ranks share a machine)
 *
 * at global batch 128 (the seed's) and larger global batches (Keras users scale the global batch with
 * the replicas), with the ratios (2 ranks / 1 process), the CPU time per 1000 samples (1 process;
 * summed over the 2 ranks: what data parallelism adds in work, which a busy machine distorts less than
 * wall time), the CPU time of the MPI binding's communication thread per step, and the time of one
 * all-reduce of all the gradients between the 2 ranks.
 *
 * The last column bounds what two ranks can gain on two cores: each rank runs a step of the model at
 * half the global batch, so 2 ranks / 1x1 can reach at most CPU(1 process, batch B) / CPU(1 process,
 * batch B/2) per step, with free communication and a core per rank. (A step's work that does not
 * shrink with the batch -- the optimizer update over every weight, allocation, V8 -- runs whole on
 * every rank.) Prints the load average before and after each row: on a busy machine the ranks compete
 * with other work, and the figures say so.
 *
 * The same bound for PyTorch (bench/models_torch.py, 1 thread, on a real BLAS: bench/peers.ts), from its
 * CPU time per step at B and B/2: what splitting the batch leaves to gain for a peer's step, which has
 * the same fixed part (the update of every weight) as ours. Left out with --no-torch or when PyTorch is
 * not on a real BLAS.
 *
 * Then weak scaling, one line per row above: each rank takes the whole batch B (global batch 2B)
 * against one process at batch B, the comparison for a user who keeps the per-process batch when
 * adding processes (no bound from the smaller per-rank step).
 *
 *   node --import tsx bench/data_parallel.ts [--models mlp,cnn] [--mlp-batches 128,512,1024] [--cnn-batches 128]
 *                                            [--samples 5120] [--cnn-samples 1024] [--epochs 6] [--no-torch]
 */
import {spawnSync} from 'node:child_process';
import {torchEnv, torchPeer} from './peers.js';
import {loadavg} from './timing.js';

const argv = process.argv.slice(2);
const arg = (k: string, d: string) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : d;
};
const models = arg('models', 'mlp,cnn').split(',');
// the first epoch traces the compiled step; V8 optimizes the JavaScript a step runs once per step only
// after a few hundred steps, on background threads: one process has the second core idle for them,
// two ranks compile on the cores they compute on. The best of the later epochs measures the steady state.
const epochs = arg('epochs', '6');
const batchesFor: Record<string, number[]> = {
  mlp: arg('mlp-batches', '128,512,1024').split(',').map(Number),
  cnn: arg('cnn-batches', '128').split(',').map(Number),
};
/** Samples per epoch (at least 4 steps). */
const samplesFor: Record<string, number> = {mlp: Number(arg('samples', '5120')), cnn: Number(arg('cnn-samples', '1024'))};
const isRoot = process.getuid?.() === 0;

interface Measured {
  samplesPerSec: number;
  /** CPU ms per 1000 samples, summed over the ranks. */
  cpuPer1000: number;
  /** CPU ms per step of rank 0 (all its threads) and of its communication thread. */
  cpuPerStep: number;
  commPerStep: number;
  allreduceMs: number;
}

function run(model: string, ranks: number, threads: number, batch: number, shard = false, env: Record<string, string> = {}): Measured {
  const steps = String(Math.max(4, Math.round(samplesFor[model]! / batch)));
  const node = [process.execPath, '--import', 'tsx', 'bench/data_parallel_worker.ts', model, steps, epochs, String(batch)];
  const cmd = ranks > 1 ? ['mpirun', ...(isRoot ? ['--allow-run-as-root'] : []), '--oversubscribe', '--bind-to', 'none', '-np', String(ranks), ...node] : node;
  const r = spawnSync(cmd[0]!, cmd.slice(1), {env: {...process.env, KERAS_NUM_THREADS: String(threads), KERAS_BACKEND: 'native', BENCH_SHARD: shard ? '1' : '0', ...env}, encoding: 'utf8'});
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) throw new Error(`${cmd.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const cpu = r.stdout.split('\n').filter((l) => l.startsWith('CPU ')).map((l) => JSON.parse(l.slice(4)) as {rank: number; msPer1000: number; msPerStep: number; commThreadMsPerStep: number});
  const res = JSON.parse(line.slice(7)) as {samplesPerSec: number; allreduceMs: number};
  const r0 = cpu.find((c) => c.rank === 0)!;
  return {samplesPerSec: res.samplesPerSec, cpuPer1000: cpu.reduce((a, b) => a + b.msPer1000, 0), cpuPerStep: r0.msPerStep, commPerStep: r0.commThreadMsPerStep, allreduceMs: res.allreduceMs};
}

/** PyTorch's CPU ms per training step (1 thread) of `model` at each batch, in one process. */
function torchStepMs(model: string, batches: number[]): number[] {
  const steps = model === 'cnn' ? '20' : '200';
  const r = spawnSync('/usr/bin/python3', ['bench/models_torch.py', '1', steps, ...batches.map((b) => `${model}:${b}`)], {encoding: 'utf8', env: torchEnv(1), timeout: 600_000});
  if (r.status !== 0) throw new Error(`bench/models_torch.py failed (${r.status}): ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join('\n')}`);
  const rows = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as {batch: number; trainCpu: number});
  return rows.map((row) => (row.batch * 1000) / row.trainCpu);
}

const f = (v: number) => Math.round(v).toLocaleString('en-US');
const peer = argv.includes('--no-torch') ? undefined : torchPeer();
console.log(`load average before: ${loadavg()}  (${new Date().toISOString()})`);
if (peer) console.log(peer.line);
console.log(
  '| model, global batch | 1 process x 1 thread | 2 ranks x 1 thread | 1 process x 2 threads | 2 ranks / 1x1 | 2 ranks / 1x2 | 2 ranks, ring (KERAS_MPI_SHM=0; ratio to 1x1) | ' +
    '2 ranks, sharded update (ratio to 1x1) | CPU ms / 1000 samples: 1x1, 2 ranks (sum), ring, sharded | rank 0 CPU ms / step (comm. thread): window, ring | ' +
    'all-reduce of all gradients, 2 ranks: window, ring | CPU ms / step, 1x1: batch B, B/2 (bound on 2 ranks / 1x1) | ' +
    'PyTorch 1 thread, CPU ms / step: B, B/2 (its bound) | load average after |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
const weak: string[] = [];
for (const m of models) {
  for (const b of batchesFor[m]!) {
    // the two 2-rank variants one after the other, so that a change in the load hits both alike
    const one = run(m, 1, 1, b);
    const ranks = run(m, 2, 1, b);
    const ring = run(m, 2, 1, b, false, {KERAS_MPI_SHM: '0'});
    const threads = run(m, 1, 2, b);
    const sharded = run(m, 2, 1, b, true);
    const half = run(m, 1, 1, b / 2);
    const stepOne = one.cpuPerStep;
    const torch = peer?.ok ? torchStepMs(m, [b, b / 2]) : undefined;
    const torchBound = torch ? `${torch[0]!.toFixed(1)}, ${torch[1]!.toFixed(1)} (${(torch[0]! / torch[1]!).toFixed(2)}x)` : '—';
    const x = (v: Measured) => (v.samplesPerSec / one.samplesPerSec).toFixed(2);
    console.log(
      `| ${m}, ${b} | ${f(one.samplesPerSec)} samples/s | ${f(ranks.samplesPerSec)} samples/s | ${f(threads.samplesPerSec)} samples/s | ` +
        `**${x(ranks)}x** | ${(ranks.samplesPerSec / threads.samplesPerSec).toFixed(2)}x | ${f(ring.samplesPerSec)} samples/s (${x(ring)}x) | ` +
        `${f(sharded.samplesPerSec)} samples/s (${x(sharded)}x) | ${f(one.cpuPer1000)}, ${f(ranks.cpuPer1000)}, ${f(ring.cpuPer1000)}, ${f(sharded.cpuPer1000)} | ` +
        `${ranks.cpuPerStep.toFixed(1)} (${ranks.commPerStep.toFixed(2)}), ${ring.cpuPerStep.toFixed(1)} (${ring.commPerStep.toFixed(2)}) | ${ranks.allreduceMs.toFixed(2)} ms, ${ring.allreduceMs.toFixed(2)} ms | ` +
        `${stepOne.toFixed(1)}, ${half.cpuPerStep.toFixed(1)} (${(stepOne / half.cpuPerStep).toFixed(2)}x) | ${torchBound} | ${loadavg()} |`,
    );
    const both = run(m, 2, 1, 2 * b);
    weak.push(`| ${m}, ${b} per rank (global ${2 * b}) | ${f(one.samplesPerSec)} samples/s | ${f(both.samplesPerSec)} samples/s | **${x(both)}x** | ${loadavg()} |`);
  }
}
console.log('\nWeak scaling: each rank the whole batch B (global 2B) against one process at batch B');
console.log('| model, batch per rank | 1 process x 1 thread, batch B | 2 ranks x 1 thread, global 2B | 2 ranks / 1x1 | load average after |');
console.log('|---|---|---|---|---|');
for (const line of weak) console.log(line);
console.log(`load average after: ${loadavg()}`);
