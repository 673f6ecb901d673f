import type {MatMulAttrs} from '../../kernels/defs/linalg.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import {broadcastIndex} from './util.js';

export const linalgImpl = {
  MatMul: ({a, b}: {a: Tensor; b: Tensor}, attrs: MatMulAttrs, [y]: Tensor[]) => {
    const out = y!;
    const [ar, ac] = [a.shape.at(-2)!, a.shape.at(-1)!];
    const [br, bc] = [b.shape.at(-2)!, b.shape.at(-1)!];
    const m = attrs.transposeA ? ac : ar;
    const k = attrs.transposeA ? ar : ac;
    const n = attrs.transposeB ? br : bc;
    // element strides for A[i, p] and B[p, j] under the transpose flags
    const [aI, aP] = attrs.transposeA ? [1, ac] : [ac, 1];
    const [bP, bJ] = attrs.transposeB ? [1, bc] : [bc, 1];
    const batchShape = out.shape.slice(0, -2);
    const batches = batchShape.reduce((p, d) => p * d, 1);
    const ia = broadcastIndex(a.shape.slice(0, -2), batchShape);
    const ib = broadcastIndex(b.shape.slice(0, -2), batchShape);
    const av = a.values, bv = b.values, yv = out.values;
    const acc = new Float64Array(n);
    for (let t = 0; t < batches; t++) {
      const aOff = ia[t]! * ar * ac, bOff = ib[t]! * br * bc, yOff = t * m * n;
      for (let i = 0; i < m; i++) {
        acc.fill(0);
        for (let p = 0; p < k; p++) {
          const s = av[aOff + i * aI + p * aP]!;
          const bRow = bOff + p * bP;
          for (let j = 0; j < n; j++) acc[j]! += s * bv[bRow + j * bJ]!;
        }
        for (let j = 0; j < n; j++) yv[yOff + i * n + j] = acc[j]!;
      }
    }
  },
} satisfies Partial<KernelTable>;
