/**
 * keras-ts: Keras, for TypeScript.
 *
 * ```ts
 * import * as keras from 'keras-ts';
 * const model = new keras.models.Sequential([new keras.layers.Dense(10, {activation: 'softmax', inputShape: [784]})]);
 * ```
 */
export * as ops from './ops/index.js';
export * as layers from './layers/index.js';
export * as models from './models/index.js';
export * as optimizers from './optimizers/index.js';
export * as losses from './losses/index.js';
export * as metrics from './metrics/index.js';
export * as callbacks from './callbacks/index.js';
export * as datasets from './datasets/index.js';
export * as saving from './saving/index.js';
export * as utils from './utils/index.js';
export * as config from './config.js';
export * as backend from './backend.js';
export * as random from './ops/keras_random.js';
export * as initializers from './initializers/index.js';
export * as regularizers from './regularizers/index.js';
export * as constraints from './constraints/index.js';
export * as activations from './activations/index.js';
export * as distribution from './distribution/index.js';

export {Tensor, tensor, scalar, zeros, ones, full, eye, arange} from './tensor/tensor.js';
export type {NestedArray} from './tensor/tensor.js';
export type {DType, TypedArray} from './tensor/dtype.js';
export {Variable} from './autodiff/variable.js';
export {GradientTape, valueAndGrad, grad, stopGradient} from './gradients/tape.js';
export {noGrad} from './autodiff/engine.js';
export {ValueError, NotImplementedError} from './errors.js';
export {Input} from './layers/symbolic_call.js';
export {Model, Sequential, Functional} from './models/index.js';
export {Layer, InputSpec} from './layers/index.js';
export type {StepData, StepTensors} from './trainers/data_adapter.js';
export type {CompileArgs, FitArgs, EvaluateArgs, PredictArgs, StepLogs, ComputeLossArgs} from './trainers/trainer.js';
