import {attentionDims, MASKED_LOGIT, type DotProductAttentionAttrs} from '../../kernels/defs/attention.js';
import type {Tensor} from '../../tensor/tensor.js';

/**
 * Scaled dot-product attention one query row at a time, in float64, rounded once when stored: the
 * definition the compiled kernels (tiles of keys, online softmax) are tested against.
 */

/** The logits of query row `t` of head `n` (batch `b`) over all keys, masked, in `out`. */
function logitsRow(
  q: ArrayLike<number>, k: ArrayLike<number>, mask: ArrayLike<number> | null, d: ReturnType<typeof attentionDims>,
  a: DotProductAttentionAttrs, masked: number, b: number, n: number, t: number, out: Float64Array,
): void {
  const {tq: T, tk: S, heads: N, kvHeads: K, headDim: H} = d;
  const kn = Math.floor(n / (N / K));
  const qo = ((b * T + t) * N + n) * H;
  const mo = b * d.maskB + n * d.maskN + t * d.maskT;
  for (let s = 0; s < S; s++) {
    const keep = (!a.isCausal || s <= t) && (mask === null || mask[mo + s * d.maskS] !== 0);
    if (!keep) {
      out[s] = masked;
      continue;
    }
    const ko = ((b * S + s) * K + kn) * H;
    let dot = 0;
    for (let h = 0; h < H; h++) dot += q[qo + h]! * k[ko + h]!;
    out[s] = a.scale * dot;
  }
}

/** softmax of `l` in place; returns the log of its normalizer (logsumexp). */
function softmaxRow(l: Float64Array): number {
  let m = -Infinity;
  for (const v of l) m = Math.max(m, v);
  let sum = 0;
  for (let s = 0; s < l.length; s++) sum += l[s] = Math.exp(l[s]! - m);
  for (let s = 0; s < l.length; s++) l[s]! /= sum;
  return m + Math.log(sum);
}

// the masked logit in the tensor's precision, as the composite's `where` writes it
const maskedFor = (t: Tensor) => (t.dtype === 'float32' ? Math.fround(MASKED_LOGIT) : MASKED_LOGIT);

export const attentionImpl = {
  DotProductAttention: ({query, key, value, mask}: {query: Tensor; key: Tensor; value: Tensor; mask: Tensor[]}, a: DotProductAttentionAttrs, [y, lse]: Tensor[]) => {
    const d = attentionDims(query, key, value, mask[0]);
    const {batch: B, tq: T, tk: S, heads: N, kvHeads: K, valueDim: Hv} = d;
    const q = query.values, k = key.values, v = value.values, m = mask[0]?.values ?? null, yv = y!.values, lv = lse!.values;
    const p = new Float64Array(S), acc = new Float64Array(Hv), masked = maskedFor(query);
    for (let b = 0; b < B; b++) {
      for (let n = 0; n < N; n++) {
        const kn = Math.floor(n / (N / K));
        for (let t = 0; t < T; t++) {
          logitsRow(q, k, m, d, a, masked, b, n, t, p);
          lv[(b * N + n) * T + t] = softmaxRow(p);
          acc.fill(0);
          for (let s = 0; s < S; s++) {
            const vo = ((b * S + s) * K + kn) * Hv, w = p[s]!;
            for (let h = 0; h < Hv; h++) acc[h]! += w * v[vo + h]!;
          }
          yv.set(acc, ((b * T + t) * N + n) * Hv);
        }
      }
    }
  },

  DotProductAttentionGrad: (
    {dy, dLse, query, key, value, y, mask}: {dy: Tensor; dLse: Tensor; query: Tensor; key: Tensor; value: Tensor; y: Tensor; lse: Tensor; mask: Tensor[]},
    a: DotProductAttentionAttrs,
    [dQuery, dKey, dValue]: Tensor[],
  ) => {
    const d = attentionDims(query, key, value, mask[0]);
    const {batch: B, tq: T, tk: S, heads: N, kvHeads: K, headDim: H, valueDim: Hv} = d;
    const q = query.values, k = key.values, v = value.values, m = mask[0]?.values ?? null;
    const g = dy.values, yv = y.values, gl = dLse.values, masked = maskedFor(query);
    const dq = new Float64Array(dQuery!.size), dk = new Float64Array(dKey!.size), dv = new Float64Array(dValue!.size);
    const p = new Float64Array(S);
    for (let b = 0; b < B; b++) {
      for (let n = 0; n < N; n++) {
        const kn = Math.floor(n / (N / K));
        for (let t = 0; t < T; t++) {
          // the softmax row again, from the logits (the lse input is what a tiled kernel reads instead)
          logitsRow(q, k, m, d, a, masked, b, n, t, p);
          softmaxRow(p);
          const qo = ((b * T + t) * N + n) * H, yo = ((b * T + t) * N + n) * Hv;
          let D = -gl[(b * N + n) * T + t]!;
          for (let h = 0; h < Hv; h++) D += g[yo + h]! * yv[yo + h]!;
          for (let s = 0; s < S; s++) {
            const ko = ((b * S + s) * K + kn) * H, vo = ((b * S + s) * K + kn) * Hv, w = p[s]!;
            let dp = 0;
            for (let h = 0; h < Hv; h++) {
              dp += g[yo + h]! * v[vo + h]!;
              dv[vo + h]! += w * g[yo + h]!;
            }
            // a masked logit is a constant: no gradient reaches query or key through it
            const keep = (!a.isCausal || s <= t) && (m === null || m[b * d.maskB + n * d.maskN + t * d.maskT + s * d.maskS] !== 0);
            if (!keep) continue;
            const ds = a.scale * w * (dp - D);
            for (let h = 0; h < H; h++) {
              dq[qo + h]! += ds * k[ko + h]!;
              dk[ko + h]! += ds * q[qo + h]!;
            }
          }
        }
      }
    }
    dQuery!.values.set(dq);
    dKey!.values.set(dk);
    dValue!.values.set(dv);
  },
};
