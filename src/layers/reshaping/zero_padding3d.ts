import type {ImageDataFormat} from '../../config.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {splitPositional, standardizeDataFormat, standardizePairs} from '../layer_utils.js';

type Pair = [number, number];
type Padding3D = number | readonly (number | readonly number[])[];
type Args = LayerArgs & {dataFormat?: ImageDataFormat | null};

/** The spatial axes of a rank-5 input. */
export function axes3d(dataFormat: ImageDataFormat): [number, number, number] {
  return dataFormat === 'channels_last' ? [1, 2, 3] : [2, 3, 4];
}

/**
 * Adds zeros around a volume `[batch, depth, rows, cols, channels]`: `padding` is an int,
 * `[symD, symH, symW]`, or `[[front, back], [top, bottom], [left, right]]` (default 1 everywhere).
 *
 * ```ts
 * new ZeroPadding3D([1, 2, 0]); // [n, 4, 4, 4, c] -> [n, 6, 8, 4, c]
 * ```
 */
export class ZeroPadding3D extends Layer {
  static override readonly className: string = 'ZeroPadding3D';
  readonly padding: [Pair, Pair, Pair];
  readonly dataFormat: ImageDataFormat;

  constructor(padding: Padding3D | (Args & {padding?: Padding3D}) = 1, args: Args = {}) {
    [padding, args] = splitPositional<Padding3D, Args>(padding, args, 'padding', 1);
    const {dataFormat, ...rest} = args;
    super(rest);
    this.dataFormat = standardizeDataFormat(dataFormat);
    this.padding = standardizePairs(padding, 3, 'padding') as [Pair, Pair, Pair];
    this.inputSpec = new InputSpec({ndim: 5});
  }

  override call(inputs: Tensor): Tensor {
    const widths: [number, number][] = [[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]];
    axes3d(this.dataFormat).forEach((a, i) => (widths[a] = this.padding[i]!));
    return ops.pad(inputs, widths);
  }

  override computeOutputShape(s: ShapeLike): ShapeLike {
    const out = [...s];
    axes3d(this.dataFormat).forEach((a, i) => (out[a] = s[a] === null || s[a] === undefined ? null : s[a] + this.padding[i]![0] + this.padding[i]![1]));
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), padding: this.padding.map((p) => [...p]), dataFormat: this.dataFormat};
  }

  static override fromConfig(config: Record<string, unknown>): ZeroPadding3D {
    const {padding, ...rest} = config;
    return new this(padding as number[][], rest as LayerArgs);
  }
}
registerKerasSerializable(ZeroPadding3D, {pkg: 'keras'});
