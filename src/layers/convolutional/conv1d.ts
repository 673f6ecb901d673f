import {registerKerasSerializable} from '../../serialization.js';
import {BaseConv, type ConvArgs} from './base_conv.js';

/**
 * 1-D convolution over `[batch, steps, channels]`; `kernel` is `[kernelSize, channels, filters]`.
 * `padding: 'causal'` makes output `t` depend on inputs `<= t` only.
 *
 * ```ts
 * new Conv1D(64, 3, {activation: 'relu', padding: 'causal'});
 * ```
 */
export class Conv1D extends BaseConv {
  static override readonly className: string = 'Conv1D';
  constructor(filters: number, kernelSize: number | readonly number[], args: ConvArgs = {}) {
    super(1, filters, kernelSize, args);
  }
}
registerKerasSerializable(Conv1D, {pkg: 'keras'});
registerKerasSerializable(Conv1D, {pkg: 'keras', name: 'Convolution1D'});
