/**
 * `ops.dotProductAttention` written from other ops (two batched matmuls and a softmax, differentiated
 * by autodiff): the op's path with a bias or on a backend without the kernel, the tests' oracle for
 * the kernel, and the pieces its second-order gradient reuses. Internal: not part of `keras.ops`.
 */
import {ValueError} from '../errors.js';
import {MASKED_LOGIT} from '../kernels/defs/attention.js';
import {fmtShape} from '../tensor/shape.js';
import {ones, type Tensor} from '../tensor/tensor.js';
import {repeat, reshape, transpose} from './array.js';
import {cast, toTensor, type TensorLike} from './core.js';
import {add, logicalAnd, matmul, multiply, notEqual, where} from './math.js';
import {softmax} from './nn.js';
import {tril} from './numpy_extra.js';

export interface DotProductAttentionOptions {
  /** Added to the logits; broadcastable to `[batch, heads, T, S]`. */
  bias?: TensorLike | null;
  /** True (or non-zero) where a query may attend to a key; broadcastable to `[batch, heads, T, S]`. */
  mask?: TensorLike | null;
  /** Multiplies the logits; default `1 / sqrt(headDim)`. */
  scale?: number | null;
  /** Query `t` attends to keys `s <= t` only (a lower-triangular mask, aligned at the top left). */
  isCausal?: boolean;
  /**
   * `true` insists on the tiled kernel (keys in tiles, online softmax: native and wasm), an error where
   * it cannot run (another backend, a `bias`); `null` or `false` let the op choose.
   */
  flashAttention?: boolean | null;
}

/** Throws unless `t` (the op's `name` argument) broadcasts to the logits' `[B, N, T, S]`. */
export function checkBroadcast(name: string, t: Tensor, target: readonly number[]): void {
  const off = target.length - t.rank;
  if (off < 0 || !t.shape.every((d, i) => d === 1 || d === target[off + i])) {
    throw new ValueError(`dotProductAttention: ${name} must broadcast to [batch, heads, T, S] = ${fmtShape(target)}. Received: ${name}.shape=${fmtShape(t.shape)}`);
  }
}

/**
 * Where a query may attend to a key, `[B or 1, N or 1, T, S]` (bool), from a mask broadcastable to
 * `[B, N, T, S]` and the causal flag; null when every position may. Shared with the second-order
 * gradient of the kernel (`gradients/attention.ts`).
 */
export function attentionKeep(mask: Tensor | null, T: number, S: number, isCausal: boolean): Tensor | null {
  let keep: Tensor | null = mask === null ? null : mask.dtype === 'bool' ? mask : notEqual(mask, 0);
  if (isCausal) {
    const causal = cast(reshape(tril(ones([T, S], 'int32')), [1, 1, T, S]), 'bool');
    keep = keep ? logicalAnd(keep, causal) : causal;
  }
  return keep;
}

/**
 * The op from other ops (validated inputs): `[B, T, N, H]` query, key and value (K/V heads repeated
 * to N), bias and masks as `dotProductAttention` takes them. The tests' oracle for the kernel.
 */
export function dotProductAttentionComposite(q: Tensor, k: Tensor, v: Tensor, options: DotProductAttentionOptions): Tensor {
  const op = 'dotProductAttention';
  const {bias = null, mask = null, scale = null, isCausal = false} = options;
  const [B, T, N, H] = q.shape as [number, number, number, number];
  const [, S, K] = k.shape as [number, number, number];
  if (K < N) {
    k = repeat(k, N / K, 2);
    v = repeat(v, N / K, 2);
  }
  const logitsShape = [B, N, T, S];
  // [B, N, T, H] x [B, N, S, H]^T -> [B, N, T, S]
  const qh = transpose(q, [0, 2, 1, 3]);
  const kh2 = transpose(k, [0, 2, 1, 3]);
  q = multiply(qh, scale ?? 1 / Math.sqrt(H));
  let logits = matmul(q, kh2, {transposeB: true});
  if (bias !== null) {
    const b = toTensor(bias, 'bias', op, logits.dtype);
    checkBroadcast('bias', b, logitsShape);
    logits = add(logits, b);
  }
  let m: Tensor | null = null;
  if (mask !== null) {
    m = toTensor(mask, 'mask', op);
    checkBroadcast('mask', m, logitsShape);
  }
  const keep = attentionKeep(m, T, S, isCausal);
  if (keep) logits = where(keep, logits, MASKED_LOGIT);
  const probs = softmax(logits, -1);
  const out = matmul(probs, transpose(v, [0, 2, 1, 3])); // [B, N, T, Hv]
  return transpose(out, [0, 2, 1, 3]);
}
