import {imageDataFormat} from '../../config.js';
import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {tensor, type Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';

export interface RescalingArgs extends LayerArgs {
  offset?: number | number[];
}

function checkFactor(v: unknown, what: string): number | number[] {
  const ok = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  if (ok(v) || (Array.isArray(v) && v.length > 0 && v.every(ok))) return Array.isArray(v) ? [...(v as number[])] : (v as number);
  throw new ValueError(`Rescaling: \`${what}\` must be a number or a list of numbers (one per channel). Received: ${what}=${JSON.stringify(v)}`);
}

/**
 * Rescales the inputs: `output = inputs * scale + offset` (Keras's `Rescaling`), in training and
 * inference alike, e.g. `new Rescaling(1 / 255)` maps pixels in `[0, 255]` to `[0, 1]` and
 * `new Rescaling(1 / 127.5, {offset: -1})` to `[-1, 1]`. `scale` and `offset` may be lists, one value
 * per channel (the last axis; the channel axis of images with `channels_first`). Any shape; integer
 * inputs give outputs in the layer's float dtype.
 */
export class Rescaling extends Layer {
  static override readonly className: string = 'Rescaling';
  readonly scale: number | number[];
  readonly offset: number | number[];

  constructor(scale: number | number[], {offset = 0, ...args}: RescalingArgs = {}) {
    super(args);
    this.scale = checkFactor(scale, 'scale');
    this.offset = checkFactor(offset, 'offset');
    this.supportsMasking = true;
    this.built = true;
  }

  private factor(v: number | number[]): number | Tensor {
    if (!Array.isArray(v)) return v;
    // a per-channel list: with channels_first it broadcasts over [channels, 1, 1], as Keras reshapes it
    const shape = imageDataFormat() === 'channels_first' ? [v.length, 1, 1] : [v.length];
    return ops.cast(tensor(Float32Array.from(v), shape), this.dtype);
  }

  override call(inputs: Tensor): Tensor {
    const x = ops.cast(inputs, this.dtype);
    const scaled = ops.multiply(x, this.factor(this.scale));
    return this.offset === 0 ? scaled : ops.add(scaled, this.factor(this.offset));
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
