import {registerKerasSerializable} from '../../serialization.js';
import {BasePooling, poolArgs, splitPoolArgs, type PoolingArgs} from './base_pooling.js';

/** Max over windows of `poolSize = [depth, rows, cols]`: `new MaxPooling3D([2, 2, 2])`. */
export class MaxPooling3D extends BasePooling {
  static override readonly className: string = 'MaxPooling3D';
  protected readonly mode = 'max';
  constructor(poolSize: number | readonly number[] | PoolingArgs = [2, 2, 2], args: PoolingArgs = {}) {
    [poolSize, args] = splitPoolArgs(poolSize, args, [2, 2, 2]);
    super(poolSize, 3, poolArgs(args, 'MaxPooling3D'));
  }
}
registerKerasSerializable(MaxPooling3D, {pkg: 'keras'});
