import {conv2dGeometry} from '../conv_util.js';
import type {DType} from '../../tensor/dtype.js';
import {defineKernel, meta} from '../kernel.js';
import type {Conv2DAttrs, PoolAttrs} from './nn.js';

/**
 * Fused kernels: compositions that a benchmark showed worth one pass over memory (DESIGN.md,
 * "Composite first"). Each equals its composite exactly in exact arithmetic; a fast backend applies
 * the bias and activation while the output tile is still in cache.
 */

/** Activations a fused kernel applies; the gradient is written from the output `y`. */
export type FusedActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh';
export const FUSED_ACTIVATIONS: readonly FusedActivation[] = ['linear', 'relu', 'sigmoid', 'tanh'];

export interface FusedDenseAttrs {
  activation: FusedActivation;
  /**
   * Set by a compiled step when `kernel` is a variable's value that the step does not write: the
   * variable's `version`, which changes whenever its value may. A backend may keep data derived from
   * the kernel (its packed copy) while the kernel's storage and this stamp stay the same.
   */
  kernelVersion?: number;
}

export interface FusedConv2DAttrs extends Conv2DAttrs {
  activation: 'linear' | 'relu';
}

export interface FusedConv2DMaxPoolAttrs extends FusedConv2DAttrs {
  pool: PoolAttrs;
  /**
   * Set by a compiled step when nothing but the pooling reads y (inference): a backend may then leave
   * y unwritten, and keep each image's output only until it is pooled.
   */
  pooledOnly?: boolean;
}

export interface FusedConv2DPairMaxPoolAttrs extends FusedConv2DMaxPoolAttrs {
  /** The first convolution's attributes (the second's and the pooling's are the rest). */
  first: FusedConv2DAttrs;
  /**
   * Set by a compiled step when nothing but the second convolution reads y0 and nothing but the
   * pooling reads y (inference): a backend may then leave both unwritten.
   */
  pooledOnly?: boolean;
}

function convOut(x: readonly number[], f: readonly number[], a: FusedConv2DAttrs): number[] {
  const g = conv2dGeometry(x, f[0]!, f[1]!, f[3]!, a.strides, a.padding, a.dilations);
  return [g.batch, g.outH, g.outW, g.outC];
}

export const fusedKernels = {
  /**
   * `activation(x @ kernel + bias)`: x `[..., in]`, kernel `[in, units]`, bias `[units]` ->
   * `[..., units]` (Keras's Dense).
   */
  FusedDense: defineKernel('FusedDense', {
    inputs: {x: 'one', kernel: 'one', bias: 'one'},
    infer: ({x, kernel}, _a: FusedDenseAttrs) => [meta([...x.shape.slice(0, -1), kernel.shape[1]!], x.dtype)],
  }),
  /**
   * `activation(conv2d(x, filter) + bias)`, NHWC: x `[n, h, w, cin]`, filter `[kh, kw, cin, cout]`,
   * bias `[cout]` -> `[n, oh, ow, cout]`.
   */
  FusedConv2D: defineKernel('FusedConv2D', {
    inputs: {x: 'one', filter: 'one', bias: 'one'},
    infer: ({x, filter}, a: FusedConv2DAttrs) => [meta(convOut(x.shape, filter.shape, a), x.dtype)],
  }),
  /**
   * The gradient through an activation, from its output: `dy * f'(x)` written with `y = f(x)`:
   * relu `dy * (y > 0)`, sigmoid `dy * y * (1 - y)`, tanh `dy * (1 - y^2)`, linear `dy`.
   */
  ActivationGrad: defineKernel('ActivationGrad', {
    inputs: {dy: 'one', y: 'one'},
    infer: ({dy}, _a: {activation: FusedActivation}) => [meta(dy.shape, dy.dtype)],
  }),
  // Fusions a plan makes (src/plan): the same values as the two kernels in turn.
  /** MaxPoolGrad(x, dy), then ActivationGrad relu with y = x (x a relu's output). */
  MaxPoolGradRelu: defineKernel('MaxPoolGradRelu', {
    inputs: {x: 'one', dy: 'one'},
    infer: ({x}, _a: PoolAttrs) => [meta(x.shape, x.dtype)],
  }),
  /** FusedConv2D, then MaxPool of its output: [y, MaxPool(y)]. */
  FusedConv2DMaxPool: defineKernel('FusedConv2DMaxPool', {
    inputs: {x: 'one', filter: 'one', bias: 'one'},
    infer: ({x, filter}, a: FusedConv2DMaxPoolAttrs) => {
      const y = convOut(x.shape, filter.shape, a), {poolSize: [ph, pw], strides, padding} = a.pool;
      const g = conv2dGeometry(y, ph, pw, y[3]!, strides, padding, [1, 1]);
      return [meta(y, x.dtype), meta([g.batch, g.outH, g.outW, g.inC], x.dtype)];
    },
  }),
  /**
   * FusedConv2D of x (filter0, bias0, `first`), then FusedConv2DMaxPool of its output y0 (filter,
   * bias, the rest): [y0, y, MaxPool(y)].
   */
  FusedConv2DPairMaxPool: defineKernel('FusedConv2DPairMaxPool', {
    inputs: {x: 'one', filter0: 'one', bias0: 'one', filter: 'one', bias: 'one'},
    infer: ({x, filter0, filter}, a: FusedConv2DPairMaxPoolAttrs) => {
      const y0 = convOut(x.shape, filter0.shape, a.first), y = convOut(y0, filter.shape, a), {poolSize: [ph, pw], strides, padding} = a.pool;
      const g = conv2dGeometry(y, ph, pw, y[3]!, strides, padding, [1, 1]);
      return [meta(y0, x.dtype), meta(y, x.dtype), meta([g.batch, g.outH, g.outW, g.inC], x.dtype)];
    },
  }),
  /**
   * Keras's categorical crossentropy from probabilities, over the last axis: with `s = sum(output)`,
   * `-sum(target * log(clip(output / s, epsilon, 1 - epsilon)))`; target, output `[..., n]` -> `[...]`.
   */
  CategoricalCrossentropyProbs: defineKernel('CategoricalCrossentropyProbs', {
    inputs: {target: 'one', output: 'one'},
    infer: ({output}, _a: {epsilon: number}) => [meta(output.shape.slice(0, -1), output.dtype)],
  }),
  /**
   * The gradient of CategoricalCrossentropyProbs(target, output) weighted by dy `[...]`, taken back
   * through the softmax (over the last axis) that made `output`: the logits' gradient `[..., n]`.
   */
  SoftmaxCrossentropyGrad: defineKernel('SoftmaxCrossentropyGrad', {
    inputs: {target: 'one', output: 'one', dy: 'one'},
    infer: ({output}, _a: {epsilon: number}) => [meta(output.shape, output.dtype)],
  }),
  /**
   * Mul(a, b), then ActivationGrad relu at y, and its sum over every axis but the last: [dz, sum]
   * (a dropout's gradient, a relu's, and the bias's before them). a, b, y `[..., n]`.
   */
  MulReluGradSum: defineKernel('MulReluGradSum', {
    inputs: {a: 'one', b: 'one', y: 'one'},
    infer: ({a}) => [meta(a.shape, a.dtype), meta(a.shape.slice(-1), a.dtype)],
  }),
  /**
   * Whether ArgMax(a) equals ArgMax(b) over the last axis (first maximum; a NaN counts as the
   * maximum), as 1 or 0 in `dtype`: an accuracy metric's matches. a, b `[..., n]` -> `[...]`.
   */
  ArgMaxMatch: defineKernel('ArgMaxMatch', {
    inputs: {a: 'one', b: 'one'},
    infer: ({a}, attrs: {dtype: DType}) => [meta(a.shape.slice(0, -1), attrs.dtype)],
  }),
  /** Conv2DBackpropInput(dy, filter), then ActivationGrad relu with y (the input, a relu's output). */
  Conv2DBackpropInputRelu: defineKernel('Conv2DBackpropInputRelu', {
    inputs: {dy: 'one', filter: 'one', y: 'one'},
    infer: ({y}, _a: Conv2DAttrs & {inputShape: number[]}) => [meta(y.shape, y.dtype)],
  }),
};
