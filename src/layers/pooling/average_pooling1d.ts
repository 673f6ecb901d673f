import {registerKerasSerializable} from '../../serialization.js';
import {BasePooling, poolArgs, splitPoolArgs, type PoolingArgs} from './base_pooling.js';

/** Mean over windows of `poolSize` steps (`same` padding averages the valid cells only). */
export class AveragePooling1D extends BasePooling {
  static override readonly className: string = 'AveragePooling1D';
  protected readonly mode = 'average';
  constructor(poolSize: number | readonly number[] | PoolingArgs = 2, args: PoolingArgs = {}) {
    [poolSize, args] = splitPoolArgs(poolSize, args, 2);
    super(poolSize, 1, poolArgs(args, 'AveragePooling1D'));
  }
}
registerKerasSerializable(AveragePooling1D, {pkg: 'keras'});
