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

export interface DepthwiseConvArgs extends LayerArgs {
  strides?: number | readonly number[];
  padding?: 'valid' | 'same';
  depthMultiplier?: number;
  dataFormat?: ImageDataFormat | null;
  dilationRate?: number | readonly number[];
  activation?: activations.ActivationIdentifier;
  useBias?: boolean;
  depthwiseInitializer?: initializers.InitializerIdentifier;
  biasInitializer?: initializers.InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  depthwiseConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

/**
 * The N-D depthwise convolutions' shared parts: each input channel is convolved with its own
 * `depthMultiplier` filters; output channels = `channels * depthMultiplier`. The weight is named
 * `kernel`, shape `[...kernelSize, channels, depthMultiplier]`, as in Keras 3.
 */
export abstract class BaseDepthwiseConv extends Layer {
  readonly rank: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly depthMultiplier: number;
  readonly dataFormat: ImageDataFormat;
  readonly dilationRate: number[];
  readonly activation: activations.Activation;
  readonly useBias: boolean;
  readonly depthwiseInitializer: initializers.Initializer;
  readonly biasInitializer: initializers.Initializer;
  readonly depthwiseRegularizer;
  readonly biasRegularizer;
  readonly depthwiseConstraint;
  readonly biasConstraint;
  kernel!: Variable;
  bias: Variable | null = null;

  constructor(rank: number, kernelSize: number | readonly number[], args: DepthwiseConvArgs = {}) {
    args = legacyArgs(args, new.target.className, WINDOW_OPTIONS);
    super(args);
    this.rank = rank;
    this.depthMultiplier = checkStrictlyPositive(args.depthMultiplier ?? 1, 'depth_multiplier');
    this.kernelSize = standardizeTuple(kernelSize, rank, 'kernel_size');
    this.strides = standardizeTuple(args.strides ?? 1, rank, 'strides');
    this.dilationRate = standardizeTuple(args.dilationRate ?? 1, rank, 'dilation_rate');
    this.padding = standardizePadding(args.padding ?? 'valid') as 'valid' | 'same';
    this.dataFormat = standardizeDataFormat(args.dataFormat);
    this.activation = activations.get(args.activation);
    this.useBias = args.useBias ?? true;
    this.depthwiseInitializer = initializers.get(args.depthwiseInitializer ?? 'glorot_uniform');
    this.biasInitializer = initializers.get(args.biasInitializer ?? 'zeros');
    this.depthwiseRegularizer = getReg(args.depthwiseRegularizer);
    this.biasRegularizer = getReg(args.biasRegularizer);
    this.depthwiseConstraint = getCon(args.depthwiseConstraint);
    this.biasConstraint = getCon(args.biasConstraint);
    this.inputSpec = new InputSpec({minNdim: this.rank + 2});
  }

  override build(inputShape: ShapeLike): void {
    const {axis, channels} = channelsOf(inputShape, this.dataFormat);
    this.computeOutputShape(inputShape);
    this.kernel = this.addWeight({
      name: 'kernel', shape: [...this.kernelSize, channels, this.depthMultiplier], initializer: this.depthwiseInitializer,
      regularizer: this.depthwiseRegularizer, constraint: this.depthwiseConstraint,
    });
    if (this.useBias) {
      this.bias = this.addWeight({
        name: 'bias', shape: [channels * this.depthMultiplier], initializer: this.biasInitializer,
        regularizer: this.biasRegularizer, constraint: this.biasConstraint,
      });
    }
    this.inputSpec = new InputSpec({minNdim: this.rank + 2, axes: {[axis]: channels}});
  }

  override call(inputs: Tensor): Tensor {
    let y = ops.depthwiseConv(inputs, this.kernel.read(), {
      strides: this.strides, padding: this.padding, dataFormat: this.dataFormat, dilationRate: this.dilationRate,
    });
    if (this.bias) y = addBias(y, this.bias, this.dataFormat);
    return this.activation(y);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    const {channels} = channelsOf(inputShape, this.dataFormat);
    return convShape(this, inputShape, channels * this.depthMultiplier, this.kernelSize, this.strides, this.dilationRate, this.padding);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      depthMultiplier: this.depthMultiplier,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: [...this.dilationRate],
      activation: serAct(this.activation),
      useBias: this.useBias,
      depthwiseInitializer: serInit(this.depthwiseInitializer),
      biasInitializer: serInit(this.biasInitializer),
      depthwiseRegularizer: serReg(this.depthwiseRegularizer),
      biasRegularizer: serReg(this.biasRegularizer),
      activityRegularizer: serReg(this.activityRegularizer),
      depthwiseConstraint: serCon(this.depthwiseConstraint),
      biasConstraint: serCon(this.biasConstraint),
    };
  }

  /** `new Cls(kernelSize, rest)`: the concrete layers take the kernel size positionally. */
  static override fromConfig<T extends Layer>(
    this: new (kernelSize: unknown, args: Record<string, unknown>) => T,
    config: Record<string, unknown>,
  ): T {
    const {kernelSize, ...rest} = config;
    return new this(kernelSize, rest);
  }
}
