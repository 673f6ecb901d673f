import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
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
 * The N-D transposed convolutions' shared parts (the gradient of the convolution with respect to
 * its input), `kernel` of shape `[...kernelSize, filters, inChannels]`.
 */
export abstract class BaseConvTranspose extends BaseConv {
  readonly outputPadding: number[] | null;

  constructor(rank: number, filters: number, kernelSize: number | readonly number[], args: ConvTransposeArgs = {}) {
    const {outputPadding, ...rest} = args;
    super(rank, filters, kernelSize, rest);
    const cls = new.target.className;
    if ((rest as ConvArgs).groups !== undefined && (rest as ConvArgs).groups !== 1) {
      throw new ValueError(`${cls} does not take a \`groups\` argument`);
    }
    if (this.padding === 'causal') throw new ValueError(`${cls}: padding must be 'valid' or 'same'. Received: padding='causal'`);
    this.outputPadding = outputPadding === null || outputPadding === undefined ? null : standardizeTuple(outputPadding, rank, 'output_padding', true);
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
    this.inputSpec = new InputSpec({minNdim: this.rank + 2, axes: {[axis]: channels}});
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
    if (inputShape.length !== this.rank + 2) {
      throw new ValueError(`Layer "${this.name}": expected inputs of rank ${this.rank + 2}. Received input_shape=${fmtShape(inputShape)}`);
    }
    const first = this.dataFormat === 'channels_last' ? 1 : 2;
    const spatial = this.kernelSize.map((_, i) =>
      transposeLength(inputShape[first + i] ?? null, this.kernelSize[i]!, this.padding, this.outputPadding?.[i] ?? null, this.strides[i]!, this.dilationRate[i]!),
    );
    return this.dataFormat === 'channels_last' ? [inputShape[0] ?? null, ...spatial, this.filters] : [inputShape[0] ?? null, this.filters, ...spatial];
  }

  override getConfig(): Record<string, unknown> {
    const {groups: _g, ...c} = super.getConfig();
    return {...c, outputPadding: this.outputPadding ? [...this.outputPadding] : null};
  }
}
