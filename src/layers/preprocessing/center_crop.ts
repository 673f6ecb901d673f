import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {BaseImagePreprocessingLayer, type ImagePreprocessingArgs} from './base_image_layer.js';
import {checkTargetSize, withImageSize} from './resizing.js';

/**
 * Crops the centre `height` x `width` of each image (Keras's `CenterCrop`), in training and
 * inference alike; an image smaller than the target on either side is first cropped to the target
 * aspect ratio and resized (bilinear), as Keras's `smart_resize`.
 *
 * ```ts
 * new CenterCrop(24, 24);
 * ```
 */
export class CenterCrop extends BaseImagePreprocessingLayer {
  static override readonly className: string = 'CenterCrop';
  readonly height: number;
  readonly width: number;

  constructor(height: number, width: number, args: ImagePreprocessingArgs = {}) {
    super(args);
    checkTargetSize('CenterCrop', height, width);
    this.height = height;
    this.width = width;
  }

  protected override transformImages(images: Tensor): Tensor {
    return centerCrop(images, this.height, this.width, this.dataFormat);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return withImageSize(inputShape, this.height, this.width, this.hwAxes, 'CenterCrop');
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), height: this.height, width: this.width};
  }

  static override fromConfig(config: Record<string, unknown>): CenterCrop {
    const {height, width, ...rest} = config;
    return new this(height as number, width as number, rest as ImagePreprocessingArgs);
  }
}
registerKerasSerializable(CenterCrop, {pkg: 'keras'});

/** The window `[top, left]` of size `height` x `width` when it fits, else Keras's `smart_resize`. */
export function cropOrResize(images: Tensor, top: number | null, left: number | null, height: number, width: number, dataFormat: 'channels_last' | 'channels_first'): Tensor {
  if (top === null || left === null) return ops.image.resize(images, [height, width], {cropToAspectRatio: true, dataFormat});
  const r = images.rank;
  const begin = new Array<number>(r).fill(0), size = [...images.shape];
  const [ha, wa] = dataFormat === 'channels_last' ? [r - 3, r - 2] : [r - 2, r - 1];
  begin[ha] = top;
  begin[wa] = left;
  size[ha] = height;
  size[wa] = width;
  return ops.slice(images, begin, size);
}

function centerCrop(images: Tensor, height: number, width: number, dataFormat: 'channels_last' | 'channels_first'): Tensor {
  const r = images.rank;
  const [h, w] = dataFormat === 'channels_last' ? [images.shape[r - 3]!, images.shape[r - 2]!] : [images.shape[r - 2]!, images.shape[r - 1]!];
  const fits = h >= height && w >= width;
  return cropOrResize(images, fits ? Math.floor((h - height) / 2) : null, fits ? Math.floor((w - width) / 2) : null, height, width, dataFormat);
}
