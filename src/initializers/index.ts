/**
 * `keras.initializers`: the functions that give a new weight its first value.
 *
 * ```ts
 * const init = initializers.get('glorot_uniform');       // or new GlorotUniform({seed: 42})
 * const w = init.call([784, 512], 'float32');
 * ```
 *
 * Formulas are Keras 3's. A seeded initializer (an integer seed) returns the same values on every
 * call, as in Keras; an unseeded one draws its seed once, at construction, from the global generator
 * that `setRandomSeed` controls.
 */
export type {SerializedObject} from '../serialization.js';
export {Initializer, type InitializerIdentifier} from './initializer.js';
export {Constant, Identity, Ones, Zeros} from './constant_initializers.js';
export * from './random_initializers.js';
export {deserialize, get, names, serialize} from './lookup.js';
