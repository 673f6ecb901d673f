import type {DType} from '../../tensor/dtype.js';
import {sizeOf, stridesOf} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import {axisLayout, collapseBroadcast} from './util.js';

type Values = Tensor['values'];

/**
 * Copies a strided view of `src` into `dst` (row-major over `shape`): element `c` of the view is
 * `src[start + sum(c[i] * steps[i])]`. Transpose, Slice, StridedSlice and BroadcastTo are all such
 * views. The last two axes are loops; a counter over the others moves once per plane.
 */
function copyView(src: Values, start: number, steps: readonly number[], shape: readonly number[], dst: Values): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const r = shape.length, cols = r > 0 ? shape[r - 1]! : 1, sc = r > 0 ? steps[r - 1]! : 0;
  const rows = r > 1 ? shape[r - 2]! : 1, sr = r > 1 ? steps[r - 2]! : 0;
  const counter = new Array<number>(Math.max(r - 2, 0)).fill(0);
  let at = start;
  for (let i = 0; i < n;) {
    for (let p = 0, row = at; p < rows; p++, row += sr) {
      for (let j = 0, o = row; j < cols; j++, o += sc) dst[i++] = src[o]!;
    }
    for (let ax = r - 3; ax >= 0; ax--) {
      counter[ax]!++;
      at += steps[ax]!;
      if (counter[ax]! < shape[ax]!) break;
      at -= steps[ax]! * counter[ax]!;
      counter[ax] = 0;
    }
  }
}

export const arrayImpl = {
  // never called: Reshape is an alias kernel, executed by the registry without a copy
  Reshape: ({x}: {x: Tensor}, _a: unknown, [y]: Tensor[]) => {
    y!.values.set(x.values);
  },
  Transpose: ({x}: {x: Tensor}, a: {perm: number[]}, [y]: Tensor[]) => {
    const inStrides = stridesOf(x.shape);
    copyView(x.values, 0, a.perm.map((p) => inStrides[p]!), y!.shape, y!.values);
  },
  BroadcastTo: ({x}: {x: Tensor}, _a: {shape: number[]}, [y]: Tensor[]) => {
    // as few axes as the broadcast allows: one or two loops for the usual bias or row broadcasts
    const {shape, as} = collapseBroadcast(y!.shape, x.shape, y!.shape);
    copyView(x.values, 0, as, shape, y!.values);
  },
  Slice: ({x}: {x: Tensor}, a: {begin: number[]; size: number[]}, [y]: Tensor[]) => {
    const st = stridesOf(x.shape);
    const start = a.begin.reduce((s, b, i) => s + b * st[i]!, 0);
    copyView(x.values, start, st, y!.shape, y!.values);
  },
  StridedSlice: ({x}: {x: Tensor}, a: {begin: number[]; end: number[]; strides: number[]}, [y]: Tensor[]) => {
    if (y!.size === 0) return;
    const st = stridesOf(x.shape);
    const start = a.begin.reduce((s, b, i) => s + b * st[i]!, 0);
    copyView(x.values, start, a.strides.map((s, i) => s * st[i]!), y!.shape, y!.values);
  },
  Concat: ({xs}: {xs: Tensor[]}, a: {axis: number}, [y]: Tensor[]) => {
    const {outer} = axisLayout(y!.shape, a.axis);
    const rowOut = y!.size / (outer || 1);
    const yv = y!.values;
    let offset = 0;
    for (const x of xs) {
      const row = x.size / (outer || 1);
      const xv = x.values;
      for (let o = 0; o < outer; o++) yv.set(xv.subarray(o * row, (o + 1) * row), o * rowOut + offset);
      offset += row;
    }
  },
  Split: ({x}: {x: Tensor}, a: {sizes: number[]; axis: number}, ys: Tensor[]) => {
    const {outer, inner} = axisLayout(x.shape, a.axis);
    const rowIn = x.shape[a.axis]! * inner;
    const xv = x.values;
    let offset = 0;
    ys.forEach((y, k) => {
      const row = a.sizes[k]! * inner;
      const yv = y.values;
      for (let o = 0; o < outer; o++) yv.set(xv.subarray(o * rowIn + offset, o * rowIn + offset + row), o * row);
      offset += row;
    });
  },
  Tile: ({x}: {x: Tensor}, _a: {reps: number[]}, [y]: Tensor[]) => {
    const out = y!;
    if (out.size === 0) return;
    const rank = out.rank;
    const xs = stridesOf(x.shape);
    const counter = new Array<number>(rank).fill(0); // position in the output
    const wrapped = new Array<number>(rank).fill(0); // the same position modulo x's shape
    const xv = x.values, yv = out.values;
    let src = 0;
    for (let i = 0; i < yv.length; i++) {
      yv[i] = xv[src]!;
      for (let ax = rank - 1; ax >= 0; ax--) {
        counter[ax]!++;
        wrapped[ax]!++;
        src += xs[ax]!;
        if (wrapped[ax] === x.shape[ax]) {
          src -= xs[ax]! * wrapped[ax]!;
          wrapped[ax] = 0;
        }
        if (counter[ax]! < out.shape[ax]!) break;
        src -= xs[ax]! * wrapped[ax]!;
        counter[ax] = 0;
        wrapped[ax] = 0;
      }
    }
  },
  Pad: ({x}: {x: Tensor}, a: {paddings: [number, number][]; constantValue: number}, [y]: Tensor[]) => {
    const out = y!;
    out.values.fill(out.dtype === 'bool' ? (a.constantValue ? 1 : 0) : a.constantValue);
    if (x.size === 0) return;
    // write x into the interior: the interior of y is a strided view with y's strides
    const ys = stridesOf(out.shape);
    const start = a.paddings.reduce((s, [before], i) => s + before * ys[i]!, 0);
    const rank = x.rank;
    const counter = new Array<number>(rank).fill(0);
    const xv = x.values, yv = out.values;
    let at = start;
    for (let i = 0; i < xv.length; i++) {
      yv[at] = xv[i]!;
      for (let ax = rank - 1; ax >= 0; ax--) {
        counter[ax]!++;
        at += ys[ax]!;
        if (counter[ax]! < x.shape[ax]!) break;
        at -= ys[ax]! * counter[ax]!;
        counter[ax] = 0;
      }
    }
  },
  Gather: ({x, indices}: {x: Tensor; indices: Tensor}, a: {axis: number}, [y]: Tensor[]) => {
    const {outer, n, inner} = axisLayout(x.shape, a.axis);
    const iv = indices.values, m = iv.length;
    const xv = x.values, yv = y!.values;
    for (let o = 0; o < outer; o++) {
      if (inner === 1) {
        // one element per index (take on a flat or last axis): a subarray per element would dominate
        for (let j = 0; j < m; j++) yv[o * m + j] = xv[o * n + iv[j]!]!;
        continue;
      }
      for (let j = 0; j < m; j++) {
        const from = (o * n + iv[j]!) * inner;
        yv.set(xv.subarray(from, from + inner), (o * m + j) * inner);
      }
    }
  },
  ScatterAdd: ({indices, updates}: {indices: Tensor; updates: Tensor}, a: {shape: number[]; axis: number}, [y]: Tensor[]) => {
    const {outer, n, inner} = axisLayout(a.shape, a.axis);
    const iv = indices.values, m = iv.length;
    const uv = updates.values, yv = y!.values;
    yv.fill(0);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        const to = (o * n + iv[j]!) * inner;
        const from = (o * m + j) * inner;
        for (let k = 0; k < inner; k++) yv[to + k]! += uv[from + k]!;
      }
    }
  },
  // out-of-range indices give a row of `offValue`, as tf.one_hot (and so Keras) does
  OneHot: ({indices}: {indices: Tensor}, a: {depth: number; onValue: number; offValue: number; dtype: DType}, [y]: Tensor[]) => {
    const yv = y!.values, iv = indices.values;
    yv.fill(a.offValue);
    for (let i = 0; i < iv.length; i++) {
      const k = iv[i]!;
      if (k >= 0 && k < a.depth) yv[i * a.depth + k] = a.onValue;
    }
  },
} satisfies Partial<KernelTable>;
