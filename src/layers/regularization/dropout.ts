import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {SeedGenerator} from '../../tensor/random.js';
import {zeros, type Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type CallArgs, type LayerArgs} from '../layer.js';
import {legacyArgs} from '../layer_utils.js';

export interface DropoutArgs extends LayerArgs {
  /** Shape of the binary mask, broadcast against the inputs; null entries take the input's size. */
  noiseShape?: (number | null)[] | null;
  seed?: number | null;
}

/**
 * Sets a fraction `rate` of the inputs to 0 during training and scales the rest by `1 / (1 - rate)`
 * (inverted dropout), so nothing changes at inference. Identity unless called with `training: true`.
 *
 * ```ts
 * new Dropout(0.2);
 * ```
 */
export class Dropout extends Layer {
  static override readonly className: string = 'Dropout';
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;
  readonly seed: number | null;
  readonly seedGenerator: SeedGenerator | null;

  constructor(rate: number | DropoutArgs, args: DropoutArgs = {}) {
    if (typeof rate === 'object' && rate !== null) {
      args = legacyArgs(rate as DropoutArgs & {rate?: number}, 'Dropout', ['rate']);
      rate = (args as {rate?: number}).rate as number;
    }
    super(args);
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new ValueError(`Invalid value received for argument \`rate\`. Expected a float value between 0 and 1. Received: rate=${rate}`);
    }
    this.rate = rate;
    this.seed = args.seed ?? null;
    this.noiseShape = validateNoiseShape(args.noiseShape ?? null);
    this.seedGenerator = rate > 0 ? new SeedGenerator(this.seed ?? undefined) : null;
    this.supportsMasking = true;
    this.built = true;
  }

  /** The mask shape for `inputs`: `noiseShape` with null entries filled from the input. */
  protected getNoiseShape(inputs: Tensor): number[] {
    if (!this.noiseShape) return [...inputs.shape];
    if (this.noiseShape.length !== inputs.rank) {
      throw new ValueError(`Layer "${this.name}": noise_shape ${JSON.stringify(this.noiseShape)} must have the rank of the inputs (${inputs.rank})`);
    }
    return this.noiseShape.map((d, i) => d ?? inputs.shape[i]!);
  }

  override call(inputs: Tensor, kwargs: CallArgs = {}): Tensor {
    if (kwargs.training !== true || this.rate === 0) return inputs;
    if (this.rate === 1) return ops.multiply(inputs, zeros([], inputs.dtype));
    const keep = 1 - this.rate, shape = this.getNoiseShape(inputs), dtype = inputs.dtype;
    if (dtype === 'float32' || dtype === 'float64') {
      // the mask scaled as it is drawn: the values of mask / keep (a float32 division where the mask is float32)
      const scale = dtype === 'float32' ? Math.fround(1 / Math.fround(keep)) : 1 / keep;
      return ops.multiply(inputs, ops.bernoulliMask(shape, keep, dtype, this.seedGenerator!, scale));
    }
    return ops.multiply(inputs, ops.divide(ops.bernoulliMask(shape, keep, dtype, this.seedGenerator!), keep));
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), rate: this.rate, seed: this.seed, noiseShape: this.noiseShape};
  }

  static override fromConfig(config: Record<string, unknown>): Dropout {
    const {rate, ...rest} = config;
    return new this(rate as number, rest as DropoutArgs);
  }
}

function validateNoiseShape(s: (number | null)[] | null): (number | null)[] | null {
  if (s === null) return null;
  if (!Array.isArray(s)) {
    throw new ValueError(`Invalid value received for argument \`noise_shape\`. Expected a tuple or list of integers. Received: noise_shape=${JSON.stringify(s)}`);
  }
  s.forEach((d, i) => {
    if (d !== null && (!Number.isInteger(d) || d <= 0)) {
      throw new ValueError(`Invalid value received for argument \`noise_shape\`. Expected all dimensions to be positive integers or None. Received ${d} at index ${i}`);
    }
  });
  return [...s];
}
registerKerasSerializable(Dropout, {pkg: 'keras'});
