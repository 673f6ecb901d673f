import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type CallArgs, type LayerArgs} from '../layer.js';
import {encodeCategorical, encodedShape} from './categorical.js';

export interface CategoryEncodingArgs extends LayerArgs {
  numTokens?: number;
  /** `'multi_hot'` (default; `'binary'` is its old name), `'one_hot'` or `'count'`. */
  outputMode?: 'multi_hot' | 'one_hot' | 'count' | 'binary';
  /** Sparse outputs are not supported: only false. */
  sparse?: boolean;
}

/**
 * Encodes integer features in `[0, numTokens)` (Keras's `CategoryEncoding`): `'one_hot'` per value,
 * `'multi_hot'` or `'count'` per sample (`[batch, n]` -> `[batch, numTokens]`). In `'count'` mode the
 * call may take `countWeights` (the inputs' shape) to sum weights instead of ones.
 *
 * ```ts
 * new CategoryEncoding(4, {outputMode: 'one_hot'}).apply([3, 2, 0, 1]);
 * new CategoryEncoding(4, {outputMode: 'count'}).apply(ids, {countWeights: w});
 * ```
 */
export class CategoryEncoding extends Layer {
  static override readonly className: string = 'CategoryEncoding';
  readonly numTokens: number;
  readonly outputMode: 'multi_hot' | 'one_hot' | 'count';
  readonly sparse: boolean;

  constructor(numTokens?: number | CategoryEncodingArgs, args: CategoryEncodingArgs = {}) {
    if (typeof numTokens === 'object' && numTokens !== null) {
      args = numTokens;
      numTokens = args.numTokens;
    }
    const {numTokens: _n, outputMode = 'multi_hot', sparse = false, ...rest} = args;
    void _n;
    super(rest);
    const mode = outputMode === 'binary' ? 'multi_hot' : outputMode;
    if (!['count', 'one_hot', 'multi_hot'].includes(mode)) throw new ValueError(`Unknown arg for output_mode: ${String(outputMode)}`);
    if (numTokens === undefined || numTokens === null) {
      throw new ValueError('num_tokens must be set to use this layer. If the number of tokens is not known beforehand, use the IntegerLookup layer instead.');
    }
    if (!Number.isInteger(numTokens) || numTokens < 1) throw new ValueError(`\`num_tokens\` must be >= 1. Received: num_tokens=${numTokens}.`);
    if (sparse) throw new ValueError('CategoryEncoding: `sparse=true` is not supported (keras-ts has no sparse tensors); use sparse=false.');
    this.numTokens = numTokens;
    this.outputMode = mode as 'multi_hot' | 'one_hot' | 'count';
    this.sparse = false;
    this.built = true;
  }

  override call(inputs: Tensor, kwargs: CallArgs = {}): Tensor {
    const cw = kwargs['countWeights'] as ops.TensorLike | undefined | null;
    if (cw !== undefined && cw !== null && this.outputMode !== 'count') {
      throw new ValueError(`\`count_weights\` is not used when \`output_mode\` is not \`'count'\`. Received \`count_weights=${String(cw)}\`.`);
    }
    const w = cw === undefined || cw === null ? null : ops.convertToTensor(cw, this.dtype);
    if (w && w.size !== inputs.size) throw new ValueError(`CategoryEncoding: \`count_weights\` must have the inputs' shape ${JSON.stringify(inputs.shape)}. Received: ${JSON.stringify(w.shape)}`);
    return encodeCategorical(inputs.values, inputs.shape, this.outputMode, this.numTokens, this.dtype, this.name, w ? w.values : null);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return encodedShape(inputShape, this.outputMode, this.numTokens);
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), numTokens: this.numTokens, outputMode: this.outputMode, sparse: this.sparse};
  }
}
registerKerasSerializable(CategoryEncoding, {pkg: 'keras'});
