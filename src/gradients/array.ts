import * as ops from '../ops/index.js';
import {sizeOf, stridesOf} from '../tensor/shape.js';
import {Tensor} from '../tensor/tensor.js';
import type {GradTable} from './grad_types.js';

const {run, runAll} = ops;

/** Flat positions in `shape` that a strided slice reads, in the order of its output. */
function stridedPositions(shape: readonly number[], begin: number[], strides: number[], outShape: readonly number[]): Tensor {
  const st = stridesOf(shape);
  const ost = stridesOf(outShape);
  const n = sizeOf(outShape);
  const flat = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let k = 0; k < outShape.length; k++) {
      const c = Math.floor(i / ost[k]!) % outShape[k]!;
      off += (begin[k]! + c * strides[k]!) * st[k]!;
    }
    flat[i] = off;
  }
  return new Tensor([n], 'int32', flat);
}

/**
 * One rule per shape and indexing kernel, written with ops. The adjoint of each data movement is the
 * opposite movement: slices pad back, concatenations split, gathers scatter-add.
 */
export const arrayGrads = {
  Reshape: ({dy, inputs: {x}}) => ({x: ops.reshape(dy, x.shape)}),
  Transpose: ({dy, attrs: {perm}}) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return {x: ops.transpose(dy, inverse)};
  },
  // dy has the broadcast shape: the tape's sumToShape sums it back over the broadcast axes
  BroadcastTo: ({dy}) => ({x: dy}),
  Slice: ({dy, inputs: {x}, attrs: {begin, size}}) => ({
    x: run('Pad', {x: dy}, {paddings: begin.map((b, i) => [b, x.shape[i]! - b - size[i]!] as [number, number]), constantValue: 0}),
  }),
  StridedSlice: ({dy, inputs: {x}, attrs: {begin, end, strides}}) => {
    if (dy.size === 0) return {x: ops.zerosLike(x)};
    if (strides.every((s) => s === 1)) {
      return {x: run('Pad', {x: dy}, {paddings: begin.map((b, i) => [b, x.shape[i]! - end[i]!] as [number, number]), constantValue: 0})};
    }
    // the positions read are distinct, so scattering dy back into zeros is exact
    const at = stridedPositions(x.shape, begin, strides, dy.shape);
    const flat = run('ScatterAdd', {indices: at, updates: ops.reshape(dy, [dy.size])}, {shape: [x.size], axis: 0});
    return {x: ops.reshape(flat, x.shape)};
  },
  Concat: ({dy, inputs: {xs}, attrs: {axis}}) => ({
    xs: runAll('Split', {x: dy}, {sizes: xs.map((x) => x.shape[axis]!), axis}),
  }),
  // outputs that did not reach the target arrive as zeros, so the pieces always fit
  Split: ({dys, attrs: {axis}}) => ({x: dys.length === 1 ? dys[0]! : run('Concat', {xs: dys}, {axis})}),
  Tile: ({dy, inputs: {x}, attrs: {reps}}) => {
    // [r0 * d0, r1 * d1, ...] -> [r0, d0, r1, d1, ...], then sum over the repetitions
    const split = x.shape.flatMap((d, i) => [reps[i]!, d]);
    const repAxes = x.shape.map((_, i) => 2 * i);
    return {x: ops.sum(ops.reshape(dy, split), repAxes)};
  },
  Pad: ({dy, inputs: {x}, attrs: {paddings}}) => ({
    x: run('Slice', {x: dy}, {begin: paddings.map(([b]) => b), size: [...x.shape]}),
  }),
  // a scatter-add, not a one-hot product: an Embedding's gradient costs O(batch * dim), not O(vocab)
  Gather: ({dy, inputs: {x, indices}, attrs: {axis}}) => ({
    x: run('ScatterAdd', {indices, updates: dy}, {shape: [...x.shape], axis}),
    indices: null,
  }),
  ScatterAdd: ({dy, inputs: {indices}, attrs: {axis}}) => ({
    updates: run('Gather', {x: dy, indices}, {axis}),
    indices: null,
  }),
  OneHot: 'nondifferentiable',
} satisfies Partial<GradTable>;
