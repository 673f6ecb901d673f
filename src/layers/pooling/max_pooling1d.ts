import {registerKerasSerializable} from '../../serialization.js';
import {BasePooling, poolArgs, splitPoolArgs, type PoolingArgs} from './base_pooling.js';

/** Max over windows of `poolSize` steps: `[batch, steps, features]`. `new MaxPooling1D(2)`. */
export class MaxPooling1D extends BasePooling {
  static override readonly className: string = 'MaxPooling1D';
  protected readonly mode = 'max';
  constructor(poolSize: number | readonly number[] | PoolingArgs = 2, args: PoolingArgs = {}) {
    [poolSize, args] = splitPoolArgs(poolSize, args, 2);
    super(poolSize, 1, poolArgs(args, 'MaxPooling1D'));
  }
}
registerKerasSerializable(MaxPooling1D, {pkg: 'keras'});
