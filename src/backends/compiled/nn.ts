import {conv2dGeometry, type Conv2DGeometry} from '../../kernels/conv_util.js';
import type {Conv2DAttrs, PoolAttrs} from '../../kernels/defs/nn.js';
import {ValueError} from '../../errors.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import {axisLayout} from '../reference/util.js';
import type {AttrsOf} from './abi.js';
import type {Compiled} from './call.js';
import {checkStorage, checkWindowAttrs, isF32} from './checks.js';

/** Convolution and pooling (NHWC) with their gradients; softmax along an axis. */
export function nnKernels({call, minElements}: Compiled): Partial<KernelTable> {
  const Conv2D = ({x, filter}: {x: Tensor; filter: Tensor}, a: Conv2DAttrs, [y]: Tensor[]) => {
    if (!isF32(x, filter, y!)) return false;
    const op = 'Conv2D';
    const g = convGeometry(op, x.shape, filter.shape, a);
    checkStorage(op, 'x', x);
    checkStorage(op, 'filter', filter);
    checkStorage(op, 'output', y!, [g.batch, g.outH, g.outW, g.outC]);
    call('Conv2D', [x, filter, y!], convAttrs(g));
    return true;
  };

  // y: with Conv2DBackpropInputRelu, the relu output whose gradient is applied to dx as well
  const backpropInput = (op: 'Conv2DBackpropInput' | 'Conv2DBackpropInputRelu') =>
    ({dy, filter, y}: {dy: Tensor; filter: Tensor; y?: Tensor}, a: Conv2DAttrs & {inputShape: number[]}, [dx]: Tensor[]) => {
      if (!isF32(dy, filter, dx!) || (y && !isF32(y))) return false;
      const g = convGeometry(op, a.inputShape, filter.shape, a);
      checkStorage(op, 'dy', dy, [g.batch, g.outH, g.outW, g.outC]);
      checkStorage(op, 'filter', filter);
      if (y) checkStorage(op, 'y', y, a.inputShape);
      checkStorage(op, 'output', dx!, a.inputShape);
      call(op, y ? [dy, filter, y, dx!] : [dy, filter, dx!], convAttrs(g));
      return true;
    };

  const Conv2DBackpropFilter = ({x, dy}: {x: Tensor; dy: Tensor}, a: Conv2DAttrs & {filterShape: number[]}, [df]: Tensor[]) => {
    if (!isF32(x, dy, df!)) return false;
    const op = 'Conv2DBackpropFilter';
    const g = convGeometry(op, x.shape, a.filterShape, a);
    checkStorage(op, 'x', x);
    checkStorage(op, 'dy', dy, [g.batch, g.outH, g.outW, g.outC]);
    checkStorage(op, 'output', df!, a.filterShape);
    call('Conv2DBackpropFilter', [x, dy, df!], convAttrs(g));
    return true;
  };

  const pool = (kernel: 'MaxPool' | 'AvgPool') => ({x}: {x: Tensor}, a: PoolAttrs, [y]: Tensor[]) => {
    if (!isF32(x, y!)) return false;
    const g = poolGeometry(kernel, x.shape, a);
    checkStorage(kernel, 'x', x);
    checkStorage(kernel, 'output', y!, [g.batch, g.outH, g.outW, g.inC]);
    call(kernel, [x, y!], poolAttrs(g));
    return true;
  };

  const maxPoolGrad = (op: 'MaxPoolGrad' | 'MaxPoolGradRelu') => ({x, dy}: {x: Tensor; dy: Tensor}, a: PoolAttrs, [dx]: Tensor[]) => {
    if (!isF32(x, dy, dx!)) return false;
    const g = poolGeometry(op, x.shape, a);
    checkStorage(op, 'x', x);
    checkStorage(op, 'dy', dy, [g.batch, g.outH, g.outW, g.inC]);
    checkStorage(op, 'output', dx!, x.shape);
    call(op, [x, dy, dx!], poolAttrs(g));
    return true;
  };

  const AvgPoolGrad = ({dy}: {dy: Tensor}, a: PoolAttrs & {inputShape: number[]}, [dx]: Tensor[]) => {
    if (!isF32(dy, dx!)) return false;
    const op = 'AvgPoolGrad';
    const g = poolGeometry(op, a.inputShape, a);
    checkStorage(op, 'dy', dy, [g.batch, g.outH, g.outW, g.inC]);
    checkStorage(op, 'output', dx!, a.inputShape);
    call('AvgPoolGrad', [dy, dx!], poolAttrs(g));
    return true;
  };

  const softmax = (log: boolean, op: string) => ({x}: {x: Tensor}, a: {axis: number}, [y]: Tensor[]) => {
    if (!isF32(x, y!) || x.size < minElements) return false;
    const axis = a.axis < 0 ? a.axis + x.rank : a.axis;
    if (!Number.isInteger(axis) || axis < 0 || axis >= x.rank) {
      throw new ValueError(`${op}: axis ${a.axis} is out of bounds for input of rank ${x.rank}`);
    }
    checkStorage(op, 'x', x);
    checkStorage(op, 'output', y!, x.shape);
    call('Softmax', [x, y!], {log: +log, ...axisLayout(x.shape, axis)});
    return true;
  };

  return {
    Conv2D,
    Conv2DBackpropInput: backpropInput('Conv2DBackpropInput'),
    Conv2DBackpropInputRelu: backpropInput('Conv2DBackpropInputRelu'),
    Conv2DBackpropFilter,
    MaxPool: pool('MaxPool'),
    AvgPool: pool('AvgPool'),
    MaxPoolGrad: maxPoolGrad('MaxPoolGrad'),
    MaxPoolGradRelu: maxPoolGrad('MaxPoolGradRelu'),
    AvgPoolGrad,
    Softmax: softmax(false, 'Softmax'),
    LogSoftmax: softmax(true, 'LogSoftmax'),
  };
}

/** The geometry attributes of the convolution kernels (Conv2D's row; FusedConv2D adds its activation). */
export function convAttrs(g: Conv2DGeometry): AttrsOf<'Conv2D'> {
  return {
    n: g.batch, h: g.inH, w: g.inW, cin: g.inC, oh: g.outH, ow: g.outW, cout: g.outC, kh: g.kH, kw: g.kW,
    sh: g.strideH, sw: g.strideW, dh: g.dilH, dw: g.dilW, padTop: g.padTop, padLeft: g.padLeft,
  };
}

function poolAttrs(g: Conv2DGeometry): AttrsOf<'MaxPool'> {
  return {
    n: g.batch, h: g.inH, w: g.inW, c: g.inC, oh: g.outH, ow: g.outW, ph: g.kH, pw: g.kW, sh: g.strideH, sw: g.strideW,
    padTop: g.padTop, padLeft: g.padLeft,
  };
}

export function convGeometry(op: string, xShape: readonly number[], fShape: readonly number[], a: Conv2DAttrs): Conv2DGeometry {
  if (xShape.length !== 4 || fShape.length !== 4) {
    throw new ValueError(`${op}: input and filter must have rank 4. Received: input shape ${fmtShape(xShape)}, filter shape ${fmtShape(fShape)}`);
  }
  const [kh, kw, cin, cout] = fShape as [number, number, number, number];
  if (cin !== xShape[3]) {
    throw new ValueError(`${op}: filter input channels must match the input. Received: input shape ${fmtShape(xShape)}, filter shape ${fmtShape(fShape)}`);
  }
  checkWindowAttrs(op, a.strides, a.dilations, a.padding);
  const g = conv2dGeometry(xShape, kh, kw, cout, a.strides, a.padding, a.dilations);
  if (g.outH < 0 || g.outW < 0) throw new ValueError(`${op}: the window is larger than the input. Received: input shape ${fmtShape(xShape)}, filter shape ${fmtShape(fShape)}`);
  return g;
}

export function poolGeometry(op: string, xShape: readonly number[], a: PoolAttrs): Conv2DGeometry {
  if (xShape.length !== 4) throw new ValueError(`${op}: input must have rank 4. Received: shape ${fmtShape(xShape)}`);
  checkWindowAttrs(op, a.strides, [1, 1], a.padding);
  if (!a.poolSize.every((p) => Number.isInteger(p) && p >= 1)) {
    throw new ValueError(`${op}: poolSize must hold positive integers. Received: poolSize=${fmtShape(a.poolSize)}`);
  }
  const g = conv2dGeometry(xShape, a.poolSize[0], a.poolSize[1], xShape[3]!, a.strides, a.padding, [1, 1]);
  if (g.outH < 0 || g.outW < 0) throw new ValueError(`${op}: the window is larger than the input. Received: shape ${fmtShape(xShape)}`);
  return g;
}
