import {maxPoolArgmax} from '../backends/reference/nn.js';
import * as ops from '../ops/index.js';
import {run} from '../ops/core.js';
import {Tensor} from '../tensor/tensor.js';
import type {GradTable} from './grad_types.js';

// Convolutions are bilinear: each backprop kernel is the adjoint of the forward one in one argument,
// so every rule below (second order included) is one of the three kernels of its family, and the
// gradients of any order stay exact.
//   y  = Conv(x, f)        dx = BackpropInput(dy, f)   df = BackpropFilter(x, dy)
//   dx = BackpropInput(dy, f):   d(dy) = Conv(g, f),  d(f) = BackpropFilter(g, dy)
//   df = BackpropFilter(x, dy):  d(x) = BackpropInput(dy, g),  d(dy) = Conv(x, g)

/** Sum along `axis`, kept as an axis of length 1. */
const sumKeep = (t: Tensor, axis: number) => ops.sum(t, axis, true);

export const nnGrads = {
  // dx = y * (dy - sum(dy * y))
  Softmax: ({dy, y, attrs: {axis}}) => ({x: ops.multiply(y, ops.subtract(dy, sumKeep(ops.multiply(dy, y), axis)))}),
  // dx = dy - softmax(x) * sum(dy)
  LogSoftmax: ({dy, y, attrs: {axis}}) => ({x: ops.subtract(dy, ops.multiply(ops.exp(y), sumKeep(dy, axis)))}),

  Conv2D: ({dy, inputs: {x, filter}, attrs}) => ({
    x: run('Conv2DBackpropInput', {dy, filter}, {...conv(attrs), inputShape: [...x.shape]}),
    filter: run('Conv2DBackpropFilter', {x, dy}, {...conv(attrs), filterShape: [...filter.shape]}),
  }),
  Conv2DBackpropInput: ({dy: g, inputs: {dy, filter}, attrs}) => ({
    dy: run('Conv2D', {x: g, filter}, conv(attrs)),
    filter: run('Conv2DBackpropFilter', {x: g, dy}, {...conv(attrs), filterShape: [...filter.shape]}),
  }),
  Conv2DBackpropFilter: ({dy: g, inputs: {x, dy}, attrs}) => ({
    x: run('Conv2DBackpropInput', {dy, filter: g}, {...conv(attrs), inputShape: [...x.shape]}),
    dy: run('Conv2D', {x, filter: g}, conv(attrs)),
  }),

  DepthwiseConv2D: ({dy, inputs: {x, filter}, attrs}) => ({
    x: run('DepthwiseConv2DBackpropInput', {dy, filter}, {...conv(attrs), inputShape: [...x.shape]}),
    filter: run('DepthwiseConv2DBackpropFilter', {x, dy}, {...conv(attrs), filterShape: [...filter.shape]}),
  }),
  DepthwiseConv2DBackpropInput: ({dy: g, inputs: {dy, filter}, attrs}) => ({
    dy: run('DepthwiseConv2D', {x: g, filter}, conv(attrs)),
    filter: run('DepthwiseConv2DBackpropFilter', {x: g, dy}, {...conv(attrs), filterShape: [...filter.shape]}),
  }),
  DepthwiseConv2DBackpropFilter: ({dy: g, inputs: {x, dy}, attrs}) => ({
    x: run('DepthwiseConv2DBackpropInput', {dy, filter: g}, {...conv(attrs), inputShape: [...x.shape]}),
    dy: run('DepthwiseConv2D', {x, filter: g}, conv(attrs)),
  }),

  MaxPool: ({dy, inputs: {x}, attrs}) => ({x: run('MaxPoolGrad', {x, dy}, pool(attrs))}),
  // MaxPoolGrad is piecewise constant in x (zero gradient almost everywhere) and linear in dy: it
  // scatters dy to the arg-max cells, so its adjoint gathers g from those same cells.
  MaxPoolGrad: ({dy: g, inputs: {x, dy}, attrs}) => {
    const idx = new Tensor(dy.shape, 'int32', maxPoolArgmax(x, attrs));
    return {x: null, dy: run('Gather', {x: ops.reshape(g, [g.size]), indices: idx}, {axis: 0})};
  },
  AvgPool: ({dy, inputs: {x}, attrs}) => ({x: run('AvgPoolGrad', {dy}, {...pool(attrs), inputShape: [...x.shape]})}),
  // AvgPoolGrad is the adjoint of AvgPool, a linear map: its adjoint is AvgPool again
  AvgPoolGrad: ({dy: g, attrs}) => ({dy: run('AvgPool', {x: g}, pool(attrs))}),
} satisfies Partial<GradTable>;

/** Only the forward attributes (drops inputShape/filterShape). */
function conv(a: {strides: [number, number]; padding: 'valid' | 'same'; dilations: [number, number]}) {
  return {strides: a.strides, padding: a.padding, dilations: a.dilations};
}

function pool(a: {poolSize: [number, number]; strides: [number, number]; padding: 'valid' | 'same'}) {
  return {poolSize: a.poolSize, strides: a.strides, padding: a.padding};
}
