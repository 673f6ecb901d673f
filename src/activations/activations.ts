/** The activation functions of `keras.activations`, each carrying its Keras name. */
import * as ops from '../ops/index.js';
import type {Tensor} from '../tensor/tensor.js';

/** An activation function; built-ins carry their Keras name. */
export type Activation = ((x: Tensor) => Tensor) & {readonly kerasName?: string};
export type ActivationIdentifier = string | ((x: Tensor) => Tensor) | null | undefined;

function named(name: string, fn: (x: Tensor) => Tensor): Activation {
  Object.defineProperty(fn, 'kerasName', {value: name, enumerable: false});
  return fn as Activation;
}

export interface ReluOptions {
  negativeSlope?: number;
  maxValue?: number | null;
  threshold?: number;
}

/** Keras 3's `relu(x, negative_slope=0, max_value=None, threshold=0)`; the `'relu'` activation uses the defaults. */
function reluFn(x: Tensor, {negativeSlope = 0, maxValue = null, threshold = 0}: ReluOptions = {}): Tensor {
  if (negativeSlope === 0 && maxValue === null && threshold === 0) return ops.relu(x);
  // f(x) = max_value for x >= max_value, x for threshold <= x < max_value, negative_slope * (x - threshold) otherwise
  let y = ops.where(ops.greaterEqual(x, threshold), x, negativeSlope === 0 ? 0 : ops.multiply(ops.subtract(x, threshold), negativeSlope));
  if (maxValue !== null) y = ops.minimum(y, maxValue);
  return y;
}

export const linear = named('linear', (x) => x);
export const relu = named('relu', reluFn) as Activation & ((x: Tensor, options?: ReluOptions) => Tensor);
export const sigmoid = named('sigmoid', (x) => ops.sigmoid(x));
export const tanh = named('tanh', (x) => ops.tanh(x));
export const softmax = named('softmax', (x) => ops.softmax(x, -1));
export const logSoftmax = named('log_softmax', (x) => ops.logSoftmax(x, -1));
export const elu = named('elu', (x) => ops.elu(x, 1.0));
export const selu = named('selu', (x) => ops.selu(x));
export const softplus = named('softplus', (x) => ops.softplus(x));
export const softsign = named('softsign', (x) => ops.softsign(x));
/** Keras's `activations.gelu` is exact (`approximate=False`), unlike `ops.gelu`'s default. */
export const gelu = named('gelu', (x) => ops.gelu(x, false));
export const silu = named('silu', (x) => ops.silu(x));
export const leakyRelu = named('leaky_relu', (x) => ops.leakyRelu(x, 0.2));
export const relu6 = named('relu6', (x) => ops.relu6(x));
export const hardSigmoid = named('hard_sigmoid', (x) => ops.hardSigmoid(x));
export const hardSilu = named('hard_silu', (x) => ops.hardSilu(x));
export const exponential = named('exponential', (x) => ops.exp(x));
/** `x * tanh(softplus(x))` (Misra, 2019). */
export const mish = named('mish', (x) => ops.multiply(x, ops.tanh(ops.softplus(x))));
export const logSigmoid = named('log_sigmoid', (x) => ops.logSigmoid(x));
export const celu = named('celu', (x) => ops.celu(x, 1.0));
export const hardTanh = named('hard_tanh', (x) => ops.hardTanh(x));
export const tanhShrink = named('tanh_shrink', (x) => ops.tanhShrink(x));
