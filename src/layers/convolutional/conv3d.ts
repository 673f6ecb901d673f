import {registerKerasSerializable} from '../../serialization.js';
import {BaseConv, type ConvArgs} from './base_conv.js';

/**
 * 3-D convolution over volumes `[batch, depth, rows, cols, channels]` (or `channels_first`):
 * `output = activation(conv3d(inputs, kernel) + bias)`, `kernel` of shape
 * `[kd, kh, kw, channels / groups, filters]`.
 *
 * ```ts
 * new Conv3D(8, [3, 3, 3], {activation: 'relu', inputShape: [16, 16, 16, 1]});
 * ```
 */
export class Conv3D extends BaseConv {
  static override readonly className: string = 'Conv3D';
  constructor(filters: number, kernelSize: number | readonly number[], args: ConvArgs = {}) {
    super(3, filters, kernelSize, args);
  }
}
registerKerasSerializable(Conv3D, {pkg: 'keras'});
registerKerasSerializable(Conv3D, {pkg: 'keras', name: 'Convolution3D'});
