/**
 * `keras.regularizers`: penalties on weights (or activations) added to the loss.
 *
 * ```ts
 * new Dense(64, {kernelRegularizer: new L2(1e-4)});   // or 'l2' for Keras's default 0.01
 * ```
 */
export {L1, L1L2, L2, OrthogonalRegularizer, Regularizer, type RegularizerIdentifier} from './regularizers.js';
export {deserialize, get, serialize} from './lookup.js';
