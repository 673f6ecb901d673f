import {registerKerasSerializable} from '../../serialization.js';
import {BaseConvTranspose, type ConvTransposeArgs} from './base_conv_transpose.js';

/**
 * Transposed 1-D convolution over `[batch, steps, channels]` (the gradient of `Conv1D` with respect
 * to its input); `kernel` is `[kernelSize, filters, channels]`.
 *
 * ```ts
 * new Conv1DTranspose(8, 3, {strides: 2, padding: 'same'}); // [n, 10, c] -> [n, 20, 8]
 * ```
 */
export class Conv1DTranspose extends BaseConvTranspose {
  static override readonly className: string = 'Conv1DTranspose';
  constructor(filters: number, kernelSize: number | readonly number[], args: ConvTransposeArgs = {}) {
    super(1, filters, kernelSize, args);
  }
}
registerKerasSerializable(Conv1DTranspose, {pkg: 'keras'});
registerKerasSerializable(Conv1DTranspose, {pkg: 'keras', name: 'Convolution1DTranspose'});
