import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {SeedGenerator} from '../../tensor/random.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type CallArgs, type LayerArgs} from '../layer.js';

export interface AlphaDropoutArgs extends LayerArgs {
  /** Shape of the keep mask, broadcast against the inputs; null entries take the input's size. */
  noiseShape?: (number | null)[] | null;
  seed?: number | null;
}

// SELU's constants: a dropped unit is set to SELU's negative saturation value -alpha * scale
const ALPHA = 1.6732632423543772848170429916717;
const SCALE = 1.0507009873554804934193349852946;

/**
 * Dropout that keeps SELU's self-normalizing property: in training, a fraction `rate` of the
 * inputs is set to `alpha' = -alpha * scale` (SELU's saturation value), then the result is mapped
 * by `a * x + b` with `a = ((1 - rate) * (1 + rate * alpha'^2))^-1/2`, `b = -a * alpha' * rate`,
 * so the mean and variance of the inputs are kept. Identity unless called with `training: true`.
 *
 * ```ts
 * new AlphaDropout(0.1); // after Dense(..., {activation: 'selu', kernelInitializer: 'lecun_normal'})
 * ```
 */
export class AlphaDropout extends Layer {
  static override readonly className: string = 'AlphaDropout';
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;
  readonly seed: number | null;
  readonly seedGenerator: SeedGenerator | null;

  constructor(rate: number, args: AlphaDropoutArgs = {}) {
    super(args);
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new ValueError(`Invalid value received for argument \`rate\`. Expected a float value between 0 and 1. Received: rate=${rate}`);
    }
    this.rate = rate;
    this.seed = args.seed ?? null;
    this.noiseShape = args.noiseShape ? [...args.noiseShape] : null;
    this.seedGenerator = rate > 0 ? new SeedGenerator(this.seed ?? undefined) : null;
    this.supportsMasking = true;
    this.built = true;
  }

  override call(inputs: Tensor, kwargs: CallArgs = {}): Tensor {
    if (kwargs.training !== true || this.rate === 0) return inputs;
    const shape = this.noiseShape ? this.noiseShape.map((d, i) => d ?? inputs.shape[i]!) : [...inputs.shape];
    if (shape.length !== inputs.rank) {
      throw new ValueError(`Layer "${this.name}": noise_shape ${JSON.stringify(this.noiseShape)} must have the rank of the inputs (${inputs.rank})`);
    }
    const alphaP = -ALPHA * SCALE;
    // kept with probability 1 - rate, as Keras's `uniform >= rate`
    const kept = ops.bernoulliMask(shape, 1 - this.rate, inputs.dtype, this.seedGenerator!);
    const a = ((1 - this.rate) * (1 + this.rate * alphaP ** 2)) ** -0.5;
    const b = -a * alphaP * this.rate;
    const x = ops.add(ops.multiply(inputs, kept), ops.multiply(ops.subtract(1, kept), alphaP));
    return ops.add(ops.multiply(x, a), b);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), rate: this.rate, seed: this.seed, noiseShape: this.noiseShape};
  }

  static override fromConfig(config: Record<string, unknown>): AlphaDropout {
    const {rate, ...rest} = config;
    return new this(rate as number, rest as AlphaDropoutArgs);
  }
}
registerKerasSerializable(AlphaDropout, {pkg: 'keras'});
