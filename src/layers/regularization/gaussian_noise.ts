import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {randomNormal, SeedGenerator} from '../../tensor/random.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type CallArgs, type LayerArgs} from '../layer.js';

/** Adds zero-centred Gaussian noise of standard deviation `stddev` during training only. */
export class GaussianNoise extends Layer {
  static override readonly className: string = 'GaussianNoise';
  readonly stddev: number;
  readonly seed: number | null;
  readonly seedGenerator: SeedGenerator | null;

  constructor(stddev: number, args: LayerArgs & {seed?: number | null} = {}) {
    super(args);
    if (typeof stddev !== 'number' || !(stddev >= 0 && stddev <= 1)) {
      throw new ValueError(`Invalid value received for argument \`stddev\`. Expected a float value between 0 and 1. Received: stddev=${stddev}`);
    }
    this.stddev = stddev;
    this.seed = args.seed ?? null;
    this.seedGenerator = stddev > 0 ? new SeedGenerator(this.seed ?? undefined) : null;
    this.supportsMasking = true;
    this.built = true;
  }

  override call(inputs: Tensor, kwargs: CallArgs = {}): Tensor {
    if (kwargs.training !== true || this.stddev === 0) return inputs;
    return ops.add(inputs, randomNormal(inputs.shape, {stddev: this.stddev, dtype: inputs.dtype, seed: this.seedGenerator!}));
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), stddev: this.stddev, seed: this.seed};
  }

  static override fromConfig(config: Record<string, unknown>): GaussianNoise {
    const {stddev, ...rest} = config;
    return new this(stddev as number, rest as LayerArgs);
  }
}
registerKerasSerializable(GaussianNoise, {pkg: 'keras'});
