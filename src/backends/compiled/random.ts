import type {BernoulliMaskAttrs} from '../../kernels/defs/random.js';
import {ValueError} from '../../errors.js';
import {BERNOULLI_STREAM} from '../../tensor/random.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import type {Compiled} from './call.js';
import {checkStorage, isF32} from './checks.js';

/** BernoulliMask (dropout masks): Philox in C++, bit-identical to tensor/random.ts; BernoulliMaskMul, with dropout's product. */
export function randomKernels({call}: Compiled): Partial<KernelTable> {
  const attrsOf = (op: string, a: BernoulliMaskAttrs, n: number) => {
    for (const [name, k] of [['k0', a.k0], ['k1', a.k1]] as const) {
      if (!Number.isInteger(k) || k < 0 || k > 0xffffffff) {
        throw new ValueError(`${op}: ${name} must be an unsigned 32-bit integer. Received: ${name}=${k}`);
      }
    }
    return {n, keepProb: a.keepProb, key0: a.k0, key1: a.k1, stream: BERNOULLI_STREAM, scale: a.scale ?? 1};
  };
  const BernoulliMask = (_inputs: Record<string, never>, a: BernoulliMaskAttrs, [y]: Tensor[]) => {
    if (!isF32(y!) || y!.size === 0) return false;
    const op = 'BernoulliMask';
    checkStorage(op, 'output', y!, a.shape);
    call(op, [y!], attrsOf(op, a, y!.size));
    return true;
  };
  // a plan's fusion (src/plan/plan.ts)
  const BernoulliMaskMul = ({x}: {x: Tensor}, a: BernoulliMaskAttrs, [y, mask]: Tensor[]) => {
    if (!isF32(x, y!, mask!) || x.size === 0) return false;
    const op = 'BernoulliMaskMul';
    checkStorage(op, 'mask', mask!, a.shape);
    checkStorage(op, 'x', x, a.shape);
    checkStorage(op, 'y', y!, a.shape);
    call(op, [x, y!, mask!], attrsOf(op, a, x.size));
    return true;
  };
  return {BernoulliMask, BernoulliMaskMul};
}
