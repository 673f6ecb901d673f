import {noGrad} from '../../autodiff/engine.js';
import type {Variable} from '../../autodiff/variable.js';
import type {ConstraintIdentifier} from '../../constraints/index.js';
import {NotImplementedError, ValueError} from '../../errors.js';
import * as initializers from '../../initializers/index.js';
import * as ops from '../../ops/index.js';
import type {RegularizerIdentifier} from '../../regularizers/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type CallArgs, type LayerArgs} from '../layer.js';
import {getCon, getReg, serCon, serInit, serReg} from '../layer_utils.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** The features axis (default -1: channels last). */
  axis?: number;
  momentum?: number;
  epsilon?: number;
  /** Add the learned offset `beta`. */
  center?: boolean;
  /** Multiply by the learned scale `gamma`. */
  scale?: boolean;
  betaInitializer?: initializers.InitializerIdentifier;
  gammaInitializer?: initializers.InitializerIdentifier;
  movingMeanInitializer?: initializers.InitializerIdentifier;
  movingVarianceInitializer?: initializers.InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
  betaConstraint?: ConstraintIdentifier | null;
  gammaConstraint?: ConstraintIdentifier | null;
  /** Only `false` is supported (read from Keras configs). */
  synchronized?: boolean;
  /** Only `false` is supported (read from Keras configs). */
  renorm?: boolean;
  renormClipping?: Record<string, number> | null;
  renormMomentum?: number;
}

/**
 * Normalizes each feature over the batch (and spatial axes):
 * `gamma * (x - mean) / sqrt(var + epsilon) + beta`.
 *
 * In training (`training: true` and the layer trainable) it uses the batch's mean and (biased)
 * variance and updates `moving = moving * momentum + batch * (1 - momentum)`; otherwise it uses the
 * moving statistics. Weights, in order: `gamma`, `beta` (trainable), `moving_mean`,
 * `moving_variance` (non-trainable), each of shape `[features]`.
 */
export class BatchNormalization extends Layer {
  static override readonly className: string = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: initializers.Initializer;
  readonly gammaInitializer: initializers.Initializer;
  readonly movingMeanInitializer: initializers.Initializer;
  readonly movingVarianceInitializer: initializers.Initializer;
  readonly betaRegularizer;
  readonly gammaRegularizer;
  readonly betaConstraint;
  readonly gammaConstraint;
  readonly renormMomentum: number;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean!: Variable;
  movingVariance!: Variable;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new ValueError(`BatchNormalization: axis must be an integer. Received: axis=${JSON.stringify(args.axis)}`);
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    if (args.synchronized) throw new ValueError('Argument synchronized=True is only supported with the TensorFlow backend.');
    if (args.renorm) throw new NotImplementedError('BatchNormalization: renorm=True is not supported by keras-ts yet');
    this.renormMomentum = args.renormMomentum ?? 0.99;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = initializers.get(args.betaInitializer ?? 'zeros');
    this.gammaInitializer = initializers.get(args.gammaInitializer ?? 'ones');
    this.movingMeanInitializer = initializers.get(args.movingMeanInitializer ?? 'zeros');
    this.movingVarianceInitializer = initializers.get(args.movingVarianceInitializer ?? 'ones');
    this.betaRegularizer = getReg(args.betaRegularizer);
    this.gammaRegularizer = getReg(args.gammaRegularizer);
    this.betaConstraint = getCon(args.betaConstraint);
    this.gammaConstraint = getCon(args.gammaConstraint);
    this.supportsMasking = true;
  }

  private featureAxis(rank: number, shape: ShapeLike): number {
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a < 0 || a >= rank) throw new ValueError(`Axis ${this.axis} is out of bounds for input shape ${fmtShape(shape)}. Received: axis=${this.axis}`);
    return a;
  }

  override build(inputShape: ShapeLike): void {
    const a = this.featureAxis(inputShape.length, inputShape);
    const dim = inputShape[a];
    if (typeof dim !== 'number') throw new ValueError(`BatchNormalization: axis ${this.axis} of the input must be defined. Received input_shape=${fmtShape(inputShape)}`);
    const shape = [dim];
    if (this.scale) {
      this.gamma = this.addWeight({name: 'gamma', shape, initializer: this.gammaInitializer, regularizer: this.gammaRegularizer, constraint: this.gammaConstraint});
    }
    if (this.center) {
      this.beta = this.addWeight({name: 'beta', shape, initializer: this.betaInitializer, regularizer: this.betaRegularizer, constraint: this.betaConstraint});
    }
    this.movingMean = this.addWeight({name: 'moving_mean', shape, initializer: this.movingMeanInitializer, trainable: false});
    this.movingVariance = this.addWeight({name: 'moving_variance', shape, initializer: this.movingVarianceInitializer, trainable: false});
    this.inputSpec = new InputSpec({ndim: inputShape.length, axes: {[this.axis]: dim}});
  }

  override call(inputs: Tensor, kwargs: CallArgs = {}): Tensor {
    const rank = inputs.rank;
    const a = this.featureAxis(rank, inputs.shape);
    const reduction = [...Array(rank).keys()].filter((i) => i !== a);
    const bshape = inputs.shape.map((d, i) => (i === a ? d : 1));
    const mask = kwargs.mask as Tensor | null | undefined;
    if (mask && mask.rank !== rank - 1) {
      throw new ValueError(`The mask provided should be one dimension less than the inputs. Received: mask.shape=${fmtShape(mask.shape)}, inputs.shape=${fmtShape(inputs.shape)}`);
    }
    let mean: Tensor, variance: Tensor;
    if (kwargs.training === true && this.trainable) {
      [mean, variance] = mask ? maskedMoments(inputs, mask, reduction) : moments(inputs, reduction);
      const m = this.momentum;
      noGrad(() => {
        const bm = ops.reshape(mean, [bshape[a]!]);
        const bv = ops.reshape(variance, [bshape[a]!]);
        this.movingMean.assign(ops.add(ops.multiply(this.movingMean.value, m), ops.multiply(bm, 1 - m)));
        this.movingVariance.assign(ops.add(ops.multiply(this.movingVariance.value, m), ops.multiply(bv, 1 - m)));
      });
    } else {
      mean = ops.reshape(this.movingMean.read(), bshape);
      variance = ops.reshape(this.movingVariance.read(), bshape);
    }
    // x * inv + (beta - mean * inv), inv = gamma / sqrt(var + eps), as Keras's ops.batch_normalization
    let inv = ops.rsqrt(ops.add(variance, this.epsilon));
    if (this.gamma) inv = ops.multiply(inv, ops.reshape(this.gamma.read(), bshape));
    let res = ops.negative(ops.multiply(mean, inv));
    if (this.beta) res = ops.add(res, ops.reshape(this.beta.read(), bshape));
    return ops.add(ops.multiply(inputs, inv), res);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    this.featureAxis(inputShape.length, inputShape);
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serInit(this.betaInitializer),
      gammaInitializer: serInit(this.gammaInitializer),
      movingMeanInitializer: serInit(this.movingMeanInitializer),
      movingVarianceInitializer: serInit(this.movingVarianceInitializer),
      betaRegularizer: serReg(this.betaRegularizer),
      gammaRegularizer: serReg(this.gammaRegularizer),
      betaConstraint: serCon(this.betaConstraint),
      gammaConstraint: serCon(this.gammaConstraint),
      synchronized: false,
      renorm: false,
      renormClipping: null,
      renormMomentum: this.renormMomentum,
    };
  }
}
registerKerasSerializable(BatchNormalization, {pkg: 'keras'});

/** Mean and biased variance over `axes`, kept as size-1 axes. */
export function moments(x: Tensor, axes: number[]): [Tensor, Tensor] {
  const mean = ops.mean(x, axes, true);
  const variance = ops.mean(ops.square(ops.subtract(x, mean)), axes, true);
  return [mean, variance];
}

/** Moments over the unmasked positions (mask of rank `x.rank - 1`, broadcast over the last axis). */
function maskedMoments(x: Tensor, mask: Tensor, axes: number[]): [Tensor, Tensor] {
  const w = ops.broadcastTo(ops.expandDims(ops.cast(mask, x.dtype), -1), x.shape as number[]);
  const count = ops.add(ops.sum(w, axes, true), 1e-7);
  const mean = ops.divide(ops.sum(ops.multiply(x, w), axes, true), count);
  const variance = ops.divide(ops.sum(ops.multiply(ops.square(ops.subtract(x, mean)), w), axes, true), count);
  return [mean, variance];
}
