import {conv3dGeometry, type Conv3DGeometry} from '../../kernels/conv_util.js';
import type {Conv3DAttrs, Pool3DAttrs} from '../../kernels/defs/nn3d.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import {
  avgPoolBackward, avgPoolForward, convBackpropFilter, convBackpropInput, convForward, maxPoolScan, scatterAdd, store, tapRanges,
  type WindowTable,
} from './nn.js';

// NDHWC. A 3-D window table flattens (depth, height, width) into one pixel index, so the 2-D
// kernels' loops (nn.ts) run unchanged over it.

function windowTable3d(g: Conv3DGeometry): WindowTable {
  const [inD, inH, inW] = g.inSize;
  const [outD, outH, outW] = g.outSize;
  const [kD, kH, kW] = g.k;
  const [dd, dh, dw] = g.dilations;
  const rd = tapRanges(outD, g.strides[0], g.padBefore[0], dd, kD, inD);
  const rh = tapRanges(outH, g.strides[1], g.padBefore[1], dh, kH, inH);
  const rw = tapRanges(outW, g.strides[2], g.padBefore[2], dw, kW, inW);
  const outPix = outD * outH * outW;
  const start = new Int32Array(outPix + 1);
  const inPix: number[] = [], tap: number[] = [];
  let p = 0;
  for (let od = 0; od < outD; od++) {
    const d0 = rd[3 * od]!, kd0 = rd[3 * od + 1]!, kd1 = rd[3 * od + 2]!;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = rh[3 * oh]!, kh0 = rh[3 * oh + 1]!, kh1 = rh[3 * oh + 2]!;
      for (let ow = 0; ow < outW; ow++) {
        const w0 = rw[3 * ow]!, kw0 = rw[3 * ow + 1]!, kw1 = rw[3 * ow + 2]!;
        for (let kd = kd0; kd < kd1; kd++) {
          for (let kh = kh0; kh < kh1; kh++) {
            for (let kw = kw0; kw < kw1; kw++) {
              inPix.push(((d0 + kd * dd) * inH + h0 + kh * dh) * inW + w0 + kw * dw);
              tap.push((kd * kH + kh) * kW + kw);
            }
          }
        }
        start[++p] = inPix.length;
      }
    }
  }
  return {start, inPix: Int32Array.from(inPix), tap: Int32Array.from(tap), outPix, inPixels: inD * inH * inW};
}

const kernel3 = (s: readonly number[]): [number, number, number] => [s[0]!, s[1]!, s[2]!];

function convGeometry(xShape: readonly number[], filterShape: readonly number[], a: Conv3DAttrs): Conv3DGeometry {
  return conv3dGeometry(xShape, kernel3(filterShape), filterShape[4]!, a.strides, a.padding, a.dilations);
}

function poolGeometry(xShape: readonly number[], a: Pool3DAttrs): Conv3DGeometry {
  return conv3dGeometry(xShape, a.poolSize, xShape[4]!, a.strides, a.padding, [1, 1, 1]);
}

export const nn3dImpl = {
  Conv3D: ({x, filter}: {x: Tensor; filter: Tensor}, a: Conv3DAttrs, [y]: Tensor[]) => {
    const g = convGeometry(x.shape, filter.shape, a);
    convForward(windowTable3d(g), g.batch, g.inC, g.outC, x.values, filter.values, y!.values);
  },
  Conv3DBackpropInput: ({dy, filter}: {dy: Tensor; filter: Tensor}, a: Conv3DAttrs & {inputShape: number[]}, [dx]: Tensor[]) => {
    const g = convGeometry(a.inputShape, filter.shape, a);
    store(dx!, convBackpropInput(windowTable3d(g), g.batch, g.inC, g.outC, dy.values, filter.values, dx!.size));
  },
  Conv3DBackpropFilter: ({x, dy}: {x: Tensor; dy: Tensor}, a: Conv3DAttrs & {filterShape: number[]}, [df]: Tensor[]) => {
    const g = convGeometry(x.shape, a.filterShape, a);
    store(df!, convBackpropFilter(windowTable3d(g), g.batch, g.inC, g.outC, x.values, dy.values, df!.size));
  },
  MaxPool3D: ({x}: {x: Tensor}, a: Pool3DAttrs, [y]: Tensor[]) => {
    const g = poolGeometry(x.shape, a);
    maxPoolScan(windowTable3d(g), g.batch, g.inC, x.values, y!.values, null);
  },
  MaxPool3DGrad: ({x, dy}: {x: Tensor; dy: Tensor}, a: Pool3DAttrs, [dx]: Tensor[]) => {
    store(dx!, scatterAdd(maxPool3dArgmax(x, a), dy.values, dx!.size));
  },
  AvgPool3D: ({x}: {x: Tensor}, a: Pool3DAttrs, [y]: Tensor[]) => {
    const g = poolGeometry(x.shape, a);
    avgPoolForward(windowTable3d(g), g.batch, g.inC, x.values, y!.values);
  },
  AvgPool3DGrad: ({dy}: {dy: Tensor}, a: Pool3DAttrs & {inputShape: number[]}, [dx]: Tensor[]) => {
    const g = poolGeometry(a.inputShape, a);
    store(dx!, avgPoolBackward(windowTable3d(g), g.batch, g.inC, dy.values, dx!.size));
  },
} satisfies Partial<KernelTable>;

/** For each element of `MaxPool3D(x)`, the flat index into `x` of its cell (first on ties, first NaN). */
export function maxPool3dArgmax(x: Tensor, a: Pool3DAttrs): Int32Array {
  const g = poolGeometry(x.shape, a);
  const arg = new Int32Array(g.batch * g.outSize[0] * g.outSize[1] * g.outSize[2] * g.inC);
  maxPoolScan(windowTable3d(g), g.batch, g.inC, x.values, null, arg);
  return arg;
}
