import {attentionDims, type DotProductAttentionAttrs} from '../../kernels/defs/attention.js';
import {ValueError} from '../../errors.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import type {AttrsOf} from './abi.js';
import type {Compiled} from './call.js';
import {checkAll, checkStorage, isF32} from './checks.js';

/** Scaled dot-product attention in tiles of keys (native/src/attention.cpp) and its gradient. */
export function attentionKernels({call}: Compiled): Partial<KernelTable> {
  /** The kernel's attributes, after checking every shape against query's; null to decline. */
  const geometry = (op: string, query: Tensor, key: Tensor, value: Tensor, mask: Tensor[], a: DotProductAttentionAttrs): AttrsOf<'DotProductAttention'> | null => {
    for (const [name, t] of [['query', query], ['key', key], ['value', value]] as const) {
      if (t.rank !== 4) throw new ValueError(`${op}: ${name} must have rank 4. Received: ${name}.shape=${fmtShape(t.shape)}`);
    }
    if (mask.length > 1 || (mask[0] && mask[0].rank !== 4)) {
      throw new ValueError(`${op}: mask must be empty or one rank-4 tensor. Received: ${mask.length} tensors${mask[0] ? ` of shape ${fmtShape(mask[0].shape)}` : ''}`);
    }
    const d = attentionDims(query, key, value, mask[0]);
    const {batch: B, tq: T, tk: S, heads: N, kvHeads: K, headDim: H, valueDim: Hv} = d;
    if (K < 1 || N % K !== 0 || key.shape[0] !== B || value.shape[0] !== B || key.shape[3] !== H || value.shape[1] !== S || value.shape[2] !== K) {
      throw new ValueError(`${op}: expected query [B, T, N, H], key [B, S, K, H], value [B, S, K, Hv] with N a multiple of K. Received: query.shape=${fmtShape(query.shape)}, key.shape=${fmtShape(key.shape)}, value.shape=${fmtShape(value.shape)}`);
    }
    const m = mask[0];
    if (m && !m.shape.every((dim, i) => dim === 1 || dim === [B, N, T, S][i])) {
      throw new ValueError(`${op}: mask must broadcast to [B, N, T, S] = ${fmtShape([B, N, T, S])}. Received: mask.shape=${fmtShape(m.shape)}`);
    }
    if (!Number.isFinite(a.scale)) throw new ValueError(`${op}: scale must be a finite number. Received: ${a.scale}`);
    if (H === 0 || Hv === 0) return null; // empty heads: the reference's zeros
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
    const op = 'DotProductAttention';
    const g = geometry(op, query, key, value, mask, a);
    if (!g) return false;
    checkAll(op, [['query', query, query.shape], ['key', key, key.shape], ['value', value, value.shape],
      ['output y', y!, [g.batch, g.tq, g.heads, g.valueDim]], ['output lse', lse!, [g.batch, g.heads, g.tq]]]);
    if (mask[0]) checkStorage(op, 'mask', mask[0]);
    call(op, [query, key, value, ...mask, y!, lse!], g);
    return true;
  };

  const DotProductAttentionGrad = (
    x: {dy: Tensor; dLse: Tensor; query: Tensor; key: Tensor; value: Tensor; y: Tensor; lse: Tensor; mask: Tensor[]},
    a: DotProductAttentionAttrs,
    [dq, dk, dv]: Tensor[],
  ) => {
    if (!isF32(x.dy, x.dLse, x.query, x.key, x.value, x.y, x.lse, ...x.mask, dq!, dk!, dv!)) return false;
    const op = 'DotProductAttentionGrad';
    const g = geometry(op, x.query, x.key, x.value, x.mask, a);
    if (!g) return false;
    const yShape = [g.batch, g.tq, g.heads, g.valueDim], lseShape = [g.batch, g.heads, g.tq];
    checkAll(op, [['dy', x.dy, yShape], ['dLse', x.dLse, lseShape], ['query', x.query, x.query.shape], ['key', x.key, x.key.shape],
      ['value', x.value, x.value.shape], ['y', x.y, yShape], ['lse', x.lse, lseShape],
      ['output dQuery', dq!, x.query.shape], ['output dKey', dk!, x.key.shape], ['output dValue', dv!, x.value.shape]]);
    if (x.mask[0]) checkStorage(op, 'mask', x.mask[0]);
    call(op, [x.dy, x.dLse, x.query, x.key, x.value, x.y, x.lse, ...x.mask, dq!, dk!, dv!], g);
    return true;
  };

  return {DotProductAttention, DotProductAttentionGrad};
}
