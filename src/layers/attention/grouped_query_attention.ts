import type {ConstraintIdentifier} from '../../constraints/index.js';
import {ValueError} from '../../errors.js';
import * as initializers from '../../initializers/index.js';
import * as ops from '../../ops/index.js';
import type {RegularizerIdentifier} from '../../regularizers/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {Softmax} from '../activations/softmax.js';
import {EinsumDense} from '../core/einsum_dense.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs, type LayerInput, type LayerOutput} from '../layer.js';
import {checkPositiveInt, getCon, getReg, kernelBiasConfig, serInit} from '../layer_utils.js';
import {Dropout} from '../regularization/dropout.js';
import {attentionShapesDict, checkSlidingWindow, computeAttentionMask, gatherInputs, inputMasks, type AttentionCallArgs} from './attention_masks.js';

export interface GroupedQueryAttentionArgs extends LayerArgs {
  dropout?: number;
  useBias?: boolean;
  slidingWindow?: number | null;
  flashAttention?: boolean | null;
  kernelInitializer?: initializers.InitializerIdentifier;
  biasInitializer?: initializers.InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
  useGate?: boolean;
  seed?: number | null;
  headDim?: number;
  numQueryHeads?: number;
  numKeyValueHeads?: number;
}

/**
 * Grouped-query attention (Ainslie et al., 2023), as Keras's `GroupedQueryAttention`: like
 * `MultiHeadAttention` but with fewer key/value heads than query heads, each key/value head shared
 * by `numQueryHeads / numKeyValueHeads` query heads (`numKeyValueHeads = 1` is multi-query
 * attention). Weights: `query` `[dim, numQueryHeads, headDim]`, `key`/`value`
 * `[dim, numKeyValueHeads, headDim]`, `attention_output` `[numQueryHeads, headDim, dim]`.
 *
 * ```ts
 * const gqa = new GroupedQueryAttention(16, 8, 2);   // headDim, numQueryHeads, numKeyValueHeads
 * gqa.apply([x, x], {useCausalMask: true});
 * ```
 */
export class GroupedQueryAttention extends Layer {
  static override readonly className: string = 'GroupedQueryAttention';
  static readonly positionalInputs = true;
  readonly headDim: number;
  readonly numQueryHeads: number;
  readonly numKeyValueHeads: number;
  readonly numRepeats: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly useGate: boolean;
  readonly slidingWindow: number | null;
  readonly seed: number | null;
  readonly kernelInitializer: initializers.Initializer;
  readonly biasInitializer: initializers.Initializer;
  readonly kernelRegularizer;
  readonly biasRegularizer;
  readonly kernelConstraint;
  readonly biasConstraint;
  featureDim: number | null = null;
  _queryDense!: EinsumDense;
  _keyDense!: EinsumDense;
  _gateDense: EinsumDense | null = null;
  _valueDense!: EinsumDense;
  _softmax!: Softmax;
  _dropoutLayer!: Dropout;
  _outputDense!: EinsumDense;
  private scoresInShape = false;

  constructor(headDim: number | GroupedQueryAttentionArgs, numQueryHeads?: number, numKeyValueHeads?: number, args: GroupedQueryAttentionArgs = {}) {
    if (typeof headDim === 'object' && headDim !== null) {
      args = headDim;
      [headDim, numQueryHeads, numKeyValueHeads] = [args.headDim as number, args.numQueryHeads, args.numKeyValueHeads];
    }
    const hd = checkPositiveInt(headDim, 'head_dim');
    const nq = checkPositiveInt(numQueryHeads, 'num_query_heads');
    const nkv = checkPositiveInt(numKeyValueHeads, 'num_key_value_heads');
    if (nq % nkv !== 0) throw new ValueError(`\`num_query_heads\` must be divisible by \`num_key_value_heads\`. Received: num_query_heads=${nq}, num_key_value_heads=${nkv}`);
    const {headDim: _h, numQueryHeads: _q, numKeyValueHeads: _kv, dropout, useBias, slidingWindow, flashAttention, useGate, seed,
      kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, kernelConstraint, biasConstraint, ...base} = args;
    super(base);
    void _h;
    void _q;
    void _kv;
    this.supportsMasking = true;
    this.headDim = hd;
    this.numQueryHeads = nq;
    this.numKeyValueHeads = nkv;
    this.numRepeats = nq / nkv;
    this.dropout = dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new ValueError(`Layer "${this.name}": dropout must be in [0, 1]. Received: dropout=${String(dropout)}`);
    this.useBias = useBias ?? true;
    this.useGate = useGate ?? false;
    this.slidingWindow = checkSlidingWindow(slidingWindow);
    if (flashAttention) throw new ValueError(`Layer "${this.name}": flash attention is not available in keras-ts; leave flash_attention unset`);
    this.seed = seed ?? null;
    this.kernelInitializer = initializers.get(kernelInitializer ?? 'glorot_uniform');
    this.biasInitializer = initializers.get(biasInitializer ?? 'zeros');
    this.kernelRegularizer = getReg(kernelRegularizer);
    this.biasRegularizer = getReg(biasRegularizer);
    this.kernelConstraint = getCon(kernelConstraint);
    this.biasConstraint = getCon(biasConstraint);
  }

  private dense(equation: string, outputShape: (number | null)[], biasAxes: string, name: string, activation?: string): EinsumDense {
    return new EinsumDense(equation, outputShape, {
      biasAxes: this.useBias ? biasAxes : null, name, activation,
      kernelInitializer: initializers.get(serInit(this.kernelInitializer)),
      biasInitializer: initializers.get(serInit(this.biasInitializer)),
      kernelRegularizer: this.kernelRegularizer, biasRegularizer: this.biasRegularizer,
      activityRegularizer: this.activityRegularizer,
      kernelConstraint: this.kernelConstraint, biasConstraint: this.biasConstraint, dtype: this.dtype,
    });
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    const shapes = inputShape as ShapeLike[];
    const queryShape = shapes[0]!, valueShape = shapes[1]!, keyShape = shapes[2] ?? valueShape;
    this.featureDim = queryShape.at(-1) ?? null;
    if (this.featureDim === null) throw new ValueError(`Layer "${this.name}": the last dimension of the query must be defined. Received: query_shape=${JSON.stringify(queryShape)}`);
    this._queryDense = this.dense('bqm,muh->bquh', [null, this.numQueryHeads, this.headDim], 'uh', 'query');
    this._queryDense.maybeBuild(queryShape);
    this._keyDense = this.dense('bkm,mvh->bkvh', [null, this.numKeyValueHeads, this.headDim], 'vh', 'key');
    this._keyDense.maybeBuild(keyShape);
    if (this.useGate) {
      this._gateDense = this.dense('bqm,muh->bquh', [null, this.numQueryHeads, this.headDim], 'uh', 'gate', 'sigmoid');
      this._gateDense.maybeBuild(queryShape);
    }
    this._valueDense = this.dense('bkm,mvh->bkvh', [null, this.numKeyValueHeads, this.headDim], 'vh', 'value');
    this._valueDense.maybeBuild(valueShape);
    this._softmax = new Softmax(-1, {dtype: this.dtype});
    this._dropoutLayer = new Dropout(this.dropout, {dtype: this.dtype, seed: this.seed});
    this._outputDense = this.dense('bquh,uhm->bqm', [null, this.featureDim], 'm', 'attention_output');
    this._outputDense.maybeBuild([null, null, this.numQueryHeads, this.headDim]);
  }

  override apply(inputs: unknown, kwargs: AttentionCallArgs = {}): any {
    const [x, kw] = gatherInputs(this.name, inputs, kwargs);
    this.scoresInShape = kw.returnAttentionScores === true;
    try {
      return super.apply(x, kw);
    } finally {
      this.scoresInShape = false;
    }
  }

  override call(inputs: LayerInput, kwargs: AttentionCallArgs = {}): LayerOutput {
    const list = inputs as Tensor[];
    const query = list[0]!, value = list[1]!, key = list[2] ?? value;
    const [queryMask, valueMask, keyMask] = inputMasks(kwargs.mask, list.length);
    const useCausalMask = kwargs.useCausalMask === true;
    const explicit = kwargs.attentionMask ?? null;
    const causalOnly = useCausalMask && !queryMask && !valueMask && !keyMask && !explicit && this.slidingWindow === null;
    let mask = causalOnly ? null : computeAttentionMask(query, value, {queryMask, valueMask, keyMask, attentionMask: explicit, useCausalMask, slidingWindow: this.slidingWindow});
    const gate = this._gateDense ? (this._gateDense.apply(query) as Tensor) : null;
    const q = this._queryDense.apply(query) as Tensor;
    // the op reads grouped key/value heads as they are; the scores path repeats them per query head
    let k = this._keyDense.apply(key) as Tensor;
    let v = this._valueDense.apply(value) as Tensor;
    const scale = 1 / Math.sqrt(this.headDim);
    const wantScores = kwargs.returnAttentionScores === true;
    let out: Tensor, scores: Tensor | null = null;
    if (!(this.dropout > 0 || wantScores)) {
      if (mask) while (mask.rank < 4) mask = ops.expandDims(mask, -3);
      out = ops.dotProductAttention(q, k, v, {mask, scale, isCausal: causalOnly});
    } else {
      k = ops.repeat(k, this.numRepeats, 2);
      v = ops.repeat(v, this.numRepeats, 2);
      if (causalOnly) mask = computeAttentionMask(query, value, {queryMask: null, valueMask: null, keyMask: null, attentionMask: null, useCausalMask: true, slidingWindow: null});
      let s = ops.einsum('bquh,bkuh->buqk', ops.multiply(q, scale), k);
      if (mask) while (mask.rank < s.rank) mask = ops.expandDims(mask, -3);
      s = this._softmax.apply(s, {mask}) as Tensor;
      scores = s;
      const dropped = this.dropout > 0 ? (this._dropoutLayer.apply(s, {training: kwargs.training === true}) as Tensor) : s;
      out = ops.einsum('buqk,bkuh->bquh', dropped, v);
    }
    const y = this._outputDense.apply(gate ? ops.multiply(out, gate) : out) as Tensor;
    return wantScores ? [y, scores!] : y;
  }

  override computeMask(inputs: LayerInput, mask: Tensor | Tensor[] | null): Tensor | Tensor[] | null {
    void inputs;
    const qm = Array.isArray(mask) ? (mask[0] ?? null) : mask;
    // cast: with the scores returned, the masks are [the output's, null for the scores] as in Keras (Layer types masks as tensors)
    return this.scoresInShape ? ([qm, null] as unknown as Tensor[]) : qm;
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike | ShapeLike[] {
    const shapes = inputShape as ShapeLike[];
    const q = shapes[0]!, v = shapes[1]!, k = shapes[2] ?? v;
    if (q.at(-1) !== v.at(-1)) {
      throw new ValueError(`The last dimension of \`query_shape\` and \`value_shape\` must be equal, but are ${q.at(-1)}, ${v.at(-1)}. Received: query_shape=${JSON.stringify(q)}, value_shape=${JSON.stringify(v)}`);
    }
    if (JSON.stringify(v.slice(1, -1)) !== JSON.stringify(k.slice(1, -1))) {
      throw new ValueError(`All dimensions of \`value\` and \`key\`, except the last one, must be equal. Received: value_shape=${JSON.stringify(v)} and key_shape=${JSON.stringify(k)}`);
    }
    return this.scoresInShape ? [[...q], [q[0] ?? null, this.numQueryHeads, q[1] ?? null, k[1] ?? null]] : [...q];
  }

  /** Keras's build config for `build(query_shape, value_shape, key_shape)` (written by the model config). */
  buildShapesDict(): Record<string, unknown> | null {
    return attentionShapesDict(this.built, this.buildInputShape);
  }

  override getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...super.getConfig(),
      headDim: this.headDim,
      numQueryHeads: this.numQueryHeads,
      numKeyValueHeads: this.numKeyValueHeads,
      useBias: this.useBias,
      dropout: this.dropout,
      ...kernelBiasConfig(this),
      seed: this.seed,
    };
    if (this.useGate) c['useGate'] = true;
    if (this.slidingWindow !== null) c['slidingWindow'] = this.slidingWindow;
    return c;
  }

  static override fromConfig(config: Record<string, unknown>): GroupedQueryAttention {
    const {headDim, numQueryHeads, numKeyValueHeads, ...rest} = config;
    return new this(headDim as number, numQueryHeads as number, numKeyValueHeads as number, rest as GroupedQueryAttentionArgs);
  }
}
registerKerasSerializable(GroupedQueryAttention, {pkg: 'keras'});

/** Keras's other name for the layer. */
export {GroupedQueryAttention as GroupQueryAttention};
