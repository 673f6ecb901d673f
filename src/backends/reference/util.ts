import {stridesOf} from '../../tensor/shape.js';

/**
 * For each flat index of `outShape`, the flat index into an input of `inShape` broadcast to it.
 * Returned as a precomputed Int32Array (fine for the reference backend's sizes).
 */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = outShape.reduce((a, b) => a * b, 1);
  const idx = new Int32Array(n);
  const rank = outShape.length;
  const off = rank - inShape.length;
  const inStrides = stridesOf(inShape);
  // stride 0 on broadcast axes
  const bstr = outShape.map((d, i) => {
    const j = i - off;
    return j < 0 || inShape[j] === 1 ? 0 : inStrides[j]!;
  });
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

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
