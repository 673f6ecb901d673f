/** `keras.activations.get`, `serialize`, `deserialize`: activation functions by Keras name. */
import {ValueError} from '../errors.js';
import {lookupIdentifier} from '../serialization.js';
import type {Tensor} from '../tensor/tensor.js';
import {
  type Activation, type ActivationIdentifier, celu, elu, exponential, gelu, hardSigmoid, hardSilu, hardTanh, leakyRelu, linear,
  logSigmoid, logSoftmax, mish, relu, relu6, selu, sigmoid, silu, softmax, softplus, softsign, tanh, tanhShrink,
} from './activations.js';

const BY_NAME = new Map<string, Activation>();
for (const f of [
  linear, relu, sigmoid, tanh, softmax, logSoftmax, elu, selu, softplus, softsign, gelu, silu, leakyRelu,
  relu6, hardSigmoid, hardSilu, exponential, mish, logSigmoid, celu, hardTanh, tanhShrink,
]) {
  BY_NAME.set(f.kerasName!, f);
}
// Keras's aliases
BY_NAME.set('swish', silu);
BY_NAME.set('hard_swish', hardSilu);

/** The names `get` accepts. */
export function names(): string[] {
  return [...BY_NAME.keys()].sort();
}

/**
 * `keras.activations.get`: a Keras name (`'relu'`), a function (returned as is), or
 * `null`/`undefined` (linear).
 */
export function get(identifier: ActivationIdentifier): Activation {
  if (identifier === null || identifier === undefined) return linear;
  if (typeof identifier === 'function') return identifier as Activation;
  return lookupIdentifier(identifier, {kind: 'activation function', byName: (name) => BY_NAME.get(name), names});
}

/**
 * The Keras name of an activation (`'relu'`). A user function serializes as its own name when it
 * has one (as a registered custom object would).
 */
export function serialize(fn: (x: Tensor) => Tensor): string {
  const a = fn as Activation;
  if (a.kerasName) return a.kerasName;
  if (fn.name) return fn.name;
  throw new ValueError('Unknown activation function cannot be serialized: it has no name. Use a built-in name or a named function.');
}

export function deserialize(name: string): Activation {
  return get(name);
}
