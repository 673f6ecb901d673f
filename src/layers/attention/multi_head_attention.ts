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
import {getCon, getReg, kernelBiasConfig, serInit} from '../layer_utils.js';
import {Dropout} from '../regularization/dropout.js';
import {attentionShapesDict, checkSlidingWindow, computeAttentionMask, gatherInputs, inputMasks, type AttentionCallArgs} from './attention_masks.js';

export interface MultiHeadAttentionArgs extends LayerArgs {
  /** Size of each head of value (default `keyDim`). */
  valueDim?: number | null;
  /** Dropout rate on the attention probabilities. */
  dropout?: number;
  useBias?: boolean;
  /** The output's last dimension(s) (default: the query's last dimension). */
  outputShape?: number | number[] | null;
  /** Axes attention runs over (default: every axis between batch and features). */
  attentionAxes?: number | number[] | null;
  /** Each query attends to keys within `slidingWindow - 1` positions. */
  slidingWindow?: number | null;
  /** Accepted for Keras's signature; `true` is an error (no flash kernel here). */
  flashAttention?: boolean | null;
  kernelInitializer?: initializers.InitializerIdentifier;
  biasInitializer?: initializers.InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
  /** A sigmoid gate (a fourth projection of the query) multiplies the heads' outputs. */
  useGate?: boolean;
  seed?: number | null;
  numHeads?: number;
  keyDim?: number;
}

const letter = (i: number): string => 'abcdefghijklmnopqrstuvwxyz'[i]!;

/** Keras's `_build_proj_equation`: free axes kept, bound axes contracted, output axes from the kernel. */
function projEquation(freeDims: number, boundDims: number, outputDims: number): {equation: string; biasAxes: string; outputRank: number} {
  let input = '', kernel = '', output = '', bias = '';
  for (let i = 0; i < freeDims; i++) {
    input += letter(i);
    output += letter(i);
  }
  for (let i = 0; i < boundDims; i++) {
    input += letter(freeDims + i);
    kernel += letter(freeDims + i);
  }
  for (let i = 0; i < outputDims; i++) {
    const c = letter(freeDims + boundDims + i);
    kernel += c;
    output += c;
    bias += c;
  }
  return {equation: `${input},${kernel}->${output}`, biasAxes: bias, outputRank: output.length};
}

const partialShape = (rank: number, known: number[]): (number | null)[] => [...new Array<null>(rank - known.length).fill(null), ...known];

/** Keras's `_build_attention_equation`: the scores `key . query` and the combination `scores . value`. */
function attentionEquations(rank: number, attnAxes: number[]): {dot: string; combine: string; scoresRank: number} {
  const target = [...Array(rank).keys()].map(letter).join('');
  const batchDims = [...Array(rank).keys()].filter((i) => !attnAxes.includes(i) && i !== rank - 1);
  let offset = rank;
  let source = '';
  for (let i = 0; i < rank; i++) source += batchDims.includes(i) || i === rank - 1 ? target[i] : letter(offset++);
  const product = [...batchDims.map((i) => target[i]), ...attnAxes.map((i) => target[i]), ...attnAxes.map((i) => source[i])].join('');
  return {dot: `${source},${target}->${product}`, combine: `${product},${source}->${target}`, scoresRank: product.length};
}

/**
 * Multi-head attention (Vaswani et al., 2017), as Keras's `MultiHeadAttention`.
 *
 * Query, key and value are projected per head by `EinsumDense` layers (`query`, `key`, `value`:
 * kernels `[dim, numHeads, keyDim]`, biases `[numHeads, keyDim]`), each head computes
 * `softmax(q·kᵀ / sqrt(keyDim), masked) · v`, and `attention_output` (kernel
 * `[numHeads, valueDim, dim]`) projects the heads back. Query `[B, T, dim]`, value and key
 * `[B, S, dim]`, output `[B, T, dim]` (or `outputShape`); scores `[B, numHeads, T, S]`.
 *
 * Masks: the Keras masks of query, value and key (from `Embedding({maskZero: true})`), an explicit
 * `attentionMask` `[B, T, S]` and `useCausalMask` combine with AND; the output carries the query's mask.
 *
 * ```ts
 * const mha = new MultiHeadAttention(2, 16);
 * const y = mha.apply([x, x]);                                   // self-attention
 * const [out, scores] = mha.apply(q, {value: v, returnAttentionScores: true, useCausalMask: true});
 * ```
 */
export class MultiHeadAttention extends Layer {
  static override readonly className: string = 'MultiHeadAttention';
  /** A call's list of inputs is Keras's positional arguments `(query, value, key)` in a saved graph. */
  static readonly positionalInputs = true;
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly useGate: boolean;
  readonly partialOutputShape: number[] | null;
  attentionAxes: number[] | null;
  readonly slidingWindow: number | null;
  readonly seed: number | null;
  readonly kernelInitializer: initializers.Initializer;
  readonly biasInitializer: initializers.Initializer;
  readonly kernelRegularizer;
  readonly biasRegularizer;
  readonly kernelConstraint;
  readonly biasConstraint;
  // sublayers, declared in Keras's creation order (the order of `weights`)
  _queryDense!: EinsumDense;
  _keyDense!: EinsumDense;
  _gateDense: EinsumDense | null = null;
  _valueDense!: EinsumDense;
  _softmax!: Softmax;
  _dropoutLayer!: Dropout;
  _outputDense!: EinsumDense;
  private dotEquation = '';
  private combineEquation = '';
  private scoresInShape = false;

  constructor(numHeads: number | MultiHeadAttentionArgs, keyDim?: number, args: MultiHeadAttentionArgs = {}) {
    if (typeof numHeads === 'object' && numHeads !== null) {
      args = numHeads;
      numHeads = args.numHeads as number;
      keyDim = args.keyDim;
    }
    if (!Number.isInteger(numHeads) || (numHeads as number) <= 0) {
      throw new ValueError(`Received an invalid value for argument \`num_heads\`, expected a positive integer. Received: num_heads=${String(numHeads)}`);
    }
    if (!Number.isInteger(keyDim) || (keyDim as number) <= 0) {
      throw new ValueError(`Received an invalid value for argument \`key_dim\`, expected a positive integer. Received: key_dim=${String(keyDim)}`);
    }
    const valueDim = args.valueDim ?? null;
    if (valueDim !== null && (!Number.isInteger(valueDim) || valueDim <= 0)) {
      throw new ValueError(`Received an invalid value for argument \`value_dim\`, expected a positive integer or \`None\`. Received: value_dim=${String(valueDim)}`);
    }
    const {numHeads: _n, keyDim: _k, valueDim: _v, dropout, useBias, outputShape, attentionAxes, slidingWindow, flashAttention, useGate, seed,
      kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, kernelConstraint, biasConstraint, ...base} = args;
    super(base);
    this.supportsMasking = true;
    this.numHeads = numHeads as number;
    this.keyDim = keyDim as number;
    this.valueDim = valueDim ?? this.keyDim;
    this.dropout = dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new ValueError(`Layer "${this.name}": dropout must be in [0, 1]. Received: dropout=${String(dropout)}`);
    this.useBias = useBias ?? true;
    this.useGate = useGate ?? false;
    if (outputShape === undefined || outputShape === null) this.partialOutputShape = null;
    else if (typeof outputShape === 'number') this.partialOutputShape = [outputShape];
    else if (Array.isArray(outputShape)) this.partialOutputShape = [...outputShape];
    else throw new ValueError(`Invalid \`output_shape\`: ${String(outputShape)}. When specified, the \`output_shape\` should be of type tuple, list, or int.`);
    if (attentionAxes === undefined || attentionAxes === null) this.attentionAxes = null;
    else if (typeof attentionAxes === 'number') this.attentionAxes = [attentionAxes];
    else if (Array.isArray(attentionAxes)) this.attentionAxes = [...attentionAxes];
    else throw new ValueError(`\`attention_axes\` must be an int, list, or tuple.Received: attention_axes=${String(attentionAxes)}`);
    this.slidingWindow = checkSlidingWindow(slidingWindow);
    if (flashAttention) throw new ValueError(`Layer "${this.name}": flash attention is not available in keras-ts; leave flash_attention unset`);
    this.seed = seed ?? null;
    this.kernelInitializer = initializers.get(kernelInitializer ?? 'glorot_uniform');
    this.biasInitializer = initializers.get(biasInitializer ?? 'zeros');
    this.kernelRegularizer = getReg(kernelRegularizer);
    this.biasRegularizer = getReg(biasRegularizer);
    this.kernelConstraint = getCon(kernelConstraint);
    this.biasConstraint = getCon(biasConstraint);
    void _n;
    void _k;
    void _v;
  }

  /** Each sublayer gets its own copy of the initializers, so that the projections differ. */
  private sublayerArgs(): Record<string, unknown> {
    return {
      kernelInitializer: initializers.get(serInit(this.kernelInitializer)),
      biasInitializer: initializers.get(serInit(this.biasInitializer)),
      kernelRegularizer: this.kernelRegularizer, biasRegularizer: this.biasRegularizer,
      activityRegularizer: this.activityRegularizer,
      kernelConstraint: this.kernelConstraint, biasConstraint: this.biasConstraint,
      dtype: this.dtype,
    };
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    const shapes = inputShape as ShapeLike[];
    const queryShape = shapes[0]!, valueShape = shapes[1]!, keyShape = shapes[2] ?? valueShape;
    if (JSON.stringify(valueShape.slice(1, -1)) !== JSON.stringify(keyShape.slice(1, -1))) {
      throw new ValueError(`All dimensions of \`value\` and \`key\`, except the last one, must be equal. Received: value_shape=${JSON.stringify(valueShape)} and key_shape=${JSON.stringify(keyShape)}`);
    }
    const proj = (rank: number, dim: number, name: string, activation?: string): EinsumDense => {
      const p = projEquation(rank - 1, 1, 2);
      return new EinsumDense(p.equation, partialShape(p.outputRank - 1, [this.numHeads, dim]), {
        biasAxes: this.useBias ? p.biasAxes : null, name, activation, ...this.sublayerArgs(),
      });
    };
    this._queryDense = proj(queryShape.length, this.keyDim, 'query');
    this._queryDense.maybeBuild(queryShape);
    this._keyDense = proj(keyShape.length, this.keyDim, 'key');
    this._keyDense.maybeBuild(keyShape);
    if (this.useGate) {
      this._gateDense = proj(queryShape.length, this.valueDim, 'gate', 'sigmoid');
      this._gateDense.maybeBuild(queryShape);
    }
    this._valueDense = proj(valueShape.length, this.valueDim, 'value');
    this._valueDense.maybeBuild(valueShape);

    const rank = queryShape.length + 1; // the projected tensors: [B, ..., heads, dim]
    this.attentionAxes = this.attentionAxes === null
      ? [...Array(rank - 3).keys()].map((i) => i + 1)
      : this.attentionAxes.map((a) => (a >= 0 ? a : rank - 1 + a));
    const eq = attentionEquations(rank, this.attentionAxes);
    this.dotEquation = eq.dot;
    this.combineEquation = eq.combine;
    const normAxes = [...Array(this.attentionAxes.length).keys()].map((i) => eq.scoresRank - this.attentionAxes!.length + i);
    this._softmax = new Softmax(normAxes, {dtype: this.dtype});
    this._dropoutLayer = new Dropout(this.dropout, {dtype: this.dtype, seed: this.seed});

    const outShape = this.partialOutputShape ?? [queryShape.at(-1) as number];
    const p = projEquation(queryShape.length - 1, 2, outShape.length);
    this._outputDense = new EinsumDense(p.equation, partialShape(p.outputRank - 1, outShape), {
      biasAxes: this.useBias ? p.biasAxes : null, name: 'attention_output', ...this.sublayerArgs(),
    });
    const denseIn = [...(this._queryDense.computeOutputShape(queryShape) as (number | null)[])];
    denseIn[denseIn.length - 1] = this.valueDim;
    this._outputDense.maybeBuild(denseIn);
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
    // causal masking alone goes to the op's own causal path instead of a materialized [T, S] mask
    const causalOnly = useCausalMask && !queryMask && !valueMask && !keyMask && !explicit && this.slidingWindow === null;
    const attentionMask = causalOnly ? null : computeAttentionMask(query, value, {queryMask, valueMask, keyMask, attentionMask: explicit, useCausalMask, slidingWindow: this.slidingWindow});

    const gate = this._gateDense ? (this._gateDense.apply(query) as Tensor) : null;
    const q = this._queryDense.apply(query) as Tensor;
    const k = this._keyDense.apply(key) as Tensor;
    const v = this._valueDense.apply(value) as Tensor;
    const [out, scores] = this.computeAttention(q, k, v, attentionMask, kwargs.training === true, kwargs.returnAttentionScores === true, causalOnly);
    const y = this._outputDense.apply(gate ? ops.multiply(out, gate) : out) as Tensor;
    return kwargs.returnAttentionScores ? [y, scores!] : y;
  }

  /** The heads' outputs `[B, T, N, valueDim]` and, when asked for, the scores `[B, N, T, S]`. */
  private computeAttention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, training: boolean, wantScores: boolean, isCausal: boolean): [Tensor, Tensor | null] {
    const scale = 1 / Math.sqrt(this.keyDim);
    const nAttn = this.attentionAxes!.length;
    if (!(this.dropout > 0 || wantScores || q.rank !== 4)) {
      let m = mask;
      if (m) while (m.rank < 4) m = ops.expandDims(m, -2 * nAttn - 1);
      return [ops.dotProductAttention(q, k, v, {mask: m, scale, isCausal}), null];
    }
    if (isCausal) mask = computeAttentionMask(q, v, {queryMask: null, valueMask: null, keyMask: null, attentionMask: null, useCausalMask: true, slidingWindow: null});
    let scores = ops.einsum(this.dotEquation, k, ops.multiply(q, scale));
    if (mask) {
      while (mask.rank < scores.rank) mask = ops.expandDims(mask, -2 * nAttn - 1);
    }
    scores = this._softmax.apply(scores, {mask}) as Tensor;
    const dropped = this.dropout > 0 ? (this._dropoutLayer.apply(scores, {training}) as Tensor) : scores;
    return [ops.einsum(this.combineEquation, dropped, v), scores];
  }

  override computeMask(inputs: LayerInput, mask: Tensor | Tensor[] | null): Tensor | Tensor[] | null {
    void inputs;
    const qm = Array.isArray(mask) ? (mask[0] ?? null) : mask;
    // cast: with the scores returned, the masks are [the output's, null for the scores] as in Keras (Layer types masks as tensors)
    return this.scoresInShape ? [qm, null] as unknown as Tensor[] : qm;
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike | ShapeLike[] {
    const shapes = inputShape as ShapeLike[];
    const q = shapes[0]!, v = shapes[1]!, k = shapes[2] ?? v;
    if (JSON.stringify(v.slice(1, -1)) !== JSON.stringify(k.slice(1, -1))) {
      throw new ValueError(`All dimensions of \`value\` and \`key\`, except the last one, must be equal. Received: value_shape=${JSON.stringify(v)} and key_shape=${JSON.stringify(k)}`);
    }
    const out = this.partialOutputShape ? [...q.slice(0, -1), ...this.partialOutputShape] : [...q];
    if (!this.scoresInShape) return out;
    return [out, [q[0] ?? null, this.numHeads, q[1] ?? null, v[1] ?? null]];
  }

  /** Keras's build config for `build(query_shape, value_shape, key_shape)` (written by the model config). */
  buildShapesDict(): Record<string, unknown> | null {
    return attentionShapesDict(this.built, this.buildInputShape);
  }

  override getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.partialOutputShape,
      attentionAxes: this.attentionAxes,
      ...kernelBiasConfig(this),
      seed: this.seed,
    };
    // newer Keras (after 3.10) options, written only when used so that older Keras reads the file
    if (this.useGate) c['useGate'] = true;
    if (this.slidingWindow !== null) c['slidingWindow'] = this.slidingWindow;
    return c;
  }

  static override fromConfig(config: Record<string, unknown>): MultiHeadAttention {
    const {numHeads, keyDim, ...rest} = config;
    return new this(numHeads as number, keyDim as number, rest as MultiHeadAttentionArgs);
  }
}
registerKerasSerializable(MultiHeadAttention, {pkg: 'keras'});
