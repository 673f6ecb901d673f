import {registerKerasSerializable} from '../../serialization.js';
import {SeedGenerator} from '../../tensor/random.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {BaseRandomImageLayer, type ImagePreprocessingArgs} from './base_image_layer.js';
import {cropOrResize} from './center_crop.js';
import {checkTargetSize, withImageSize} from './resizing.js';

export interface RandomCropArgs extends ImagePreprocessingArgs {
  seed?: number | null;
}

/**
 * Crops a random `height` x `width` window during training, the same window for the whole batch
 * (Keras's `RandomCrop`). In inference, and in training when the input is not larger than the
 * target on both sides, it crops the largest centred window of the target aspect ratio and resizes
 * it to `height` x `width` (bilinear), as Keras documents (`smart_resize`); so the output shape is
 * the same in `fit` and `predict`. Without a seed, one is drawn at construction and kept in the config.
 *
 * ```ts
 * new RandomCrop(24, 24, {seed: 3});
 * ```
 */
export class RandomCrop extends BaseRandomImageLayer {
  static override readonly className: string = 'RandomCrop';
  readonly height: number;
  readonly width: number;

  constructor(height: number, width: number, {seed, ...args}: RandomCropArgs = {}) {
    // as Keras: a missing seed becomes a concrete one (`make_default_seed`), saved in the config;
    // drawn from the global generator, so `setRandomSeed` makes it reproducible
    super({...args, seed: seed ?? new SeedGenerator().seed});
    checkTargetSize('RandomCrop', height, width);
    this.height = height;
    this.width = width;
  }

  protected override transformImages(images: Tensor, training: boolean): Tensor {
    const [h, w] = this.imageSize(images.shape);
    if (training && h > this.height && w > this.width) {
      const top = Math.floor(this.uniform(1, 0, h - this.height + 1)[0]!);
      const left = Math.floor(this.uniform(1, 0, w - this.width + 1)[0]!);
      return cropOrResize(images, top, left, this.height, this.width, this.dataFormat);
    }
    return cropOrResize(images, null, null, this.height, this.width, this.dataFormat);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return withImageSize(inputShape, this.height, this.width, this.hwAxes, 'RandomCrop');
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), height: this.height, width: this.width};
  }

  static override fromConfig(config: Record<string, unknown>): RandomCrop {
    const {height, width, ...rest} = config;
    return new this(height as number, width as number, rest as RandomCropArgs);
  }
}
registerKerasSerializable(RandomCrop, {pkg: 'keras'});
