/**
 * The browser's stand-in for ../node/mpi.ts: a page is one process, with no MPI binding, so
 * `keras.distribution` sees a job of one process.
 */
import type * as Node from '../node/mpi.js';

export type MpiBinding = Node.MpiBinding;

export const mpiBindingPath: typeof Node.mpiBindingPath = () => '';
export const loadMpiBinding: typeof Node.loadMpiBinding = () => 'the MPI binding needs Node.js: a web page is one process';
export const launchedWorldSize: typeof Node.launchedWorldSize = () => 1;
export const localWorldSize: typeof Node.localWorldSize = () => 1;
export const threadsPerProcess: typeof Node.threadsPerProcess = () => null;
export const collectiveTimeoutSeconds: typeof Node.collectiveTimeoutSeconds = () => 300;
export const bucketBytes: typeof Node.bucketBytes = () => 1 << 20;
export const installExitHandlers: typeof Node.installExitHandlers = () => {};
export const abortJob: typeof Node.abortJob = (_binding, rank, size, message) => {
  throw new Error(`keras-ts: rank ${rank} of ${size}: ${message}`);
};
