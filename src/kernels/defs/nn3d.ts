import {conv3dGeometry, type Padding} from '../conv_util.js';
import {defineKernel, meta} from '../kernel.js';

type Triple = [number, number, number];

/** NDHWC convolution attributes (three spatial axes); ops transposes `channels_first` inputs. */
export interface Conv3DAttrs {
  strides: Triple;
  padding: Padding;
  dilations: Triple;
}

export interface Pool3DAttrs {
  poolSize: Triple;
  strides: Triple;
  padding: Padding;
}

const spatial = (s: readonly number[]): Triple => [s[0]!, s[1]!, s[2]!];

/** The 3-D convolution and pooling kernels: the 2-D ones with a depth axis, same conventions. */
export const nn3dKernels = {
  /** x `[n, d, h, w, cin]`, filter `[kd, kh, kw, cin, cout]` (Keras's layout) -> `[n, od, oh, ow, cout]`. */
  Conv3D: defineKernel('Conv3D', {
    inputs: {x: 'one', filter: 'one'},
    infer: ({x, filter}, a: Conv3DAttrs) => {
      const cout = filter.shape[4]!;
      const g = conv3dGeometry(x.shape, spatial(filter.shape), cout, a.strides, a.padding, a.dilations);
      return [meta([g.batch, ...g.outSize, cout], x.dtype)];
    },
  }),
  /** Gradient of Conv3D with respect to its input (the transposed 3-D convolution). */
  Conv3DBackpropInput: defineKernel('Conv3DBackpropInput', {
    inputs: {dy: 'one', filter: 'one'},
    infer: ({dy}, a: Conv3DAttrs & {inputShape: number[]}) => [meta(a.inputShape, dy.dtype)],
  }),
  /** Gradient of Conv3D with respect to its filter. */
  Conv3DBackpropFilter: defineKernel('Conv3DBackpropFilter', {
    inputs: {x: 'one', dy: 'one'},
    infer: ({x}, a: Conv3DAttrs & {filterShape: number[]}) => [meta(a.filterShape, x.dtype)],
  }),
  /** NDHWC max pooling; `same` padding never picks a padded cell. */
  MaxPool3D: defineKernel('MaxPool3D', {
    inputs: {x: 'one'},
    infer: ({x}, a: Pool3DAttrs) => {
      const g = conv3dGeometry(x.shape, a.poolSize, x.shape[4]!, a.strides, a.padding, [1, 1, 1]);
      return [meta([g.batch, ...g.outSize, g.inC], x.dtype)];
    },
  }),
  /** Routes `dy` to the arg-max of each window of `x` (first one on ties). */
  MaxPool3DGrad: defineKernel('MaxPool3DGrad', {
    inputs: {x: 'one', dy: 'one'},
    infer: ({x}, _a: Pool3DAttrs) => [meta(x.shape, x.dtype)],
  }),
  /** NDHWC average pooling; `same` padding averages over the valid cells only (as Keras/TF). */
  AvgPool3D: defineKernel('AvgPool3D', {
    inputs: {x: 'one'},
    infer: ({x}, a: Pool3DAttrs) => {
      const g = conv3dGeometry(x.shape, a.poolSize, x.shape[4]!, a.strides, a.padding, [1, 1, 1]);
      return [meta([g.batch, ...g.outSize, g.inC], x.dtype)];
    },
  }),
  AvgPool3DGrad: defineKernel('AvgPool3DGrad', {
    inputs: {dy: 'one'},
    infer: ({dy}, a: Pool3DAttrs & {inputShape: number[]}) => [meta(a.inputShape, dy.dtype)],
  }),
};
