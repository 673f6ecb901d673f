import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {tensor, type Tensor} from '../../tensor/tensor.js';
import {BaseRandomImageLayer, parseFactor} from './base_image_layer.js';
import {checkValueRange, type ColorLayerArgs} from './random_contrast.js';

/**
 * Adds a random brightness offset to each image during training (Keras's `RandomBrightness`): a
 * delta drawn in `factor`'s `[lo, hi]` (within `[-1, 1]`; a number `f` means `[-f, f]`), times the
 * width of `valueRange`, added to every pixel, then clipped to `valueRange`. Identity in inference.
 *
 * ```ts
 * new RandomBrightness(0.2);                        // pixels in [0, 255] by default
 * new RandomBrightness([-0.1, 0.3], {valueRange: [0, 1]});
 * ```
 */
export class RandomBrightness extends BaseRandomImageLayer {
  static override readonly className: string = 'RandomBrightness';
  readonly factor: [number, number];
  readonly valueRange: [number, number];

  constructor(factor: number | [number, number], {valueRange = [0, 255], ...args}: ColorLayerArgs = {}) {
    super(args);
    this.factor = parseFactor(factor, [-1, 1]);
    const [a, b] = checkValueRange(valueRange);
    this.valueRange = a <= b ? [a, b] : [b, a];
  }

  protected override transformImages(images: Tensor, training: boolean): Tensor {
    if (!training) return images;
    const n = images.rank === 4 ? images.shape[0]! : 1;
    const shape = images.rank === 4 ? [n, 1, 1, 1] : [1, 1, 1];
    const width = this.valueRange[1] - this.valueRange[0];
    const delta = this.uniform(n, this.factor[0], this.factor[1]).map((d) => Math.fround(d * width));
    const out = ops.add(images, ops.cast(tensor(delta, shape), images.dtype));
    return ops.clip(out, this.valueRange[0], this.valueRange[1]);
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), factor: [...this.factor], valueRange: [...this.valueRange]};
  }

  static override fromConfig(config: Record<string, unknown>): RandomBrightness {
    const {factor, ...rest} = config;
    return new this(factor as [number, number], rest as ColorLayerArgs);
  }
}
registerKerasSerializable(RandomBrightness, {pkg: 'keras'});
