import {registerKerasSerializable} from '../../serialization.js';
import {BaseConvTranspose, type ConvTransposeArgs} from './base_conv_transpose.js';

/**
 * Transposed 2-D convolution (the gradient of `Conv2D` with respect to its input), used to
 * upsample: with `strides: 2` and `padding: 'same'` the output is twice the input's size.
 * `kernel` is `[kh, kw, filters, inChannels]`.
 *
 * ```ts
 * new Conv2DTranspose(16, 3, {strides: 2, padding: 'same'}); // [n, 8, 8, c] -> [n, 16, 16, 16]
 * ```
 */
export class Conv2DTranspose extends BaseConvTranspose {
  static override readonly className: string = 'Conv2DTranspose';
  constructor(filters: number, kernelSize: number | readonly number[], args: ConvTransposeArgs = {}) {
    super(2, filters, kernelSize, args);
  }
}
registerKerasSerializable(Conv2DTranspose, {pkg: 'keras'});
registerKerasSerializable(Conv2DTranspose, {pkg: 'keras', name: 'Convolution2DTranspose'});
