// The public `keras.metrics` namespace.
export {Metric, Mean, Sum, MeanMetricWrapper, reduceToSamplewiseValues, type MetricArgs, type MetricFn} from './metric.js';
export * from './accuracy_metrics.js';
export {
  TruePositives, TrueNegatives, FalsePositives, FalseNegatives, Precision, Recall, AUC, updateConfusionMatrixVariables,
  type AUCArgs, type PrecisionRecallArgs,
} from './confusion_metrics.js';
export {FBetaScore, F1Score, type FBetaArgs} from './f_score_metrics.js';
export {
  MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity,
  LogCoshError, RootMeanSquaredError, R2Score, type R2ScoreArgs,
} from './regression_metrics.js';
export {
  meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredLogarithmicError, binaryCrossentropy,
  categoricalCrossentropy, sparseCategoricalCrossentropy, klDivergence, poisson, hinge, squaredHinge, categoricalHinge, huber, logCosh,
} from '../losses/losses.js';
export {fromFunction, get, metricNames, serialize, type MetricIdentifier} from './lookup.js';
