import {registerKerasSerializable} from '../../serialization.js';
import {BaseConvTranspose, type ConvTransposeArgs} from './base_conv_transpose.js';

/**
 * Transposed 3-D convolution over volumes `[batch, depth, rows, cols, channels]` (the gradient of
 * `Conv3D` with respect to its input); `kernel` is `[kd, kh, kw, filters, channels]`.
 *
 * ```ts
 * new Conv3DTranspose(4, 3, {strides: 2, padding: 'same'}); // [n, 4, 4, 4, c] -> [n, 8, 8, 8, 4]
 * ```
 */
export class Conv3DTranspose extends BaseConvTranspose {
  static override readonly className: string = 'Conv3DTranspose';
  constructor(filters: number, kernelSize: number | readonly number[], args: ConvTransposeArgs = {}) {
    super(3, filters, kernelSize, args);
  }
}
registerKerasSerializable(Conv3DTranspose, {pkg: 'keras'});
registerKerasSerializable(Conv3DTranspose, {pkg: 'keras', name: 'Convolution3DTranspose'});
