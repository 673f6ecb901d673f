/**
 * Fused ops: one kernel where the composite would make several passes over memory.
 *
 * ```ts
 * const y = ops.dense(x, kernel, bias, 'relu');            // relu(x @ kernel + bias)
 * const z = ops.fusedConv(img, filter, bias, {padding: 'same', activation: 'relu'});
 * ```
 *
 * Each takes the fused kernel where it applies (float operands of one dtype, the NHWC 2-D case
 * for `fusedConv`) and otherwise computes the same thing as the composite, whose ops validate the
 * arguments and name them in errors.
 */
import {imageDataFormat} from '../config.js';
import {ValueError} from '../errors.js';
import {conv2dGeometry} from '../kernels/conv_util.js';
import {FUSED_ACTIVATIONS, type FusedActivation} from '../kernels/defs/fused.js';
import {isFloat} from '../tensor/dtype.js';
import type {Tensor} from '../tensor/tensor.js';
import {reshape} from './array.js';
import {run, toTensor, type TensorLike} from './core.js';
import {add, relu, sigmoid, tanh, matmul} from './math.js';
import {conv, type ConvOptions} from './nn.js';

export type {FusedActivation} from '../kernels/defs/fused.js';

function checkActivation(op: string, activation: string, allowed: readonly string[]): void {
  if (!allowed.includes(activation)) {
    throw new ValueError(`${op}: activation must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}. Received: activation=${JSON.stringify(activation)}`);
  }
}

function applyActivation(y: Tensor, activation: FusedActivation): Tensor {
  switch (activation) {
    case 'relu': return relu(y);
    case 'sigmoid': return sigmoid(y);
    case 'tanh': return tanh(y);
    default: return y;
  }
}

/**
 * `activation(x @ kernel + bias)`, Keras's Dense: x `[..., in]`, kernel `[in, units]`, bias
 * `[units]` or `null`; activation `'linear'` (default), `'relu'`, `'sigmoid'` or `'tanh'`.
 */
export function dense(x: TensorLike, kernel: TensorLike, bias: TensorLike | null = null, activation: FusedActivation = 'linear'): Tensor {
  checkActivation('dense', activation, FUSED_ACTIVATIONS);
  const tx = toTensor(x, 'x', 'dense');
  const tk = toTensor(kernel, 'kernel', 'dense');
  const tb = bias === null ? null : toTensor(bias, 'bias', 'dense');
  if (
    tb !== null && tx.rank >= 2 && tk.rank === 2 && tb.rank === 1 && tx.shape.at(-1) === tk.shape[0] &&
    tb.shape[0] === tk.shape[1] && isFloat(tx.dtype) && tk.dtype === tx.dtype && tb.dtype === tx.dtype
  ) {
    return run('FusedDense', {x: tx, kernel: tk, bias: tb}, {activation});
  }
  if (tk.rank !== 2) throw new ValueError(`dense: kernel must have rank 2 ([in, units]). Received: kernel.shape=[${tk.shape.join(', ')}]`);
  if (tb !== null && (tb.rank !== 1 || tb.shape[0] !== tk.shape[1])) {
    throw new ValueError(`dense: bias must have shape [${tk.shape[1]}] (the kernel's units). Received: bias.shape=[${tb.shape.join(', ')}]`);
  }
  let y = matmul(tx, tk);
  if (tb !== null) y = add(y, tb);
  return applyActivation(y, activation);
}

export interface FusedConvOptions extends ConvOptions {
  /** `'linear'` (default) or `'relu'`. */
  activation?: 'linear' | 'relu';
}

/**
 * `activation(conv(inputs, kernel) + bias)`: `keras.ops.conv` followed by a per-channel bias and a
 * `relu` (or nothing), in one kernel for 2-D `channels_last` inputs. `bias` is `[outChannels]` or `null`.
 */
export function fusedConv(inputs: TensorLike, kernel: TensorLike, bias: TensorLike | null, options: FusedConvOptions = {}): Tensor {
  const {activation = 'linear', ...convOptions} = options;
  checkActivation('fusedConv', activation, ['linear', 'relu']);
  const x = toTensor(inputs, 'inputs', 'fusedConv');
  const k = toTensor(kernel, 'kernel', 'fusedConv');
  const b = bias === null ? null : toTensor(bias, 'bias', 'fusedConv');
  const df = convOptions.dataFormat ?? imageDataFormat();
  const pair = (v: number | readonly number[] | undefined): [number, number] | null => {
    const l = v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : [...v];
    return l.length === 2 && l.every((d) => Number.isInteger(d) && d >= 1) ? [l[0]!, l[1]!] : null;
  };
  const strides = pair(convOptions.strides), dilations = pair(convOptions.dilationRate);
  const padding = typeof convOptions.padding === 'string' ? convOptions.padding.toLowerCase() : convOptions.padding ?? 'valid';
  if (
    b !== null && df === 'channels_last' && x.rank === 4 && k.rank === 4 && b.rank === 1 && k.shape[2] === x.shape[3] &&
    b.shape[0] === k.shape[3] && strides && dilations && (padding === 'valid' || padding === 'same') &&
    isFloat(x.dtype) && k.dtype === x.dtype && b.dtype === x.dtype
  ) {
    const g = conv2dGeometry(x.shape, k.shape[0]!, k.shape[1]!, k.shape[3]!, strides, padding, dilations);
    if (g.outH >= 1 && g.outW >= 1) {
      return run('FusedConv2D', {x, filter: k, bias: b}, {strides, padding, dilations, activation});
    }
  }
  // everything else (channels_first, 1-D, bad arguments: conv names them) as the composite
  let y = conv(x, k, convOptions);
  if (b !== null) {
    if (b.rank !== 1 || b.shape[0] !== y.shape[df === 'channels_last' ? y.rank - 1 : 1]) {
      throw new ValueError(`fusedConv: bias must have shape [${k.shape.at(-1)}] (the output channels). Received: bias.shape=[${b.shape.join(', ')}]`);
    }
    y = add(y, df === 'channels_last' ? b : reshape(b, [1, b.shape[0]!, ...new Array<number>(y.rank - 2).fill(1)]));
  }
  return activation === 'relu' ? relu(y) : y;
}
