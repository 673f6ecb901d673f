import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {randomNormal, SeedGenerator} from '../../tensor/random.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type CallArgs, type LayerArgs} from '../layer.js';

/**
 * Multiplies the inputs by Gaussian noise of mean 1 and standard deviation
 * `sqrt(rate / (1 - rate))` during training only.
 */
export class GaussianDropout extends Layer {
  static override readonly className: string = 'GaussianDropout';
  readonly rate: number;
  readonly seed: number | null;
  readonly seedGenerator: SeedGenerator | null;

  constructor(rate: number, args: LayerArgs & {seed?: number | null} = {}) {
    super(args);
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new ValueError(`Invalid value received for argument \`rate\`. Expected a float value between 0 and 1. Received: rate=${rate}`);
    }
    this.rate = rate;
    this.seed = args.seed ?? null;
    this.seedGenerator = rate > 0 ? new SeedGenerator(this.seed ?? undefined) : null;
    this.supportsMasking = true;
    this.built = true;
  }

  override call(inputs: Tensor, kwargs: CallArgs = {}): Tensor {
    if (kwargs.training !== true || !(this.rate > 0 && this.rate < 1)) return inputs;
    const stddev = Math.sqrt(this.rate / (1 - this.rate));
    return ops.multiply(inputs, randomNormal(inputs.shape, {mean: 1, stddev, dtype: inputs.dtype, seed: this.seedGenerator!}));
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), rate: this.rate, seed: this.seed};
  }

  static override fromConfig(config: Record<string, unknown>): GaussianDropout {
    const {rate, ...rest} = config;
    return new this(rate as number, rest as LayerArgs);
  }
}
registerKerasSerializable(GaussianDropout, {pkg: 'keras'});
