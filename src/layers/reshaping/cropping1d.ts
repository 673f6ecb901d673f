import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {splitPositional, standardizePairs} from '../layer_utils.js';

type Pair = [number, number];

/** The length left of an axis of `len` cropped by `p` (null stays null); nothing left is an error. */
export function cropped(len: number | null, p: Pair, layer: string, shape: ShapeLike): number | null {
  if (len === null) return null;
  const out = len - p[0] - p[1];
  if (out <= 0) {
    throw new ValueError(`${layer}: cropping ${JSON.stringify(p)} leaves nothing of an axis of length ${len}. Received: input_shape=${fmtShape(shape)}`);
  }
  return out;
}

/** Removes `cropping[0]` steps at the start and `cropping[1]` at the end: `[batch, steps, features]`. */
export class Cropping1D extends Layer {
  static override readonly className: string = 'Cropping1D';
  readonly cropping: Pair;

  constructor(cropping: number | readonly number[] | (LayerArgs & {cropping?: number | readonly number[]}) = [1, 1], args: LayerArgs = {}) {
    [cropping, args] = splitPositional<number | readonly number[], LayerArgs>(cropping, args, 'cropping', [1, 1]);
    super(args);
    this.cropping = standardizePairs(cropping, 1, 'cropping')[0]!;
    this.inputSpec = new InputSpec({ndim: 3});
  }

  override call(inputs: Tensor): Tensor {
    const n = cropped(inputs.shape[1]!, this.cropping, this.name, inputs.shape)!;
    return ops.slice(inputs, [0, this.cropping[0], 0], [-1, n, -1]);
  }

  override computeOutputShape(s: ShapeLike): ShapeLike {
    return [s[0] ?? null, cropped(s[1] ?? null, this.cropping, this.name, s), s[2] ?? null];
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), cropping: [...this.cropping]};
  }

  static override fromConfig(config: Record<string, unknown>): Cropping1D {
    const {cropping, ...rest} = config;
    return new this(cropping as number[], rest as LayerArgs);
  }
}
registerKerasSerializable(Cropping1D, {pkg: 'keras'});
