import {registerKerasSerializable} from '../../serialization.js';
import {BaseGlobalPooling, type GlobalPoolingArgs} from './base_global_pooling.js';

/** Mean over the 1 spatial axis: `[batch, ..., channels]` -> `[batch, channels]` (`keepdims` keeps them as 1). */
export class GlobalAveragePooling1D extends BaseGlobalPooling {
  static override readonly className: string = 'GlobalAveragePooling1D';
  protected readonly mode = 'average';
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, args);
    this.supportsMasking = true;
  }
}
registerKerasSerializable(GlobalAveragePooling1D, {pkg: 'keras'});
