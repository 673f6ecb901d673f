import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';

export interface RescalingArgs extends LayerArgs {
  offset?: number;
}

/**
 * Rescales the inputs: `output = inputs * scale + offset` (Keras's `Rescaling`), e.g.
 * `new Rescaling(1 / 255)` maps pixels in `[0, 255]` to `[0, 1]`. Any shape; the output has the
 * input's shape, in the layer's float dtype.
 */
export class Rescaling extends Layer {
  static override readonly className: string = 'Rescaling';
  readonly scale: number;
  readonly offset: number;

  constructor(scale: number, {offset = 0, ...args}: RescalingArgs = {}) {
    super(args);
    if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new ValueError(`Rescaling: \`scale\` must be a number. Received: scale=${String(scale)}`);
    if (typeof offset !== 'number' || !Number.isFinite(offset)) throw new ValueError(`Rescaling: \`offset\` must be a number. Received: offset=${String(offset)}`);
    this.scale = scale;
    this.offset = offset;
    this.built = true;
  }

  override call(inputs: Tensor): Tensor {
    const x = ops.cast(inputs, this.dtype);
    return this.offset === 0 ? ops.multiply(x, this.scale) : ops.add(ops.multiply(x, this.scale), this.offset);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), scale: this.scale, offset: this.offset};
  }

  static override fromConfig(config: Record<string, unknown>): Rescaling {
    const {scale, ...rest} = config;
    return new this(scale as number, rest as RescalingArgs);
  }
}
registerKerasSerializable(Rescaling, {pkg: 'keras'});
