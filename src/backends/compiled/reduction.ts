import type {ReduceAttrs} from '../../kernels/defs/reduction.js';
import {reducedShape} from '../../kernels/defs/reduction.js';
import {ValueError} from '../../errors.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl, KernelTable} from '../backend.js';
import {axisLayout} from '../reference/util.js';
import {ReduceOp} from './abi.js';
import type {Compiled} from './call.js';
import {checkStorage, isF32} from './checks.js';

/**
 * Sum, Mean, Max, Min of float32 from `minElements` on, over one run of adjacent axes; the rest declines
 * and the reference runs it (its Sum and Mean are plain loops over adjacent axes, of any dtype).
 */
export function reductionKernels({call, minElements}: Compiled): Partial<KernelTable> {
  const reduce = (code: number, op: string): AnyKernelImpl => ({x}: {x: Tensor}, a: ReduceAttrs, [y]: Tensor[]) => {
    if (!isF32(x, y!) || x.size < minElements) return false;
    const axes = [...a.axes].sort((p, q) => p - q);
    if (axes.some((ax, i) => !Number.isInteger(ax) || ax < 0 || ax >= x.rank || (i > 0 && ax === axes[i - 1]))) {
      throw new ValueError(`${op}: invalid axes ${fmtShape(a.axes)} for input of rank ${x.rank}`);
    }
    if (axes.length === 0 || axes.at(-1)! - axes[0]! !== axes.length - 1) return false;
    checkStorage(op, 'x', x);
    checkStorage(op, 'output', y!, reducedShape(x.shape, axes, a.keepdims));
    const {outer, n, inner} = axisLayout(x.shape, axes[0]!, axes.at(-1)!);
    call('Reduce', [x, y!], {op: code, outer, n, inner});
    return true;
  };
  return {
    Sum: reduce(ReduceOp.Sum, 'Sum'),
    Mean: reduce(ReduceOp.Mean, 'Mean'),
    Max: reduce(ReduceOp.Max, 'Max'),
    Min: reduce(ReduceOp.Min, 'Min'),
  };
}
