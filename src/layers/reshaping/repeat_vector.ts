import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';

/** Repeats the input `n` times: `[batch, features]` -> `[batch, n, features]`. */
export class RepeatVector extends Layer {
  static override readonly className: string = 'RepeatVector';
  readonly n: number;

  constructor(n: number, args: LayerArgs = {}) {
    super(args);
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`Expected an integer value for \`n\`, got ${typeof n}.`);
    if (n <= 0) throw new ValueError(`Argument \`n\` should be a positive integer. Received: n=${n}`);
    this.n = n;
    this.inputSpec = new InputSpec({ndim: 2});
  }

  override call(inputs: Tensor): Tensor {
    return ops.tile(ops.expandDims(inputs, 1), [1, this.n, 1]);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return [inputShape[0] ?? null, this.n, inputShape[1] ?? null];
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), n: this.n};
  }

  static override fromConfig(config: Record<string, unknown>): RepeatVector {
    const {n, ...rest} = config;
    return new this(n as number, rest as LayerArgs);
  }
}
registerKerasSerializable(RepeatVector, {pkg: 'keras'});
