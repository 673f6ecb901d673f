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
import {fmtShape} from '../tensor/shape.js';
import type {Tensor} from '../tensor/tensor.js';
import {reshape} from './array.js';
import {checkBroadcast, dotProductAttentionComposite, type DotProductAttentionOptions} from './attention_composite.js';
import {cast, runAll, toFloat, toTensor, type TensorLike} from './core.js';

export type {DotProductAttentionOptions};

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
