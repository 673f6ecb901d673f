/**
 * The gradient reducer in the browser build. A web page is one process (no MPI launcher), so a
 * `DataParallel` there has one replica and `fit` never sums gradients across processes: nothing
 * constructs a reducer. package.json's `browser` field maps `./gradient_reducer.js` here, which keeps
 * the bucketed all-reduce and the sharded update out of `keras.js`.
 */
import {ValueError} from '../errors.js';

const refuse = (what: string): never => {
  throw new ValueError(`${what} sums gradients across processes started by MPI and needs Node.js: a web page is one process.`);
};

export class BucketBuffers {
  constructor(..._args: unknown[]) {
    refuse('keras.distribution BucketBuffers');
  }
}

export class GradientReducer {
  constructor(..._args: unknown[]) {
    refuse('keras.distribution GradientReducer');
  }
}
