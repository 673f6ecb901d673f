import {registerKerasSerializable} from '../../serialization.js';
import {BasePooling, poolArgs, type PoolingArgs} from './base_pooling.js';

/** Mean over windows of `poolSize = [rows, cols]` (`same` padding averages the valid cells only). */
export class AveragePooling2D extends BasePooling {
  static override readonly className: string = 'AveragePooling2D';
  protected readonly mode = 'average';
  constructor(poolSize: number | readonly number[] = [2, 2], args: PoolingArgs = {}) {
    super(poolSize, 2, poolArgs(args, 'AveragePooling2D'));
  }
}
registerKerasSerializable(AveragePooling2D, {pkg: 'keras'});
