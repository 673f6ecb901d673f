import {stridesOf} from '../../tensor/shape.js';

/** The element strides of `inShape` broadcast to `outShape`, one per output axis: 0 where it is broadcast. */
function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const st = stridesOf(inShape), off = outShape.length - inShape.length;
  return outShape.map((_, d) => (d - off < 0 || inShape[d - off] === 1 ? 0 : st[d - off]!));
}

/**
 * For each flat index of `outShape`, the flat index into an input of `inShape` broadcast to it.
 * Returned as a precomputed Int32Array (fine for the reference backend's sizes).
 */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = outShape.reduce((a, b) => a * b, 1);
  const idx = new Int32Array(n);
  const rank = outShape.length;
  const bstr = broadcastStrides(inShape, outShape);
  const counter = new Array<number>(rank).fill(0);
  let cur = 0;
  for (let i = 0; i < n; i++) {
    idx[i] = cur;
    for (let ax = rank - 1; ax >= 0; ax--) {
      counter[ax]!++;
      cur += bstr[ax]!;
      if (counter[ax]! < outShape[ax]!) break;
      cur -= bstr[ax]! * counter[ax]!;
      counter[ax] = 0;
    }
  }
  return idx;
}

/**
 * The broadcast of `a` and `b` to `out` as the fewest dimensions: element strides (0 where an
 * operand is broadcast), with dimensions of size 1 dropped and neighbours merged where both
 * operands step through them contiguously.
 */
export function collapseBroadcast(
  out: readonly number[], a: readonly number[], b: readonly number[],
): {shape: number[]; as: number[]; bs: number[]} {
  const sa = broadcastStrides(a, out), sb = broadcastStrides(b, out);
  const shape: number[] = [], as: number[] = [], bs: number[] = [];
  for (let d = 0; d < out.length; d++) {
    if (out[d] === 1) continue;
    const last = shape.length - 1;
    if (last >= 0 && as[last] === sa[d]! * out[d]! && bs[last] === sb[d]! * out[d]!) {
      shape[last]! *= out[d]!;
      as[last] = sa[d]!;
      bs[last] = sb[d]!;
    } else {
      shape.push(out[d]!);
      as.push(sa[d]!);
      bs.push(sb[d]!);
    }
  }
  return {shape, as, bs};
}

/** `shape` seen as `[outer, n, inner]` around its axes `first` to `last` (by default the one axis `first`). */
export function axisLayout(shape: readonly number[], first: number, last = first): {outer: number; n: number; inner: number} {
  // products over the three ranges in place (no slices: called by kernels of each replayed plan)
  return {outer: productOf(shape, 0, first), n: productOf(shape, first, last + 1), inner: productOf(shape, last + 1, shape.length)};
}

/** `sizeOf(shape.slice(start, end))` without the slice (the same index rules). */
function productOf(shape: readonly number[], start: number, end: number): number {
  const r = shape.length;
  const from = start < 0 ? Math.max(r + start, 0) : Math.min(start, r), to = end < 0 ? Math.max(r + end, 0) : Math.min(end, r);
  let p = 1;
  for (let i = from; i < to; i++) p *= shape[i]!;
  return p;
}

/** How an operand of `size` elements steps through an output of `n`: 1 (whole), 0 (one element), else -1. */
export const stepThrough = (size: number, n: number): number => (size === n ? 1 : size === 1 ? 0 : -1);
