import type {Variable} from '../../autodiff/variable.js';
import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {normAxes} from './unit_normalization.js';

export interface RMSNormalizationArgs extends LayerArgs {
  /** Axis or axes normalized over (default -1). */
  axis?: number | number[];
  /** Added to the mean square (default 1e-6). */
  epsilon?: number;
}

/**
 * Root-mean-square normalization (Zhang & Sennrich, 2019): `x * rsqrt(mean(x^2) + epsilon) * scale`
 * over `axis`, with a weight `scale` of the normalized axes' shape, initialized to ones. No centring.
 *
 * ```ts
 * new RMSNormalization(); // [n, seq, 64]: scale of shape [64]
 * ```
 */
export class RMSNormalization extends Layer {
  static override readonly className: string = 'RMSNormalization';
  /** As given until built; then a sorted list, as Keras stores it (and its config then says). */
  axis: number | number[];
  readonly epsilon: number;
  scale!: Variable;

  constructor(args: RMSNormalizationArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    if (!(Number.isInteger(axis) || (Array.isArray(axis) && axis.every((a) => Number.isInteger(a))))) {
      throw new ValueError(`RMSNormalization: axis must be an int or a list of ints. Received: axis=${JSON.stringify(axis)}`);
    }
    this.axis = Array.isArray(axis) ? [...axis] : axis;
    this.epsilon = args.epsilon ?? 1e-6;
  }

  override build(inputShape: ShapeLike): void {
    const list = Array.isArray(this.axis) ? [...this.axis].sort((a, b) => a - b) : [this.axis];
    const axes = normAxes(list, inputShape, 'RMSNormalization');
    const shape = axes.map((a) => inputShape[a]);
    if (shape.some((d) => d === null || d === undefined)) {
      throw new ValueError(`RMSNormalization: the normalized axes must be defined. Received input_shape=${fmtShape(inputShape)}`);
    }
    this.axis = list;
    this.scale = this.addWeight({name: 'scale', shape: shape as number[], initializer: 'ones'});
  }

  override call(inputs: Tensor): Tensor {
    const x = ops.cast(inputs, inputs.dtype === 'float64' ? 'float64' : 'float32');
    const axes = normAxes(this.axis, x.shape, 'RMSNormalization');
    const rrms = ops.rsqrt(ops.add(ops.mean(ops.square(x), axes, true), this.epsilon));
    const bshape = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
    return ops.multiply(ops.multiply(x, rrms), ops.reshape(this.scale.read(), bshape));
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    normAxes(this.axis, inputShape, 'RMSNormalization');
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), axis: Array.isArray(this.axis) ? [...this.axis] : this.axis, epsilon: this.epsilon};
  }
}
registerKerasSerializable(RMSNormalization, {pkg: 'keras'});
