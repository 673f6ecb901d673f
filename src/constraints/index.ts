/**
 * `keras.constraints`: projections applied to a weight after each optimizer update.
 *
 * ```ts
 * new Dense(64, {kernelConstraint: new MaxNorm({maxValue: 3})});
 * ```
 */
export {Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm, type ConstraintIdentifier} from './constraints.js';
export {deserialize, get, serialize} from './lookup.js';
