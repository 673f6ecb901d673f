import {attentionDims, type DotProductAttentionAttrs} from '../../kernels/defs/attention.js';
import {ValueError} from '../../errors.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import type {AttrsOf} from './abi.js';
import type {Compiled} from './call.js';
import {checkStorage, isF32} from './checks.js';

/** Scaled dot-product attention in tiles of keys (native/src/attention.cpp) and its gradient. */
export function attentionKernels({call}: Compiled): Partial<KernelTable> {
  /**
   * The kernel's attributes after checking the shapes against each other and every buffer against its
   * shape (`[name, tensor, expected shape]`, the expected shapes in terms of query, key and value's);
   * null to decline.
   */
  const geometry = (op: string, query: Tensor, key: Tensor, value: Tensor, mask: Tensor[], a: DotProductAttentionAttrs, buffers: [string, Tensor, 'y' | 'lse' | Tensor][]): AttrsOf<'DotProductAttention'> | null => {
    const d = attentionDims(query, key, value, mask[0]);
    const {batch: B, tq: T, tk: S, heads: N, kvHeads: K, headDim: H, valueDim: Hv} = d;
    const full = [B, N, T, S];
    if (query.rank !== 4 || key.rank !== 4 || value.rank !== 4 || mask.length > 1 || (mask[0] && (mask[0].rank !== 4 || mask[0].shape.some((m, i) => m !== 1 && m !== full[i]))) ||
      K < 1 || N % K !== 0 || fmtShape(key.shape) !== fmtShape([B, S, K, H]) || fmtShape(value.shape) !== fmtShape([B, S, K, Hv]) || !Number.isFinite(a.scale)) {
      throw new ValueError(`${op}: expected query [B, T, N, H], key [B, S, K, H], value [B, S, K, Hv] (N a multiple of K), a finite scale and at most one mask of rank 4 broadcastable to [B, N, T, S]. Received: query.shape=${fmtShape(query.shape)}, key.shape=${fmtShape(key.shape)}, value.shape=${fmtShape(value.shape)}, mask shapes=[${mask.map((m) => fmtShape(m.shape)).join(', ')}], scale=${a.scale}`);
    }
    if (H === 0 || Hv === 0) return null; // empty heads: the reference's zeros
    for (const [name, t, s] of buffers) checkStorage(op, name, t, s === 'y' ? [B, T, N, Hv] : s === 'lse' ? [B, N, T] : s.shape);
    if (mask[0]) checkStorage(op, 'mask', mask[0]);
    return {
      batch: B, tq: T, tk: S, heads: N, kvHeads: K, headDim: H, valueDim: Hv, scale: a.scale, isCausal: +a.isCausal,
      hasMask: mask.length, maskSize: d.maskSize, maskB: d.maskB, maskN: d.maskN, maskT: d.maskT, maskS: d.maskS,
    };
  };

  const DotProductAttention = (
    {query, key, value, mask}: {query: Tensor; key: Tensor; value: Tensor; mask: Tensor[]},
    a: DotProductAttentionAttrs,
    [y, lse]: Tensor[],
  ) => {
    if (!isF32(query, key, value, ...mask, y!, lse!)) return false;
    const g = geometry('DotProductAttention', query, key, value, mask, a, [['query', query, query], ['key', key, key], ['value', value, value], ['output y', y!, 'y'], ['output lse', lse!, 'lse']]);
    if (!g) return false;
    call('DotProductAttention', [query, key, value, ...mask, y!, lse!], g);
    return true;
  };

  const DotProductAttentionGrad = (
    x: {dy: Tensor; dLse: Tensor; query: Tensor; key: Tensor; value: Tensor; y: Tensor; lse: Tensor; mask: Tensor[]},
    a: DotProductAttentionAttrs,
    [dq, dk, dv]: Tensor[],
  ) => {
    if (!isF32(x.dy, x.dLse, x.query, x.key, x.value, x.y, x.lse, ...x.mask, dq!, dk!, dv!)) return false;
    const g = geometry('DotProductAttentionGrad', x.query, x.key, x.value, x.mask, a, [
      ['dy', x.dy, 'y'], ['dLse', x.dLse, 'lse'], ['query', x.query, x.query], ['key', x.key, x.key], ['value', x.value, x.value],
      ['y', x.y, 'y'], ['lse', x.lse, 'lse'], ['output dQuery', dq!, x.query], ['output dKey', dk!, x.key], ['output dValue', dv!, x.value],
    ]);
    if (!g) return false;
    call('DotProductAttentionGrad', [x.dy, x.dLse, x.query, x.key, x.value, x.y, x.lse, ...x.mask, dq!, dk!, dv!], g);
    return true;
  };

  return {DotProductAttention, DotProductAttentionGrad};
}
