/** `keras.metrics.get`, `serialize`: metrics by Keras name or config; `fromFunction`. */
import {lookupIdentifier, toSnakeCase} from '../serialization.js';
import * as acc from './accuracy_metrics.js';
import * as conf from './confusion_metrics.js';
import * as fs from './f_score_metrics.js';
import {Mean, Metric, MeanMetricWrapper, Sum, type MetricFn} from './metric.js';
import * as reg from './regression_metrics.js';
import * as L from '../losses/losses.js';

type MetricClass = new (args?: Record<string, unknown>) => Metric;
const CLASSES: Record<string, MetricClass> = {
  Mean, Sum,
  MeanSquaredError: reg.MeanSquaredError, RootMeanSquaredError: reg.RootMeanSquaredError, MeanAbsoluteError: reg.MeanAbsoluteError,
  MeanAbsolutePercentageError: reg.MeanAbsolutePercentageError, MeanSquaredLogarithmicError: reg.MeanSquaredLogarithmicError,
  CosineSimilarity: reg.CosineSimilarity, LogCoshError: reg.LogCoshError, R2Score: reg.R2Score as MetricClass,
  AUC: conf.AUC as MetricClass, FalseNegatives: conf.FalseNegatives as MetricClass, FalsePositives: conf.FalsePositives as MetricClass,
  Precision: conf.Precision as MetricClass, Recall: conf.Recall as MetricClass, TrueNegatives: conf.TrueNegatives as MetricClass,
  TruePositives: conf.TruePositives as MetricClass, Accuracy: acc.Accuracy, BinaryAccuracy: acc.BinaryAccuracy as MetricClass,
  CategoricalAccuracy: acc.CategoricalAccuracy, SparseCategoricalAccuracy: acc.SparseCategoricalAccuracy,
  TopKCategoricalAccuracy: acc.TopKCategoricalAccuracy as MetricClass, SparseTopKCategoricalAccuracy: acc.SparseTopKCategoricalAccuracy as MetricClass,
  F1Score: fs.F1Score as MetricClass, FBetaScore: fs.FBetaScore as MetricClass,
};
/** Keras's ALL_OBJECTS_DICT: class names, their snake_case, and the short aliases. */
const BY_NAME = new Map<string, MetricClass>();
for (const [k, v] of Object.entries(CLASSES)) {
  BY_NAME.set(k, v);
  BY_NAME.set(toSnakeCase(k), v);
}
for (const [alias, cls] of [['mse', reg.MeanSquaredError], ['MSE', reg.MeanSquaredError], ['mae', reg.MeanAbsoluteError], ['MAE', reg.MeanAbsoluteError],
  ['mape', reg.MeanAbsolutePercentageError], ['MAPE', reg.MeanAbsolutePercentageError], ['msle', reg.MeanSquaredLogarithmicError],
  ['MSLE', reg.MeanSquaredLogarithmicError]] as const) {
  BY_NAME.set(alias, cls as MetricClass);
}

/** Every string `metrics.get` accepts (plus `'accuracy'`/`'acc'`, resolved by `compile`). */
export function metricNames(): string[] {
  return [...BY_NAME.keys()].sort();
}

export type MetricIdentifier = string | Metric | MetricFn | {className: string; config?: Record<string, unknown>};

/** `keras.metrics.get`: a name gives a new metric; a function or an instance is returned as is. */
export function get(identifier: MetricIdentifier): Metric | MetricFn {
  if (identifier instanceof Metric || typeof identifier === 'function') return identifier;
  return lookupIdentifier<Metric>(identifier, {
    kind: 'metric',
    byName: (name) => {
      const cls = BY_NAME.get(name);
      return cls && new cls();
    },
    byConfig: (className, config) => {
      const cls = BY_NAME.get(className);
      return cls && new cls(config);
    },
    names: metricNames,
  });
}

/** `keras.metrics.serialize`. */
export function serialize(metric: Metric): {module: string; className: string; config: Record<string, unknown>} {
  return {module: 'keras.metrics', className: metric.className, config: metric.getConfig()};
}

/** Wraps a plain function `(yTrue, yPred) => values` as a mean metric named after it. */
export function fromFunction(fn: MetricFn, name?: string): MeanMetricWrapper {
  return new MeanMetricWrapper(fn, {name: name ?? L.fnName(fn)});
}
