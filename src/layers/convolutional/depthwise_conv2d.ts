import {registerKerasSerializable} from '../../serialization.js';
import {BaseDepthwiseConv, type DepthwiseConvArgs} from './base_depthwise_conv.js';

/**
 * Depthwise 2-D convolution: each input channel is convolved with its own `depthMultiplier`
 * filters; output channels = `channels * depthMultiplier`. The weight is named `kernel`, shape
 * `[kh, kw, channels, depthMultiplier]`, as in Keras 3.
 *
 * ```ts
 * new DepthwiseConv2D(3, {depthMultiplier: 2, padding: 'same'});
 * ```
 */
export class DepthwiseConv2D extends BaseDepthwiseConv {
  static override readonly className: string = 'DepthwiseConv2D';
  constructor(kernelSize: number | readonly number[], args: DepthwiseConvArgs = {}) {
    super(2, kernelSize, args);
  }
}
registerKerasSerializable(DepthwiseConv2D, {pkg: 'keras'});
