import {ValueError} from '../../errors.js';
import {registerKerasSerializable} from '../../serialization.js';
import {tensor, type Tensor} from '../../tensor/tensor.js';
import {BaseRandomAffineLayer, BaseRandomImageLayer, type AffineLayerArgs} from './base_image_layer.js';

function shiftRange(factor: unknown, what: string): [number, number] {
  const msg = `The \`factor\` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. Received: ${what}=${JSON.stringify(factor)}`;
  const check = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v > 1 || v < -1) throw new ValueError(msg);
    return v;
  };
  if (Array.isArray(factor)) {
    if (factor.length !== 2) throw new ValueError(msg);
    const a = check(factor[0]), b = check(factor[1]);
    return a <= b ? [a, b] : [b, a];
  }
  const f = Math.abs(check(factor));
  return [-f, f];
}

/**
 * Shifts each image of a batch by a random fraction of its size during training (Keras's
 * `RandomTranslation`): `heightFactor: 0.1` moves it up or down by up to 10% of the height (positive
 * is down), `widthFactor` left or right (positive is right). Identity in inference.
 *
 * ```ts
 * new RandomTranslation(0.1, 0.1, {fillMode: 'constant'});
 * ```
 */
export class RandomTranslation extends BaseRandomAffineLayer {
  static override readonly className: string = 'RandomTranslation';
  readonly heightFactor: number | [number, number];
  readonly widthFactor: number | [number, number];
  private readonly heightRange: [number, number];
  private readonly widthRange: [number, number];

  constructor(heightFactor: number | [number, number], widthFactor: number | [number, number], {...args}: AffineLayerArgs = {}) {
    super(args);
    this.heightFactor = heightFactor;
    this.heightRange = shiftRange(heightFactor, 'height_factor');
    this.widthFactor = widthFactor;
    this.widthRange = shiftRange(widthFactor, 'width_factor');
  }

  protected override transformImages(images: Tensor, training: boolean): Tensor {
    if (!training) return images;
    const [x, back] = BaseRandomImageLayer.batched(images);
    const n = x.shape[0]!;
    const [h, w] = this.imageSize(x.shape);
    const f = Math.fround;
    const dy = this.uniform(n, this.heightRange[0], this.heightRange[1]).map((v) => f(v * h));
    const dx = this.uniform(n, this.widthRange[0], this.widthRange[1]).map((v) => f(v * w));
    const m = new Float32Array(n * 8);
    for (let i = 0; i < n; i++) m.set([1, 0, -dx[i]!, 0, 1, -dy[i]!, 0, 0], i * 8);
    return back(this.affine(x, tensor(m, [n, 8])));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), heightFactor: this.heightFactor, widthFactor: this.widthFactor,
      ...this.affineConfig(),
    };
  }

  static override fromConfig(config: Record<string, unknown>): RandomTranslation {
    const {heightFactor, widthFactor, ...rest} = config;
    return new this(heightFactor as number, widthFactor as number, rest as AffineLayerArgs);
  }
}
registerKerasSerializable(RandomTranslation, {pkg: 'keras'});
