import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';

export interface UnitNormalizationArgs extends LayerArgs {
  /** Axis or axes whose L2 norm becomes 1 (default -1). */
  axis?: number | number[];
}

/** Checks `axis` against a rank; returns the axes as non-negative indices. */
export function normAxes(axis: number | number[], shape: ShapeLike, layer: string): number[] {
  const list = Array.isArray(axis) ? axis : [axis];
  return list.map((a) => {
    if (a >= shape.length || a < -shape.length) {
      throw new ValueError(`${layer}: axis ${JSON.stringify(axis)} is out of bounds for input shape ${fmtShape(shape)}.`);
    }
    return a < 0 ? a + shape.length : a;
  });
}

/**
 * Scales each sample to unit L2 norm over `axis`: `x * rsqrt(max(sum(x^2), 1e-24))` (the clamp keeps
 * zero vectors finite, with a finite gradient, as Keras's `ops.normalize`). No weights.
 *
 * ```ts
 * new UnitNormalization(); // [[3, 4]] -> [[0.6, 0.8]]
 * ```
 */
export class UnitNormalization extends Layer {
  static override readonly className: string = 'UnitNormalization';
  readonly axis: number | number[];

  constructor(args: UnitNormalizationArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    if (!(Number.isInteger(axis) || (Array.isArray(axis) && axis.every((a) => Number.isInteger(a))))) {
      throw new ValueError(`Invalid value for \`axis\` argument: expected an int or a list/tuple of ints. Received: axis=${JSON.stringify(axis)}`);
    }
    this.axis = Array.isArray(axis) ? [...axis] : axis;
    this.supportsMasking = true;
    this.built = true;
  }

  override call(inputs: Tensor): Tensor {
    const x = ops.cast(inputs, inputs.dtype === 'float64' ? 'float64' : 'float32');
    const axes = normAxes(this.axis, x.shape, 'UnitNormalization');
    const squareSum = ops.sum(ops.square(x), axes, true);
    return ops.multiply(x, ops.rsqrt(ops.maximum(squareSum, 1e-24)));
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    normAxes(this.axis, inputShape, 'UnitNormalization');
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), axis: Array.isArray(this.axis) ? [...this.axis] : this.axis};
  }
}
registerKerasSerializable(UnitNormalization, {pkg: 'keras'});
