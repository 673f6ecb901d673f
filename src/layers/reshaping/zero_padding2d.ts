import type {ImageDataFormat} from '../../config.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {splitPositional, standardizeDataFormat, standardizePairs} from '../layer_utils.js';

type Pair = [number, number];

/**
 * Adds rows and columns of zeros around an image: `padding` is an int, `[symH, symW]`, or
 * `[[top, bottom], [left, right]]` (default 1 everywhere).
 */
export class ZeroPadding2D extends Layer {
  static override readonly className: string = 'ZeroPadding2D';
  readonly padding: [Pair, Pair];
  readonly dataFormat: ImageDataFormat;

  constructor(
    padding: number | readonly (number | readonly number[])[] | (LayerArgs & {padding?: number | readonly (number | readonly number[])[]; dataFormat?: ImageDataFormat | null}) = 1,
    args: LayerArgs & {dataFormat?: ImageDataFormat | null} = {},
  ) {
    [padding, args] = splitPositional<number | readonly (number | readonly number[])[], LayerArgs & {dataFormat?: ImageDataFormat | null}>(padding, args, 'padding', 1);
    const {dataFormat, ...rest} = args;
    super(rest);
    this.dataFormat = standardizeDataFormat(dataFormat);
    this.padding = standardizePairs(padding, 2, 'padding') as [Pair, Pair];
    this.inputSpec = new InputSpec({ndim: 4});
  }

  override call(inputs: Tensor): Tensor {
    const [h, w] = this.padding;
    return ops.pad(inputs, this.dataFormat === 'channels_last' ? [[0, 0], h, w, [0, 0]] : [[0, 0], [0, 0], h, w]);
  }

  override computeOutputShape(s: ShapeLike): ShapeLike {
    const out = [...s];
    const [hAxis, wAxis] = this.dataFormat === 'channels_last' ? [1, 2] : [2, 3];
    out[hAxis] = s[hAxis] === null ? null : s[hAxis]! + this.padding[0][0] + this.padding[0][1];
    out[wAxis] = s[wAxis] === null ? null : s[wAxis]! + this.padding[1][0] + this.padding[1][1];
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), padding: this.padding.map((p) => [...p]), dataFormat: this.dataFormat};
  }

  static override fromConfig(config: Record<string, unknown>): ZeroPadding2D {
    const {padding, ...rest} = config;
    return new this(padding as number[][], rest as LayerArgs);
  }
}
registerKerasSerializable(ZeroPadding2D, {pkg: 'keras'});
