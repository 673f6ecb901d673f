import {defineKernel, meta} from '../kernel.js';

/** Attributes of `DotProductAttention` and its gradient. */
export interface DotProductAttentionAttrs {
  /** Multiplies the logits (the op's default is `1 / sqrt(headDim)`). */
  scale: number;
  /** Query `t` attends to keys `s <= t` only (aligned at the top left). */
  isCausal: boolean;
}

/**
 * Scaled dot-product attention in one kernel, so a backend can keep the logits per tile of keys
 * (online softmax) instead of materializing `[B, N, T, S]`.
 *
 * Inputs: `query [B, T, N, H]`, `key [B, S, K, H]`, `value [B, S, K, Hv]` (`N` a multiple of `K`: query
 * head `n` reads key/value head `floor(n / (N / K))`), and `mask`: empty, or one rank-4 tensor of
 * query's dtype broadcastable to `[B, N, T, S]`, non-zero where a query may attend to a key.
 * Logits `l = scale * q · k`, set to `-0.7 * float32 max` where masked (or above the diagonal with
 * `isCausal`), as Keras's composite does, so a row whose keys are all masked attends to all equally.
 * Outputs: `y = softmax(l) · v [B, T, N, Hv]` and, kept for the gradient, `lse = logsumexp(l)
 * [B, N, T]` per row.
 */
export const attentionKernels = {
  DotProductAttention: defineKernel<{query: 'one'; key: 'one'; value: 'one'; mask: 'many'}, DotProductAttentionAttrs>('DotProductAttention', {
    inputs: {query: 'one', key: 'one', value: 'one', mask: 'many'},
    infer: ({query, value}) => {
      const [b, t, n] = query.shape as [number, number, number];
      return [meta([b, t, n, value.shape[3]!], query.dtype), meta([b, n, t], query.dtype)];
    },
  }),
  /**
   * The gradient of `DotProductAttention` from those of its outputs (`dy`, `dLse`), its inputs and its
   * outputs (`y`, `lse`): `p = softmax(l)` (recomputed per tile from `lse`), `dv = pᵀ dy`,
   * `dl = p * (dy vᵀ - (rowsum(dy * y) - dLse))` (zero where masked), `dq = scale * dl k`,
   * `dk = scale * dlᵀ q`, summed over the query heads that share a key/value head.
   * Outputs: `dQuery`, `dKey`, `dValue` in the shapes of query, key and value.
   */
  DotProductAttentionGrad: defineKernel<
    {dy: 'one'; dLse: 'one'; query: 'one'; key: 'one'; value: 'one'; y: 'one'; lse: 'one'; mask: 'many'},
    DotProductAttentionAttrs
  >('DotProductAttentionGrad', {
    inputs: {dy: 'one', dLse: 'one', query: 'one', key: 'one', value: 'one', y: 'one', lse: 'one', mask: 'many'},
    infer: ({query, key, value}) => [meta(query.shape, query.dtype), meta(key.shape, query.dtype), meta(value.shape, query.dtype)],
  }),
};

/** The sizes of an attention call, and the mask's strides over `[B, N, T, S]` (0 where it broadcasts). */
export interface AttentionDims {
  batch: number; tq: number; tk: number; heads: number; kvHeads: number; headDim: number; valueDim: number;
  /** Elements of the mask buffer, and its strides over `[B, N, T, S]`; all 0 without a mask. */
  maskSize: number; maskB: number; maskN: number; maskT: number; maskS: number;
}

/** The sizes of `query`, `key`, `value` (validated by the op) and of the optional rank-4 `mask`. */
export function attentionDims(query: {shape: readonly number[]}, key: {shape: readonly number[]}, value: {shape: readonly number[]}, mask: {shape: readonly number[]} | undefined): AttentionDims {
  const [batch, tq, heads, headDim] = query.shape as [number, number, number, number];
  const [, tk, kvHeads] = key.shape as [number, number, number];
  const d = {batch, tq, tk, heads, kvHeads, headDim, valueDim: value.shape[3]!, maskSize: 0, maskB: 0, maskN: 0, maskT: 0, maskS: 0};
  if (mask) {
    const [mb, mn, mt, ms] = mask.shape as [number, number, number, number];
    d.maskS = ms === 1 ? 0 : 1;
    d.maskT = mt === 1 ? 0 : ms;
    d.maskN = mn === 1 ? 0 : ms * mt;
    d.maskB = mb === 1 ? 0 : ms * mt * mn;
    d.maskSize = mb * mn * mt * ms;
  }
  return d;
}

/** The logit a masked position gets: large and negative, yet finite (`-0.7 * float32 max`, as Keras). */
export const MASKED_LOGIT = -0.7 * 3.4028234663852886e38;
