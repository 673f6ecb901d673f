import {registerKerasSerializable} from '../../serialization.js';
import {BasePooling, poolArgs, type PoolingArgs} from './base_pooling.js';

/** Mean over windows of `poolSize` steps (`same` padding averages the valid cells only). */
export class AveragePooling1D extends BasePooling {
  static override readonly className: string = 'AveragePooling1D';
  protected readonly mode = 'average';
  constructor(poolSize: number | readonly number[] = 2, args: PoolingArgs = {}) {
    super(poolSize, 1, poolArgs(args, 'AveragePooling1D'));
  }
}
registerKerasSerializable(AveragePooling1D, {pkg: 'keras'});
