import {registerKerasSerializable} from '../../serialization.js';
import {BaseGlobalPooling, type GlobalPoolingArgs} from './base_global_pooling.js';

/** Max over the 1 spatial axis: `[batch, ..., channels]` -> `[batch, channels]` (`keepdims` keeps them as 1). */
export class GlobalMaxPooling1D extends BaseGlobalPooling {
  static override readonly className: string = 'GlobalMaxPooling1D';
  protected readonly mode = 'max';
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, args);
  }
}
registerKerasSerializable(GlobalMaxPooling1D, {pkg: 'keras'});
