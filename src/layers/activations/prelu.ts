import type {Variable} from '../../autodiff/variable.js';
import type {ConstraintIdentifier} from '../../constraints/index.js';
import {ValueError} from '../../errors.js';
import * as initializers from '../../initializers/index.js';
import * as ops from '../../ops/index.js';
import type {RegularizerIdentifier} from '../../regularizers/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {getCon, getReg, serCon, serInit, serReg} from '../layer_utils.js';

export interface PReLUArgs extends LayerArgs {
  alphaInitializer?: initializers.InitializerIdentifier;
  alphaRegularizer?: RegularizerIdentifier | null;
  alphaConstraint?: ConstraintIdentifier | null;
  /** Axes (counted with the batch as 0) along which `alpha` is shared, e.g. `[1, 2]` for images. */
  sharedAxes?: number | number[] | null;
}

/**
 * Parametric ReLU: `f(x) = x` for `x >= 0`, `alpha * x` otherwise, with a learned `alpha` of shape
 * `inputShape[1:]` (1 along `sharedAxes`).
 */
export class PReLU extends Layer {
  static override readonly className: string = 'PReLU';
  readonly alphaInitializer: initializers.Initializer;
  readonly alphaRegularizer;
  readonly alphaConstraint;
  readonly sharedAxes: number[] | null;
  alpha!: Variable;

  constructor(args: PReLUArgs = {}) {
    super(args);
    this.alphaInitializer = initializers.get(args.alphaInitializer ?? 'Zeros');
    this.alphaRegularizer = getReg(args.alphaRegularizer);
    this.alphaConstraint = getCon(args.alphaConstraint);
    const s = args.sharedAxes;
    this.sharedAxes = s === null || s === undefined ? null : Array.isArray(s) ? [...s] : [s];
    this.supportsMasking = true;
  }

  override build(inputShape: ShapeLike): void {
    const paramShape = inputShape.slice(1).map((d) => d);
    if (this.sharedAxes) {
      for (const a of this.sharedAxes) {
        if (!Number.isInteger(a) || a < 1 || a >= inputShape.length) {
          throw new ValueError(`PReLU: shared_axes must be axes of the input (1 to ${inputShape.length - 1}). Received: shared_axes=${JSON.stringify(this.sharedAxes)}`);
        }
        paramShape[a - 1] = 1;
      }
    }
    if (paramShape.some((d) => d === null)) {
      throw new ValueError(`PReLU: the dimensions of alpha must be known; share the unknown axes with shared_axes. Received input_shape=${JSON.stringify(inputShape)}`);
    }
    this.alpha = this.addWeight({
      name: 'alpha', shape: paramShape as number[], initializer: this.alphaInitializer,
      regularizer: this.alphaRegularizer, constraint: this.alphaConstraint,
    });
    const axes: Record<number, number> = {};
    for (let i = 1; i < inputShape.length; i++) {
      if (!this.sharedAxes?.includes(i) && inputShape[i] !== null) axes[i] = inputShape[i]!;
    }
    this.inputSpec = new InputSpec({ndim: inputShape.length, axes});
  }

  override call(inputs: Tensor): Tensor {
    const pos = ops.relu(inputs);
    const neg = ops.multiply(ops.negative(this.alpha.read()), ops.relu(ops.negative(inputs)));
    return ops.add(pos, neg);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      alphaInitializer: serInit(this.alphaInitializer),
      alphaRegularizer: serReg(this.alphaRegularizer),
      alphaConstraint: serCon(this.alphaConstraint),
      sharedAxes: this.sharedAxes,
    };
  }
}
registerKerasSerializable(PReLU, {pkg: 'keras'});
