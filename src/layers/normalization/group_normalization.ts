import type {Variable} from '../../autodiff/variable.js';
import type {ConstraintIdentifier} from '../../constraints/index.js';
import {ValueError} from '../../errors.js';
import * as initializers from '../../initializers/index.js';
import * as ops from '../../ops/index.js';
import type {RegularizerIdentifier} from '../../regularizers/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {getCon, getReg, serCon, serInit, serReg} from '../layer_utils.js';
import {moments} from './batch_normalization.js';

export interface GroupNormalizationArgs extends LayerArgs {
  /** Channel groups (default 32); `-1` makes one group per channel (instance normalization). */
  groups?: number;
  /** The channel axis (default -1). */
  axis?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: initializers.InitializerIdentifier;
  gammaInitializer?: initializers.InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
  betaConstraint?: ConstraintIdentifier | null;
  gammaConstraint?: ConstraintIdentifier | null;
}

/**
 * Splits the channels (`axis`) into `groups` and normalizes each sample over every group's
 * channels and all other non-batch axes: `gamma * (x - mean_g) / sqrt(var_g + epsilon) + beta`,
 * `gamma` and `beta` of shape `[channels]`. `groups: 1` is close to LayerNormalization,
 * `groups: -1` is instance normalization. Same in training and inference.
 *
 * ```ts
 * new GroupNormalization({groups: 4}); // [n, h, w, 16]: 4 groups of 4 channels
 * ```
 */
export class GroupNormalization extends Layer {
  static override readonly className: string = 'GroupNormalization';
  /** `-1` until built, then the channel count (as Keras, whose config then says so). */
  groups: number;
  readonly axis: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: initializers.Initializer;
  readonly gammaInitializer: initializers.Initializer;
  readonly betaRegularizer;
  readonly gammaRegularizer;
  readonly betaConstraint;
  readonly gammaConstraint;
  gamma: Variable | null = null;
  beta: Variable | null = null;

  constructor(args: GroupNormalizationArgs = {}) {
    super(args);
    const groups = args.groups ?? 32;
    if (!Number.isInteger(groups) || (groups <= 0 && groups !== -1)) {
      throw new ValueError(`Received an invalid value for argument \`groups\`, expected a positive integer (or \`-1\` for instance normalization). Received: groups=${groups}`);
    }
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis)) throw new ValueError(`GroupNormalization: axis must be an integer. Received: axis=${JSON.stringify(axis)}`);
    this.groups = groups;
    this.axis = axis;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = initializers.get(args.betaInitializer ?? 'zeros');
    this.gammaInitializer = initializers.get(args.gammaInitializer ?? 'ones');
    this.betaRegularizer = getReg(args.betaRegularizer);
    this.gammaRegularizer = getReg(args.gammaRegularizer);
    this.betaConstraint = getCon(args.betaConstraint);
    this.gammaConstraint = getCon(args.gammaConstraint);
    this.supportsMasking = true;
  }

  /** The channel axis as a non-negative index, or a clear error. */
  private channelAxis(shape: ShapeLike): number {
    const a = this.axis < 0 ? this.axis + shape.length : this.axis;
    if (a < 1 || a >= shape.length) {
      throw new ValueError(`Axis ${this.axis} is out of bounds for input shape ${fmtShape(shape)} (the batch axis 0 cannot be the channel axis). Received: axis=${this.axis}`);
    }
    return a;
  }

  override build(inputShape: ShapeLike): void {
    const dim = inputShape[this.channelAxis(inputShape)];
    if (dim === null || dim === undefined) {
      throw new ValueError(`Axis ${this.axis} of input tensor should have a defined dimension but the layer received an input with shape ${fmtShape(inputShape)}.`);
    }
    if (this.groups === -1) this.groups = dim;
    if (dim < this.groups) throw new ValueError(`Number of groups (${this.groups}) cannot be more than the number of channels (${dim}).`);
    if (dim % this.groups !== 0) throw new ValueError(`Number of groups (${this.groups}) must be a multiple of the number of channels (${dim}).`);
    this.inputSpec = new InputSpec({ndim: inputShape.length, axes: {[this.axis]: dim}});
    if (this.scale) {
      this.gamma = this.addWeight({name: 'gamma', shape: [dim], initializer: this.gammaInitializer, regularizer: this.gammaRegularizer, constraint: this.gammaConstraint});
    }
    if (this.center) {
      this.beta = this.addWeight({name: 'beta', shape: [dim], initializer: this.betaInitializer, regularizer: this.betaRegularizer, constraint: this.betaConstraint});
    }
  }

  override call(inputs: Tensor): Tensor {
    const a = this.channelAxis(inputs.shape);
    const dim = inputs.shape[a]!;
    // the channel axis split into [groups, dim / groups]; statistics over all but batch and group
    const grouped = [...inputs.shape.slice(0, a), this.groups, dim / this.groups, ...inputs.shape.slice(a + 1)];
    const x = ops.reshape(inputs, grouped);
    const axes = grouped.map((_, i) => i).filter((i) => i !== 0 && i !== a);
    const [mean, variance] = moments(x, axes);
    const bshape = grouped.map((d, i) => (i === a || i === a + 1 ? d : 1));
    let inv = ops.rsqrt(ops.add(variance, this.epsilon));
    if (this.gamma) inv = ops.multiply(inv, ops.reshape(this.gamma.read(), bshape));
    let res = ops.multiply(ops.negative(mean), inv);
    if (this.beta) res = ops.add(res, ops.reshape(this.beta.read(), bshape));
    return ops.reshape(ops.add(ops.multiply(x, inv), res), inputs.shape as number[]);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    if (this.axis >= inputShape.length || this.axis < -inputShape.length) {
      throw new ValueError(`Axis ${this.axis} is out of bounds for input shape ${fmtShape(inputShape)}. Received: axis=${this.axis}`);
    }
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      groups: this.groups,
      axis: this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serInit(this.betaInitializer),
      gammaInitializer: serInit(this.gammaInitializer),
      betaRegularizer: serReg(this.betaRegularizer),
      gammaRegularizer: serReg(this.gammaRegularizer),
      betaConstraint: serCon(this.betaConstraint),
      gammaConstraint: serCon(this.gammaConstraint),
    };
  }
}
registerKerasSerializable(GroupNormalization, {pkg: 'keras'});
