import {hostCheck} from '../../autodiff/engine.js';
import type {Variable} from '../../autodiff/variable.js';
import * as constraints from '../../constraints/index.js';
import {ValueError} from '../../errors.js';
import * as initializers from '../../initializers/index.js';
import * as ops from '../../ops/index.js';
import * as regularizers from '../../regularizers/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {SeedGenerator} from '../../tensor/random.js';
import {fmtShape, stridesOf} from '../../tensor/shape.js';
import {Tensor} from '../../tensor/tensor.js';
import {Layer, type CallArgs, type LayerArgs, type LayerInput, type ShapeLike} from '../layer.js';

export interface EmbeddingArgs extends LayerArgs {
  /** Initializer of the `embeddings` matrix; Keras's `'uniform'` (uniform in [-0.05, 0.05]) by default. */
  embeddingsInitializer?: initializers.InitializerIdentifier;
  embeddingsRegularizer?: regularizers.RegularizerIdentifier | null;
  embeddingsConstraint?: constraints.ConstraintIdentifier | null;
  /** Index 0 is padding: the output carries a mask `ids != 0` that recurrent layers honour. */
  maskZero?: boolean;
  /**
   * Keras 1's `dropout`: while training, drops whole rows of the embedding matrix (every occurrence
   * of a dropped token id in the batch becomes a zero vector; kept rows are scaled by 1 / (1 - rate)).
   * Applied here to the output through a per-id mask, which is the same thing; deprecated.
   */
  dropout?: number;
  /** Keras 2's `input_length`: the sequence length, used as `inputShape: [inputLength]`. */
  inputLength?: number;
  seed?: number;
}

let warnedDropout = false;

/**
 * Turns non-negative integer ids into dense vectors: `output[..., :] = embeddings[ids[...], :]`.
 * Input `[batch, ...]` of ids in `[0, inputDim)`; output `[batch, ..., outputDim]`. The gradient is
 * a scatter-add into the rows used (no dense one-hot).
 *
 * ```ts
 * const emb = new Embedding(10000, 64, {maskZero: true});
 * const y = emb.apply(tensor([[4, 2, 0, 0]], undefined, 'int32'));   // [1, 4, 64], mask [[t, t, f, f]]
 * ```
 */
export class Embedding extends Layer {
  static override readonly className: string = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly embeddingsInitializer: initializers.Initializer;
  readonly embeddingsRegularizer: regularizers.Regularizer | null;
  readonly embeddingsConstraint: constraints.Constraint | null;
  /** Keras 1's row dropout rate (0 = off). */
  readonly dropout: number;
  readonly seed: number | null;
  private readonly seedGenerator: SeedGenerator | null;
  embeddings!: Variable;

  constructor(inputDim: number, outputDim: number, args: EmbeddingArgs = {}) {
    // `inputDim` is the vocabulary size here, not the base layer's Keras 1 input shorthand
    const {inputDim: _vocab, outputDim: _dim, ...a} = args as EmbeddingArgs & {outputDim?: number};
    if (a.inputLength !== undefined && !a.inputShape && !a.batchInputShape) a.inputShape = [a.inputLength];
    super(a);
    for (const [name, v] of [['inputDim', inputDim], ['outputDim', outputDim]] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
        throw new ValueError(`Embedding "${this.name}": \`${name}\` must be a positive integer. Received: ${name}=${v}`);
      }
    }
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.maskZero = a.maskZero ?? false;
    this.supportsMasking = this.maskZero;
    this.embeddingsInitializer = initializers.get(a.embeddingsInitializer ?? 'uniform');
    this.embeddingsRegularizer = a.embeddingsRegularizer ? regularizers.get(a.embeddingsRegularizer) : null;
    this.embeddingsConstraint = a.embeddingsConstraint ? constraints.get(a.embeddingsConstraint) : null;
    const rate = a.dropout ?? 0;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new ValueError(`Embedding "${this.name}": \`dropout\` must be a number in [0, 1). Received: dropout=${rate}`);
    }
    this.dropout = rate;
    this.seed = a.seed ?? null;
    this.seedGenerator = rate > 0 ? new SeedGenerator(a.seed) : null;
    if (rate > 0 && !warnedDropout) {
      warnedDropout = true;
      console.warn('keras-ts: `Embedding(..., {dropout})` is a Keras 1 argument: it drops whole embedding rows (token ids) while training. Keras 3 has no such argument; prefer a Dropout or SpatialDropout1D layer after the Embedding.');
    }
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    void inputShape;
    this.embeddings = this.addWeight({
      name: 'embeddings',
      shape: [this.inputDim, this.outputDim],
      initializer: this.embeddingsInitializer,
      regularizer: this.embeddingsRegularizer,
      constraint: this.embeddingsConstraint,
    });
    this.built = true;
  }

  /** The ids as int32, or a clear error for one outside `[0, inputDim)`. */
  private ids(inputs: Tensor): Tensor {
    const ids = inputs.dtype === 'int32' ? inputs : ops.cast(inputs, 'int32');
    // a compiled step reruns the check on each batch's ids
    hostCheck(ids, (t) => this.checkIds(t));
    return ids;
  }

  private checkIds(ids: Tensor): void {
    const v = ids.values;
    for (let i = 0; i < v.length; i++) {
      const k = v[i]!;
      if (k < 0 || k >= this.inputDim) {
        const st = stridesOf(ids.shape);
        const at = st.map((s, d) => Math.floor(i / s) % ids.shape[d]!).join(', ');
        throw new ValueError(
          `Embedding "${this.name}": token id ${k} at position [${at}] is out of range: expected ids in [0, ${this.inputDim}) (inputDim=${this.inputDim}). Input shape: ${fmtShape(ids.shape)}`,
        );
      }
    }
  }

  override call(inputs: LayerInput, kwargs: CallArgs = {}): Tensor {
    const ids = this.ids(inputs as Tensor);
    let out = ops.take(this.embeddings, ids, 0);
    if (kwargs.training && this.dropout > 0) {
      const keep = 1 - this.dropout;
      const rows = ops.divide(ops.bernoulliMask([this.inputDim], keep, out.dtype, this.seedGenerator ?? undefined), keep);
      out = ops.multiply(out, ops.expandDims(ops.take(rows, ids, 0), -1));
    }
    return out;
  }

  override computeMask(inputs: LayerInput, mask: Tensor | Tensor[] | null): Tensor | null {
    void mask;
    if (!this.maskZero) return null;
    return ops.notEqual(inputs as Tensor, 0);
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike {
    return [...(inputShape as ShapeLike), this.outputDim];
  }

  override getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: initializers.serialize(this.embeddingsInitializer),
      embeddingsRegularizer: this.embeddingsRegularizer ? regularizers.serialize(this.embeddingsRegularizer) : null,
      embeddingsConstraint: this.embeddingsConstraint ? constraints.serialize(this.embeddingsConstraint) : null,
      maskZero: this.maskZero,
    };
    // Keras 1 only: present when used, so Keras 3 configs stay as Keras writes them
    if (this.dropout > 0) Object.assign(c, {dropout: this.dropout, seed: this.seed});
    return c;
  }

  static override fromConfig(config: Record<string, unknown>): Layer {
    return new Embedding(config['inputDim'] as number, config['outputDim'] as number, config as EmbeddingArgs);
  }
}

registerKerasSerializable(Embedding, {pkg: 'keras'});
