import {registerKerasSerializable} from '../../serialization.js';
import {BaseSeparableConv, type SeparableConvArgs} from './base_separable_conv.js';

/**
 * Depthwise separable 1-D convolution over `[batch, steps, channels]`: a depthwise convolution
 * (`depthwise_kernel`, `[kernelSize, channels, depthMultiplier]`) then a pointwise one
 * (`pointwise_kernel`, `[1, channels * depthMultiplier, filters]`), then `bias` and the activation.
 *
 * ```ts
 * new SeparableConv1D(16, 3, {padding: 'same'}); // [n, 10, 4] -> [n, 10, 16]
 * ```
 */
export class SeparableConv1D extends BaseSeparableConv {
  static override readonly className: string = 'SeparableConv1D';
  constructor(filters: number, kernelSize: number | readonly number[], args: SeparableConvArgs = {}) {
    super(1, filters, kernelSize, args);
  }
}
registerKerasSerializable(SeparableConv1D, {pkg: 'keras'});
registerKerasSerializable(SeparableConv1D, {pkg: 'keras', name: 'SeparableConvolution1D'});
