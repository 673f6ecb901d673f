import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {deprecationWarning} from '../layer_utils.js';

export interface LeakyReLUArgs extends LayerArgs {
  negativeSlope?: number;
  /** Keras 2's name of `negativeSlope`. */
  alpha?: number;
}

/**
 * Leaky rectified linear unit: `f(x) = x` for `x >= 0`, `negativeSlope * x` otherwise.
 * Keras 3's default slope is 0.3: `new LeakyReLU()` or `new LeakyReLU(0.1)`.
 */
export class LeakyReLU extends Layer {
  static override readonly className: string = 'LeakyReLU';
  readonly negativeSlope: number;

  constructor(negativeSlope?: number | LeakyReLUArgs, args: LeakyReLUArgs = {}) {
    if (typeof negativeSlope === 'object' && negativeSlope !== null) [negativeSlope, args] = [undefined, negativeSlope];
    let slope = negativeSlope ?? args.negativeSlope;
    if (args.alpha !== undefined) {
      deprecationWarning('alpha', 'negativeSlope', 'LeakyReLU');
      slope ??= args.alpha;
    }
    slope ??= 0.3;
    super(args);
    if (typeof slope !== 'number' || !(slope >= 0)) {
      throw new ValueError(`The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a float. Received: negative_slope=${slope}`);
    }
    this.negativeSlope = slope;
    this.supportsMasking = true;
    this.built = true;
  }

  override call(inputs: Tensor): Tensor {
    return ops.leakyRelu(inputs, this.negativeSlope);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), negativeSlope: this.negativeSlope};
  }

  static override fromConfig(config: Record<string, unknown>): LeakyReLU {
    const {negativeSlope, ...rest} = config;
    return new this(negativeSlope as number, rest as LeakyReLUArgs);
  }
}
registerKerasSerializable(LeakyReLU, {pkg: 'keras'});
