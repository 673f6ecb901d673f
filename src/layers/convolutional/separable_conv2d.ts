import {registerKerasSerializable} from '../../serialization.js';
import {BaseSeparableConv, type SeparableConvArgs} from './base_separable_conv.js';

/**
 * Depthwise separable 2-D convolution: a depthwise convolution (`depthwise_kernel`,
 * `[kh, kw, channels, depthMultiplier]`) then a 1x1 convolution (`pointwise_kernel`,
 * `[1, 1, channels * depthMultiplier, filters]`), then `bias` and the activation.
 *
 * ```ts
 * new SeparableConv2D(32, 3, {depthMultiplier: 2, padding: 'same'});
 * ```
 */
export class SeparableConv2D extends BaseSeparableConv {
  static override readonly className: string = 'SeparableConv2D';
  constructor(filters: number, kernelSize: number | readonly number[], args: SeparableConvArgs = {}) {
    super(2, filters, kernelSize, args);
  }
}
registerKerasSerializable(SeparableConv2D, {pkg: 'keras'});
registerKerasSerializable(SeparableConv2D, {pkg: 'keras', name: 'SeparableConvolution2D'});
