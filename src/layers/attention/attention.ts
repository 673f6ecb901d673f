import type {Variable} from '../../autodiff/variable.js';
import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {SeedGenerator} from '../../tensor/random.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs, type LayerInput, type LayerOutput} from '../layer.js';
import {causalMask, type AttentionCallArgs} from './attention_masks.js';

export interface AttentionArgs extends LayerArgs {
  /** A trainable scalar multiplies the scores. */
  useScale?: boolean;
  /** `'dot'` (query . key) or `'concat'` (sum of tanh(query + key)). */
  scoreMode?: 'dot' | 'concat';
  /** Dropout rate on the attention distribution. */
  dropout?: number;
  seed?: number | null;
}

/**
 * Dot-product attention (Luong-style), as Keras's `Attention`: called on `[query, value]` or
 * `[query, value, key]` (`[B, Tq, dim]`, `[B, Tv, dim]`), it computes
 * `softmax(query · keyᵀ [* scale]) · value`, `[B, Tq, dim]`. With `scoreMode: 'concat'` the scores
 * are `concat_score_weight * sum(tanh([scale *] (query + key)))`. The value's mask hides keys, the
 * query's mask zeroes outputs; `useCausalMask` hides later keys.
 *
 * ```ts
 * const out = new Attention().apply([query, value]);
 * const [o, scores] = new Attention().apply([query, value], {returnAttentionScores: true});
 * ```
 */
export class Attention extends Layer {
  static override readonly className: string = 'Attention';
  readonly useScale: boolean;
  readonly scoreMode: 'dot' | 'concat';
  readonly dropout: number;
  readonly seed: number | null;
  readonly seedGenerator: SeedGenerator | null;
  scale: Variable | null = null;
  concatScoreWeight: Variable | null = null;
  private scoresInShape = false;

  constructor(args: AttentionArgs = {}) {
    const {useScale, scoreMode, dropout, seed, ...base} = args;
    super(base);
    this.useScale = useScale ?? false;
    this.scoreMode = scoreMode ?? 'dot';
    if (this.scoreMode !== 'dot' && this.scoreMode !== 'concat') {
      throw new ValueError(`Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. Received: score_mode=${String(scoreMode)}`);
    }
    this.dropout = dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new ValueError(`Layer "${this.name}": dropout must be in [0, 1]. Received: dropout=${String(dropout)}`);
    this.seed = seed ?? null;
    this.seedGenerator = this.dropout > 0 ? new SeedGenerator(this.seed ?? undefined) : null;
    this.supportsMasking = true;
  }

  protected validateInputs(inputs: unknown): void {
    if (!Array.isArray(inputs)) {
      throw new ValueError(`${this.className} layer must be called on a list of inputs, namely [query, value] or [query, value, key]. Received: inputs=${String(inputs)}.`);
    }
    if (inputs.length < 2 || inputs.length > 3) {
      throw new ValueError(`${this.className} layer accepts inputs list of length 2 or 3, namely [query, value] or [query, value, key]. Received length: ${inputs.length}.`);
    }
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    this.validateInputs(inputShape);
    if (this.useScale) this.scale = this.addWeight({name: 'scale', shape: [], initializer: 'ones'});
    if (this.scoreMode === 'concat') this.concatScoreWeight = this.addWeight({name: 'concat_score_weight', shape: [], initializer: 'ones'});
  }

  /** Scores `[B, Tq, Tv]` of query `[B, Tq, dim]` against key `[B, Tv, dim]`. */
  protected calculateScores(query: Tensor, key: Tensor): Tensor {
    if (this.scoreMode === 'dot') {
      const s = ops.matmul(query, key, {transposeB: true});
      return this.scale ? ops.multiply(s, this.scale.read()) : s;
    }
    let sum = ops.add(ops.expandDims(query, -2), ops.expandDims(key, -3));
    if (this.scale) sum = ops.multiply(this.scale.read(), sum);
    return ops.multiply(this.concatScoreWeight!.read(), ops.sum(ops.tanh(sum), -1));
  }

  override apply(inputs: unknown, kwargs: AttentionCallArgs = {}): any {
    this.validateInputs(inputs);
    this.scoresInShape = kwargs.returnAttentionScores === true;
    try {
      return super.apply(inputs, kwargs);
    } finally {
      this.scoresInShape = false;
    }
  }

  override call(inputs: LayerInput, kwargs: AttentionCallArgs = {}): LayerOutput {
    const list = inputs as Tensor[];
    const q = list[0]!, v = list[1]!, k = list[2] ?? v;
    const masks = Array.isArray(kwargs.mask) ? kwargs.mask : [];
    const qMask = masks[0] ?? null, vMask = masks[1] ?? null;
    let scores = this.calculateScores(q, k);
    let keep: Tensor | null = vMask ? ops.expandDims(ops.cast(vMask, 'bool'), -2) : null;
    if (kwargs.useCausalMask) {
      const c = causalMask(scores.shape.at(-2)!, scores.shape.at(-1)!);
      keep = keep ? ops.logicalAnd(keep, c) : c;
    }
    // masked keys get scores - 1e9 (not a constant): Keras's padding
    if (keep) scores = ops.where(keep, scores, ops.subtract(scores, 1e9));
    let weights = ops.softmax(scores, -1);
    const attentionScores = weights;
    if (kwargs.training === true && this.dropout > 0) {
      const m = ops.bernoulliMask(weights.shape as number[], 1 - this.dropout, weights.dtype, this.seedGenerator!);
      weights = ops.multiply(weights, ops.divide(m, 1 - this.dropout));
    }
    let out = ops.matmul(weights, v);
    if (qMask) out = ops.where(ops.expandDims(ops.cast(qMask, 'bool'), -1), out, 0);
    return kwargs.returnAttentionScores ? [out, attentionScores] : out;
  }

  override computeMask(inputs: LayerInput, mask: Tensor | Tensor[] | null): Tensor | Tensor[] | null {
    void inputs;
    const qm = Array.isArray(mask) ? (mask[0] ?? null) : null;
    // cast: with the scores returned, the masks are [the output's, null for the scores] as in Keras (Layer types masks as tensors)
    return this.scoresInShape ? ([qm, null] as unknown as Tensor[]) : qm;
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike | ShapeLike[] {
    const shapes = inputShape as ShapeLike[];
    const q = shapes[0]!, v = shapes[1]!, k = shapes[2] ?? v;
    const out = [...q.slice(0, -1), v.at(-1) ?? null];
    return this.scoresInShape ? [out, [...q.slice(0, -1), k.at(-2) ?? null]] : out;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), useScale: this.useScale, scoreMode: this.scoreMode, dropout: this.dropout, seed: this.seed};
  }
}
registerKerasSerializable(Attention, {pkg: 'keras'});

export interface AdditiveAttentionArgs extends LayerArgs {
  /** A trainable vector `[dim]` (glorot uniform) weighs the tanh terms. */
  useScale?: boolean;
  dropout?: number;
  seed?: number | null;
}

/**
 * Additive attention (Bahdanau-style), as Keras's `AdditiveAttention`: the scores are
 * `sum(scale * tanh(query + key), -1)` over `[B, Tq, Tv, dim]`, then as `Attention`.
 *
 * ```ts
 * const out = new AdditiveAttention().apply([query, value]);
 * ```
 */
export class AdditiveAttention extends Attention {
  static override readonly className: string = 'AdditiveAttention';

  constructor(args: AdditiveAttentionArgs = {}) {
    super({...args, useScale: args.useScale ?? true, scoreMode: 'dot'});
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    this.validateInputs(inputShape);
    const dim = (inputShape as ShapeLike[])[0]!.at(-1);
    if (typeof dim !== 'number') throw new ValueError(`Layer "${this.name}": the last dimension of the query must be defined. Received: input_shape=${JSON.stringify(inputShape)}`);
    if (this.useScale) this.scale = this.addWeight({name: 'scale', shape: [dim], initializer: 'glorot_uniform'});
  }

  protected override calculateScores(query: Tensor, key: Tensor): Tensor {
    const t = ops.tanh(ops.add(ops.expandDims(query, -2), ops.expandDims(key, -3)));
    return ops.sum(this.scale ? ops.multiply(this.scale.read(), t) : t, -1);
  }

  override getConfig(): Record<string, unknown> {
    const {scoreMode, ...c} = super.getConfig();
    void scoreMode;
    return c;
  }
}
registerKerasSerializable(AdditiveAttention, {pkg: 'keras'});
