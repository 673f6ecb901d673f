import {ValueError} from '../../errors.js';
import {registerKerasSerializable} from '../../serialization.js';
import {tensor, type Tensor} from '../../tensor/tensor.js';
import {BaseRandomAffineLayer, BaseRandomImageLayer, type AffineLayerArgs} from './base_image_layer.js';

export interface RandomZoomArgs extends AffineLayerArgs {
  /** Zoom of the width; null (default) keeps the aspect ratio (the height's zoom for both). */
  widthFactor?: number | [number, number] | null;
}

/** `(lo, hi)` of a zoom factor: each value in `(-1, 1]`, a number `f` meaning `[-|f|, |f|]`. */
function zoomRange(factor: unknown, what: string): [number, number] {
  const msg = (v: unknown) => `The \`height_factor\` and \`width_factor\` arguments should be a number (or a list of two numbers) in the range (-1.0, 1.0]. Received: ${what}=${JSON.stringify(v)}`;
  const check = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v > 1 || v <= -1) throw new ValueError(msg(factor));
    return v;
  };
  if (Array.isArray(factor)) {
    if (factor.length !== 2) throw new ValueError(msg(factor));
    const a = check(factor[0]), b = check(factor[1]);
    return a <= b ? [a, b] : [b, a];
  }
  const f = Math.abs(check(factor));
  return [-f, f];
}

/**
 * Zooms each image of a batch in or out at random during training (Keras's `RandomZoom`): a factor
 * `f` samples a region `1 + f` times the image, so negative factors zoom in and positive ones out;
 * `heightFactor: 0.2` draws `f` in `[-0.2, 0.2]`. Identity in inference.
 *
 * ```ts
 * new RandomZoom(0.1);                                  // aspect ratio kept
 * new RandomZoom([-0.3, -0.1], {widthFactor: 0.2});     // zoom in vertically, either way horizontally
 * ```
 */
export class RandomZoom extends BaseRandomAffineLayer {
  static override readonly className: string = 'RandomZoom';
  readonly heightFactor: number | [number, number];
  readonly widthFactor: number | [number, number] | null;
  private readonly heightRange: [number, number];
  private readonly widthRange: [number, number] | null;

  constructor(heightFactor: number | [number, number], {widthFactor = null, ...args}: RandomZoomArgs = {}) {
    super(args);
    this.heightFactor = heightFactor;
    this.heightRange = zoomRange(heightFactor, 'height_factor');
    this.widthFactor = widthFactor;
    this.widthRange = widthFactor === null ? null : zoomRange(widthFactor, 'width_factor');
  }

  protected override transformImages(images: Tensor, training: boolean): Tensor {
    if (!training) return images;
    const [x, back] = BaseRandomImageLayer.batched(images);
    const n = x.shape[0]!;
    const [h, w] = this.imageSize(x.shape);
    const zy = this.uniform(n, 1 + this.heightRange[0], 1 + this.heightRange[1]);
    const zx = this.widthRange ? this.uniform(n, 1 + this.widthRange[0], 1 + this.widthRange[1]) : zy;
    const f = Math.fround;
    const m = new Float32Array(n * 8);
    for (let i = 0; i < n; i++) {
      m.set([zx[i]!, 0, f(f((w - 1) / 2) * f(1 - zx[i]!)), 0, zy[i]!, f(f((h - 1) / 2) * f(1 - zy[i]!)), 0, 0], i * 8);
    }
    return back(this.affine(x, tensor(m, [n, 8])));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), heightFactor: this.heightFactor, widthFactor: this.widthFactor,
      ...this.affineConfig(),
    };
  }

  static override fromConfig(config: Record<string, unknown>): RandomZoom {
    const {heightFactor, ...rest} = config;
    return new this(heightFactor as number, rest as RandomZoomArgs);
  }
}
registerKerasSerializable(RandomZoom, {pkg: 'keras'});
