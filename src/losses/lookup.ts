/** `keras.losses.get`, `serialize`, `deserialize`: losses by Keras name or config. */
import {lookupIdentifier} from '../serialization.js';
import {Loss} from './loss.js';
import * as L from './losses.js';

const CLASSES: Record<string, new (args?: Record<string, unknown>) => Loss> = {
  KLDivergence: L.KLDivergence, Poisson: L.Poisson, BinaryCrossentropy: L.BinaryCrossentropy,
  BinaryFocalCrossentropy: L.BinaryFocalCrossentropy, CategoricalCrossentropy: L.CategoricalCrossentropy,
  CategoricalFocalCrossentropy: L.CategoricalFocalCrossentropy, SparseCategoricalCrossentropy: L.SparseCategoricalCrossentropy,
  MeanSquaredError: L.MeanSquaredError, MeanAbsoluteError: L.MeanAbsoluteError, MeanAbsolutePercentageError: L.MeanAbsolutePercentageError,
  MeanSquaredLogarithmicError: L.MeanSquaredLogarithmicError, CosineSimilarity: L.CosineSimilarity, LogCosh: L.LogCosh, Huber: L.Huber,
  Hinge: L.Hinge, SquaredHinge: L.SquaredHinge, CategoricalHinge: L.CategoricalHinge,
};

const FUNCTIONS: Record<string, L.LossFn> = {
  kl_divergence: L.klDivergence, poisson: L.poisson, binary_crossentropy: L.binaryCrossentropy as L.LossFn,
  binary_focal_crossentropy: L.binaryFocalCrossentropy as L.LossFn, categorical_crossentropy: L.categoricalCrossentropy as L.LossFn,
  categorical_focal_crossentropy: L.categoricalFocalCrossentropy as L.LossFn,
  sparse_categorical_crossentropy: L.sparseCategoricalCrossentropy as L.LossFn, mean_squared_error: L.meanSquaredError,
  mean_absolute_error: L.meanAbsoluteError, mean_absolute_percentage_error: L.meanAbsolutePercentageError,
  mean_squared_logarithmic_error: L.meanSquaredLogarithmicError, cosine_similarity: L.cosineSimilarity as L.LossFn,
  log_cosh: L.logCosh, huber: L.huber as L.LossFn, hinge: L.hinge, squared_hinge: L.squaredHinge, categorical_hinge: L.categoricalHinge,
  // Keras's aliases
  bce: L.binaryCrossentropy as L.LossFn, BCE: L.binaryCrossentropy as L.LossFn, kld: L.klDivergence, KLD: L.klDivergence,
  mae: L.meanAbsoluteError, MAE: L.meanAbsoluteError, mse: L.meanSquaredError, MSE: L.meanSquaredError,
  mape: L.meanAbsolutePercentageError, MAPE: L.meanAbsolutePercentageError, msle: L.meanSquaredLogarithmicError,
  MSLE: L.meanSquaredLogarithmicError,
};

/** Every string `losses.get` accepts, sorted (for error messages). */
export function lossNames(): string[] {
  return [...Object.keys(CLASSES), ...Object.keys(FUNCTIONS)].sort();
}

export type LossIdentifier = string | Loss | L.LossFn | {className: string; config?: Record<string, unknown>};

/**
 * `keras.losses.get`: a class name gives a new instance, a function name (`'categorical_crossentropy'`,
 * `'mse'`) the function; objects and functions are returned as they are.
 */
export function get(identifier: LossIdentifier | null | undefined): Loss | L.LossFn | null {
  if (identifier === null || identifier === undefined) return null;
  if (identifier instanceof Loss || typeof identifier === 'function') return identifier;
  return lookupIdentifier<Loss | L.LossFn>(identifier, {
    kind: 'loss',
    byName: (name) => {
      const cls = CLASSES[name];
      return cls ? new cls() : FUNCTIONS[name];
    },
    byConfig: (className, config) => {
      const cls = CLASSES[className];
      return cls && new cls(config);
    },
    names: lossNames,
  });
}

/** `keras.losses.serialize`. */
export function serialize(loss: Loss | L.LossFn): string | {module: string; className: string; config: Record<string, unknown>} {
  if (typeof loss === 'function') return L.fnName(loss);
  return {module: 'keras.losses', className: loss.className, config: loss.getConfig()};
}

/** `keras.losses.deserialize`. */
export function deserialize(config: string | {className: string; config?: Record<string, unknown>}): Loss | L.LossFn {
  return get(config)!;
}
