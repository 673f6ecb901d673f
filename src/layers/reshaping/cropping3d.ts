import type {ImageDataFormat} from '../../config.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {splitPositional, standardizeDataFormat, standardizePairs} from '../layer_utils.js';
import {cropped} from './cropping1d.js';
import {axes3d} from './zero_padding3d.js';

type Pair = [number, number];
type Cropping3DArg = number | readonly (number | readonly number[])[];
type Args = LayerArgs & {dataFormat?: ImageDataFormat | null};

/**
 * Crops a volume `[batch, depth, rows, cols, channels]`: `cropping` is an int, `[symD, symH, symW]`,
 * or `[[front, back], [top, bottom], [left, right]]` (default 1 everywhere, as Keras).
 *
 * ```ts
 * new Cropping3D([[1, 0], [1, 1], [0, 2]]); // [n, 4, 4, 4, c] -> [n, 3, 2, 2, c]
 * ```
 */
export class Cropping3D extends Layer {
  static override readonly className: string = 'Cropping3D';
  readonly cropping: [Pair, Pair, Pair];
  readonly dataFormat: ImageDataFormat;

  constructor(cropping: Cropping3DArg | (Args & {cropping?: Cropping3DArg}) = [[1, 1], [1, 1], [1, 1]], args: Args = {}) {
    [cropping, args] = splitPositional<Cropping3DArg, Args>(cropping, args, 'cropping', [[1, 1], [1, 1], [1, 1]]);
    const {dataFormat, ...rest} = args;
    super(rest);
    this.dataFormat = standardizeDataFormat(dataFormat);
    this.cropping = standardizePairs(cropping, 3, 'cropping') as [Pair, Pair, Pair];
    this.inputSpec = new InputSpec({ndim: 5});
  }

  override call(inputs: Tensor): Tensor {
    const s = this.computeOutputShape(inputs.shape) as number[];
    const begin = [0, 0, 0, 0, 0], size = [-1, -1, -1, -1, -1];
    axes3d(this.dataFormat).forEach((a, i) => {
      begin[a] = this.cropping[i]![0];
      size[a] = s[a]!;
    });
    return ops.slice(inputs, begin, size);
  }

  override computeOutputShape(s: ShapeLike): ShapeLike {
    const out = [...s];
    axes3d(this.dataFormat).forEach((a, i) => (out[a] = cropped(s[a] ?? null, this.cropping[i]!, this.name, s)));
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), cropping: this.cropping.map((p) => [...p]), dataFormat: this.dataFormat};
  }

  static override fromConfig(config: Record<string, unknown>): Cropping3D {
    const {cropping, ...rest} = config;
    return new this(cropping as number[][], rest as LayerArgs);
  }
}
registerKerasSerializable(Cropping3D, {pkg: 'keras'});
