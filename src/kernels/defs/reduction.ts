import {defineKernel, meta, type TensorMeta} from '../kernel.js';
import type {DType} from '../../tensor/dtype.js';

/** Axes are normalized (non-negative, sorted, unique) by ops before they reach a kernel. */
export interface ReduceAttrs {
  axes: number[];
  keepdims: boolean;
}

export function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

const reduce = (name: string, outDtype?: DType) =>
  defineKernel(name, {
    inputs: {x: 'one'},
    infer: ({x}: {x: TensorMeta}, a: ReduceAttrs) => [meta(reducedShape(x.shape, a.axes, a.keepdims), outDtype ?? x.dtype)],
  });

const argReduce = (name: string) =>
  defineKernel(name, {
    inputs: {x: 'one'},
    infer: ({x}, a: {axis: number; keepdims: boolean}) => [meta(reducedShape(x.shape, [a.axis], a.keepdims), 'int32')],
  });

export const reductionKernels = {
  Sum: reduce('Sum'),
  Mean: reduce('Mean'),
  Max: reduce('Max'),
  Min: reduce('Min'),
  Prod: reduce('Prod'),
  Any: reduce('Any', 'bool'),
  All: reduce('All', 'bool'),
  LogSumExp: reduce('LogSumExp'),
  ArgMax: argReduce('ArgMax'),
  ArgMin: argReduce('ArgMin'),
  Cumsum: defineKernel('Cumsum', {
    inputs: {x: 'one'},
    infer: ({x}, _a: {axis: number; exclusive: boolean; reverse: boolean}) => [meta(x.shape, x.dtype)],
  }),
  /** `values` and int32 `indices` of the `k` largest entries along the last axis, largest first. */
  TopK: defineKernel('TopK', {
    inputs: {x: 'one'},
    infer: ({x}, a: {k: number}) => {
      const s = [...x.shape.slice(0, -1), a.k];
      return [meta(s, x.dtype), meta(s, 'int32')];
    },
  }),
};
