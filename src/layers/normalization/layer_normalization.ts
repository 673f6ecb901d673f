import type {Variable} from '../../autodiff/variable.js';
import type {ConstraintIdentifier} from '../../constraints/index.js';
import {ValueError} from '../../errors.js';
import * as initializers from '../../initializers/index.js';
import * as ops from '../../ops/index.js';
import type {RegularizerIdentifier} from '../../regularizers/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {getCon, getReg, serCon, serInit, serReg} from '../layer_utils.js';
import {moments} from './batch_normalization.js';

export interface LayerNormalizationArgs extends LayerArgs {
  /** Axis or axes normalized over (default -1). */
  axis?: number | number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  /** Deprecated in Keras 3 (scales by the variance); kept so Keras configs load. */
  rmsScaling?: boolean;
  betaInitializer?: initializers.InitializerIdentifier;
  gammaInitializer?: initializers.InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
  betaConstraint?: ConstraintIdentifier | null;
  gammaConstraint?: ConstraintIdentifier | null;
}

/**
 * Normalizes each sample over `axis` (independently of the batch):
 * `gamma * (x - mean) / sqrt(var + epsilon) + beta`, with `gamma` and `beta` of the shape of the
 * normalized axes. Same in training and inference.
 */
export class LayerNormalization extends Layer {
  static override readonly className: string = 'LayerNormalization';
  axis: number | number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly rmsScaling: boolean;
  readonly betaInitializer: initializers.Initializer;
  readonly gammaInitializer: initializers.Initializer;
  readonly betaRegularizer;
  readonly gammaRegularizer;
  readonly betaConstraint;
  readonly gammaConstraint;
  gamma: Variable | null = null;
  beta: Variable | null = null;

  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    if (!(Number.isInteger(axis) || (Array.isArray(axis) && axis.every((a) => Number.isInteger(a))))) {
      throw new ValueError(`Expected an int or a list/tuple of ints for the argument 'axis', but received: ${JSON.stringify(axis)}`);
    }
    this.axis = Array.isArray(axis) ? [...axis] : axis;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.rmsScaling = args.rmsScaling ?? false;
    this.betaInitializer = initializers.get(args.betaInitializer ?? 'zeros');
    this.gammaInitializer = initializers.get(args.gammaInitializer ?? 'ones');
    this.betaRegularizer = getReg(args.betaRegularizer);
    this.gammaRegularizer = getReg(args.gammaRegularizer);
    this.betaConstraint = getCon(args.betaConstraint);
    this.gammaConstraint = getCon(args.gammaConstraint);
    this.supportsMasking = true;
  }

  private axes(rank: number, shape: ShapeLike): number[] {
    const list = Array.isArray(this.axis) ? this.axis : [this.axis];
    const out = list.map((a) => {
      const n = a < 0 ? a + rank : a;
      if (n < 0 || n >= rank) throw new ValueError(`LayerNormalization: axis ${a} is out of bounds for input shape ${fmtShape(shape)}`);
      return n;
    });
    if (new Set(out).size !== out.length) throw new ValueError(`Duplicate axes are not allowed. Received: axis=${JSON.stringify(this.axis)}`);
    return out.sort((x, y) => x - y);
  }

  override build(inputShape: ShapeLike): void {
    const axes = this.axes(inputShape.length, inputShape);
    // Keras stores the canonical axes (a sorted list of non-negative ints) after build
    this.axis = axes;
    const shape = axes.map((a) => inputShape[a]);
    if (shape.some((d) => d === null)) throw new ValueError(`LayerNormalization: the normalized axes must be defined. Received input_shape=${fmtShape(inputShape)}`);
    if (this.scale || this.rmsScaling) {
      this.gamma = this.addWeight({name: 'gamma', shape: shape as number[], initializer: this.gammaInitializer, regularizer: this.gammaRegularizer, constraint: this.gammaConstraint});
    }
    if (this.center && !this.rmsScaling) {
      this.beta = this.addWeight({name: 'beta', shape: shape as number[], initializer: this.betaInitializer, regularizer: this.betaRegularizer, constraint: this.betaConstraint});
    }
  }

  override call(inputs: Tensor): Tensor {
    const axes = this.axes(inputs.rank, inputs.shape);
    const bshape = inputs.shape.map((d, i) => (axes.includes(i) ? d : 1));
    const [mean, variance] = moments(inputs, axes);
    const inv = ops.rsqrt(ops.add(variance, this.epsilon));
    if (this.rmsScaling) return ops.multiply(ops.multiply(inputs, inv), ops.reshape(this.gamma!.read(), bshape));
    let y = ops.multiply(ops.subtract(inputs, mean), inv);
    if (this.gamma) y = ops.multiply(y, ops.reshape(this.gamma.read(), bshape));
    if (this.beta) y = ops.add(y, ops.reshape(this.beta.read(), bshape));
    return y;
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    this.axes(inputShape.length, inputShape);
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: Array.isArray(this.axis) ? [...this.axis] : this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      rmsScaling: this.rmsScaling,
      betaInitializer: serInit(this.betaInitializer),
      gammaInitializer: serInit(this.gammaInitializer),
      betaRegularizer: serReg(this.betaRegularizer),
      gammaRegularizer: serReg(this.gammaRegularizer),
      betaConstraint: serCon(this.betaConstraint),
      gammaConstraint: serCon(this.gammaConstraint),
    };
  }
}
registerKerasSerializable(LayerNormalization, {pkg: 'keras'});
