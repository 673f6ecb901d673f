import type {ImageDataFormat} from '../../config.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {standardizeDataFormat} from '../layer_utils.js';

/**
 * Flattens every axis but the batch: `[batch, d1, d2, ...]` -> `[batch, d1 * d2 * ...]`.
 * With `channels_first` the channels move last first, so the order matches `channels_last` models.
 */
export class Flatten extends Layer {
  static override readonly className: string = 'Flatten';
  readonly dataFormat: ImageDataFormat;

  constructor(args: LayerArgs & {dataFormat?: ImageDataFormat | null} = {}) {
    const {dataFormat, ...rest} = args;
    super(rest);
    this.dataFormat = standardizeDataFormat(dataFormat);
    this.inputSpec = new InputSpec({minNdim: 1});
    // not built here: as in Keras, it is built by its first input, whose shape its build config keeps
  }

  override call(inputs: Tensor): Tensor {
    let x = inputs;
    if (this.dataFormat === 'channels_first' && x.rank > 2) {
      x = ops.transpose(x, [0, ...Array.from({length: x.rank - 2}, (_, i) => i + 2), 1]);
    }
    return ops.reshape(x, [x.shape[0]!, x.rank === 1 ? 1 : x.shape.slice(1).reduce((a, b) => a * b, 1)]);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    const rest = inputShape.slice(1);
    const n = rest.some((d) => d === null) ? null : rest.reduce<number>((a, b) => a * (b as number), 1);
    return [inputShape[0] ?? null, n];
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), dataFormat: this.dataFormat};
  }
}
registerKerasSerializable(Flatten, {pkg: 'keras'});
