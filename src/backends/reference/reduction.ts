import type {ReduceAttrs} from '../../kernels/defs/reduction.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl, KernelTable} from '../backend.js';
import {axisLayout, broadcastIndex} from './util.js';

/** For each input element, the output element it reduces into. */
function reduceIndex(x: Tensor, axes: readonly number[]): Int32Array {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return broadcastIndex(kept, x.shape);
}

function reducer(init: number, step: (acc: number, v: number) => number, finish?: (acc: number, count: number) => number): AnyKernelImpl {
  return ({x}: {x: Tensor}, a: ReduceAttrs, [y]: Tensor[]) => {
    const out = new Float64Array(y!.size).fill(init);
    const map = reduceIndex(x, a.axes);
    const xv = x.values;
    for (let i = 0; i < xv.length; i++) out[map[i]!] = step(out[map[i]!]!, xv[i]!);
    const count = y!.size === 0 ? 0 : x.size / y!.size;
    const yv = y!.values;
    for (let i = 0; i < out.length; i++) yv[i] = finish ? finish(out[i]!, count) : out[i]!;
  };
}

/**
 * Sum, or mean: over a run of adjacent axes (the usual case) as `[outer, n, inner]` with no index
 * map and no call per element; other axes through `reducer`. Both add each output's elements in
 * doubles in the input's order, so the two give the same values.
 */
function sum(mean: boolean): AnyKernelImpl {
  const general = reducer(0, (s, v) => s + v, mean ? (s, count) => s / count : undefined);
  return (inputs: {x: Tensor}, a: ReduceAttrs, outputs: Tensor[]) => {
    const {x} = inputs, y = outputs[0]!, axes = a.axes, r = axes.length;
    if (!axes.every((ax, i) => i === 0 || ax === axes[i - 1]! + 1)) return general(inputs, a, outputs);
    const {n, inner} = r ? axisLayout(x.shape, axes[0]!, axes[r - 1]!) : {n: 1, inner: 1};
    const xv = x.values, yv = y.values, m = yv.length, count = m === 0 ? 0 : x.size / m;
    for (let j = 0; j < m; j++) {
      const base = (j - (j % inner)) * n + (j % inner);
      let s = 0;
      for (let k = 0; k < n; k++) s += xv[base + k * inner]!;
      yv[j] = mean ? s / count : s;
    }
  };
}

// NaN propagates through max/min, as NumPy
const maxStep = (acc: number, v: number) => (v > acc || Number.isNaN(v) ? v : acc);
const minStep = (acc: number, v: number) => (v < acc || Number.isNaN(v) ? v : acc);

function argReducer(better: (v: number, best: number) => boolean): AnyKernelImpl {
  return ({x}: {x: Tensor}, a: {axis: number}, [y]: Tensor[]) => {
    const {outer, n, inner} = axisLayout(x.shape, a.axis);
    const xv = x.values, yv = y!.values;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let best = xv[base]!, bi = 0;
        for (let k = 1; k < n; k++) {
          const v = xv[base + k * inner]!;
          if (!Number.isNaN(best) && (better(v, best) || Number.isNaN(v))) {
            best = v;
            bi = k;
          }
        }
        yv[o * inner + i] = bi;
      }
    }
  };
}

export const reductionImpl = {
  Sum: sum(false),
  Mean: sum(true),
  Max: reducer(-Infinity, maxStep),
  Min: reducer(Infinity, minStep),
  Prod: reducer(1, (s, v) => s * v),
  Any: reducer(0, (s, v) => (s || v ? 1 : 0)),
  All: reducer(1, (s, v) => (s && v ? 1 : 0)),
  LogSumExp: ({x}: {x: Tensor}, a: ReduceAttrs, [y]: Tensor[]) => {
    const map = reduceIndex(x, a.axes);
    const m = new Float64Array(y!.size).fill(-Infinity);
    const xv = x.values;
    for (let i = 0; i < xv.length; i++) m[map[i]!] = maxStep(m[map[i]!]!, xv[i]!);
    const s = new Float64Array(y!.size);
    for (let i = 0; i < xv.length; i++) {
      const mi = m[map[i]!]!;
      // an all -inf row would give NaN from (-inf) - (-inf)
      if (Number.isFinite(mi)) s[map[i]!]! += Math.exp(xv[i]! - mi);
    }
    const yv = y!.values;
    for (let i = 0; i < yv.length; i++) yv[i] = Number.isFinite(m[i]!) ? m[i]! + Math.log(s[i]!) : m[i]!;
  },
  ArgMax: argReducer((v, best) => v > best),
  ArgMin: argReducer((v, best) => v < best),
  Cumsum: ({x}: {x: Tensor}, a: {axis: number; exclusive: boolean; reverse: boolean}, [y]: Tensor[]) => {
    const {outer, n, inner} = axisLayout(x.shape, a.axis);
    const xv = x.values, yv = y!.values;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let acc = 0;
        for (let t = 0; t < n; t++) {
          const k = a.reverse ? n - 1 - t : t;
          const idx = base + k * inner;
          if (a.exclusive) {
            yv[idx] = acc;
            acc += xv[idx]!;
          } else {
            acc += xv[idx]!;
            yv[idx] = acc;
          }
        }
      }
    }
  },
  TopK: ({x}: {x: Tensor}, a: {k: number}, [values, indices]: Tensor[]) => {
    const n = x.shape.at(-1)!;
    const rows = n === 0 ? 0 : x.size / n;
    const xv = x.values, vv = values!.values, iv = indices!.values;
    const order = new Array<number>(n);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < n; i++) order[i] = i;
      const base = r * n;
      // largest first, NaN above everything (as argmax picks NaN); stable: equal values keep the
      // lower index first, as TensorFlow's top_k
      order.sort((p, q) => {
        const a = xv[base + p]!, b = xv[base + q]!;
        const an = Number.isNaN(a), bn = Number.isNaN(b);
        if (an !== bn) return an ? -1 : 1;
        if (!an && a !== b) return a > b ? -1 : 1;
        return p - q;
      });
      for (let j = 0; j < a.k; j++) {
        vv[r * a.k + j] = xv[base + order[j]!]!;
        iv[r * a.k + j] = order[j]!;
      }
    }
  },
} satisfies Partial<KernelTable>;
