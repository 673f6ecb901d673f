import * as activations from '../../activations/index.js';
import {ValueError} from '../../errors.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';

export interface ReLUArgs extends LayerArgs {
  maxValue?: number | null;
  negativeSlope?: number;
  threshold?: number;
}

/**
 * Rectified linear unit with options:
 * `f(x) = maxValue` for `x >= maxValue`, `x` for `threshold <= x < maxValue`,
 * `negativeSlope * (x - threshold)` otherwise.
 */
export class ReLU extends Layer {
  static override readonly className: string = 'ReLU';
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;

  constructor(args: ReLUArgs = {}) {
    super(args);
    const {maxValue = null, negativeSlope = 0.0, threshold = 0.0} = args;
    if (maxValue !== null && maxValue < 0) {
      throw new ValueError(`max_value of a ReLU layer cannot be a negative value. Received: max_value=${maxValue}`);
    }
    if (negativeSlope === null || negativeSlope < 0) {
      throw new ValueError(`negative_slope of a ReLU layer cannot be None or a negative value. Received: negative_slope=${negativeSlope}`);
    }
    if (threshold === null || threshold < 0) {
      throw new ValueError(`threshold of a ReLU layer cannot be None or a negative value. Received: threshold=${threshold}`);
    }
    this.maxValue = maxValue;
    this.negativeSlope = negativeSlope;
    this.threshold = threshold;
    this.supportsMasking = true;
    this.built = true;
  }

  override call(inputs: Tensor): Tensor {
    return activations.relu(inputs, {negativeSlope: this.negativeSlope, maxValue: this.maxValue, threshold: this.threshold});
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold};
  }
}
registerKerasSerializable(ReLU, {pkg: 'keras'});
