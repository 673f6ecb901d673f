import {registerKerasSerializable} from '../../serialization.js';
import {BaseGlobalPooling, type GlobalPoolingArgs} from './base_global_pooling.js';

/** Mean over the 2 spatial axes: `[batch, ..., channels]` -> `[batch, channels]` (`keepdims` keeps them as 1). */
export class GlobalAveragePooling2D extends BaseGlobalPooling {
  static override readonly className: string = 'GlobalAveragePooling2D';
  protected readonly mode = 'average';
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, args);
  }
}
registerKerasSerializable(GlobalAveragePooling2D, {pkg: 'keras'});
