import type {ImageDataFormat} from '../../config.js';
import * as ops from '../../ops/index.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {convOutputLength, standardizeDataFormat, standardizePadding, standardizeTuple, legacyArgs, WINDOW_OPTIONS} from '../layer_utils.js';

export interface PoolingArgs extends LayerArgs {
  /** Also accepted as an option (Keras's keyword `pool_size`). */
  poolSize?: number | readonly number[];
  /** Default: `poolSize`. */
  strides?: number | readonly number[] | null;
  padding?: 'valid' | 'same';
  dataFormat?: ImageDataFormat | null;
}

/** Shared by the max and average pooling layers of 1, 2 and 3 spatial dimensions. */
export abstract class BasePooling extends Layer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dataFormat: ImageDataFormat;
  protected abstract readonly mode: 'max' | 'average';

  constructor(poolSize: number | readonly number[], rank: 1 | 2 | 3, args: PoolingArgs = {}) {
    const {strides, padding = 'valid', dataFormat, ...rest} = args;
    super(rest);
    this.poolSize = standardizeTuple(poolSize, rank, 'pool_size');
    this.strides = standardizeTuple(strides ?? this.poolSize, rank, 'strides');
    this.padding = standardizePadding(padding) as 'valid' | 'same';
    this.dataFormat = standardizeDataFormat(dataFormat);
    this.inputSpec = new InputSpec({ndim: rank + 2});
    this.built = true;
  }

  override call(inputs: Tensor): Tensor {
    const o = {strides: this.strides, padding: this.padding, dataFormat: this.dataFormat};
    return this.mode === 'max' ? ops.maxPool(inputs, this.poolSize, o) : ops.averagePool(inputs, this.poolSize, o);
  }

  override computeOutputShape(s: ShapeLike): ShapeLike {
    const rank = this.poolSize.length;
    const first = this.dataFormat === 'channels_last' ? 1 : 2;
    const out = [...s];
    for (let i = 0; i < rank; i++) out[first + i] = convOutputLength(s[first + i] ?? null, this.poolSize[i]!, this.padding, this.strides[i]!);
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), poolSize: [...this.poolSize], padding: this.padding, strides: [...this.strides], dataFormat: this.dataFormat};
  }

  /** `new Cls(poolSize, rest)`: the concrete poolings take the pool size positionally. */
  static override fromConfig<T extends Layer>(this: new (poolSize: unknown, args: Record<string, unknown>) => T, config: Record<string, unknown>): T {
    const {poolSize, ...rest} = config;
    return new this(poolSize, rest);
  }
}

export function poolArgs(args: PoolingArgs | undefined, layer: string): PoolingArgs {
  return legacyArgs(args, layer, WINDOW_OPTIONS);
}

/** `new MaxPooling2D({poolSize, strides})` as well as `new MaxPooling2D([2, 2], {strides})`. */
export function splitPoolArgs(
  poolSize: number | readonly number[] | PoolingArgs, args: PoolingArgs, fallback: number | readonly number[],
): [number | readonly number[], PoolingArgs] {
  if (typeof poolSize === 'object' && poolSize !== null && !Array.isArray(poolSize)) {
    const {poolSize: p, ...rest} = poolSize as PoolingArgs;
    return [p ?? fallback, rest];
  }
  const {poolSize: _p, ...rest} = args;
  return [poolSize as number | readonly number[], rest];
}
