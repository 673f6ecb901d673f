import type {BernoulliMaskAttrs} from '../../kernels/defs/random.js';
import {fillBernoulliMask} from '../../tensor/random.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';

/** The JavaScript generator of `tensor/random.ts` (the definition native code must match bit for bit). */
function bernoulliMask(a: BernoulliMaskAttrs, y: Tensor): void {
  fillBernoulliMask(y.values, a.keepProb, a.k0, a.k1);
  const v = a.scale ?? 1, yv = y.values;
  if (v !== 1) for (let i = 0; i < yv.length; i++) if (yv[i]) yv[i] = v;
}

export const randomImpl = {
  BernoulliMask: (_inputs: Record<string, never>, a: BernoulliMaskAttrs, [y]: Tensor[]) => bernoulliMask(a, y!),
  /** The mask, then Mul's product (rounded to the dtype as the typed array stores it). */
  BernoulliMaskMul: ({x}: {x: Tensor}, a: BernoulliMaskAttrs, [y, mask]: Tensor[]) => {
    bernoulliMask(a, mask!);
    const xv = x.values, mv = mask!.values, yv = y!.values;
    for (let i = 0; i < yv.length; i++) yv[i] = xv[i]! * mv[i]!;
  },
} satisfies Partial<KernelTable>;
