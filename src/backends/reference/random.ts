import type {BernoulliMaskAttrs} from '../../kernels/defs/random.js';
import {fillBernoulliMask} from '../../tensor/random.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';

export const randomImpl = {
  /** The JavaScript generator of `tensor/random.ts` (the definition native code must match bit for bit). */
  BernoulliMask: (_inputs: Record<string, never>, a: BernoulliMaskAttrs, [y]: Tensor[]) => {
    fillBernoulliMask(y!.values, a.keepProb, a.k0, a.k1);
    const v = a.scale ?? 1, yv = y!.values;
    if (v !== 1) for (let i = 0; i < yv.length; i++) if (yv[i]) yv[i] = v;
  },
} satisfies Partial<KernelTable>;
