import type {ImageDataFormat} from '../../config.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {splitPositional, standardizeDataFormat, standardizeTuple} from '../layer_utils.js';
import {axes3d} from './zero_padding3d.js';

type Args = LayerArgs & {dataFormat?: ImageDataFormat | null};

/**
 * Scales a volume `[batch, depth, rows, cols, channels]` up by `size = [d, h, w]`, repeating each
 * slice, row and column (nearest neighbour, as Keras).
 *
 * ```ts
 * new UpSampling3D([2, 2, 2]); // [n, 2, 3, 4, c] -> [n, 4, 6, 8, c]
 * ```
 */
export class UpSampling3D extends Layer {
  static override readonly className: string = 'UpSampling3D';
  readonly size: [number, number, number];
  readonly dataFormat: ImageDataFormat;

  constructor(size: number | readonly number[] | (Args & {size?: number | readonly number[]}) = [2, 2, 2], args: Args = {}) {
    [size, args] = splitPositional<number | readonly number[], Args>(size, args, 'size', [2, 2, 2]);
    const {dataFormat, ...rest} = args;
    super(rest);
    this.dataFormat = standardizeDataFormat(dataFormat);
    this.size = standardizeTuple(size, 3, 'size') as [number, number, number];
    this.inputSpec = new InputSpec({ndim: 5});
  }

  override call(inputs: Tensor): Tensor {
    let y = inputs;
    axes3d(this.dataFormat).forEach((a, i) => (y = ops.repeat(y, this.size[i]!, a)));
    return y;
  }

  override computeOutputShape(s: ShapeLike): ShapeLike {
    const out = [...s];
    axes3d(this.dataFormat).forEach((a, i) => (out[a] = s[a] === null || s[a] === undefined ? null : s[a] * this.size[i]!));
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), size: [...this.size], dataFormat: this.dataFormat};
  }

  static override fromConfig(config: Record<string, unknown>): UpSampling3D {
    const {size, ...rest} = config;
    return new this(size as number[], rest as Args);
  }
}
registerKerasSerializable(UpSampling3D, {pkg: 'keras'});
