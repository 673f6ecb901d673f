import {registerKerasSerializable} from '../../serialization.js';
import {BaseGlobalPooling, type GlobalPoolingArgs} from './base_global_pooling.js';

/** Max over the 2 spatial axes: `[batch, ..., channels]` -> `[batch, channels]` (`keepdims` keeps them as 1). */
export class GlobalMaxPooling2D extends BaseGlobalPooling {
  static override readonly className: string = 'GlobalMaxPooling2D';
  protected readonly mode = 'max';
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, args);
  }
}
registerKerasSerializable(GlobalMaxPooling2D, {pkg: 'keras'});
