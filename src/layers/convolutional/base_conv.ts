import * as activations from '../../activations/index.js';
import type {Variable} from '../../autodiff/variable.js';
import type {ImageDataFormat} from '../../config.js';
import type {ConstraintIdentifier} from '../../constraints/index.js';
import {ValueError} from '../../errors.js';
import * as initializers from '../../initializers/index.js';
import * as ops from '../../ops/index.js';
import type {RegularizerIdentifier} from '../../regularizers/index.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {checkStrictlyPositive, convOutputLength, getCon, getReg, kernelBiasConfig, legacyArgs, type PaddingMode, serAct, standardizeDataFormat, standardizePadding, standardizeTuple} from '../layer_utils.js';

export interface ConvArgs extends LayerArgs {
  strides?: number | readonly number[];
  /** `'valid'`, `'same'`, or (Conv1D) `'causal'`. */
  padding?: PaddingMode;
  dataFormat?: ImageDataFormat | null;
  dilationRate?: number | readonly number[];
  /** Input and output channels split into `groups` independent convolutions. */
  groups?: number;
  activation?: activations.ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: initializers.InitializerIdentifier;
  biasInitializer?: initializers.InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

/** The Keras 3 options that Keras 1 spellings (`border_mode`, `init`, `subsample`, ...) map to. */
const CONV_OPTIONS = [
  'padding', 'kernelInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint', 'useBias',
  'strides', 'dataFormat', 'inputShape', 'inputDim', 'batchInputShape',
];

/** The channel axis and count of an input shape. */
export function channelsOf(inputShape: ShapeLike, dataFormat: ImageDataFormat): {axis: number; channels: number} {
  const axis = dataFormat === 'channels_last' ? -1 : 1;
  const c = inputShape.at(axis);
  if (typeof c !== 'number') {
    throw new ValueError(`The channel dimension of the inputs should be defined. Received input_shape=${fmtShape(inputShape)} (${dataFormat})`);
  }
  return {axis, channels: c};
}

/** Adds a per-channel bias to a convolution output. */
export function addBias(y: Tensor, bias: Variable, dataFormat: ImageDataFormat): Tensor {
  const b = bias.read();
  if (dataFormat === 'channels_last') return ops.add(y, b);
  return ops.add(y, ops.reshape(b, [1, b.shape[0]!, ...new Array<number>(y.rank - 2).fill(1)]));
}

/**
 * The N-D convolution layers' shared parts: `output = activation(conv(inputs, kernel) + bias)`,
 * `kernel` of shape `[...kernelSize, inChannels / groups, filters]`.
 */
export abstract class BaseConv extends Layer {
  readonly rank: number;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: PaddingMode;
  readonly dataFormat: ImageDataFormat;
  readonly dilationRate: number[];
  readonly groups: number;
  readonly activation: activations.Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: initializers.Initializer;
  readonly biasInitializer: initializers.Initializer;
  readonly kernelRegularizer;
  readonly biasRegularizer;
  readonly kernelConstraint;
  readonly biasConstraint;
  kernel!: Variable;
  bias: Variable | null = null;

  constructor(rank: number, filters: number, kernelSize: number | readonly number[], args: ConvArgs = {}) {
    args = legacyArgs(args, new.target.className, CONV_OPTIONS);
    super(args);
    this.rank = rank;
    this.filters = checkStrictlyPositive(filters, 'filters');
    this.groups = args.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups <= 0) {
      throw new ValueError(`The number of groups must be a positive integer. Received: groups=${this.groups}.`);
    }
    if (filters % this.groups !== 0) {
      throw new ValueError(`The number of filters must be evenly divisible by the number of groups. Received: groups=${this.groups}, filters=${filters}.`);
    }
    this.kernelSize = standardizeTuple(kernelSize, rank, 'kernel_size');
    this.strides = standardizeTuple(args.strides ?? 1, rank, 'strides');
    this.dilationRate = standardizeTuple(args.dilationRate ?? 1, rank, 'dilation_rate');
    this.padding = standardizePadding(args.padding ?? 'valid', rank === 1);
    this.dataFormat = standardizeDataFormat(args.dataFormat);
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1) {
      throw new ValueError(
        `\`strides > 1\` not supported in conjunction with \`dilation_rate > 1\`. Received: strides=${JSON.stringify(this.strides)} and dilation_rate=${JSON.stringify(this.dilationRate)}`,
      );
    }
    this.activation = activations.get(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = initializers.get(args.kernelInitializer ?? 'glorot_uniform');
    this.biasInitializer = initializers.get(args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getReg(args.kernelRegularizer);
    this.biasRegularizer = getReg(args.biasRegularizer);
    this.kernelConstraint = getCon(args.kernelConstraint);
    this.biasConstraint = getCon(args.biasConstraint);
    this.inputSpec = new InputSpec({minNdim: rank + 2});
  }

  override build(inputShape: ShapeLike): void {
    const {axis, channels} = channelsOf(inputShape, this.dataFormat);
    if (channels % this.groups !== 0) {
      throw new ValueError(
        `The number of input channels must be evenly divisible by the number of groups. Received groups=${this.groups}, but the input has ${channels} channels (full input shape is ${fmtShape(inputShape)}).`,
      );
    }
    this.computeOutputShape(inputShape); // validates that the window fits
    this.kernel = this.addWeight({
      name: 'kernel', shape: [...this.kernelSize, channels / this.groups, this.filters], initializer: this.kernelInitializer,
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

  protected convolution(x: Tensor, kernel: Tensor): Tensor {
    let padding: 'valid' | 'same' = this.padding === 'same' ? 'same' : 'valid';
    if (this.padding === 'causal') {
      // left-pad the steps so that output t sees inputs <= t only
      const left = this.dilationRate[0]! * (this.kernelSize[0]! - 1);
      const widths = x.shape.map(() => [0, 0]);
      widths[this.dataFormat === 'channels_last' ? 1 : 2] = [left, 0];
      x = ops.pad(x, widths);
      padding = 'valid';
    }
    const o = {strides: this.strides, padding, dataFormat: this.dataFormat, dilationRate: this.dilationRate};
    if (this.groups === 1) return ops.conv(x, kernel, o);
    // grouped convolution: independent convolutions over channel groups, concatenated
    const chAxis = this.dataFormat === 'channels_last' ? x.rank - 1 : 1;
    const xs = ops.split(x, this.groups, chAxis);
    const ks = ops.split(kernel, this.groups, kernel.rank - 1);
    return ops.concatenate(xs.map((xi, i) => ops.conv(xi, ks[i]!, o)), chAxis);
  }

  override call(inputs: Tensor): Tensor {
    const act = this.activation.kerasName;
    if (
      this.bias && this.rank === 2 && this.groups === 1 && this.padding !== 'causal' && this.dataFormat === 'channels_last' &&
      (act === 'linear' || act === 'relu') && this.convolution === BaseConv.prototype.convolution
    ) {
      // one kernel: the per-channel bias and relu applied in the convolution's GEMM epilogue
      const o = {strides: this.strides, padding: this.padding, dataFormat: this.dataFormat, dilationRate: this.dilationRate, activation: act as 'linear' | 'relu'};
      return ops.fusedConv(inputs, this.kernel.read(), this.bias.read(), o);
    }
    let y = this.convolution(inputs, this.kernel.read());
    if (this.bias) y = addBias(y, this.bias, this.dataFormat);
    return this.activation(y);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return convShape(this, inputShape, this.filters, this.kernelSize, this.strides, this.dilationRate, this.padding);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: [...this.dilationRate],
      groups: this.groups,
      activation: serAct(this.activation),
      useBias: this.useBias,
      ...kernelBiasConfig(this),
    };
  }

  /** `new Cls(filters, kernelSize, rest)`: the concrete convolutions take both positionally. */
  static override fromConfig<T extends Layer>(
    this: new (filters: unknown, kernelSize: unknown, args: Record<string, unknown>) => T,
    config: Record<string, unknown>,
  ): T {
    const {filters, kernelSize, ...rest} = config;
    return new this(filters, kernelSize, rest);
  }
}

/** Output shape of a convolution-like window over the spatial axes, as Keras's `compute_conv_output_shape`. */
export function convShape(
  layer: Layer & {dataFormat: ImageDataFormat},
  inputShape: ShapeLike, outChannels: number, kernelSize: number[], strides: number[], dilation: number[], padding: PaddingMode,
): ShapeLike {
  const rank = kernelSize.length;
  if (inputShape.length !== rank + 2) {
    throw new ValueError(`Layer "${layer.name}": expected inputs of rank ${rank + 2}. Received input_shape=${fmtShape(inputShape)}`);
  }
  const first = layer.dataFormat === 'channels_last' ? 1 : 2;
  const spatial = kernelSize.map((k, i) => {
    const len = convOutputLength(inputShape[first + i] ?? null, k, padding, strides[i]!, dilation[i]!);
    if (len !== null && len <= 0) {
      throw new ValueError(
        `Computed output size would be zero or negative. Received \`inputs shape=${fmtShape(inputShape)}\`, \`kernel shape=${fmtShape(kernelSize)}\`, \`dilation_rate=${fmtShape(dilation)}\`, \`strides=${fmtShape(strides)}\`, \`padding=${padding}\`.`,
      );
    }
    return len;
  });
  return layer.dataFormat === 'channels_last' ? [inputShape[0] ?? null, ...spatial, outChannels] : [inputShape[0] ?? null, outChannels, ...spatial];
}
