import {ValueError} from '../../errors.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ImageDataFormat} from '../../config.js';
import {InputSpec} from '../input_spec.js';
import type {LayerArgs} from '../layer.js';
import {standardizeDataFormat} from '../layer_utils.js';
import {Dropout} from './dropout.js';

export interface SpatialDropoutArgs extends LayerArgs {
  seed?: number | null;
  dataFormat?: ImageDataFormat | null;
}

/**
 * Drops whole feature maps (channels) rather than single elements: adjacent frames are strongly
 * correlated, so elementwise dropout would barely regularize. Input `[batch, steps, channels]`.
 */
export class SpatialDropout1D extends Dropout {
  static override readonly className: string = 'SpatialDropout1D';
  constructor(rate: number, args: SpatialDropoutArgs = {}) {
    super(rate, args);
    this.inputSpec = new InputSpec({ndim: 3});
  }
  protected override getNoiseShape(inputs: Tensor): number[] {
    return [inputs.shape[0]!, 1, inputs.shape[2]!];
  }
  override getConfig(): Record<string, unknown> {
    const {noiseShape: _n, ...c} = super.getConfig();
    return c;
  }
}
registerKerasSerializable(SpatialDropout1D, {pkg: 'keras'});

/** Drops whole 2-D feature maps. Input `[batch, rows, cols, channels]` (or channels first). */
export class SpatialDropout2D extends Dropout {
  static override readonly className: string = 'SpatialDropout2D';
  readonly dataFormat: ImageDataFormat;
  constructor(rate: number, args: SpatialDropoutArgs = {}) {
    const {dataFormat, ...rest} = args;
    super(rate, rest);
    this.dataFormat = standardizeDataFormat(dataFormat);
    this.inputSpec = new InputSpec({ndim: 4});
  }
  protected override getNoiseShape(inputs: Tensor): number[] {
    if (inputs.rank !== 4) throw new ValueError(`SpatialDropout2D expects inputs of rank 4. Received shape [${inputs.shape.join(', ')}]`);
    const [b, a1, , a3] = inputs.shape as [number, number, number, number];
    return this.dataFormat === 'channels_first' ? [b, a1, 1, 1] : [b, 1, 1, a3];
  }
  override getConfig(): Record<string, unknown> {
    const {noiseShape: _n, ...c} = super.getConfig();
    return {...c, dataFormat: this.dataFormat};
  }
}
registerKerasSerializable(SpatialDropout2D, {pkg: 'keras'});

/** Drops whole 3-D feature maps. Input `[batch, depth, rows, cols, channels]` (or channels first). */
export class SpatialDropout3D extends Dropout {
  static override readonly className: string = 'SpatialDropout3D';
  readonly dataFormat: ImageDataFormat;
  constructor(rate: number, args: SpatialDropoutArgs = {}) {
    const {dataFormat, ...rest} = args;
    super(rate, rest);
    this.dataFormat = standardizeDataFormat(dataFormat);
    this.inputSpec = new InputSpec({ndim: 5});
  }
  protected override getNoiseShape(inputs: Tensor): number[] {
    if (inputs.rank !== 5) throw new ValueError(`SpatialDropout3D expects inputs of rank 5. Received shape [${inputs.shape.join(', ')}]`);
    const [b, a1, , , a4] = inputs.shape as [number, number, number, number, number];
    return this.dataFormat === 'channels_first' ? [b, a1, 1, 1, 1] : [b, 1, 1, 1, a4];
  }
  override getConfig(): Record<string, unknown> {
    const {noiseShape: _n, ...c} = super.getConfig();
    return {...c, dataFormat: this.dataFormat};
  }
}
registerKerasSerializable(SpatialDropout3D, {pkg: 'keras'});
