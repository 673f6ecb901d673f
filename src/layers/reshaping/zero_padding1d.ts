import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {splitPositional, standardizePairs} from '../layer_utils.js';

type Pair = [number, number];

/** Adds `padding` zeros at the start and end of the steps axis: `[batch, steps, features]`. */
export class ZeroPadding1D extends Layer {
  static override readonly className: string = 'ZeroPadding1D';
  readonly padding: Pair;

  constructor(padding: number | readonly number[] | (LayerArgs & {padding?: number | readonly number[]}) = 1, args: LayerArgs = {}) {
    [padding, args] = splitPositional<number | readonly number[], LayerArgs>(padding, args, 'padding', 1);
    super(args);
    this.padding = standardizePairs(padding, 1, 'padding')[0]!;
    this.inputSpec = new InputSpec({ndim: 3});
  }

  override call(inputs: Tensor): Tensor {
    return ops.pad(inputs, [[0, 0], this.padding, [0, 0]]);
  }

  override computeOutputShape(s: ShapeLike): ShapeLike {
    return [s[0] ?? null, s[1] === null ? null : s[1]! + this.padding[0] + this.padding[1], s[2] ?? null];
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), padding: [...this.padding]};
  }

  static override fromConfig(config: Record<string, unknown>): ZeroPadding1D {
    const {padding, ...rest} = config;
    return new this(padding as number[], rest as LayerArgs);
  }
}
registerKerasSerializable(ZeroPadding1D, {pkg: 'keras'});
