import type {ImageDataFormat} from '../../config.js';
import * as ops from '../../ops/index.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type CallArgs, type LayerArgs} from '../layer.js';
import {standardizeDataFormat} from '../layer_utils.js';

export interface GlobalPoolingArgs extends LayerArgs {
  dataFormat?: ImageDataFormat | null;
  /** Keep the spatial axes with length 1. */
  keepdims?: boolean;
}

/** Reduces every spatial axis (max or mean): `[batch, ...spatial, channels]` -> `[batch, channels]`. */
export abstract class BaseGlobalPooling extends Layer {
  readonly dataFormat: ImageDataFormat;
  readonly keepdims: boolean;
  protected abstract readonly mode: 'max' | 'average';
  private readonly rank: number;

  constructor(rank: 1 | 2 | 3, args: GlobalPoolingArgs = {}) {
    const {dataFormat, keepdims = false, ...rest} = args;
    super(rest);
    this.rank = rank;
    this.dataFormat = standardizeDataFormat(dataFormat);
    this.keepdims = keepdims;
    this.inputSpec = new InputSpec({ndim: rank + 2});
    this.built = true;
  }

  protected spatialAxes(): number[] {
    const first = this.dataFormat === 'channels_last' ? 1 : 2;
    return Array.from({length: this.rank}, (_, i) => first + i);
  }

  override call(inputs: Tensor, kwargs: CallArgs = {}): Tensor {
    const axes = this.spatialAxes();
    const mask = kwargs.mask as Tensor | null | undefined;
    if (this.mode === 'average' && mask && this.rank === 1) {
      // masked mean over steps, as Keras's GlobalAveragePooling1D
      const m = ops.cast(mask, inputs.dtype);
      const mb = ops.expandDims(m, this.dataFormat === 'channels_last' ? 2 : 1);
      const s = ops.sum(ops.multiply(inputs, mb), axes, this.keepdims);
      return ops.divide(s, ops.sum(mb, axes, this.keepdims));
    }
    return this.mode === 'max' ? ops.max(inputs, axes, this.keepdims) : ops.mean(inputs, axes, this.keepdims);
  }

  override computeMask(): null {
    return null;
  }

  override computeOutputShape(s: ShapeLike): ShapeLike {
    const axes = this.spatialAxes();
    if (this.keepdims) return s.map((d, i) => (axes.includes(i) ? 1 : d));
    return s.filter((_, i) => !axes.includes(i));
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), dataFormat: this.dataFormat, keepdims: this.keepdims};
  }
}
