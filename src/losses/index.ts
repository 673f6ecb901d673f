// The public `keras.losses` namespace.
export {Loss, reduceWeightedValues, squeezeOrExpandToSameRank, standardizeReduction, type LossArgs, type Reduction} from './loss.js';
export {
  LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
  CosineSimilarity, Huber, LogCosh, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy,
  BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy, SparseCategoricalCrossentropy,
  meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredLogarithmicError, cosineSimilarity, huber,
  logCosh, hinge, squaredHinge, categoricalHinge, klDivergence, poisson, binaryCrossentropy, binaryFocalCrossentropy,
  categoricalCrossentropy, categoricalFocalCrossentropy, sparseCategoricalCrossentropy, l2Normalize, fnName,
  type LossFn, type CrossentropyArgs, type SparseCrossentropyArgs, type BinaryFocalArgs, type CategoricalFocalArgs, type LossClassArgs,
} from './losses.js';
export {deserialize, get, lossNames, serialize, type LossIdentifier} from './lookup.js';
