import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {tensor, type Tensor} from '../../tensor/tensor.js';
import {BaseRandomImageLayer, type ImagePreprocessingArgs} from './base_image_layer.js';

export type FlipMode = 'horizontal' | 'vertical' | 'horizontal_and_vertical';
const MODES: readonly FlipMode[] = ['horizontal', 'vertical', 'horizontal_and_vertical'];

export interface RandomFlipArgs extends ImagePreprocessingArgs {
  mode?: FlipMode;
  seed?: number | null;
}

/**
 * Flips each image of a batch with probability 1/2 during training (Keras's `RandomFlip`):
 * left-right (`'horizontal'`), up-down (`'vertical'`) or both at once (`'horizontal_and_vertical'`,
 * the default; one draw per image decides both, as in Keras). Identity in inference.
 * Input and output: `[batch, height, width, channels]` (or one image, rank 3).
 *
 * ```ts
 * new RandomFlip('horizontal', {seed: 1337});
 * ```
 */
export class RandomFlip extends BaseRandomImageLayer {
  static override readonly className: string = 'RandomFlip';
  readonly mode: FlipMode;

  constructor(mode: FlipMode | RandomFlipArgs = 'horizontal_and_vertical', args: RandomFlipArgs = {}) {
    if (typeof mode === 'object' && mode !== null) {
      args = mode;
      mode = args.mode ?? 'horizontal_and_vertical';
    }
    const {mode: _m, ...rest} = args;
    void _m;
    super(rest);
    if (!MODES.includes(mode)) {
      throw new ValueError(`RandomFlip layer ${this.name} received an unknown mode argument ${JSON.stringify(mode)}. Expected one of ${JSON.stringify(MODES)}`);
    }
    this.mode = mode;
  }

  protected override transformImages(images: Tensor, training: boolean): Tensor {
    if (!training) return images;
    const [x, back] = BaseRandomImageLayer.batched(images);
    const n = x.shape[0]!;
    const flips = tensor(Uint8Array.from(this.uniform(n, 0, 1), (u) => (u <= 0.5 ? 1 : 0)), [n, 1, 1, 1], 'bool');
    const [hAxis, wAxis] = this.dataFormat === 'channels_last' ? [1, 2] : [2, 3];
    let y = x;
    if (this.mode !== 'vertical') y = ops.where(flips, ops.flip(y, wAxis), y);
    if (this.mode !== 'horizontal') y = ops.where(flips, ops.flip(y, hAxis), y);
    return back(y);
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), mode: this.mode};
  }

  static override fromConfig(config: Record<string, unknown>): RandomFlip {
    return new this(config as RandomFlipArgs);
  }
}
registerKerasSerializable(RandomFlip, {pkg: 'keras'});
