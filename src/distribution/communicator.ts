/**
 * The processes of a job and the collectives between them. `initialize()` starts MPI once per
 * process when an MPI launcher started it (`mpirun -np N node train.mjs`); otherwise the job is this
 * one process and every collective is a no-op.
 */
import {ValueError} from '../errors.js';
import {getBackend} from '../backends/registry.js';
import {
  abortJob, collectiveTimeoutSeconds, installExitHandlers, launchedWorldSize, loadMpiBinding, threadsPerProcess, type MpiBinding,
} from '../platform/index.js';
import {allocate} from '../tensor/dtype.js';
import {setProcessRank} from './state.js';

export interface Communicator {
  /** This process's index in the job (MPI rank); 0 is the chief, which prints and writes files. */
  readonly rank: number;
  /** The number of processes in the job. */
  readonly size: number;
  /** The host this process runs on. */
  readonly processorName: string;
  /**
   * Bytes per process of the MPI binding's shared window, through which all-reduces of arrays up to
   * that size run when every process is on one machine; 0 when there is none (the ring then).
   */
  readonly sharedBytes: number;
  /** Sum over all processes, in place. Resolves once `x` holds the sum on this process. */
  allreduce(x: Float32Array | Float64Array | Int32Array): Promise<void>;
  /**
   * Sum over all processes, in place, started now and progressed on the communication thread while
   * the caller goes on computing; returns a handle for `wait`.
   */
  startAllreduce(x: Float32Array | Float64Array): number;
  /**
   * The first half of `startAllreduce`'s ring (reduce-scatter), started now: once waited for, elements
   * `shardOf(x.length)` of `x` hold their sum over all processes (the rest: partial sums).
   */
  startReduceScatter(x: Float32Array | Float64Array): number;
  /**
   * The second half (all-gather) over the concatenation of `pieces`: every process's elements
   * `shardOf(total)` (as that process computes it) to every process, written into the pieces.
   */
  startAllgather(pieces: (Float32Array | Float64Array)[]): number;
  /** The elements [lo, hi) of an array of `count` this process sums in a reduce-scatter and sends in an all-gather. */
  shardOf(count: number): [number, number];
  /**
   * Blocks until the collective of `handle` (and every one started before it) is done. A collective
   * that failed or timed out ends the job, as the Promise-based ones do.
   */
  wait(handle: number): void;
  /**
   * A zeroed array for `startAllreduce` / `startReduceScatter` to sum in place: in the binding's shared
   * window where it has one with room (the sum then reads it where it is: no copy in), else an
   * ordinary array.
   */
  allocate(dtype: 'float32' | 'float64', length: number): Float32Array | Float64Array;
  /** Overwrites `x` with rank `root`'s bytes, in place. */
  bcast(x: ArrayBufferView, root?: number): Promise<void>;
  barrier(): Promise<void>;
}

class SingleProcess implements Communicator {
  readonly rank = 0;
  readonly size = 1;
  readonly processorName = 'localhost';
  readonly sharedBytes = 0;
  async allreduce(): Promise<void> {}
  startAllreduce(): number {
    return 0;
  }
  startReduceScatter(): number {
    return 0;
  }
  startAllgather(): number {
    return 0;
  }
  shardOf(count: number): [number, number] {
    return [0, count];
  }
  wait(): void {}
  allocate(dtype: 'float32' | 'float64', length: number): Float32Array | Float64Array {
    return allocate(dtype, length) as Float32Array | Float64Array;
  }
  async bcast(): Promise<void> {}
  async barrier(): Promise<void> {}
}

class MpiCommunicator implements Communicator {
  readonly rank: number;
  readonly size: number;
  readonly processorName: string;
  readonly sharedBytes: number;

  constructor(private readonly mpi: MpiBinding) {
    const info = mpi.init(collectiveTimeoutSeconds());
    this.rank = info.rank;
    this.size = info.size;
    this.processorName = info.processorName;
    this.sharedBytes = info.sharedBytes;
    setProcessRank(this.rank);
    installExitHandlers(mpi, this.rank, this.size);
  }

  // a failed or timed-out collective ends the job: the other ranks would otherwise wait forever
  private guard(p: Promise<void>): Promise<void> {
    return p.catch((e: Error) => abortJob(this.mpi, this.rank, this.size, e.message));
  }
  allreduce(x: Float32Array | Float64Array | Int32Array): Promise<void> {
    return this.guard(this.mpi.allreduce(x));
  }
  startAllreduce(x: Float32Array | Float64Array): number {
    return this.mpi.allreduceStart(x);
  }
  startReduceScatter(x: Float32Array | Float64Array): number {
    return this.mpi.reduceScatterStart(x);
  }
  startAllgather(pieces: (Float32Array | Float64Array)[]): number {
    return this.mpi.allgatherStart(pieces);
  }
  shardOf(count: number): [number, number] {
    // the ring's segment (rank + 1) mod size, bounds as the binding computes them (mpi_addon.c, seg_bounds)
    const s = (this.rank + 1) % this.size;
    return [Math.floor((count * s) / this.size), Math.floor((count * (s + 1)) / this.size)];
  }
  wait(handle: number): void {
    try {
      this.mpi.wait(handle);
    } catch (e) {
      abortJob(this.mpi, this.rank, this.size, (e as Error).message);
    }
  }
  allocate(dtype: 'float32' | 'float64', length: number): Float32Array | Float64Array {
    const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
    const shared = this.mpi.sharedArray(length * Ctor.BYTES_PER_ELEMENT);
    return shared ? new Ctor(shared) : new Ctor(length);
  }
  bcast(x: ArrayBufferView, root = 0): Promise<void> {
    return this.guard(this.mpi.bcast(x, root));
  }
  barrier(): Promise<void> {
    return this.guard(this.mpi.barrier());
  }
}

let world: Communicator | null = null;

/**
 * Keras's `keras.distribution.initialize()`: joins the job this process was started in. Under an MPI
 * launcher it starts MPI (once); without one the job is this process alone. Throws when the launcher
 * started several processes but the MPI binding is not available.
 */
export function initialize(): Communicator {
  if (world) return world;
  const launched = launchedWorldSize();
  if (launched <= 1) return (world = new SingleProcess());
  const binding = loadMpiBinding();
  if (typeof binding === 'string') {
    throw new ValueError(
      `keras.distribution: this process is one of ${launched} started by an MPI launcher, but ${binding}. ` +
        'Data-parallel training over several processes needs MPI: install Open MPI (Debian/Ubuntu: ' +
        '`apt-get install openmpi-bin libopenmpi-dev`), then rebuild the binding with `npm rebuild keras-ts` ' +
        '(or `node scripts/install-mpi.mjs` in a checkout), or run a single process without mpirun.',
    );
  }
  world = new MpiCommunicator(binding);
  shareCores();
  return world;
}

/**
 * Threads per process: unless `KERAS_NUM_THREADS` says otherwise, the processes on one machine share
 * its cores (2 processes on 2 cores: 1 thread each), rather than each starting a thread per core.
 */
function shareCores(): void {
  const backend = getBackend() as {setNumThreads?(n: number): void; getNumThreads?(): number};
  if (!backend.setNumThreads || !backend.getNumThreads) return;
  const n = threadsPerProcess(backend.getNumThreads());
  if (n !== null) backend.setNumThreads(n);
}
