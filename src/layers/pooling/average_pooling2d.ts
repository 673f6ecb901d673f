import {registerKerasSerializable} from '../../serialization.js';
import {BasePooling, poolArgs, splitPoolArgs, type PoolingArgs} from './base_pooling.js';

/** Mean over windows of `poolSize = [rows, cols]` (`same` padding averages the valid cells only). */
export class AveragePooling2D extends BasePooling {
  static override readonly className: string = 'AveragePooling2D';
  protected readonly mode = 'average';
  constructor(poolSize: number | readonly number[] | PoolingArgs = [2, 2], args: PoolingArgs = {}) {
    [poolSize, args] = splitPoolArgs(poolSize, args, [2, 2]);
    super(poolSize, 2, poolArgs(args, 'AveragePooling2D'));
  }
}
registerKerasSerializable(AveragePooling2D, {pkg: 'keras'});
