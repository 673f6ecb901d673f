/**
 * The optional MPI binding (native/mpi, built at install only where `mpicc` is found) and what the
 * launcher tells a process about its job (src/distribution/ uses it). Node-only; ../browser/mpi.ts
 * is the page's stand-in (one process, no binding).
 */
import {existsSync} from 'node:fs';
import {availableParallelism, cpus} from 'node:os';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

/** native/mpi/mpi_addon.c's exports. Every collective runs on the binding's communication thread. */
export interface MpiBinding {
  /**
   * `sharedBytes`: the all-reduce's shared window, in bytes per rank (arrays up to that size are summed
   * through it); 0 when off (ranks on several machines, KERAS_MPI_SHM=0 or KERAS_MPI_SHM_BYTES=0).
   */
  init(timeoutSeconds: number): {rank: number; size: number; processorName: string; threadLevel: number; sharedBytes: number};
  /**
   * Sum over all ranks, in place (MPI_IN_PLACE). `background`: JavaScript goes on computing meanwhile
   * (the binding then tests for completion every KERAS_MPI_POLL_US, not in a tight loop) until
   * `awaitAll()`.
   */
  allreduce(x: Float32Array | Float64Array | Int32Array, background?: boolean): Promise<void>;
  /**
   * The same sum, started in the background (progress polled gently while JavaScript computes);
   * returns its id for `wait`.
   */
  allreduceStart(x: Float32Array | Float64Array | Int32Array): number;
  /**
   * The ring all-reduce's first half, started in the background: afterwards rank r's segment
   * `(r + 1) mod size` of `x` holds the sum (see the communicator's `shardOf`); returns its id for `wait`.
   */
  reduceScatterStart(x: Float32Array | Float64Array): number;
  /**
   * The ring's second half over the concatenation of `pieces` (one dtype): each rank's segment to every
   * rank, received straight into the pieces; returns its id for `wait`.
   */
  allgatherStart(pieces: (Float32Array | Float64Array)[]): number;
  /**
   * Blocks until collective `id` and every one started before it are done; throws (code ETIMEDOUT or
   * EMPI) if one of the `allreduceStart` collectives among them failed.
   */
  wait(id: number): void;
  /** JavaScript now awaits every collective started so far: complete them as fast as possible. */
  awaitAll(): void;
  /** Rank `root`'s bytes into every rank's `x`, in place. */
  bcast(x: ArrayBufferView, root: number): Promise<void>;
  barrier(): Promise<void>;
  /**
   * `bytes` of this rank's part of the shared window, zeroed, which the all-reduce and reduce-scatter
   * of an array over it read and write in place (no copy in); null where there is no window or no room.
   */
  sharedArray(bytes: number): ArrayBuffer | null;
  finalize(): void;
  abort(code: number): never;
}

/** Where scripts/install-mpi.mjs (node-gyp) puts the binding: from src/platform/node/ and dist/platform/node/ alike. */
export function mpiBindingPath(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native', 'mpi', 'build', 'Release', 'keras_mpi.node');
}

/** The loaded binding, or the reason it cannot load (one line). */
export function loadMpiBinding(): MpiBinding | string {
  if (process.env.KERAS_SKIP_MPI === '1') return 'the MPI binding is turned off (KERAS_SKIP_MPI=1)';
  const path = mpiBindingPath();
  if (!existsSync(path)) return `the MPI binding is not built (no ${path})`;
  try {
    return createRequire(import.meta.url)(path) as MpiBinding;
  } catch (e) {
    return `the MPI binding at ${path} failed to load: ${String((e as Error).message ?? e).split('\n')[0]}`;
  }
}

/**
 * The number of processes the launcher started (Open MPI's `OMPI_COMM_WORLD_SIZE`, MPICH/Hydra's
 * `PMI_SIZE`, Slurm's `SLURM_NTASKS` under srun with PMI), 1 when started without a launcher.
 */
export function launchedWorldSize(): number {
  for (const k of ['OMPI_COMM_WORLD_SIZE', 'PMI_SIZE', 'PMIX_SIZE']) {
    const v = Number(process.env[k]);
    if (Number.isInteger(v) && v >= 1) return v;
  }
  return 1;
}

/**
 * The processes the launcher started on this machine (Open MPI's `OMPI_COMM_WORLD_LOCAL_SIZE`,
 * MPICH/Hydra's `MPI_LOCALNRANKS`), 1 when unknown or started without a launcher.
 */
export function localWorldSize(): number {
  for (const k of ['OMPI_COMM_WORLD_LOCAL_SIZE', 'MPI_LOCALNRANKS']) {
    const v = Number(process.env[k]);
    if (Number.isInteger(v) && v >= 1) return v;
  }
  return 1;
}

/**
 * Compute threads for one of the job's processes when the user chose none (`KERAS_NUM_THREADS`
 * unset): `threads` (the backend's default, the physical cores this process may run on) split between
 * the processes on this machine, at least 1. Null when the user chose, when one process runs here, or
 * when the launcher bound this process to some of the cores (its affinity is then its share already:
 * Open MPI binds each process to a core when it starts 2 or fewer).
 */
export function threadsPerProcess(threads: number): number | null {
  if (process.env.KERAS_NUM_THREADS) return null;
  const local = localWorldSize();
  if (local <= 1) return null;
  if (availableParallelism() < cpus().length) return null;
  return Math.max(1, Math.floor(threads / local));
}

/** `KERAS_MPI_TIMEOUT` (seconds, default 300): how long a collective may wait for the other ranks. */
export function collectiveTimeoutSeconds(): number {
  const v = Number(process.env.KERAS_MPI_TIMEOUT ?? 300);
  return Number.isFinite(v) && v > 0 ? v : 300;
}

/** `KERAS_MPI_BUCKET_BYTES` (default 1 MiB): the size at which a gradient bucket is sent. */
export function bucketBytes(): number {
  const v = Number(process.env.KERAS_MPI_BUCKET_BYTES ?? 1 << 20);
  return Number.isFinite(v) && v > 0 ? v : 1 << 20;
}

/**
 * Ties the process's end to the job's: a clean exit (code 0) finalizes MPI. Any other exit (an
 * uncaught error, `process.exit(1)`) leaves MPI unfinalized, and the launcher then ends the whole job
 * (mpirun: "1 process returned a non-zero exit code ... the job has been aborted"), so the other
 * ranks never wait for this one. (Not MPI_Abort here: Node prints an uncaught error after the 'exit'
 * event, and aborting would kill the process before the user sees why it failed.)
 * SIGTERM (how mpirun stops the survivors when a rank died) says so before exiting.
 */
export function installExitHandlers(binding: MpiBinding, rank: number, size: number): void {
  let stopped = false;
  process.on('exit', (code) => {
    if (code === 0) binding.finalize();
    else if (!stopped) process.stderr.write(`keras-ts: rank ${rank} of ${size} exits with code ${code}; the MPI launcher ends the other ranks.\n`);
  });
  process.on('SIGTERM', () => {
    stopped = true;
    process.stderr.write(`keras-ts: rank ${rank} of ${size} stopped by the MPI launcher (SIGTERM): another rank failed or the job was cancelled.\n`);
    process.exit(143);
  });
}

/** Ends the whole job after a failed collective: one clear line on stderr, then MPI_Abort. */
export function abortJob(binding: MpiBinding, rank: number, size: number, message: string): never {
  process.stderr.write(`keras-ts: rank ${rank} of ${size}: ${message}\nkeras-ts: ending the job (MPI_Abort).\n`);
  return binding.abort(1);
}
