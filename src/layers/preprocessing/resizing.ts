import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import type {CallArgs} from '../layer.js';
import {BaseImagePreprocessingLayer, type ImagePreprocessingArgs} from './base_image_layer.js';

export interface ResizingArgs extends ImagePreprocessingArgs {
  /** `'bilinear'` (default), `'nearest'`, `'bicubic'`, `'lanczos3'` or `'lanczos5'`. */
  interpolation?: ops.image.ResizeInterpolation;
  cropToAspectRatio?: boolean;
  padToAspectRatio?: boolean;
  fillMode?: 'constant';
  fillValue?: number;
  antialias?: boolean;
}

/** Checks a target height / width, naming the layer. */
export function checkTargetSize(layer: string, height: unknown, width: unknown): void {
  for (const [k, v] of [['height', height], ['width', width]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new ValueError(`${layer}: \`${k}\` must be a positive integer. Received: ${k}=${JSON.stringify(v)}`);
    }
  }
}

/** An image shape with its height and width replaced (rank 3 or 4, either layout). */
export function withImageSize(shape: ShapeLike, height: number, width: number, hwAxes: [number, number], layer: string): ShapeLike {
  if (shape.length !== 3 && shape.length !== 4) {
    throw new ValueError(`${layer}: expected an input shape of rank 3 (unbatched) or 4 (batched). Received: input_shape=${JSON.stringify(shape)}`);
  }
  const out = [...shape];
  out[shape.length + hwAxes[0]] = height;
  out[shape.length + hwAxes[1]] = width;
  return out;
}

/**
 * Resizes images to `height` x `width` (Keras's `Resizing`), in training and inference alike, with
 * `keras.ops.image.resize`: optionally cropping (`cropToAspectRatio`) or padding
 * (`padToAspectRatio`) to the target aspect ratio first. Integer images stay integers (rounded).
 * Input `[batch, h, w, channels]` (or one image), output `[batch, height, width, channels]`.
 *
 * ```ts
 * new Resizing(64, 64, {interpolation: 'bicubic', cropToAspectRatio: true});
 * ```
 */
export class Resizing extends BaseImagePreprocessingLayer {
  static override readonly className: string = 'Resizing';
  readonly height: number;
  readonly width: number;
  readonly interpolation: ops.image.ResizeInterpolation;
  readonly cropToAspectRatio: boolean;
  readonly padToAspectRatio: boolean;
  readonly fillMode: 'constant';
  readonly fillValue: number;
  readonly antialias: boolean;

  constructor(height: number, width: number, args: ResizingArgs = {}) {
    const {interpolation = 'bilinear', cropToAspectRatio = false, padToAspectRatio = false, fillMode = 'constant', fillValue = 0, antialias = false, ...rest} = args;
    super(rest);
    checkTargetSize('Resizing', height, width);
    this.height = height;
    this.width = width;
    this.interpolation = interpolation;
    this.cropToAspectRatio = cropToAspectRatio;
    this.padToAspectRatio = padToAspectRatio;
    this.fillMode = fillMode;
    this.fillValue = fillValue;
    this.antialias = Boolean(antialias);
    const methods = ['bilinear', 'nearest', 'bicubic', 'lanczos3', 'lanczos5'];
    if (!methods.includes(interpolation)) throw new ValueError(`Resizing: invalid value for argument \`interpolation\`. Expected one of ${JSON.stringify(methods)}. Received: interpolation=${JSON.stringify(interpolation)}`);
    if (fillMode !== 'constant') throw new ValueError(`Resizing: invalid value for argument \`fill_mode\`. Only 'constant' is supported. Received: fill_mode=${JSON.stringify(fillMode)}`);
    if (cropToAspectRatio && padToAspectRatio) throw new ValueError('Resizing: only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be true.');
  }

  // integer images are resized as integers (Keras rounds and casts back), floats in the layer dtype
  override call(inputs: Tensor, kwargs: CallArgs = {}): Tensor {
    return inputs.dtype === 'int32' ? this.transformImages(inputs) : super.call(inputs, kwargs);
  }

  protected override transformImages(images: Tensor): Tensor {
    return ops.image.resize(images, [this.height, this.width], {
      interpolation: this.interpolation, antialias: this.antialias, cropToAspectRatio: this.cropToAspectRatio,
      padToAspectRatio: this.padToAspectRatio, fillMode: this.fillMode, fillValue: this.fillValue, dataFormat: this.dataFormat,
    });
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return withImageSize(inputShape, this.height, this.width, this.hwAxes, 'Resizing');
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), height: this.height, width: this.width, interpolation: this.interpolation,
      cropToAspectRatio: this.cropToAspectRatio, padToAspectRatio: this.padToAspectRatio,
      fillMode: this.fillMode, fillValue: this.fillValue, antialias: this.antialias,
    };
  }

  static override fromConfig(config: Record<string, unknown>): Resizing {
    const {height, width, ...rest} = config;
    return new this(height as number, width as number, rest as ResizingArgs);
  }
}
registerKerasSerializable(Resizing, {pkg: 'keras'});
