import * as ops from '../../ops/index.js';
import {ValueError} from '../../errors.js';
import {registerKerasSerializable} from '../../serialization.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type CallArgs, type LayerArgs} from '../layer.js';

/**
 * Softmax over `axis` (an int or a list of ints): `exp(x) / sum(exp(x), axis)`. With a mask,
 * masked positions get a large negative logit (-1e9) before the softmax, as Keras.
 */
export class Softmax extends Layer {
  static override readonly className: string = 'Softmax';
  readonly axis: number | number[];

  constructor(axis?: number | number[] | (LayerArgs & {axis?: number | number[]}), args: LayerArgs & {axis?: number | number[]} = {}) {
    if (typeof axis === 'object' && axis !== null && !Array.isArray(axis)) [axis, args] = [undefined, axis];
    super(args);
    this.axis = axis ?? args.axis ?? -1;
    this.supportsMasking = true;
    this.built = true;
  }

  override call(inputs: Tensor, kwargs: CallArgs = {}): Tensor {
    let x = inputs;
    const mask = kwargs.mask as Tensor | null | undefined;
    if (mask) {
      if (mask.rank > x.rank) {
        throw new ValueError(`The \`mask\` must be broadcastable to \`inputs\` and must not have more dimensions. Received: inputs.shape=${fmtShape(x.shape)}, mask.shape=${fmtShape(mask.shape)}`);
      }
      const keep = mask.dtype === 'bool' ? mask : ops.greater(mask, 0.5);
      x = ops.where(keep, x, -1e9);
    }
    const axes = Array.isArray(this.axis) ? this.axis : [this.axis];
    if (axes.length === 1) return ops.softmax(x, axes[0]);
    return ops.exp(ops.subtract(x, ops.logsumexp(x, axes, true)));
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), axis: this.axis};
  }

  static override fromConfig(config: Record<string, unknown>): Softmax {
    const {axis, ...rest} = config;
    return new this(axis as number, rest as LayerArgs);
  }
}
registerKerasSerializable(Softmax, {pkg: 'keras'});
