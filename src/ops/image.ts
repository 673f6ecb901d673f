/**
 * `keras.ops.image`: resizing and affine warps of images, written from other ops (matmul, take and
 * elementwise arithmetic), so they need no kernel of their own, run on every backend and have
 * gradients with respect to the images.
 *
 * ```ts
 * const small = keras.ops.image.resize(images, [14, 14]);                 // bilinear, half-pixel centres
 * const shifted = keras.ops.image.affineTransform(images, [1, 0, -3, 0, 1, 2, 0, 0]);
 * ```
 *
 * Semantics are those of Keras 3's NumPy / JAX backends (`jax.image.resize` weights: half-pixel
 * centres, kernel weights renormalized at the borders, `antialias` widening the kernel when
 * downsampling; `affine_transform` sampling input point `(a0 x + a1 y + a2, b0 x + b1 y + b2)` for
 * output pixel `(x, y)`, pixel centres at integers).
 *
 * In PyTorch's terms (checked by scripts/make_image_fixtures.py): `'bilinear'` is
 * `interpolate(mode='bilinear', align_corners=False, antialias=antialias)`; `'bicubic'` is torch's
 * antialiased bicubic (Keys a = -0.5, borders renormalized) when upsampling, or downsampling with
 * `antialias`, and not torch's plain bicubic (a = -0.75, clamped borders); `'nearest'` is
 * `'nearest-exact'`.
 */
import {imageDataFormat, type ImageDataFormat} from '../config.js';
import {ValueError} from '../errors.js';
import {isFloat} from '../tensor/dtype.js';
import {fmtShape} from '../tensor/shape.js';
import {tensor, Tensor} from '../tensor/tensor.js';
import {expandDims, pad, reshape, slice, squeeze, take, transpose} from './array.js';
import {cast, toTensor, type TensorLike} from './core.js';
import {add, clip, matmul, multiply, round} from './math.js';

export type ResizeInterpolation = 'bilinear' | 'nearest' | 'bicubic' | 'lanczos3' | 'lanczos5';
const RESIZE_INTERPOLATIONS: readonly ResizeInterpolation[] = ['bilinear', 'nearest', 'lanczos3', 'lanczos5', 'bicubic'];

export interface ResizeOptions {
  /** Defaults to `'bilinear'`. */
  interpolation?: ResizeInterpolation;
  /** Widen the kernel when downsampling (area-like filtering). Defaults to `false`, as Keras. */
  antialias?: boolean;
  /** Crop the largest centred window of the target aspect ratio first. */
  cropToAspectRatio?: boolean;
  /** Pad the short side evenly to the target aspect ratio first (with `fillValue`). */
  padToAspectRatio?: boolean;
  /** Only `'constant'` (Keras supports no other). */
  fillMode?: 'constant';
  fillValue?: number;
  dataFormat?: ImageDataFormat | null;
}

function dataFormatOf(v: unknown, op: string): ImageDataFormat {
  if (v === undefined || v === null) return imageDataFormat();
  if (v !== 'channels_last' && v !== 'channels_first') {
    throw new ValueError(`${op}: \`data_format\` must be one of 'channels_last', 'channels_first'. Received: data_format=${JSON.stringify(v)}`);
  }
  return v;
}

/** Images as NHWC rank 4, and the function that puts a result back in the caller's layout. */
function toNHWC(t: Tensor, dataFormat: ImageDataFormat, op: string): [Tensor, (y: Tensor) => Tensor] {
  if (t.rank !== 3 && t.rank !== 4) {
    throw new ValueError(`${op}: invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). Received input with shape: images.shape=${fmtShape(t.shape)}`);
  }
  const unbatched = t.rank === 3;
  let x = unbatched ? expandDims(t, 0) : t;
  if (dataFormat === 'channels_first') x = transpose(x, [0, 2, 3, 1]);
  return [x, (y) => {
    let r = dataFormat === 'channels_first' ? transpose(y, [0, 3, 1, 2]) : y;
    if (unbatched) r = squeeze(r, 0);
    return r;
  }];
}

// --- resize -------------------------------------------------------------------------------------

type Kernel = (x: number) => number;
const triangle: Kernel = (x) => Math.max(0, 1 - Math.abs(x));
// Keys' cubic with a = -0.5 (as jax.image.resize and PIL; PyTorch's plain bicubic uses a = -0.75)
const keysCubic: Kernel = (x) => (x >= 2 ? 0 : x >= 1 ? ((-0.5 * x + 2.5) * x - 4) * x + 2 : ((1.5 * x - 2.5) * x) * x + 1);
const lanczos = (radius: number): Kernel => (x) => {
  if (x > radius) return 0;
  if (x <= 1e-3) return 1;
  return (radius * Math.sin(Math.PI * x) * Math.sin((Math.PI * x) / radius)) / (Math.PI * Math.PI * x * x);
};
const KERNELS: Record<Exclude<ResizeInterpolation, 'nearest'>, Kernel> = {bilinear: triangle, bicubic: keysCubic, lanczos3: lanczos(3), lanczos5: lanczos(5)};

const F32_EPS = 1.1920928955078125e-7;

/**
 * The `[outSize, inSize]` matrix of one axis's resampling (Keras / JAX `_compute_weight_mat`,
 * transposed): output `i` samples input coordinate `(i + 0.5) / scale - 0.5`, weights are the
 * kernel of the distance (widened by `1 / scale` when antialiasing a downsample), renormalized.
 */
function resizeWeights(inSize: number, outSize: number, interpolation: Exclude<ResizeInterpolation, 'nearest'>, antialias: boolean): Float32Array {
  const kernel = KERNELS[interpolation];
  const scale = outSize / inSize;
  const invScale = 1 / scale;
  const kernelScale = antialias ? Math.max(invScale, 1) : 1;
  const w = new Float32Array(outSize * inSize);
  const col = new Float64Array(inSize);
  for (let i = 0; i < outSize; i++) {
    const sample = (i + 0.5) * invScale - 0.5;
    if (sample < -0.5 || sample > inSize - 0.5) continue;
    let total = 0;
    for (let j = 0; j < inSize; j++) {
      col[j] = kernel(Math.abs(sample - j) / kernelScale);
      total += col[j]!;
    }
    if (Math.abs(total) <= 1000 * F32_EPS) continue;
    for (let j = 0; j < inSize; j++) w[i * inSize + j] = col[j]! / total;
  }
  return w;
}

/** Input index of each output index for `'nearest'` (half-pixel centres, in float32 as Keras). */
function nearestIndices(inSize: number, outSize: number): Int32Array {
  const f = Math.fround;
  return Int32Array.from({length: outSize}, (_, i) => Math.min(inSize - 1, Math.floor(f(f(f(i + 0.5) * inSize) / outSize))));
}

/** Crop box `[top, left, height, width]` of the largest centred window with the target aspect ratio. */
function aspectCropBox(height: number, width: number, targetHeight: number, targetWidth: number): [number, number, number, number] {
  const cropHeight = Math.max(Math.min(height, Math.trunc((width * targetHeight) / targetWidth)), 1);
  const cropWidth = Math.max(Math.min(width, Math.trunc((height * targetWidth) / targetHeight)), 1);
  return [Math.trunc((height - cropHeight) / 2), Math.trunc((width - cropWidth) / 2), cropHeight, cropWidth];
}

function checkSize(size: readonly number[], op: string): [number, number] {
  if (!Array.isArray(size) || size.length !== 2) {
    throw new ValueError(`${op}: expected \`size\` to be a list of 2 integers (height, width). Received: size=${JSON.stringify(size)}`);
  }
  if (!size.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ValueError(`${op}: \`size\` must have positive integer height and width. Received: size=${JSON.stringify(size)}`);
  }
  return [size[0]!, size[1]!];
}

/**
 * Resizes images (rank 3 or 4) to `size = [height, width]` (`keras.ops.image.resize`). Integer
 * images are computed in float32, rounded and clipped to their input range, as Keras's NumPy backend.
 */
export function resize(images: TensorLike, size: readonly number[], options: ResizeOptions = {}): Tensor {
  const op = 'resize';
  const {interpolation = 'bilinear', antialias = false, cropToAspectRatio = false, padToAspectRatio = false, fillMode = 'constant', fillValue = 0} = options;
  const [th, tw] = checkSize(size, op);
  if (!RESIZE_INTERPOLATIONS.includes(interpolation)) {
    throw new ValueError(`${op}: invalid value for argument \`interpolation\`. Expected one of ${JSON.stringify(RESIZE_INTERPOLATIONS)}. Received: interpolation=${JSON.stringify(interpolation)}`);
  }
  if (fillMode !== 'constant') {
    throw new ValueError(`${op}: invalid value for argument \`fill_mode\`. Only 'constant' is supported. Received: fill_mode=${JSON.stringify(fillMode)}`);
  }
  if (cropToAspectRatio && padToAspectRatio) throw new ValueError(`${op}: only one of \`pad_to_aspect_ratio\` & \`crop_to_aspect_ratio\` can be true.`);
  const t = toTensor(images, 'images', op);
  const [x0, back] = toNHWC(t, dataFormatOf(options.dataFormat, op), op);
  let x = x0;
  const [b, h, w, c] = x.shape as [number, number, number, number];
  if (cropToAspectRatio) {
    const [top, left, ch, cw] = aspectCropBox(h, w, th, tw);
    x = slice(x, [0, top, left, 0], [b, ch, cw, c]);
  } else if (padToAspectRatio) {
    const padH = Math.max(h, Math.trunc((w * th) / tw));
    const padW = Math.max(w, Math.trunc((h * tw) / th));
    const top = Math.trunc((padH - h) / 2), left = Math.trunc((padW - w) / 2);
    // as Keras: the same amount on both sides of one axis (height first)
    if (top > 0) x = pad(x, [[0, 0], [top, top], [0, 0], [0, 0]], {constantValues: fillValue});
    else if (left > 0) x = pad(x, [[0, 0], [0, 0], [left, left], [0, 0]], {constantValues: fillValue});
  }
  return back(resizeNHWC(x, th, tw, interpolation, antialias));
}

function resizeNHWC(x: Tensor, th: number, tw: number, interpolation: ResizeInterpolation, antialias: boolean): Tensor {
  const [b, h, w, c] = x.shape as [number, number, number, number];
  if (interpolation === 'nearest') {
    let y = x;
    if (h !== th) y = take(y, tensor(nearestIndices(h, th), [th], 'int32'), 1);
    if (w !== tw) y = take(y, tensor(nearestIndices(w, tw), [tw], 'int32'), 2);
    return y;
  }
  if (h === th && w === tw) return x;
  const isInt = !isFloat(x.dtype);
  let y = isInt ? cast(x, 'float32') : x;
  const fdt = y.dtype;
  if (h !== th) {
    const wh = tensor(resizeWeights(h, th, interpolation, antialias), [th, h], 'float32');
    y = reshape(matmul(cast(wh, fdt), reshape(y, [b, h, w * c])), [b, th, w, c]);
  }
  if (w !== tw) {
    const ww = tensor(resizeWeights(w, tw, interpolation, antialias), [tw, w], 'float32');
    y = reshape(matmul(cast(ww, fdt), reshape(y, [b * th, w, c])), [b, th, tw, c]);
  }
  if (isInt) {
    let lo = Infinity, hi = -Infinity;
    for (const v of x.values) { if (v < lo) lo = v; if (v > hi) hi = v; }
    y = cast(clip(round(y), lo, hi), x.dtype);
  }
  return y;
}

// --- affine transform ---------------------------------------------------------------------------

export type AffineInterpolation = 'nearest' | 'bilinear';
export type FillMode = 'constant' | 'nearest' | 'wrap' | 'mirror' | 'reflect';
const AFFINE_INTERPOLATIONS: readonly AffineInterpolation[] = ['nearest', 'bilinear'];
const FILL_MODES: readonly FillMode[] = ['constant', 'nearest', 'wrap', 'mirror', 'reflect'];

export interface AffineTransformOptions {
  /** Defaults to `'bilinear'`. */
  interpolation?: AffineInterpolation;
  /**
   * Points outside the input: `'constant'` (`k k | a b c d | k k`, the default), `'nearest'`
   * (`a a | a b c d | d d`), `'wrap'` (`a b c d | a b c d`), `'reflect'` (`d c b a | a b c d | d c b a`,
   * about the edge of the last pixel) or `'mirror'` (`d c b | a b c d | c b a`, about its centre).
   */
  fillMode?: FillMode;
  fillValue?: number;
  dataFormat?: ImageDataFormat | null;
}

// index fixers of Keras's JAX / torch `map_coordinates`
const mirrorIndex = (i: number, size: number): number => {
  const s = size - 1;
  if (s === 0) return 0;
  const m = (((i + s) % (2 * s)) + 2 * s) % (2 * s);
  return Math.abs(m - s);
};
const FIXERS: Record<FillMode, (i: number, size: number) => number> = {
  constant: (i, size) => Math.min(Math.max(i, 0), size - 1),
  nearest: (i, size) => Math.min(Math.max(i, 0), size - 1),
  wrap: (i, size) => ((i % size) + size) % size,
  mirror: mirrorIndex,
  reflect: (i, size) => Math.floor((mirrorIndex(2 * i + 1, 2 * size + 1) - 1) / 2),
};

/** Round half to even, as `jnp.round` / `torch.round`. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Applies projective transforms given as rows `[a0, a1, a2, b0, b1, b2, c0, c1]` to images
 * (`keras.ops.image.affine_transform`): output pixel `(x, y)` (column, row) takes the input at
 * `(a0 x + a1 y + a2, b0 x + b1 y + b2)`; `c0`, `c1` are taken as 0, as Keras's non-TensorFlow
 * backends do. `transform` is one row (every image) or one row per image. Gradients reach the
 * images, not the transform.
 */
export function affineTransform(images: TensorLike, transform: TensorLike, options: AffineTransformOptions = {}): Tensor {
  const op = 'affineTransform';
  const {interpolation = 'bilinear', fillMode = 'constant', fillValue = 0} = options;
  if (!AFFINE_INTERPOLATIONS.includes(interpolation)) {
    throw new ValueError(`${op}: invalid value for argument \`interpolation\`. Expected one of ${JSON.stringify(AFFINE_INTERPOLATIONS)}. Received: interpolation=${JSON.stringify(interpolation)}`);
  }
  if (!FILL_MODES.includes(fillMode)) {
    throw new ValueError(`${op}: invalid value for argument \`fill_mode\`. Expected one of ${JSON.stringify(FILL_MODES)}. Received: fill_mode=${JSON.stringify(fillMode)}`);
  }
  if (typeof fillValue !== 'number') throw new ValueError(`${op}: \`fill_value\` must be a number. Received: fill_value=${String(fillValue)}`);
  const t = toTensor(images, 'images', op);
  const m = toTensor(transform, 'transform', op, 'float32');
  if (m.rank !== 1 && m.rank !== 2) {
    throw new ValueError(`${op}: invalid transform rank: expected rank 1 (single transform) or rank 2 (batch of transforms). Received input with shape: transform.shape=${fmtShape(m.shape)}`);
  }
  if (m.shape.at(-1) !== 8) throw new ValueError(`${op}: each transform must have 8 values [a0, a1, a2, b0, b1, b2, c0, c1]. Received: transform.shape=${fmtShape(m.shape)}`);
  const [x0, back] = toNHWC(t, dataFormatOf(options.dataFormat, op), op);
  const [b, h, w, c] = x0.shape as [number, number, number, number];
  const rows = m.rank === 1 ? 1 : m.shape[0]!;
  if (rows !== 1 && rows !== b) {
    throw new ValueError(`${op}: expected one transform or one per image (${b}). Received: transform.shape=${fmtShape(m.shape)} for images.shape=${fmtShape(t.shape)}`);
  }
  const tv = m.values;
  const inputDtype = x0.dtype;
  const x = isFloat(inputDtype) ? x0 : cast(x0, 'float32');
  const n = b * h * w;
  const f = Math.fround;
  const corners = interpolation === 'bilinear' ? 4 : 1;
  const idx = Array.from({length: corners}, () => new Int32Array(n));
  const wts = Array.from({length: corners}, () => new Float32Array(n));
  const fill = new Float32Array(n);
  let anyFill = false;
  const fix = FIXERS[fillMode];
  const valid = (i: number, size: number): boolean => fillMode !== 'constant' || (i >= 0 && i < size);
  for (let bi = 0; bi < b; bi++) {
    const o = rows === 1 ? 0 : bi * 8;
    const a0 = tv[o]!, a1 = tv[o + 1]!, a2 = tv[o + 2]!, b0 = tv[o + 3]!, b1 = tv[o + 4]!, b2 = tv[o + 5]!;
    for (let yi = 0; yi < h; yi++) {
      for (let xi = 0; xi < w; xi++) {
        const p = (bi * h + yi) * w + xi;
        // float32, in the order of Keras's einsum: row = y*b1 + x*b0 + b2, col = y*a1 + x*a0 + a2
        const cy = f(f(f(yi * b1) + f(xi * b0)) + b2);
        const cx = f(f(f(yi * a1) + f(xi * a0)) + a2);
        if (interpolation === 'nearest') {
          const ry = roundHalfEven(cy), rx = roundHalfEven(cx);
          if (valid(ry, h) && valid(rx, w)) {
            idx[0]![p] = (bi * h + fix(ry, h)) * w + fix(rx, w);
            wts[0]![p] = 1;
          } else {
            fill[p] = 1;
            anyFill = true;
          }
          continue;
        }
        const y0 = Math.floor(cy), x0i = Math.floor(cx);
        const wy1 = f(cy - y0), wx1 = f(cx - x0i);
        const wy = [f(1 - wy1), wy1], wx = [f(1 - wx1), wx1];
        let k = 0;
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++, k++) {
            const yy = y0 + dy, xx = x0i + dx;
            const wk = f(wy[dy]! * wx[dx]!);
            idx[k]![p] = (bi * h + fix(yy, h)) * w + fix(xx, w);
            if (valid(yy, h) && valid(xx, w)) wts[k]![p] = wk;
            else {
              fill[p] = f(fill[p]! + wk);
              anyFill = true;
            }
          }
        }
      }
    }
  }
  const flat = reshape(x, [n, c]);
  let y: Tensor | null = null;
  for (let k = 0; k < corners; k++) {
    const term = multiply(take(flat, tensor(idx[k]!, [n], 'int32'), 0), cast(tensor(wts[k]!, [n, 1], 'float32'), x.dtype));
    y = y === null ? term : add(y, term);
  }
  if (anyFill && fillValue !== 0) y = add(y!, cast(multiply(tensor(fill, [n, 1], 'float32'), fillValue), x.dtype));
  let out = reshape(y!, [b, h, w, c]);
  if (out.dtype !== inputDtype) out = cast(out, inputDtype);
  return back(out);
}
