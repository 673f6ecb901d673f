import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {splitPositional} from '../layer_utils.js';

/** Repeats each step `size` times: `[batch, steps, features]` -> `[batch, steps * size, features]`. */
export class UpSampling1D extends Layer {
  static override readonly className: string = 'UpSampling1D';
  readonly size: number;

  constructor(size: number | (LayerArgs & {size?: number}) = 2, args: LayerArgs = {}) {
    [size, args] = splitPositional<number, LayerArgs>(size, args, 'size', 2);
    super(args);
    if (typeof size !== 'number' || !Number.isInteger(size)) throw new TypeError(`Expected an integer value for \`size\`, got ${typeof size}.`);
    if (size <= 0) throw new ValueError(`Argument \`size\` should be a positive integer. Received: size=${size}`);
    this.size = size;
    this.inputSpec = new InputSpec({ndim: 3});
  }

  override call(inputs: Tensor): Tensor {
    return ops.repeat(inputs, this.size, 1);
  }

  override computeOutputShape(s: ShapeLike): ShapeLike {
    return [s[0] ?? null, s[1] === null ? null : s[1]! * this.size, s[2] ?? null];
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), size: this.size};
  }

  static override fromConfig(config: Record<string, unknown>): UpSampling1D {
    const {size, ...rest} = config;
    return new this(size as number, rest as LayerArgs);
  }
}
registerKerasSerializable(UpSampling1D, {pkg: 'keras'});
