import type {ImageDataFormat} from '../../config.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {splitPositional, standardizeDataFormat, standardizePairs} from '../layer_utils.js';
import {cropped} from './cropping1d.js';

type Pair = [number, number];

/** Crops an image: `cropping` is an int, `[symH, symW]`, or `[[top, bottom], [left, right]]`. */
export class Cropping2D extends Layer {
  static override readonly className: string = 'Cropping2D';
  readonly cropping: [Pair, Pair];
  readonly dataFormat: ImageDataFormat;

  constructor(
    cropping: number | readonly (number | readonly number[])[] | (LayerArgs & {cropping?: number | readonly (number | readonly number[])[]; dataFormat?: ImageDataFormat | null}) = [[0, 0], [0, 0]],
    args: LayerArgs & {dataFormat?: ImageDataFormat | null} = {},
  ) {
    [cropping, args] = splitPositional<number | readonly (number | readonly number[])[], LayerArgs & {dataFormat?: ImageDataFormat | null}>(cropping, args, 'cropping', [[0, 0], [0, 0]]);
    const {dataFormat, ...rest} = args;
    super(rest);
    this.dataFormat = standardizeDataFormat(dataFormat);
    this.cropping = standardizePairs(cropping, 2, 'cropping') as [Pair, Pair];
    this.inputSpec = new InputSpec({ndim: 4});
  }

  override call(inputs: Tensor): Tensor {
    const s = this.computeOutputShape(inputs.shape) as number[];
    const [[top], [left]] = this.cropping;
    return this.dataFormat === 'channels_last'
      ? ops.slice(inputs, [0, top, left, 0], [-1, s[1]!, s[2]!, -1])
      : ops.slice(inputs, [0, 0, top, left], [-1, -1, s[2]!, s[3]!]);
  }

  override computeOutputShape(s: ShapeLike): ShapeLike {
    const out = [...s];
    const [hAxis, wAxis] = this.dataFormat === 'channels_last' ? [1, 2] : [2, 3];
    out[hAxis] = cropped(s[hAxis] ?? null, this.cropping[0], this.name, s);
    out[wAxis] = cropped(s[wAxis] ?? null, this.cropping[1], this.name, s);
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), cropping: this.cropping.map((p) => [...p]), dataFormat: this.dataFormat};
  }

  static override fromConfig(config: Record<string, unknown>): Cropping2D {
    const {cropping, ...rest} = config;
    return new this(cropping as number[][], rest as LayerArgs);
  }
}
registerKerasSerializable(Cropping2D, {pkg: 'keras'});
