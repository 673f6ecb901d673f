import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {tensor, type Tensor} from '../../tensor/tensor.js';
import {BaseRandomImageLayer, parseFactor, type ImagePreprocessingArgs} from './base_image_layer.js';

export interface ColorLayerArgs extends ImagePreprocessingArgs {
  /** The range of the pixel values, `[0, 255]` by default; outputs are clipped to it. */
  valueRange?: [number, number];
  seed?: number | null;
}

export function checkValueRange(v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new ValueError(`The \`value_range\` argument should be a list of two numbers. Received: value_range=${JSON.stringify(v)}`);
  }
  return [v[0] as number, v[1] as number];
}

/**
 * Scales each image's contrast by a random factor during training (Keras's `RandomContrast`):
 * `(x - mean) * c + mean` per channel, `mean` over the image's pixels, then clipped to `valueRange`.
 * `c` is drawn in `[1 - lo, 1 + hi]` where `factor` gives `[lo, hi]` within `[0, 1]`; a single
 * number `f` gives `[0, f]`, as Keras's base `_set_factor` reads it. Identity in inference.
 *
 * ```ts
 * new RandomContrast(0.2, {valueRange: [0, 1]});
 * ```
 */
export class RandomContrast extends BaseRandomImageLayer {
  static override readonly className: string = 'RandomContrast';
  readonly factor: [number, number];
  readonly valueRange: [number, number];

  constructor(factor: number | [number, number], {valueRange = [0, 255], ...args}: ColorLayerArgs = {}) {
    super(args);
    this.factor = parseFactor(factor, [0, 1]);
    this.valueRange = checkValueRange(valueRange);
  }

  protected override transformImages(images: Tensor, training: boolean): Tensor {
    if (!training) return images;
    const n = images.rank === 4 ? images.shape[0]! : 1;
    const shape = images.rank === 4 ? [n, 1, 1, 1] : [1, 1, 1];
    const c = tensor(this.uniform(n, 1 - this.factor[0], 1 + this.factor[1]), shape);
    const [ha, wa] = this.hwAxes;
    const mean = ops.mean(ops.mean(images, images.rank + ha, true), images.rank + wa, true);
    const out = ops.add(ops.multiply(ops.subtract(images, mean), ops.cast(c, images.dtype)), mean);
    return ops.clip(out, this.valueRange[0], this.valueRange[1]);
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), factor: [...this.factor], valueRange: [...this.valueRange]};
  }

  static override fromConfig(config: Record<string, unknown>): RandomContrast {
    const {factor, ...rest} = config;
    return new this(factor as [number, number], rest as ColorLayerArgs);
  }
}
registerKerasSerializable(RandomContrast, {pkg: 'keras'});
