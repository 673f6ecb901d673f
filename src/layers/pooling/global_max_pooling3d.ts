import {registerKerasSerializable} from '../../serialization.js';
import {BaseGlobalPooling, type GlobalPoolingArgs} from './base_global_pooling.js';

/** Max over the 3 spatial axes: `[batch, ..., channels]` -> `[batch, channels]` (`keepdims` keeps them as 1). */
export class GlobalMaxPooling3D extends BaseGlobalPooling {
  static override readonly className: string = 'GlobalMaxPooling3D';
  protected readonly mode = 'max';
  constructor(args: GlobalPoolingArgs = {}) {
    super(3, args);
  }
}
registerKerasSerializable(GlobalMaxPooling3D, {pkg: 'keras'});
