/**
 * What Keras 3's image preprocessing layers share (`BaseImagePreprocessingLayer`): `dataFormat`,
 * images of rank 3 (one image) or 4 (a batch) cast to the layer's dtype, the `factor` argument's
 * validation, the training flag (augmentation runs when `training` is true — in `fit`, or when the
 * layer is called directly with no `training` given, as Keras's `call(data, training=True)`; never
 * in `predict` or `evaluate`) and the affine matrix of a rotation / zoom / shear about the centre.
 */
import type {ImageDataFormat} from '../../config.js';
import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {randomUniform, SeedGenerator} from '../../tensor/random.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type CallArgs, type LayerArgs} from '../layer.js';
import {standardizeDataFormat} from '../layer_utils.js';

export interface ImagePreprocessingArgs extends LayerArgs {
  /** `'channels_last'` (NHWC) or `'channels_first'`; defaults to `keras.config.imageDataFormat()`. */
  dataFormat?: ImageDataFormat | null;
}

/** A factor as Keras's `_set_factor`: a number `f` means `[max(-|f|, lo), |f|]`, a pair is sorted. */
export function parseFactor(factor: unknown, bounds: readonly [number, number], what = 'factor'): [number, number] {
  const msg = `The \`${what}\` argument should be a number (or a list of two numbers) in the range [${bounds[0]}, ${bounds[1]}]. Received: ${what}=${JSON.stringify(factor)}`;
  if (Array.isArray(factor)) {
    if (factor.length !== 2 || !factor.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new ValueError(msg);
    const [a, b] = factor as [number, number];
    if (a > bounds[1] || b < bounds[0]) throw new ValueError(msg);
    return a <= b ? [a, b] : [b, a];
  }
  if (typeof factor === 'number' && Number.isFinite(factor)) {
    if (factor < bounds[0] || factor > bounds[1]) throw new ValueError(msg);
    const f = Math.abs(factor);
    return [Math.max(-f, bounds[0]), f];
  }
  throw new ValueError(msg);
}

export abstract class BaseImagePreprocessingLayer extends Layer {
  readonly dataFormat: ImageDataFormat;

  constructor({dataFormat, ...args}: ImagePreprocessingArgs = {}) {
    super(args);
    this.dataFormat = standardizeDataFormat(dataFormat);
    this.built = true;
  }

  /** Axes of height and width counted from the end (`-3, -2` channels-last). */
  protected get hwAxes(): [number, number] {
    return this.dataFormat === 'channels_last' ? [-3, -2] : [-2, -1];
  }

  /** Height and width of `shape` (rank 3 or 4). */
  protected imageSize(shape: readonly (number | null)[]): [number, number] {
    const [ha, wa] = this.hwAxes;
    return [shape.at(ha) as number, shape.at(wa) as number];
  }

  /** Keras's default for these layers: `training` unless told otherwise (predict passes false). */
  protected isTraining(kwargs: CallArgs): boolean {
    return kwargs.training ?? true;
  }

  override call(inputs: Tensor, kwargs: CallArgs = {}): Tensor {
    if (inputs.rank !== 3 && inputs.rank !== 4) {
      throw new ValueError(`Layer "${this.name}" (${this.className}): expected image tensor to have rank 3 (single image) or 4 (batch of images). Received: data.shape=${fmtShape(inputs.shape)}`);
    }
    const x = inputs.dtype === this.dtype ? inputs : ops.cast(inputs, this.dtype);
    return this.transformImages(x, this.isTraining(kwargs));
  }

  /** The layer's work on a float batch (rank 4) or image (rank 3). */
  protected abstract transformImages(images: Tensor, training: boolean): Tensor;

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), dataFormat: this.dataFormat};
  }
}

/** A layer whose transformation is drawn at random: its `seed` and `SeedGenerator`. */
export abstract class BaseRandomImageLayer extends BaseImagePreprocessingLayer {
  readonly seed: number | null;
  readonly generator: SeedGenerator;

  constructor(args: ImagePreprocessingArgs & {seed?: number | null} = {}) {
    const {seed, ...rest} = args;
    super(rest);
    if (seed !== undefined && seed !== null && !Number.isInteger(seed)) {
      throw new ValueError(`Layer ${new.target.className}: \`seed\` must be an integer or null. Received: seed=${String(seed)}`);
    }
    this.seed = seed ?? null;
    this.generator = new SeedGenerator(seed ?? undefined);
  }

  /** Uniform draws on `[lo, hi)` from the layer's generator (the same on every backend). */
  protected uniform(n: number, lo: number, hi: number): Float32Array {
    return randomUniform([n], {minval: lo, maxval: hi, seed: this.generator}).values as Float32Array;
  }

  /** Rank-4 view of `images` and the function that undoes it. */
  protected static batched(images: Tensor): [Tensor, (y: Tensor) => Tensor] {
    if (images.rank === 4) return [images, (y) => y];
    return [ops.expandDims(images, 0), (y) => ops.squeeze(y, 0)];
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), seed: this.seed};
  }
}

/**
 * Keras's `_compute_affine_matrix`: rows `[a0, a1, a2, b0, b1, b2, 0, 0]` for rotations by `angle`
 * degrees about the point `(centerX (w - 1), centerY (h - 1))`, with scale, shear and translation.
 */
export function affineMatrices(
  angles: ArrayLike<number>, height: number, width: number,
  {centerX = 0.5, centerY = 0.5, translateX, translateY, scale, shearX, shearY}: {
    centerX?: number; centerY?: number; translateX?: ArrayLike<number>; translateY?: ArrayLike<number>;
    scale?: ArrayLike<number>; shearX?: ArrayLike<number>; shearY?: ArrayLike<number>;
  } = {},
): Float32Array {
  const n = angles.length;
  const out = new Float32Array(n * 8);
  const rad = Math.PI / 180;
  const cx = centerX * (width - 1), cy = centerY * (height - 1);
  for (let i = 0; i < n; i++) {
    const a = angles[i]! * rad;
    const s = scale?.[i] ?? 1, tx = translateX?.[i] ?? 0, ty = translateY?.[i] ?? 0;
    const shx = Math.tan((shearX?.[i] ?? 0) * rad), shy = Math.tan((shearY?.[i] ?? 0) * rad);
    const cos = Math.cos(a), sin = Math.sin(a);
    const a0 = s * (cos + shx * sin), a1 = s * (-sin + shx * cos);
    const b0 = s * (shy * cos + sin), b1 = s * (shy * -sin + cos);
    out.set([a0, a1, tx + cx - cx * a0 - cy * a1, b0, b1, ty + cy - cx * b0 - cy * b1, 0, 0], i * 8);
  }
  return out;
}

const FILL_MODES = ['reflect', 'wrap', 'constant', 'nearest'] as const;
const INTERPOLATIONS = ['nearest', 'bilinear'] as const;

/** Keras's check of `fill_mode` / `interpolation` for the affine layers. */
function checkAffineArgs(fillMode: string, interpolation: string): void {
  if (!(FILL_MODES as readonly string[]).includes(fillMode)) {
    throw new ValueError(`Unknown \`fill_mode\` ${fillMode}. Expected of one ${JSON.stringify(FILL_MODES)}.`);
  }
  if (!(INTERPOLATIONS as readonly string[]).includes(interpolation)) {
    throw new ValueError(`Unknown \`interpolation\` ${interpolation}. Expected of one ${JSON.stringify(INTERPOLATIONS)}.`);
  }
}

export interface AffineLayerArgs extends ImagePreprocessingArgs {
  /** `'reflect'` (default), `'wrap'`, `'constant'` or `'nearest'`: how points outside the input are filled. */
  fillMode?: 'reflect' | 'wrap' | 'constant' | 'nearest';
  /** `'bilinear'` (default) or `'nearest'`. */
  interpolation?: 'bilinear' | 'nearest';
  seed?: number | null;
  /** The value outside the input when `fillMode` is `'constant'`. */
  fillValue?: number;
}

/**
 * The augmentation layers that move pixels with `ops.image.affineTransform` (`RandomRotation`,
 * `RandomTranslation`, `RandomZoom`): their fill and interpolation arguments, checked once here.
 */
export abstract class BaseRandomAffineLayer extends BaseRandomImageLayer {
  readonly fillMode: NonNullable<AffineLayerArgs['fillMode']>;
  readonly interpolation: NonNullable<AffineLayerArgs['interpolation']>;
  readonly fillValue: number;

  constructor({fillMode = 'reflect', interpolation = 'bilinear', fillValue = 0, ...args}: AffineLayerArgs = {}) {
    super(args);
    checkAffineArgs(fillMode, interpolation);
    this.fillMode = fillMode;
    this.interpolation = interpolation;
    this.fillValue = fillValue;
  }

  /** `images` moved by `matrices` (`[batch, 8]`, Keras's a0 a1 a2 b0 b1 b2 c0 c1) with this layer's fill. */
  protected affine(images: Tensor, matrices: Tensor): Tensor {
    return ops.image.affineTransform(images, matrices, {interpolation: this.interpolation, fillMode: this.fillMode, fillValue: this.fillValue, dataFormat: this.dataFormat});
  }

  protected affineConfig(): {fillMode: string; interpolation: string; fillValue: number} {
    return {fillMode: this.fillMode, interpolation: this.interpolation, fillValue: this.fillValue};
  }
}
