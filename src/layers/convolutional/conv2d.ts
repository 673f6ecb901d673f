import {ValueError} from '../../errors.js';
import {registerKerasSerializable} from '../../serialization.js';
import {BaseConv, type ConvArgs} from './base_conv.js';

/**
 * 2-D convolution over images `[batch, rows, cols, channels]` (or `channels_first`):
 * `output = activation(conv2d(inputs, kernel) + bias)`, `kernel` of shape
 * `[kh, kw, channels, filters]`.
 *
 * ```ts
 * new Conv2D(32, [3, 3], {activation: 'relu', inputShape: [28, 28, 1]});
 * ```
 */
export class Conv2D extends BaseConv {
  static override readonly className: string = 'Conv2D';
  constructor(filters: number, kernelSize: number | readonly number[], args: ConvArgs = {}) {
    super(2, filters, kernelSize, args);
  }
}
registerKerasSerializable(Conv2D, {pkg: 'keras'});
registerKerasSerializable(Conv2D, {pkg: 'keras', name: 'Convolution2D'});

/**
 * Keras's alias of `Conv2D`, which also takes Keras 1's form
 * `new Convolution2D(nbFilter, nbRow, nbCol, {borderMode: 'valid', inputShape})` (the old argument
 * names are mapped with a one-time deprecation warning). Its config is a `Conv2D` config.
 */
/** The Keras 1 spellings `Convolution2D` accepts (mapped to Keras 3's with a one-time warning). */
export interface LegacyConv2DArgs extends ConvArgs {
  borderMode?: 'valid' | 'same';
  border_mode?: 'valid' | 'same';
  subsample?: number | readonly number[];
  init?: string;
  dimOrdering?: 'tf' | 'th';
  dim_ordering?: 'tf' | 'th';
}

export class Convolution2D extends Conv2D {
  constructor(filters: number, kernelSize: number | readonly number[], nbColOrArgs?: number | LegacyConv2DArgs, maybeArgs?: LegacyConv2DArgs) {
    let args: ConvArgs = {};
    let ks: number | readonly number[] = kernelSize;
    if (typeof nbColOrArgs === 'number') {
      if (typeof kernelSize !== 'number') {
        throw new ValueError(`Convolution2D(nbFilter, nbRow, nbCol): nbRow must be a number when nbCol is given. Received: nbRow=${JSON.stringify(kernelSize)}, nbCol=${nbColOrArgs}`);
      }
      ks = [kernelSize, nbColOrArgs];
      args = maybeArgs ?? {};
    } else {
      args = nbColOrArgs ?? {};
    }
    super(filters, ks, args);
  }
}
