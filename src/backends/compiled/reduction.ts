import type {ReduceAttrs} from '../../kernels/defs/reduction.js';
import {reducedShape} from '../../kernels/defs/reduction.js';
import {ValueError} from '../../errors.js';
import {fmtShape, sizeOf} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl, KernelTable} from '../backend.js';
import {ReduceOp} from './abi.js';
import type {Compiled} from './call.js';
import {checkStorage, isF32} from './checks.js';

/** Sum, Mean, Max, Min over one run of adjacent axes (others decline: the reference runs them). */
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
    const outer = sizeOf(x.shape.slice(0, axes[0]!));
    const n = sizeOf(x.shape.slice(axes[0]!, axes.at(-1)! + 1));
    const inner = sizeOf(x.shape.slice(axes.at(-1)! + 1));
    call('Reduce', [x, y!], {op: code, outer, n, inner});
    return true;
  };
  // below minElements, or another dtype: a sum in doubles in the reference's order (so its values), as
  // [outer, n, inner] over adjacent axes, without the reference's index map
  const small = (mean: boolean, big: AnyKernelImpl): AnyKernelImpl => (i: {x: Tensor}, a: ReduceAttrs, o: Tensor[]) => {
    const {x} = i, y = o[0]!, axes = [...a.axes].sort((p, q) => p - q), r = axes.length;
    if ((isF32(x, y) && x.size >= minElements) || x.values.length !== x.size || (r > 0 && (axes[0]! < 0 || axes[r - 1]! >= x.rank || axes[r - 1]! - axes[0]! !== r - 1))) {
      return big(i, a, o);
    }
    const inner = r ? sizeOf(x.shape.slice(axes[r - 1]! + 1)) : 1, n = r ? sizeOf(x.shape.slice(axes[0]!, axes[r - 1]! + 1)) : 1;
    const xv = x.values, yv = y.values, m = yv.length, count = m === 0 ? 0 : x.size / m;
    for (let j = 0; j < m; j++) {
      const base = (j - (j % inner)) * n + (j % inner);
      let s = 0;
      for (let k = 0; k < n; k++) s += xv[base + k * inner]!;
      yv[j] = mean ? s / count : s;
    }
    return true;
  };
  return {
    Sum: small(false, reduce(ReduceOp.Sum, 'Sum')),
    Mean: small(true, reduce(ReduceOp.Mean, 'Mean')),
    Max: reduce(ReduceOp.Max, 'Max'),
    Min: reduce(ReduceOp.Min, 'Min'),
  };
}
