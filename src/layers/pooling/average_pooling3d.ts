import {registerKerasSerializable} from '../../serialization.js';
import {BasePooling, poolArgs, splitPoolArgs, type PoolingArgs} from './base_pooling.js';

/** Mean over windows of `poolSize = [depth, rows, cols]` (`same` padding averages the valid cells only). */
export class AveragePooling3D extends BasePooling {
  static override readonly className: string = 'AveragePooling3D';
  protected readonly mode = 'average';
  constructor(poolSize: number | readonly number[] | PoolingArgs = [2, 2, 2], args: PoolingArgs = {}) {
    [poolSize, args] = splitPoolArgs(poolSize, args, [2, 2, 2]);
    super(poolSize, 3, poolArgs(args, 'AveragePooling3D'));
  }
}
registerKerasSerializable(AveragePooling3D, {pkg: 'keras'});
