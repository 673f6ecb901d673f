import {registerKerasSerializable} from '../../serialization.js';
import {BaseGlobalPooling, type GlobalPoolingArgs} from './base_global_pooling.js';

/** Mean over the 3 spatial axes: `[batch, ..., channels]` -> `[batch, channels]` (`keepdims` keeps them as 1). */
export class GlobalAveragePooling3D extends BaseGlobalPooling {
  static override readonly className: string = 'GlobalAveragePooling3D';
  protected readonly mode = 'average';
  constructor(args: GlobalPoolingArgs = {}) {
    super(3, args);
  }
}
registerKerasSerializable(GlobalAveragePooling3D, {pkg: 'keras'});
