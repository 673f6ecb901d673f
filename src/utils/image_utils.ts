/**
 * Image files to tensors: PNG (pngjs) and JPEG (jpeg-js) decoding, bilinear resizing as
 * `tf.image.resize` (half-pixel centers, no antialiasing), and Keras 3's `keras.utils.load_img` /
 * `img_to_array`. Values stay in `[0, 255]` as float32, channels last.
 *
 * ```ts
 * const img = await keras.utils.loadImg('PetImages/Cat/6779.jpg', {targetSize: [180, 180]});
 * const x = keras.utils.imgToArray(img); // [180, 180, 3]
 * ```
 */
import {readFile} from '../platform/index.js';
import {PNG} from '../platform/index.js';
import {extname} from '../platform/index.js';
import {ValueError} from '../errors.js';
import {Tensor} from '../tensor/tensor.js';

/** The extensions the image utilities read (Keras also lists .bmp and .gif, which are not decoded here). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

export type ColorMode = 'grayscale' | 'rgb' | 'rgba';
export type Interpolation = 'bilinear' | 'nearest';

/** A decoded image: `height x width` pixels of 4 bytes (RGBA), as the decoders return them. */
interface RawImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/**
 * Decodes PNG or JPEG bytes (chosen by their signature, not the file name). The JPEG decoder is
 * loaded on first use: a page that never reads a JPEG does not download it.
 */
async function decodeImage(bytes: Uint8Array, what = 'image'): Promise<RawImage> {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return {width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength)};
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const {default: jpeg} = await import('jpeg-js');
    const img = jpeg.decode(bytes, {useTArray: true, formatAsRGBA: true});
    return {width: img.width, height: img.height, rgba: img.data};
  }
  throw new ValueError(`Could not decode ${what}: only PNG and JPEG images are supported (the file starts with neither signature)`);
}

const CHANNELS: Record<ColorMode, number> = {grayscale: 1, rgb: 3, rgba: 4};

/**
 * `[height, width, channels]` float32 pixels of `img`, resized to `size` (`[height, width]`) when
 * given. Grayscale is `0.2989 R + 0.587 G + 0.114 B`, as `tf.image.rgb_to_grayscale`.
 */
function imageToTensor(img: RawImage, colorMode: ColorMode = 'rgb', size: [number, number] | null = null, interpolation: Interpolation = 'bilinear'): Tensor {
  const c = CHANNELS[colorMode];
  if (c === undefined) throw new ValueError(`\`color_mode\` must be one of {"rgb", "rgba", "grayscale"}. Received: color_mode=${colorMode}`);
  const {width: w, height: h, rgba} = img;
  const src = new Float32Array(w * h * c);
  for (let p = 0; p < w * h; p++) {
    const r = rgba[p * 4]!, g = rgba[p * 4 + 1]!, b = rgba[p * 4 + 2]!;
    if (c === 1) src[p] = 0.2989 * r + 0.587 * g + 0.114 * b;
    else for (let k = 0; k < c; k++) src[p * c + k] = rgba[p * 4 + k]!;
  }
  if (!size || (size[0] === h && size[1] === w)) return new Tensor([h, w, c], 'float32', src);
  return new Tensor([size[0], size[1], c], 'float32', resize(src, h, w, c, size[0], size[1], interpolation));
}

/** Resizes `[h, w, c]` pixels with half-pixel centers (TensorFlow's `resize` since TF 2). */
function resize(src: Float32Array, h: number, w: number, c: number, oh: number, ow: number, interpolation: Interpolation): Float32Array {
  const out = new Float32Array(oh * ow * c);
  const sy = h / oh, sx = w / ow;
  for (let y = 0; y < oh; y++) {
    const fy = Math.max((y + 0.5) * sy - 0.5, 0);
    const y0 = Math.min(Math.floor(fy), h - 1), y1 = Math.min(y0 + 1, h - 1), dy = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = Math.max((x + 0.5) * sx - 0.5, 0);
      const x0 = Math.min(Math.floor(fx), w - 1), x1 = Math.min(x0 + 1, w - 1), dx = fx - x0;
      const o = (y * ow + x) * c;
      if (interpolation === 'nearest') {
        const ny = Math.min(Math.floor((y + 0.5) * sy), h - 1), nx = Math.min(Math.floor((x + 0.5) * sx), w - 1);
        for (let k = 0; k < c; k++) out[o + k] = src[(ny * w + nx) * c + k]!;
        continue;
      }
      for (let k = 0; k < c; k++) {
        const top = src[(y0 * w + x0) * c + k]! * (1 - dx) + src[(y0 * w + x1) * c + k]! * dx;
        const bottom = src[(y1 * w + x0) * c + k]! * (1 - dx) + src[(y1 * w + x1) * c + k]! * dx;
        out[o + k] = top * (1 - dy) + bottom * dy;
      }
    }
  }
  return out;
}

/** Reads and decodes one image file into `[height, width, channels]` float32. */
export async function readImage(path: string, colorMode: ColorMode, size: [number, number] | null, interpolation: Interpolation = 'bilinear'): Promise<Tensor> {
  const ext = extname(path).toLowerCase();
  if (!IMAGE_EXTENSIONS.includes(ext)) {
    throw new ValueError(`Could not read ${path}: the image utilities read ${IMAGE_EXTENSIONS.join(', ')} files. Received a file with extension ${ext || '(none)'}`);
  }
  return imageToTensor(await decodeImage(await readFile(path), path), colorMode, size, interpolation);
}

/** `keras.utils.load_img`: an image file as a `[height, width, channels]` tensor (the PIL image's place). */
export function loadImg(
  path: string,
  {colorMode = 'rgb', targetSize = null, interpolation = 'nearest'}: {colorMode?: ColorMode; targetSize?: [number, number] | null; interpolation?: Interpolation} = {},
): Promise<Tensor> {
  return readImage(path, colorMode, targetSize, interpolation);
}

/** `keras.utils.img_to_array`: the pixels as a float32 `[height, width, channels]` tensor. */
export function imgToArray(img: Tensor): Tensor {
  if (img.rank !== 3) throw new ValueError(`Unsupported image shape: ${JSON.stringify(img.shape)}; expected [height, width, channels]`);
  return img.dtype === 'float32' ? img : new Tensor([...img.shape], 'float32', Float32Array.from(img.values));
}
