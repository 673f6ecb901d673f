import type {MatMulAttrs} from '../../kernels/defs/linalg.js';
import {matmulShape} from '../../kernels/defs/linalg.js';
import {ValueError} from '../../errors.js';
import {broadcastShapes, fmtShape, sizeOf} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import {broadcastIndex} from '../reference/util.js';
import type {KernelTable} from '../backend.js';
import type {Compiled} from './call.js';
import {checkStorage, isF32} from './checks.js';

/** MatMul: batched, every transpose combination, broadcast batch dimensions. */
export function linalgKernels({call}: Compiled): Partial<KernelTable> {
  const MatMul = ({a, b}: {a: Tensor; b: Tensor}, attrs: MatMulAttrs, [y]: Tensor[]) => {
    if (!isF32(a, b, y!)) return false;
    const op = 'MatMul';
    if (a.rank < 2 || b.rank < 2) throw new ValueError(`${op}: inputs must have rank >= 2. Received: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}`);
    const m = attrs.transposeA ? a.shape.at(-1)! : a.shape.at(-2)!;
    const k = attrs.transposeA ? a.shape.at(-2)! : a.shape.at(-1)!;
    const kb = attrs.transposeB ? b.shape.at(-1)! : b.shape.at(-2)!;
    const n = attrs.transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
    if (k !== kb) {
      throw new ValueError(`${op}: inner dimensions must match. Received: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}`);
    }
    if (a.rank === 2 && b.rank === 2) {
      // one product (every Dense's): no batch to broadcast
      checkStorage(op, 'a', a);
      checkStorage(op, 'b', b);
      checkStorage(op, 'output', y!, [m, n]);
      call('MatMul', [a, b, y!], {batch: 1, m, n, k, transposeA: +attrs.transposeA, transposeB: +attrs.transposeB, accumulate: 0, aStride: 0, bStride: 0, explicitOffsets: 0});
      return true;
    }
    const aBatch = a.shape.slice(0, -2), bBatch = b.shape.slice(0, -2);
    if (broadcastShapes(aBatch, bBatch) === null) {
      throw new ValueError(`${op}: batch dimensions do not broadcast. Received: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}`);
    }
    const outShape = matmulShape(a.shape, b.shape, attrs);
    checkStorage(op, 'a', a);
    checkStorage(op, 'b', b);
    checkStorage(op, 'output', y!, outShape);
    const outBatch = outShape.slice(0, -2);
    const batch = sizeOf(outBatch);
    const mk = m * k, kn = k * n;
    const stride = (s: readonly number[]) => (sizeOf(s) === 1 ? 0 : sameDims(s, outBatch) ? 1 : -1);
    const sa = stride(aBatch), sb = stride(bBatch);
    const shape = {batch, m, n, k, transposeA: +attrs.transposeA, transposeB: +attrs.transposeB, accumulate: 0};
    if (sa >= 0 && sb >= 0) {
      call('MatMul', [a, b, y!], {...shape, aStride: sa * mk, bStride: sb * kn, explicitOffsets: 0});
    } else {
      const ia = broadcastIndex(aBatch, outBatch), ib = broadcastIndex(bBatch, outBatch);
      const offsets = [...Array.from(ia, (i) => i * mk), ...Array.from(ib, (i) => i * kn)];
      call('MatMul', [a, b, y!], {...shape, aStride: 0, bStride: 0, explicitOffsets: 1}, offsets);
    }
    return true;
  };
  return {MatMul};
}

/** Equal once leading 1s are dropped: batch shapes [3] and [1, 3] address the same matrices. */
function sameDims(a: readonly number[], b: readonly number[]): boolean {
  const strip = (s: readonly number[]) => {
    const i = s.findIndex((d) => d !== 1);
    return i < 0 ? [] : s.slice(i);
  };
  const sa = strip(a), sb = strip(b);
  return sa.length === sb.length && sa.every((d, i) => d === sb[i]);
}
