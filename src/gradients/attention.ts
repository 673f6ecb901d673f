import {MASKED_LOGIT, type DotProductAttentionAttrs} from '../kernels/defs/attention.js';
import * as ops from '../ops/index.js';
import {attentionKeep} from '../ops/attention_composite.js';
import {runAll} from '../ops/core.js';
import type {Tensor} from '../tensor/tensor.js';
import type {GradTable} from './grad_types.js';

const {matmul, multiply, subtract, transpose, where} = ops;

/** The inputs of `DotProductAttentionGrad`. */
interface AttentionGradInputs {
  dy: Tensor; dLse: Tensor; query: Tensor; key: Tensor; value: Tensor; y: Tensor; lse: Tensor; mask: Tensor[];
}

/**
 * `DotProductAttentionGrad` written with differentiable ops, the softmax recomputed from query and
 * key (so `lse` is not read: where it comes from the forward kernel it adds nothing): its tape gives
 * the kernel's own gradient (second order). Returns `[dQuery, dKey, dValue]`.
 */
function attentionGradComposite(x: AttentionGradInputs, a: DotProductAttentionAttrs): Tensor[] {
  const [B, T, N, H] = x.query.shape as [number, number, number, number];
  const [, S, K] = x.key.shape as [number, number, number];
  const Hv = x.value.shape[3]!, G = N / K;
  const heads = (t: Tensor) => transpose(G > 1 ? ops.repeat(t, G, 2) : t, [0, 2, 1, 3]); // [B, N, L, D]
  const qh = transpose(x.query, [0, 2, 1, 3]), kh = heads(x.key), vh = heads(x.value);
  const dyh = transpose(x.dy, [0, 2, 1, 3]), yh = transpose(x.y, [0, 2, 1, 3]);
  let logits = matmul(multiply(qh, a.scale), kh, {transposeB: true});
  const keep = attentionKeep(x.mask[0] ?? null, T, S, a.isCausal);
  if (keep) logits = where(keep, logits, MASKED_LOGIT);
  const p = ops.softmax(logits, -1);
  const d = subtract(ops.sum(multiply(dyh, yh), -1, true), ops.expandDims(x.dLse, -1));
  let ds = multiply(multiply(p, subtract(matmul(dyh, vh, {transposeB: true}), d)), a.scale);
  if (keep) ds = where(keep, ds, 0);
  // [B, N, L, D] -> [B, L, K, D], summing the G query heads of each key/value head
  const back = (t: Tensor, len: number, dim: number) =>
    transpose(G > 1 ? ops.sum(ops.reshape(t, [B, K, G, len, dim]), 2) : t, [0, 2, 1, 3]);
  return [
    transpose(matmul(ds, kh), [0, 2, 1, 3]),
    back(matmul(ds, qh, {transposeA: true}), S, H),
    back(matmul(p, dyh, {transposeA: true}), S, Hv),
  ];
}

const GRAD_DIFFERENTIABLE = ['dy', 'dLse', 'query', 'key', 'value', 'y', 'lse'] as const;

export const attentionGrads = {
  DotProductAttention: ({dys, inputs: {query, key, value, mask}, outputs, attrs}) => {
    const [dQuery, dKey, dValue] = runAll('DotProductAttentionGrad', {dy: dys[0]!, dLse: dys[1]!, query, key, value, y: outputs[0]!, lse: outputs[1]!, mask}, attrs);
    // the mask is a constant (where a query may look), not differentiated
    return {query: dQuery!, key: dKey!, value: dValue!};
  },
  DotProductAttentionGrad: ({dys, inputs, attrs, vjp}) => {
    const grads = vjp(GRAD_DIFFERENTIABLE.map((n) => inputs[n]), dys, () => attentionGradComposite(inputs, attrs));
    return Object.fromEntries(GRAD_DIFFERENTIABLE.map((n, i) => [n, grads[i]]));
  },
} satisfies Partial<GradTable>;
