import {stridesOf} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import {broadcastIndex} from './util.js';

export const arrayImpl = {
  // never called: Reshape is an alias kernel, executed by the registry without a copy
  Reshape: ({x}: {x: Tensor}, _a: unknown, [y]: Tensor[]) => {
    y!.values.set(x.values);
  },
  Transpose: ({x}: {x: Tensor}, a: {perm: number[]}, [y]: Tensor[]) => {
    const out = y!;
    const inStrides = stridesOf(x.shape);
    const permStrides = a.perm.map((p) => inStrides[p]!);
    const rank = out.rank;
    const counter = new Array<number>(rank).fill(0);
    const xv = x.values, yv = out.values;
    let src = 0;
    for (let i = 0; i < yv.length; i++) {
      yv[i] = xv[src]!;
      for (let ax = rank - 1; ax >= 0; ax--) {
        counter[ax]!++;
        src += permStrides[ax]!;
        if (counter[ax]! < out.shape[ax]!) break;
        src -= permStrides[ax]! * counter[ax]!;
        counter[ax] = 0;
      }
    }
  },
  BroadcastTo: ({x}: {x: Tensor}, _a: {shape: number[]}, [y]: Tensor[]) => {
    const idx = broadcastIndex(x.shape, y!.shape);
    const xv = x.values, yv = y!.values;
    for (let i = 0; i < yv.length; i++) yv[i] = xv[idx[i]!]!;
  },
} satisfies Partial<KernelTable>;
