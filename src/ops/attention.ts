/**
 * `ops.dotProductAttention` (Keras's `ops.nn.dot_product_attention`): scaled dot-product attention
 * over `[batch, length, heads, headDim]` tensors. One `DotProductAttention` kernel where the backend
 * has it (reference, native, wasm: the compiled kernels keep the logits per tile of keys, never the
 * whole `[B, N, T, S]`); written from other ops (two batched matmuls and a softmax, differentiated
 * by autodiff) with a `bias`, or on a backend without the kernel (webgpu).
 *
 * ```ts
 * const q = keras.random.normal([2, 4, 8, 16]), k = keras.random.normal([2, 6, 8, 16]);
 * ops.dotProductAttention(q, k, k).shape;           // [2, 4, 8, 16]
 * ops.dotProductAttention(q, q, q, {isCausal: true});
 * ```
 */
import {getBackend} from '../backends/registry.js';
import {ValueError} from '../errors.js';
import {MASKED_LOGIT} from '../kernels/defs/attention.js';
import {fmtShape} from '../tensor/shape.js';
import {ones, type Tensor} from '../tensor/tensor.js';
import {repeat, reshape, transpose} from './array.js';
import {cast, runAll, toFloat, toTensor, type TensorLike} from './core.js';
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
function checkBroadcast(name: string, t: Tensor, target: readonly number[]): void {
  const off = target.length - t.rank;
  if (off < 0 || !t.shape.every((d, i) => d === 1 || d === target[off + i])) {
    throw new ValueError(`dotProductAttention: ${name} must broadcast to [batch, heads, T, S] = ${fmtShape(target)}. Received: ${name}.shape=${fmtShape(t.shape)}`);
  }
}

/**
 * `softmax(query · keyᵀ * scale + bias, masked) · value`, per head.
 *
 * Shapes: `query [B, T, N, H]`, `key [B, S, K, H]`, `value [B, S, K, Hv]`, output `[B, T, N, Hv]`.
 * When `K < N` (`N` a multiple of `K`) query heads share key/value heads in groups of `N / K`
 * (grouped-query attention; `K = 1` is multi-query attention), head `n` reading key head
 * `floor(n / (N / K))`. A query row whose keys are all masked attends to them all equally, as
 * Keras's and JAX's implementations do.
 */
export function dotProductAttention(query: TensorLike, key: TensorLike, value: TensorLike, options: DotProductAttentionOptions = {}): Tensor {
  const op = 'dotProductAttention';
  const q = toFloat(toTensor(query, 'query', op));
  const k = toTensor(key, 'key', op, q.dtype);
  const v = toTensor(value, 'value', op, q.dtype);
  const {bias = null, mask = null, scale = null, isCausal = false, flashAttention = null} = options;
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new ValueError(`${op} only supports 4D inputs [batch, length, heads, headDim]. Received: query.shape=${fmtShape(q.shape)}, key.shape=${fmtShape(k.shape)}, value.shape=${fmtShape(v.shape)}`);
  }
  const [B, T, N, H] = q.shape as [number, number, number, number];
  const [kb, S, K, kh] = k.shape as [number, number, number, number];
  if (kb !== B || v.shape[0] !== B) throw new ValueError(`${op}: query, key and value must have the same batch size. Received: query.shape=${fmtShape(q.shape)}, key.shape=${fmtShape(k.shape)}, value.shape=${fmtShape(v.shape)}`);
  if (kh !== H) throw new ValueError(`${op}: query and key must have the same head dimension (axis 3). Received: query.shape=${fmtShape(q.shape)}, key.shape=${fmtShape(k.shape)}`);
  if (v.shape[1] !== S || v.shape[2] !== K) throw new ValueError(`${op}: key and value must agree on length and heads (axes 1 and 2). Received: key.shape=${fmtShape(k.shape)}, value.shape=${fmtShape(v.shape)}`);
  if (N % K !== 0) throw new ValueError(`${op}: the number of query heads (${N}) must be a multiple of the number of key/value heads (${K}). Received: query.shape=${fmtShape(q.shape)}, key.shape=${fmtShape(k.shape)}`);
  if (scale !== null && !Number.isFinite(scale)) throw new ValueError(`${op}: scale must be a finite number or null. Received: scale=${scale}`);
  const backend = getBackend();
  if (flashAttention && (bias !== null || backend.kernels.DotProductAttention === undefined || backend.name === 'reference')) {
    throw new ValueError(`${op}: flash attention (the tiled kernel) runs on the native and wasm backends without a bias; the active backend is "${backend.name}"${bias !== null ? ' and a bias was given' : ''}. Pass flashAttention: false or leave it unset`);
  }
  if (bias === null && backend.kernels.DotProductAttention !== undefined) {
    const m = mask === null ? [] : [maskForKernel(toTensor(mask, 'mask', op), [B, N, T, S], q.dtype)];
    return runAll('DotProductAttention', {query: q, key: k, value: v, mask: m}, {scale: scale ?? 1 / Math.sqrt(H), isCausal})[0]!;
  }
  return dotProductAttentionComposite(q, k, v, {bias, mask, scale, isCausal});
}

/** A mask as the kernel takes it: rank 4, broadcastable to `[B, N, T, S]`, in the query's dtype. */
function maskForKernel(m: Tensor, logitsShape: number[], dtype: Tensor['dtype']): Tensor {
  checkBroadcast('mask', m, logitsShape);
  const r4 = m.rank < 4 ? reshape(m, [...new Array<number>(4 - m.rank).fill(1), ...m.shape]) : m;
  return cast(r4, dtype);
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
