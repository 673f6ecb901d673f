import {conv2dGeometry, type Padding} from '../conv_util.js';
import {defineKernel, meta} from '../kernel.js';

/** NHWC convolution attributes; ops transposes `channels_first` inputs. */
export interface Conv2DAttrs {
  strides: [number, number];
  padding: Padding;
  dilations: [number, number];
}

export interface PoolAttrs {
  poolSize: [number, number];
  strides: [number, number];
  padding: Padding;
}

export const nnKernels = {
  Softmax: defineKernel('Softmax', {inputs: {x: 'one'}, infer: ({x}, _a: {axis: number}) => [meta(x.shape, x.dtype)]}),
  LogSoftmax: defineKernel('LogSoftmax', {inputs: {x: 'one'}, infer: ({x}, _a: {axis: number}) => [meta(x.shape, x.dtype)]}),

  /** x `[n, h, w, cin]`, filter `[kh, kw, cin, cout]` (Keras's layout) -> `[n, oh, ow, cout]`. */
  Conv2D: defineKernel('Conv2D', {
    inputs: {x: 'one', filter: 'one'},
    infer: ({x, filter}, a: Conv2DAttrs) => {
      const [kh, kw, , cout] = filter.shape as [number, number, number, number];
      const g = conv2dGeometry(x.shape, kh, kw, cout, a.strides, a.padding, a.dilations);
      return [meta([g.batch, g.outH, g.outW, cout], x.dtype)];
    },
  }),
  /** Gradient of Conv2D with respect to its input. */
  Conv2DBackpropInput: defineKernel('Conv2DBackpropInput', {
    inputs: {dy: 'one', filter: 'one'},
    infer: ({dy}, a: Conv2DAttrs & {inputShape: number[]}) => [meta(a.inputShape, dy.dtype)],
  }),
  /** Gradient of Conv2D with respect to its filter. */
  Conv2DBackpropFilter: defineKernel('Conv2DBackpropFilter', {
    inputs: {x: 'one', dy: 'one'},
    infer: ({x}, a: Conv2DAttrs & {filterShape: number[]}) => [meta(a.filterShape, x.dtype)],
  }),
  /** x `[n, h, w, c]`, filter `[kh, kw, c, multiplier]` -> `[n, oh, ow, c * multiplier]`. */
  DepthwiseConv2D: defineKernel('DepthwiseConv2D', {
    inputs: {x: 'one', filter: 'one'},
    infer: ({x, filter}, a: Conv2DAttrs) => {
      const [kh, kw, c, mult] = filter.shape as [number, number, number, number];
      const g = conv2dGeometry(x.shape, kh, kw, c * mult, a.strides, a.padding, a.dilations);
      return [meta([g.batch, g.outH, g.outW, c * mult], x.dtype)];
    },
  }),
  DepthwiseConv2DBackpropInput: defineKernel('DepthwiseConv2DBackpropInput', {
    inputs: {dy: 'one', filter: 'one'},
    infer: ({dy}, a: Conv2DAttrs & {inputShape: number[]}) => [meta(a.inputShape, dy.dtype)],
  }),
  DepthwiseConv2DBackpropFilter: defineKernel('DepthwiseConv2DBackpropFilter', {
    inputs: {x: 'one', dy: 'one'},
    infer: ({x}, a: Conv2DAttrs & {filterShape: number[]}) => [meta(a.filterShape, x.dtype)],
  }),
  /** NHWC max pooling; `same` padding never picks a padded cell. */
  MaxPool: defineKernel('MaxPool', {
    inputs: {x: 'one'},
    infer: ({x}, a: PoolAttrs) => {
      const g = conv2dGeometry(x.shape, a.poolSize[0], a.poolSize[1], x.shape[3]!, a.strides, a.padding, [1, 1]);
      return [meta([g.batch, g.outH, g.outW, g.inC], x.dtype)];
    },
  }),
  /** Routes `dy` to the arg-max of each window of `x` (first one on ties). */
  MaxPoolGrad: defineKernel('MaxPoolGrad', {
    inputs: {x: 'one', dy: 'one'},
    infer: ({x}, _a: PoolAttrs) => [meta(x.shape, x.dtype)],
  }),
  /** NHWC average pooling; `same` padding averages over the valid cells only (as Keras/TF). */
  AvgPool: defineKernel('AvgPool', {
    inputs: {x: 'one'},
    infer: ({x}, a: PoolAttrs) => {
      const g = conv2dGeometry(x.shape, a.poolSize[0], a.poolSize[1], x.shape[3]!, a.strides, a.padding, [1, 1]);
      return [meta([g.batch, g.outH, g.outW, g.inC], x.dtype)];
    },
  }),
  AvgPoolGrad: defineKernel('AvgPoolGrad', {
    inputs: {dy: 'one'},
    infer: ({dy}, a: PoolAttrs & {inputShape: number[]}) => [meta(a.inputShape, dy.dtype)],
  }),
};
