import {conv2dGeometry, type Conv2DGeometry} from '../../kernels/conv_util.js';
import type {Conv2DAttrs, PoolAttrs} from '../../kernels/defs/nn.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import {axisLayout} from './util.js';

// NHWC everywhere. Windows are walked with the in-bounds tap range of each output pixel computed
// once (no per-tap bounds test); sums accumulate in float64 and are rounded once into the output.

function softmaxLike(log: boolean) {
  return ({x}: {x: Tensor}, a: {axis: number}, [y]: Tensor[]) => {
    const {outer, n, inner} = axisLayout(x.shape, a.axis);
    const xv = x.values, yv = y!.values;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let m = -Infinity;
        for (let k = 0; k < n; k++) {
          const v = xv[base + k * inner]!;
          if (v > m || Number.isNaN(v)) m = v;
        }
        // an all -inf row has no finite max: shift by 0 so it yields NaN as TF does, not -inf - -inf
        if (m === -Infinity) m = 0;
        let s = 0;
        for (let k = 0; k < n; k++) s += Math.exp(xv[base + k * inner]! - m);
        if (log) {
          const ls = Math.log(s) + m;
          for (let k = 0; k < n; k++) yv[base + k * inner] = xv[base + k * inner]! - ls;
        } else {
          for (let k = 0; k < n; k++) yv[base + k * inner] = Math.exp(xv[base + k * inner]! - m) / s;
        }
      }
    }
  };
}

/**
 * For each output coordinate along one axis: the first input position of its window and the range
 * `[k0, k1)` of kernel taps that land inside the input (tap `k` reads `start + k * dil`).
 */
export function tapRanges(outLen: number, stride: number, pad: number, dil: number, k: number, inLen: number): Int32Array {
  const r = new Int32Array(3 * outLen);
  for (let o = 0; o < outLen; o++) {
    const start = o * stride - pad;
    const k0 = start < 0 ? Math.ceil(-start / dil) : 0;
    const k1 = Math.min(k, Math.floor((inLen - 1 - start) / dil) + 1);
    r[3 * o] = start;
    r[3 * o + 1] = k0;
    r[3 * o + 2] = Math.max(k0, k1);
  }
  return r;
}

/**
 * The in-bounds taps of every output pixel of one image, computed once per call: taps
 * `start[p] <= t < start[p + 1]` of output pixel `p` read input pixel `inPix[t]` (an index into
 * `inH * inW`) with kernel tap `tap[t]` (an index into `kH * kW`). Kernels then run plain loops
 * over this table, with no bounds tests and no per-tap callbacks.
 */
export interface WindowTable {
  start: Int32Array;
  inPix: Int32Array;
  tap: Int32Array;
  outPix: number;
  inPixels: number;
}

function windowTable(g: Conv2DGeometry): WindowTable {
  const {inW, outH, outW, kW, dilH, dilW} = g;
  const rh = tapRanges(outH, g.strideH, g.padTop, dilH, g.kH, g.inH);
  const rw = tapRanges(outW, g.strideW, g.padLeft, dilW, kW, inW);
  const start = new Int32Array(outH * outW + 1);
  const inPix: number[] = [], tap: number[] = [];
  for (let oh = 0; oh < outH; oh++) {
    const h0 = rh[3 * oh]!, ky0 = rh[3 * oh + 1]!, ky1 = rh[3 * oh + 2]!;
    for (let ow = 0; ow < outW; ow++) {
      const w0 = rw[3 * ow]!, kx0 = rw[3 * ow + 1]!, kx1 = rw[3 * ow + 2]!;
      for (let ky = ky0; ky < ky1; ky++) {
        for (let kx = kx0; kx < kx1; kx++) {
          inPix.push((h0 + ky * dilH) * inW + w0 + kx * dilW);
          tap.push(ky * kW + kx);
        }
      }
      start[oh * outW + ow + 1] = inPix.length;
    }
  }
  return {start, inPix: Int32Array.from(inPix), tap: Int32Array.from(tap), outPix: outH * outW, inPixels: g.inH * inW};
}

function convGeometry(xShape: readonly number[], filterShape: readonly number[], outC: number, a: Conv2DAttrs): Conv2DGeometry {
  return conv2dGeometry(xShape, filterShape[0]!, filterShape[1]!, outC, a.strides, a.padding, a.dilations);
}

function poolGeometry(xShape: readonly number[], a: PoolAttrs): Conv2DGeometry {
  return conv2dGeometry(xShape, a.poolSize[0], a.poolSize[1], xShape[3]!, a.strides, a.padding, [1, 1]);
}

export function store(out: Tensor, acc: Float64Array): void {
  const v = out.values;
  for (let i = 0; i < acc.length; i++) v[i] = acc[i]!;
}

export const nnImpl = {
  Softmax: softmaxLike(false),
  LogSoftmax: softmaxLike(true),

  Conv2D: ({x, filter}: {x: Tensor; filter: Tensor}, a: Conv2DAttrs, [y]: Tensor[]) => {
    const cout = filter.shape[3]!;
    const g = convGeometry(x.shape, filter.shape, cout, a);
    convForward(windowTable(g), g.batch, g.inC, cout, x.values, filter.values, y!.values);
  },

  Conv2DBackpropInput: ({dy, filter}: {dy: Tensor; filter: Tensor}, a: Conv2DAttrs & {inputShape: number[]}, [dx]: Tensor[]) => {
    const cout = filter.shape[3]!;
    const g = convGeometry(a.inputShape, filter.shape, cout, a);
    store(dx!, convBackpropInput(windowTable(g), g.batch, g.inC, cout, dy.values, filter.values, dx!.size));
  },

  Conv2DBackpropFilter: ({x, dy}: {x: Tensor; dy: Tensor}, a: Conv2DAttrs & {filterShape: number[]}, [df]: Tensor[]) => {
    const cout = a.filterShape[3]!;
    const g = convGeometry(x.shape, a.filterShape, cout, a);
    store(df!, convBackpropFilter(windowTable(g), g.batch, g.inC, cout, x.values, dy.values, df!.size));
  },

  DepthwiseConv2D: ({x, filter}: {x: Tensor; filter: Tensor}, a: Conv2DAttrs, [y]: Tensor[]) => {
    const [, , c, mult] = filter.shape as [number, number, number, number];
    const cm = c * mult;
    const g = convGeometry(x.shape, filter.shape, cm, a);
    const {start, inPix, tap, outPix, inPixels} = windowTable(g);
    const xv = x.values, fv = filter.values, yv = y!.values;
    const acc = new Float64Array(cm);
    for (let n = 0; n < g.batch; n++) {
      for (let p = 0; p < outPix; p++) {
        acc.fill(0);
        for (let t = start[p]!; t < start[p + 1]!; t++) {
          const xOff = (n * inPixels + inPix[t]!) * c, fBase = tap[t]! * cm;
          for (let ci = 0; ci < c; ci++) {
            const s = xv[xOff + ci]!;
            for (let m = 0; m < mult; m++) acc[ci * mult + m]! += s * fv[fBase + ci * mult + m]!;
          }
        }
        const yOff = (n * outPix + p) * cm;
        for (let o = 0; o < cm; o++) yv[yOff + o] = acc[o]!;
      }
    }
  },

  DepthwiseConv2DBackpropInput: (
    {dy, filter}: {dy: Tensor; filter: Tensor},
    a: Conv2DAttrs & {inputShape: number[]},
    [dx]: Tensor[],
  ) => {
    const [, , c, mult] = filter.shape as [number, number, number, number];
    const cm = c * mult;
    const g = convGeometry(a.inputShape, filter.shape, cm, a);
    const {start, inPix, tap, outPix, inPixels} = windowTable(g);
    const dyv = dy.values, fv = filter.values;
    const acc = new Float64Array(dx!.size);
    for (let n = 0; n < g.batch; n++) {
      for (let p = 0; p < outPix; p++) {
        const yOff = (n * outPix + p) * cm;
        for (let t = start[p]!; t < start[p + 1]!; t++) {
          const xOff = (n * inPixels + inPix[t]!) * c, fBase = tap[t]! * cm;
          for (let ci = 0; ci < c; ci++) {
            let s = 0;
            for (let m = 0; m < mult; m++) s += dyv[yOff + ci * mult + m]! * fv[fBase + ci * mult + m]!;
            acc[xOff + ci]! += s;
          }
        }
      }
    }
    store(dx!, acc);
  },

  DepthwiseConv2DBackpropFilter: (
    {x, dy}: {x: Tensor; dy: Tensor},
    a: Conv2DAttrs & {filterShape: number[]},
    [df]: Tensor[],
  ) => {
    const [, , c, mult] = a.filterShape as [number, number, number, number];
    const cm = c * mult;
    const g = convGeometry(x.shape, a.filterShape, cm, a);
    const {start, inPix, tap, outPix, inPixels} = windowTable(g);
    const xv = x.values, dyv = dy.values;
    const acc = new Float64Array(df!.size);
    for (let n = 0; n < g.batch; n++) {
      for (let p = 0; p < outPix; p++) {
        const yOff = (n * outPix + p) * cm;
        for (let t = start[p]!; t < start[p + 1]!; t++) {
          const xOff = (n * inPixels + inPix[t]!) * c, fBase = tap[t]! * cm;
          for (let ci = 0; ci < c; ci++) {
            const s = xv[xOff + ci]!;
            for (let m = 0; m < mult; m++) acc[fBase + ci * mult + m]! += s * dyv[yOff + ci * mult + m]!;
          }
        }
      }
    }
    store(df!, acc);
  },

  MaxPool: ({x}: {x: Tensor}, a: PoolAttrs, [y]: Tensor[]) => {
    const g = poolGeometry(x.shape, a);
    maxPoolScan(windowTable(g), g.batch, g.inC, x.values, y!.values, null);
  },

  MaxPoolGrad: ({x, dy}: {x: Tensor; dy: Tensor}, a: PoolAttrs, [dx]: Tensor[]) => {
    store(dx!, scatterAdd(maxPoolArgmax(x, a), dy.values, dx!.size));
  },

  AvgPool: ({x}: {x: Tensor}, a: PoolAttrs, [y]: Tensor[]) => {
    const g = poolGeometry(x.shape, a);
    avgPoolForward(windowTable(g), g.batch, g.inC, x.values, y!.values);
  },

  AvgPoolGrad: ({dy}: {dy: Tensor}, a: PoolAttrs & {inputShape: number[]}, [dx]: Tensor[]) => {
    const g = poolGeometry(a.inputShape, a);
    store(dx!, avgPoolBackward(windowTable(g), g.batch, g.inC, dy.values, dx!.size));
  },
} satisfies Partial<KernelTable>;

/**
 * For each element of `MaxPool(x)`, the flat index into `x` of the cell it came from (the first
 * one on ties, as TensorFlow; the first NaN if any, matching MaxPool's NaN propagation). Shared by
 * MaxPoolGrad and its gradient rule.
 */
export function maxPoolArgmax(x: Tensor, a: PoolAttrs): Int32Array {
  const g = poolGeometry(x.shape, a);
  const arg = new Int32Array(g.batch * g.outH * g.outW * g.inC);
  maxPoolScan(windowTable(g), g.batch, g.inC, x.values, null, arg);
  return arg;
}

// ---------------------------------------------------------------------------------------------
// The loops over a window table, shared by the 2-D kernels above and the 3-D ones (nn3d.ts): a
// table flattens the spatial axes, so the loops know neither the rank nor the geometry.

type Values = Tensor['values'];

/** `y[n, p, o] = sum over the taps t of p and c of x[n, inPix[t], c] * f[tap[t], c, o]`. */
export function convForward(w: WindowTable, batch: number, cin: number, cout: number, xv: Values, fv: Values, yv: Values): void {
  const {start, inPix, tap, outPix, inPixels} = w;
  const acc = new Float64Array(cout);
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < outPix; p++) {
      acc.fill(0);
      for (let t = start[p]!; t < start[p + 1]!; t++) {
        const xOff = (n * inPixels + inPix[t]!) * cin, fBase = tap[t]! * cin * cout;
        for (let c = 0; c < cin; c++) {
          const s = xv[xOff + c]!;
          const fOff = fBase + c * cout;
          for (let o = 0; o < cout; o++) acc[o]! += s * fv[fOff + o]!;
        }
      }
      const yOff = (n * outPix + p) * cout;
      for (let o = 0; o < cout; o++) yv[yOff + o] = acc[o]!;
    }
  }
}

/** The adjoint of `convForward` in x: the input gradient, accumulated in float64 (`size` = x's). */
export function convBackpropInput(w: WindowTable, batch: number, cin: number, cout: number, dyv: Values, fv: Values, size: number): Float64Array {
  const {start, inPix, tap, outPix, inPixels} = w;
  const acc = new Float64Array(size);
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < outPix; p++) {
      const yOff = (n * outPix + p) * cout;
      for (let t = start[p]!; t < start[p + 1]!; t++) {
        const xOff = (n * inPixels + inPix[t]!) * cin, fBase = tap[t]! * cin * cout;
        for (let c = 0; c < cin; c++) {
          const fOff = fBase + c * cout;
          let s = 0;
          for (let o = 0; o < cout; o++) s += dyv[yOff + o]! * fv[fOff + o]!;
          acc[xOff + c]! += s;
        }
      }
    }
  }
  return acc;
}

/** The adjoint of `convForward` in f: the filter gradient (`size` = the filter's). */
export function convBackpropFilter(w: WindowTable, batch: number, cin: number, cout: number, xv: Values, dyv: Values, size: number): Float64Array {
  const {start, inPix, tap, outPix, inPixels} = w;
  const acc = new Float64Array(size);
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < outPix; p++) {
      const yOff = (n * outPix + p) * cout;
      for (let t = start[p]!; t < start[p + 1]!; t++) {
        const xOff = (n * inPixels + inPix[t]!) * cin, fBase = tap[t]! * cin * cout;
        for (let c = 0; c < cin; c++) {
          const s = xv[xOff + c]!;
          const fOff = fBase + c * cout;
          for (let o = 0; o < cout; o++) acc[fOff + o]! += s * dyv[yOff + o]!;
        }
      }
    }
  }
  return acc;
}

/** Mean of each window over its in-bounds cells: `same` padding is not averaged in. */
export function avgPoolForward(w: WindowTable, batch: number, c: number, xv: Values, yv: Values): void {
  const {start, inPix, outPix, inPixels} = w;
  const acc = new Float64Array(c);
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < outPix; p++) {
      acc.fill(0);
      for (let t = start[p]!; t < start[p + 1]!; t++) {
        const xOff = (n * inPixels + inPix[t]!) * c;
        for (let ci = 0; ci < c; ci++) acc[ci]! += xv[xOff + ci]!;
      }
      const count = start[p + 1]! - start[p]!;
      const yOff = (n * outPix + p) * c;
      for (let ci = 0; ci < c; ci++) yv[yOff + ci] = acc[ci]! / count;
    }
  }
}

/** The adjoint of `avgPoolForward` (`size` = the input's). */
export function avgPoolBackward(w: WindowTable, batch: number, c: number, dyv: Values, size: number): Float64Array {
  const {start, inPix, outPix, inPixels} = w;
  const acc = new Float64Array(size);
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < outPix; p++) {
      const inv = 1 / (start[p + 1]! - start[p]!);
      const yOff = (n * outPix + p) * c;
      for (let t = start[p]!; t < start[p + 1]!; t++) {
        const xOff = (n * inPixels + inPix[t]!) * c;
        for (let ci = 0; ci < c; ci++) acc[xOff + ci]! += dyv[yOff + ci]! * inv;
      }
    }
  }
  return acc;
}

/** `acc[arg[i]] += dy[i]`: MaxPoolGrad's scatter of each output's gradient to its arg-max cell. */
export function scatterAdd(arg: Int32Array, dyv: Values, size: number): Float64Array {
  const acc = new Float64Array(size);
  for (let i = 0; i < arg.length; i++) acc[arg[i]!]! += dyv[i]!;
  return acc;
}

/** One pass over MaxPool's windows, writing each window's max into `y` and/or its position in `x` into `arg`. */
export function maxPoolScan(w: WindowTable, batch: number, c: number, xv: Values, y: Values | null, arg: Int32Array | null): void {
  const {start, inPix, outPix, inPixels} = w;
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < outPix; p++) {
      const yOff = (n * outPix + p) * c;
      for (let ci = 0; ci < c; ci++) {
        // windows are never empty (padding is narrower than the window): start from the first cell
        let at = (n * inPixels + inPix[start[p]!]!) * c + ci;
        let best = xv[at]!;
        for (let t = start[p]! + 1; t < start[p + 1]! && !Number.isNaN(best); t++) {
          const i = (n * inPixels + inPix[t]!) * c + ci;
          const v = xv[i]!;
          if (v > best || Number.isNaN(v)) {
            best = v;
            at = i;
          }
        }
        if (y) y[yOff + ci] = best;
        if (arg) arg[yOff + ci] = at;
      }
    }
  }
}
