import {registerKerasSerializable} from '../../serialization.js';
import {tensor, type Tensor} from '../../tensor/tensor.js';
import {affineMatrices, BaseRandomAffineLayer, BaseRandomImageLayer, parseFactor, type AffineLayerArgs} from './base_image_layer.js';

export type {AffineLayerArgs};

/**
 * Rotates each image of a batch by a random angle during training (Keras's `RandomRotation`):
 * `factor` is a fraction of a full turn, `0.1` drawing angles in `[-36°, 36°]`, `[lo, hi]` in
 * `[lo * 360°, hi * 360°]`; positive angles turn counter-clockwise, about the image centre.
 * Identity in inference. Input and output: `[batch, height, width, channels]` (or one image).
 *
 * ```ts
 * new RandomRotation(0.1, {fillMode: 'constant', seed: 7});
 * ```
 */
export class RandomRotation extends BaseRandomAffineLayer {
  static override readonly className: string = 'RandomRotation';
  readonly factor: [number, number];

  constructor(factor: number | [number, number], {...args}: AffineLayerArgs = {}) {
    super(args);
    this.factor = parseFactor(factor, [-1, 1]);
  }

  protected override transformImages(images: Tensor, training: boolean): Tensor {
    if (!training) return images;
    const [x, back] = BaseRandomImageLayer.batched(images);
    const n = x.shape[0]!;
    const [h, w] = this.imageSize(x.shape);
    const angles = this.uniform(n, this.factor[0] * 360, this.factor[1] * 360);
    const m = tensor(affineMatrices(angles, h, w), [n, 8]);
    return back(this.affine(x, m));
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), factor: [...this.factor], ...this.affineConfig()};
  }

  static override fromConfig(config: Record<string, unknown>): RandomRotation {
    const {factor, ...rest} = config;
    return new this(factor as [number, number], rest as AffineLayerArgs);
  }
}
registerKerasSerializable(RandomRotation, {pkg: 'keras'});
