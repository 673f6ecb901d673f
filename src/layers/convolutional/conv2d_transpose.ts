import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {standardizeTuple} from '../layer_utils.js';
import {addBias, BaseConv, channelsOf, type ConvArgs} from './base_conv.js';

export interface ConvTransposeArgs extends Omit<ConvArgs, 'groups'> {
  /** Extra rows/columns on the bottom/right of the output, each lower than its stride. */
  outputPadding?: number | readonly number[] | null;
}

/** Keras's output length of a transposed convolution along one axis. */
function transposeLength(len: number | null, k: number, padding: string, outputPadding: number | null, stride: number, dilation: number): number | null {
  if (len === null) return null;
  const effK = k + (k - 1) * (dilation - 1);
  if (outputPadding === null) return padding === 'valid' ? len * stride + Math.max(effK - stride, 0) : len * stride;
  const pad = padding === 'same' ? Math.floor(effK / 2) : 0;
  return (len - 1) * stride + effK - 2 * pad + outputPadding;
}

/**
 * Transposed 2-D convolution (the gradient of `Conv2D` with respect to its input), used to
 * upsample: with `strides: 2` and `padding: 'same'` the output is twice the input's size.
 * `kernel` is `[kh, kw, filters, inChannels]`.
 */
export class Conv2DTranspose extends BaseConv {
  static override readonly className: string = 'Conv2DTranspose';
  readonly outputPadding: number[] | null;

  constructor(filters: number, kernelSize: number | readonly number[], args: ConvTransposeArgs = {}) {
    const {outputPadding, ...rest} = args;
    super(2, filters, kernelSize, rest);
    if ((rest as ConvArgs).groups !== undefined && (rest as ConvArgs).groups !== 1) {
      throw new ValueError('Conv2DTranspose does not take a `groups` argument');
    }
    if (this.padding === 'causal') throw new ValueError("Conv2DTranspose: padding must be 'valid' or 'same'. Received: padding='causal'");
    this.outputPadding = outputPadding === null || outputPadding === undefined ? null : standardizeTuple(outputPadding, 2, 'output_padding', true);
    if (this.outputPadding) {
      this.outputPadding.forEach((p, i) => {
        if (p >= this.strides[i]!) {
          throw new ValueError(
            `Strides must be greater than output padding. Received strides=${JSON.stringify(this.strides)}, output_padding=${JSON.stringify(this.outputPadding)}.`,
          );
        }
      });
    }
  }

  override build(inputShape: ShapeLike): void {
    const {axis, channels} = channelsOf(inputShape, this.dataFormat);
    this.kernel = this.addWeight({
      name: 'kernel', shape: [...this.kernelSize, this.filters, channels], initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer, constraint: this.kernelConstraint,
    });
    if (this.useBias) {
      this.bias = this.addWeight({
        name: 'bias', shape: [this.filters], initializer: this.biasInitializer,
        regularizer: this.biasRegularizer, constraint: this.biasConstraint,
      });
    }
    this.inputSpec = new InputSpec({minNdim: 4, axes: {[axis]: channels}});
  }

  override call(inputs: Tensor): Tensor {
    let y = ops.convTranspose(inputs, this.kernel.read(), {
      strides: this.strides, padding: this.padding as 'valid' | 'same', dataFormat: this.dataFormat,
      dilationRate: this.dilationRate, outputPadding: this.outputPadding,
    });
    if (this.bias) y = addBias(y, this.bias, this.dataFormat);
    return this.activation(y);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    if (inputShape.length !== 4) throw new ValueError(`Layer "${this.name}": expected inputs of rank 4. Received input_shape=${fmtShape(inputShape)}`);
    const first = this.dataFormat === 'channels_last' ? 1 : 2;
    const spatial = [0, 1].map((i) =>
      transposeLength(inputShape[first + i] ?? null, this.kernelSize[i]!, this.padding, this.outputPadding?.[i] ?? null, this.strides[i]!, this.dilationRate[i]!),
    );
    return this.dataFormat === 'channels_last' ? [inputShape[0] ?? null, ...spatial, this.filters] : [inputShape[0] ?? null, this.filters, ...spatial];
  }

  override getConfig(): Record<string, unknown> {
    const {groups: _g, ...c} = super.getConfig();
    return {...c, outputPadding: this.outputPadding ? [...this.outputPadding] : null};
  }
}
registerKerasSerializable(Conv2DTranspose, {pkg: 'keras'});
registerKerasSerializable(Conv2DTranspose, {pkg: 'keras', name: 'Convolution2DTranspose'});
