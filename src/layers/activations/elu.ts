import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';

/** Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise. `new ELU(1.0)`. */
export class ELU extends Layer {
  static override readonly className: string = 'ELU';
  readonly alpha: number;

  constructor(alpha?: number | (LayerArgs & {alpha?: number}), args: LayerArgs & {alpha?: number} = {}) {
    if (typeof alpha === 'object' && alpha !== null) [alpha, args] = [undefined, alpha];
    super(args);
    this.alpha = alpha ?? args.alpha ?? 1.0;
    this.supportsMasking = true;
    this.built = true;
  }

  override call(inputs: Tensor): Tensor {
    return ops.elu(inputs, this.alpha);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), alpha: this.alpha};
  }

  static override fromConfig(config: Record<string, unknown>): ELU {
    const {alpha, ...rest} = config;
    return new this(alpha as number, rest as LayerArgs);
  }
}
registerKerasSerializable(ELU, {pkg: 'keras'});
