/**
 * `keras.activations`: elementwise functions layers apply to their outputs, by Keras name.
 *
 * ```ts
 * const f = activations.get('relu');   // (x: Tensor) => Tensor
 * activations.serialize(f);            // 'relu'
 * ```
 */
export {
  linear, relu, sigmoid, tanh, softmax, logSoftmax, elu, selu, softplus, softsign, gelu, silu, leakyRelu, relu6, hardSigmoid,
  hardSilu, exponential, mish, logSigmoid, celu, hardTanh, tanhShrink, type Activation,
  type ActivationIdentifier, type ReluOptions,
} from './activations.js';
export {deserialize, get, names, serialize} from './lookup.js';
