import type {DType} from '../../tensor/dtype.js';
import {broadcastShapes} from '../../tensor/shape.js';
import {defineKernel, meta} from '../kernel.js';

/** Shape and indexing kernels. Attributes arrive normalized (non-negative axes, full-length lists). */
export const arrayKernels = {
  /** Same storage, new shape: executed without a backend call. */
  Reshape: defineKernel('Reshape', {
    inputs: {x: 'one'},
    alias: 'x',
    infer: ({x}, a: {shape: number[]}) => [meta(a.shape, x.dtype)],
  }),
  Transpose: defineKernel('Transpose', {
    inputs: {x: 'one'},
    infer: ({x}, a: {perm: number[]}) => [meta(a.perm.map((p) => x.shape[p]!), x.dtype)],
  }),
  BroadcastTo: defineKernel('BroadcastTo', {
    inputs: {x: 'one'},
    infer: ({x}, a: {shape: number[]}) => [meta(a.shape, x.dtype)],
  }),
  /** `x[begin[i] : begin[i] + size[i]]` on every axis. */
  Slice: defineKernel('Slice', {
    inputs: {x: 'one'},
    infer: ({x}, a: {begin: number[]; size: number[]}) => [meta(a.size, x.dtype)],
  }),
  /** Python slicing `x[b:e:s]` per axis, with resolved begin/end (clamped; `end` may be -1 for a negative stride that runs to the start). */
  StridedSlice: defineKernel('StridedSlice', {
    inputs: {x: 'one'},
    infer: ({x}, a: {begin: number[]; end: number[]; strides: number[]}) => [
      meta(
        a.begin.map((b, i) => {
          const e = a.end[i]!, s = a.strides[i]!;
          return Math.max(0, s > 0 ? Math.ceil((e - b) / s) : Math.ceil((b - e) / -s));
        }),
        x.dtype,
      ),
    ],
  }),
  Concat: defineKernel('Concat', {
    inputs: {xs: 'many'},
    infer: ({xs}, a: {axis: number}) => {
      const s = [...xs[0]!.shape];
      s[a.axis] = xs.reduce((n, x) => n + x.shape[a.axis]!, 0);
      return [meta(s, xs[0]!.dtype)];
    },
  }),
  /** Splits along `axis` into pieces of `sizes`. */
  Split: defineKernel('Split', {
    inputs: {x: 'one'},
    infer: ({x}, a: {sizes: number[]; axis: number}) =>
      a.sizes.map((n) => {
        const s = [...x.shape];
        s[a.axis] = n;
        return meta(s, x.dtype);
      }),
  }),
  Tile: defineKernel('Tile', {
    inputs: {x: 'one'},
    infer: ({x}, a: {reps: number[]}) => [meta(x.shape.map((d, i) => d * a.reps[i]!), x.dtype)],
  }),
  /** Pads with `constantValue`; `paddings[i] = [before, after]`. */
  Pad: defineKernel('Pad', {
    inputs: {x: 'one'},
    infer: ({x}, a: {paddings: [number, number][]; constantValue: number}) => [
      meta(x.shape.map((d, i) => d + a.paddings[i]![0] + a.paddings[i]![1]), x.dtype),
    ],
  }),
  /** `x` indexed by int32 `indices` along `axis` (indices already range-checked by ops). */
  Gather: defineKernel('Gather', {
    inputs: {x: 'one', indices: 'one'},
    infer: ({x, indices}, a: {axis: number}) => [
      meta([...x.shape.slice(0, a.axis), ...indices.shape, ...x.shape.slice(a.axis + 1)], x.dtype),
    ],
  }),
  /**
   * The adjoint of Gather: zeros of `shape`, then `out[..., indices[j], ...] += updates[..., j, ...]`
   * along `axis` (so an Embedding's gradient is a scatter-add, not a one-hot product).
   */
  ScatterAdd: defineKernel('ScatterAdd', {
    inputs: {indices: 'one', updates: 'one'},
    infer: ({updates}, a: {shape: number[]; axis: number}) => [meta(a.shape, updates.dtype)],
  }),
  OneHot: defineKernel('OneHot', {
    inputs: {indices: 'one'},
    infer: ({indices}, a: {depth: number; onValue: number; offValue: number; dtype: DType}) => [
      meta([...indices.shape, a.depth], a.dtype),
    ],
  }),
};

export function broadcastOrThrow(a: readonly number[], b: readonly number[]): number[] {
  const s = broadcastShapes(a, b);
  if (s === null) throw new Error(`internal: unvalidated broadcast ${a} vs ${b}`);
  return s;
}
