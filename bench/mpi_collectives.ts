/**
 * What the MPI binding's collectives cost between 2 ranks (native/mpi/mpi_addon.c): the time of an
 * all-reduce of the MLP's gradients (670,000 floats, 2.7 MB; also from a sharedArray, as gradient
 * buckets are), of the CNN's (1.2 M floats) and of 4 floats when both ranks call it together, with the
 * communication thread's CPU per all-reduce (through the shared window by default; `KERAS_MPI_SHM=0`
 * for the ring, `KERAS_MPI_SHM=0 KERAS_MPI_RING_BYTES=1e9` for MPI_Iallreduce), and the CPU time the
 * communication thread spends while rank 0 waits 50 ms for a late rank 1 (the ring polls: a tight
 * loop for 0.2 ms, then sleeps that grow to 0.25 ms; the window's barrier sleeps on a futex); and the two halves of the
 * ring the sharded optimizer update runs instead of the all-reduce (reduce-scatter of the gradients,
 * all-gather of the updated weights into several arrays), for the MLP's first Dense (1.6 MB, the
 * bucket the backward pass ends with) and all its gradients (best and median of 180, after a barrier).
 *
 *   mpirun -np 2 node --import tsx bench/mpi_collectives.ts
 */
import {readdirSync, readFileSync} from 'node:fs';
import {loadavg} from './timing.js';
import {loadMpiBinding, type MpiBinding} from '../src/platform/node/mpi.js';

const loaded = loadMpiBinding();
if (typeof loaded === 'string') throw new Error(loaded);
const mpi: MpiBinding = loaded;
const {rank, sharedBytes} = mpi.init(60);

/** CPU ms of the binding's communication thread (named keras-mpi) so far (schedstat: nanoseconds on a CPU). */
function commThreadMs(): number {
  let ms = 0;
  for (const id of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${id}/stat`, 'utf8');
    if (!stat.includes('(keras-mpi)')) continue;
    ms += Number(readFileSync(`/proc/self/task/${id}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  }
  return ms;
}

/**
 * The same all-reduce through allreduceStart + wait (how a data-parallel step sums its gradients):
 * ms per all-reduce, and ms of the communication thread's CPU per all-reduce. `shared`: the array in
 * the binding's shared window (sharedArray, as the gradient buckets are), summed where it is.
 */
function togetherSync(n: number, reps: number, shared = false): [number, number] {
  const ab = shared ? mpi.sharedArray(n * 4) : null;
  const buf = (ab ? new Float32Array(ab) : new Float32Array(n)).fill(1);
  for (let i = 0; i < 10; i++) mpi.wait(mpi.allreduceStart(buf));
  const t0 = performance.now();
  const c0 = commThreadMs();
  for (let i = 0; i < reps; i++) mpi.wait(mpi.allreduceStart(buf));
  return [(performance.now() - t0) / reps, (commThreadMs() - c0) / reps];
}

async function together(n: number, reps: number): Promise<number> {
  const buf = new Float32Array(n).fill(1);
  for (let i = 0; i < 10; i++) await mpi.allreduce(buf);
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await mpi.allreduce(buf);
  return (performance.now() - t0) / reps;
}

/**
 * Best and median µs of all-reduce, reduce-scatter and all-gather of `n` floats, each after a barrier;
 * the all-reduce's and reduce-scatter's array in the shared window where there is one (as the gradient
 * buckets are).
 */
async function halves(n: number): Promise<string> {
  const ab = mpi.sharedArray(n * 4);
  const buf = (ab ? new Float32Array(ab) : new Float32Array(n)).fill(1);
  const pieces = [new Float32Array(n - 512), new Float32Array(512)];
  const times: Record<'allreduce' | 'reduceScatter' | 'allgather', number[]> = {allreduce: [], reduceScatter: [], allgather: []};
  const start = {allreduce: () => mpi.allreduceStart(buf), reduceScatter: () => mpi.reduceScatterStart(buf), allgather: () => mpi.allgatherStart(pieces)};
  for (let i = 0; i < 200; i++) {
    for (const k of ['allreduce', 'reduceScatter', 'allgather'] as const) {
      await mpi.barrier();
      const t = performance.now();
      mpi.wait(start[k]());
      if (i >= 20) times[k].push((performance.now() - t) * 1000);
    }
  }
  return (['allreduce', 'reduceScatter', 'allgather'] as const)
    .map((k) => {
      const s = times[k].sort((a, b) => a - b);
      return `${k} ${s[0]!.toFixed(0)} us (median ${s[s.length >> 1]!.toFixed(0)})`;
    })
    .join(', ');
}

const firstDense = await halves(401_920);
const allMlp = await halves(669_706);
const big = await together(670_000, 100);
const bigSync = togetherSync(670_000, 100);
const bigShared = togetherSync(670_000, 100, true);
const cnnSync = togetherSync(1_200_000, 50);
const small = await together(4, 1000);
const buf = new Float32Array(4);
const c0 = commThreadMs();
const REPS = 40;
for (let i = 0; i < REPS; i++) {
  if (rank === 1) {
    const end = performance.now() + 50;
    while (performance.now() < end) {
      /* rank 1 computes for 50 ms */
    }
  }
  await mpi.allreduce(buf);
}
const waitCpu = (commThreadMs() - c0) / REPS;
if (rank === 0) {
  console.log(`load average ${loadavg()}`);
  const ring = Number(process.env.KERAS_MPI_RING_BYTES ?? 32768);
  const algorithm = sharedBytes >= 4_800_000 ? `the shared window (KERAS_MPI_SHM_BYTES=${sharedBytes}; all-gather: the ring)` : ring <= 2_680_000 ? `ring (KERAS_MPI_RING_BYTES=${ring})` : 'MPI_Iallreduce';
  console.log(`algorithm for these sizes: ${algorithm}`);
  console.log(
    `all-reduce of 670,000 floats (2.7 MB, the MLP's gradients), both ranks together: ${big.toFixed(2)} ms (Promise), ${bigSync[0].toFixed(2)} ms (allreduceStart + wait; ` +
      `communication thread ${bigSync[1].toFixed(3)} ms of CPU), ${bigShared[0].toFixed(2)} ms in a sharedArray (communication thread ${bigShared[1].toFixed(3)} ms of CPU)`,
  );
  console.log(`all-reduce of 1,200,000 floats (4.8 MB, the CNN's gradients): ${cnnSync[0].toFixed(2)} ms (allreduceStart + wait; communication thread ${cnnSync[1].toFixed(3)} ms of CPU)`);
  console.log(`all-reduce of 4 floats, both ranks together: ${(small * 1000).toFixed(0)} us`);
  console.log(`401,920 floats (1.6 MB, the MLP's first Dense): ${firstDense}`);
  console.log(`669,706 floats (2.7 MB, all the MLP's gradients): ${allMlp}`);
  console.log(`rank 0 waiting 50 ms for rank 1: ${waitCpu.toFixed(1)} ms of CPU on its communication thread (${((waitCpu / 50) * 100).toFixed(0)}% of a core)`);
}
mpi.finalize();
