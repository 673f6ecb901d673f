import {registerKerasSerializable} from '../../serialization.js';
import {BasePooling, poolArgs, splitPoolArgs, type PoolingArgs} from './base_pooling.js';

/** Max over windows of `poolSize = [rows, cols]`: `new MaxPooling2D([2, 2])`. */
export class MaxPooling2D extends BasePooling {
  static override readonly className: string = 'MaxPooling2D';
  protected readonly mode = 'max';
  constructor(poolSize: number | readonly number[] | PoolingArgs = [2, 2], args: PoolingArgs = {}) {
    [poolSize, args] = splitPoolArgs(poolSize, args, [2, 2]);
    super(poolSize, 2, poolArgs(args, 'MaxPooling2D'));
  }
}
registerKerasSerializable(MaxPooling2D, {pkg: 'keras'});
