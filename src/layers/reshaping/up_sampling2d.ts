import type {ImageDataFormat} from '../../config.js';
import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {splitPositional, standardizeDataFormat, standardizeTuple} from '../layer_utils.js';

export type Interpolation = 'nearest' | 'bilinear';

export interface UpSampling2DArgs extends LayerArgs {
  dataFormat?: ImageDataFormat | null;
  interpolation?: Interpolation;
}

/**
 * Scales an image up by `size = [rows, cols]`: `'nearest'` repeats rows and columns; `'bilinear'`
 * interpolates with half-pixel centres (TensorFlow's `resize`, PyTorch's `align_corners=False`).
 */
export class UpSampling2D extends Layer {
  static override readonly className: string = 'UpSampling2D';
  readonly size: [number, number];
  readonly dataFormat: ImageDataFormat;
  readonly interpolation: Interpolation;

  constructor(size: number | readonly number[] | (UpSampling2DArgs & {size?: number | readonly number[]}) = [2, 2], args: UpSampling2DArgs = {}) {
    [size, args] = splitPositional<number | readonly number[], UpSampling2DArgs>(size, args, 'size', [2, 2]);
    const {dataFormat, interpolation = 'nearest', ...rest} = args;
    super(rest);
    this.dataFormat = standardizeDataFormat(dataFormat);
    this.size = standardizeTuple(size, 2, 'size') as [number, number];
    const interp = String(interpolation).toLowerCase();
    if (interp !== 'nearest' && interp !== 'bilinear') {
      throw new ValueError(`UpSampling2D: interpolation must be one of 'nearest', 'bilinear'. Received: interpolation=${JSON.stringify(interpolation)}`);
    }
    this.interpolation = interp;
    this.inputSpec = new InputSpec({ndim: 4});
  }

  override call(inputs: Tensor): Tensor {
    const [hAxis, wAxis] = this.dataFormat === 'channels_last' ? [1, 2] : [2, 3];
    if (this.interpolation === 'nearest') {
      return ops.repeat(ops.repeat(inputs, this.size[0], hAxis), this.size[1], wAxis);
    }
    return bilinearAxis(bilinearAxis(inputs, hAxis, this.size[0]), wAxis, this.size[1]);
  }

  override computeOutputShape(s: ShapeLike): ShapeLike {
    const out = [...s];
    const [hAxis, wAxis] = this.dataFormat === 'channels_last' ? [1, 2] : [2, 3];
    out[hAxis] = s[hAxis] === null ? null : s[hAxis]! * this.size[0];
    out[wAxis] = s[wAxis] === null ? null : s[wAxis]! * this.size[1];
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), size: [...this.size], dataFormat: this.dataFormat, interpolation: this.interpolation};
  }

  static override fromConfig(config: Record<string, unknown>): UpSampling2D {
    const {size, ...rest} = config;
    return new this(size as number[], rest as UpSampling2DArgs);
  }
}
registerKerasSerializable(UpSampling2D, {pkg: 'keras'});

/**
 * Linear interpolation along one axis to `n * scale` samples, half-pixel centres: output `o` reads
 * source `max((o + 0.5) / scale - 0.5, 0)`, blending its floor and the next sample (clamped).
 */
function bilinearAxis(x: Tensor, axis: number, scale: number): Tensor {
  const n = x.shape[axis]!;
  const m = n * scale;
  const i0 = new Int32Array(m), i1 = new Int32Array(m);
  const w = new Float64Array(m);
  for (let o = 0; o < m; o++) {
    const src = Math.max((o + 0.5) / scale - 0.5, 0);
    const f = Math.min(Math.floor(src), n - 1);
    i0[o] = f;
    i1[o] = Math.min(f + 1, n - 1);
    w[o] = src - f;
  }
  const wShape = x.shape.map((d, i) => (i === axis ? m : 1));
  const w1 = new Tensor(wShape, x.dtype, x.dtype === 'float64' ? w : Float32Array.from(w));
  const a = ops.take(x, new Tensor([m], 'int32', i0), axis);
  const b = ops.take(x, new Tensor([m], 'int32', i1), axis);
  return ops.add(a, ops.multiply(ops.subtract(b, a), w1));
}
