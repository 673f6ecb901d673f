import {registerKerasSerializable} from '../../serialization.js';
import {BaseDepthwiseConv, type DepthwiseConvArgs} from './base_depthwise_conv.js';

/**
 * Depthwise 1-D convolution over `[batch, steps, channels]`: each channel is convolved with its own
 * `depthMultiplier` filters; output channels = `channels * depthMultiplier`. The weight is named
 * `kernel`, shape `[kernelSize, channels, depthMultiplier]`, as in Keras 3.
 *
 * ```ts
 * new DepthwiseConv1D(3, {depthMultiplier: 2, padding: 'same'}); // [n, 10, 4] -> [n, 10, 8]
 * ```
 */
export class DepthwiseConv1D extends BaseDepthwiseConv {
  static override readonly className: string = 'DepthwiseConv1D';
  constructor(kernelSize: number | readonly number[], args: DepthwiseConvArgs = {}) {
    super(1, kernelSize, args);
  }
}
registerKerasSerializable(DepthwiseConv1D, {pkg: 'keras'});
