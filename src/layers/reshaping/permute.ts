import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';

/**
 * Permutes the non-batch axes: `dims` is a permutation of `1..n` (the batch is axis 0).
 * `new Permute([2, 1])`: `[batch, 10, 64]` -> `[batch, 64, 10]`.
 */
export class Permute extends Layer {
  static override readonly className: string = 'Permute';
  readonly dims: number[];

  constructor(dims: readonly number[], args: LayerArgs = {}) {
    super(args);
    const sorted = [...(dims ?? [])].sort((a, b) => a - b);
    if (!Array.isArray(dims) || sorted.some((d, i) => d !== i + 1)) {
      throw new ValueError(
        `Invalid permutation argument \`dims\` for Permute Layer. The set of indices in \`dims\` must be consecutive and start from 1. Received dims=${JSON.stringify(dims)}`,
      );
    }
    this.dims = [...dims];
    this.inputSpec = new InputSpec({ndim: dims.length + 1});
  }

  override call(inputs: Tensor): Tensor {
    return ops.transpose(inputs, [0, ...this.dims]);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return [inputShape[0] ?? null, ...this.dims.map((d) => inputShape[d] ?? null)];
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), dims: [...this.dims]};
  }

  static override fromConfig(config: Record<string, unknown>): Permute {
    const {dims, ...rest} = config;
    return new this(dims as number[], rest as LayerArgs);
  }
}
registerKerasSerializable(Permute, {pkg: 'keras'});
