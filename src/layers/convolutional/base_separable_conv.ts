import * as activations from '../../activations/index.js';
import type {Variable} from '../../autodiff/variable.js';
import type {ImageDataFormat} from '../../config.js';
import type {ConstraintIdentifier} from '../../constraints/index.js';
import * as initializers from '../../initializers/index.js';
import * as ops from '../../ops/index.js';
import type {RegularizerIdentifier} from '../../regularizers/index.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {
  checkStrictlyPositive, getCon, getReg, legacyArgs, serAct, serCon, serInit, serReg, standardizeDataFormat, standardizePadding,
  standardizeTuple, WINDOW_OPTIONS,
} from '../layer_utils.js';
import {addBias, channelsOf, convShape} from './base_conv.js';

export interface SeparableConvArgs extends LayerArgs {
  strides?: number | readonly number[];
  padding?: 'valid' | 'same';
  dataFormat?: ImageDataFormat | null;
  dilationRate?: number | readonly number[];
  depthMultiplier?: number;
  activation?: activations.ActivationIdentifier;
  useBias?: boolean;
  depthwiseInitializer?: initializers.InitializerIdentifier;
  pointwiseInitializer?: initializers.InitializerIdentifier;
  biasInitializer?: initializers.InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier | null;
  pointwiseRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  depthwiseConstraint?: ConstraintIdentifier | null;
  pointwiseConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

/**
 * The N-D depthwise separable convolutions' shared parts: a depthwise convolution
 * (`depthwise_kernel`, `[...kernelSize, channels, depthMultiplier]`) then a pointwise convolution
 * (`pointwise_kernel`, `[...ones, channels * depthMultiplier, filters]`), then `bias` and the activation.
 */
export abstract class BaseSeparableConv extends Layer {
  readonly rank: number;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dataFormat: ImageDataFormat;
  readonly dilationRate: number[];
  readonly depthMultiplier: number;
  readonly activation: activations.Activation;
  readonly useBias: boolean;
  readonly depthwiseInitializer: initializers.Initializer;
  readonly pointwiseInitializer: initializers.Initializer;
  readonly biasInitializer: initializers.Initializer;
  readonly depthwiseRegularizer;
  readonly pointwiseRegularizer;
  readonly biasRegularizer;
  readonly depthwiseConstraint;
  readonly pointwiseConstraint;
  readonly biasConstraint;
  depthwiseKernel!: Variable;
  pointwiseKernel!: Variable;
  bias: Variable | null = null;

  constructor(rank: number, filters: number, kernelSize: number | readonly number[], args: SeparableConvArgs = {}) {
    args = legacyArgs(args, new.target.className, WINDOW_OPTIONS);
    super(args);
    this.rank = rank;
    this.filters = checkStrictlyPositive(filters, 'filters');
    this.depthMultiplier = checkStrictlyPositive(args.depthMultiplier ?? 1, 'depth_multiplier');
    this.kernelSize = standardizeTuple(kernelSize, rank, 'kernel_size');
    this.strides = standardizeTuple(args.strides ?? 1, rank, 'strides');
    this.dilationRate = standardizeTuple(args.dilationRate ?? 1, rank, 'dilation_rate');
    this.padding = standardizePadding(args.padding ?? 'valid') as 'valid' | 'same';
    this.dataFormat = standardizeDataFormat(args.dataFormat);
    this.activation = activations.get(args.activation);
    this.useBias = args.useBias ?? true;
    this.depthwiseInitializer = initializers.get(args.depthwiseInitializer ?? 'glorot_uniform');
    this.pointwiseInitializer = initializers.get(args.pointwiseInitializer ?? 'glorot_uniform');
    this.biasInitializer = initializers.get(args.biasInitializer ?? 'zeros');
    this.depthwiseRegularizer = getReg(args.depthwiseRegularizer);
    this.pointwiseRegularizer = getReg(args.pointwiseRegularizer);
    this.biasRegularizer = getReg(args.biasRegularizer);
    this.depthwiseConstraint = getCon(args.depthwiseConstraint);
    this.pointwiseConstraint = getCon(args.pointwiseConstraint);
    this.biasConstraint = getCon(args.biasConstraint);
    this.inputSpec = new InputSpec({minNdim: this.rank + 2});
  }

  override build(inputShape: ShapeLike): void {
    const {axis, channels} = channelsOf(inputShape, this.dataFormat);
    this.computeOutputShape(inputShape);
    this.depthwiseKernel = this.addWeight({
      name: 'depthwise_kernel', shape: [...this.kernelSize, channels, this.depthMultiplier], initializer: this.depthwiseInitializer,
      regularizer: this.depthwiseRegularizer, constraint: this.depthwiseConstraint,
    });
    this.pointwiseKernel = this.addWeight({
      name: 'pointwise_kernel', shape: [...new Array<number>(this.rank).fill(1), channels * this.depthMultiplier, this.filters], initializer: this.pointwiseInitializer,
      regularizer: this.pointwiseRegularizer, constraint: this.pointwiseConstraint,
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
    let y = ops.separableConv(inputs, this.depthwiseKernel.read(), this.pointwiseKernel.read(), {
      strides: this.strides, padding: this.padding, dataFormat: this.dataFormat, dilationRate: this.dilationRate,
    });
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
      depthMultiplier: this.depthMultiplier,
      activation: serAct(this.activation),
      useBias: this.useBias,
      depthwiseInitializer: serInit(this.depthwiseInitializer),
      pointwiseInitializer: serInit(this.pointwiseInitializer),
      biasInitializer: serInit(this.biasInitializer),
      depthwiseRegularizer: serReg(this.depthwiseRegularizer),
      pointwiseRegularizer: serReg(this.pointwiseRegularizer),
      biasRegularizer: serReg(this.biasRegularizer),
      activityRegularizer: serReg(this.activityRegularizer),
      depthwiseConstraint: serCon(this.depthwiseConstraint),
      pointwiseConstraint: serCon(this.pointwiseConstraint),
      biasConstraint: serCon(this.biasConstraint),
    };
  }

  /** `new Cls(filters, kernelSize, rest)`: the concrete layers take both positionally. */
  static override fromConfig<T extends Layer>(
    this: new (filters: unknown, kernelSize: unknown, args: Record<string, unknown>) => T,
    config: Record<string, unknown>,
  ): T {
    const {filters, kernelSize, ...rest} = config;
    return new this(filters, kernelSize, rest);
  }
}
