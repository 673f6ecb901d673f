/** Regression metrics: MSE, RMSE, MAE, MAPE, MSLE, cosine similarity, log-cosh error, R2 score. */
import type {Variable} from '../autodiff/variable.js';
import {noGrad} from '../autodiff/engine.js';
import {ValueError} from '../errors.js';
import {pyShape, squeezeOrExpandToSameRank} from '../losses/loss.js';
import {
  l2Normalize, logCosh, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredError, meanSquaredLogarithmicError,
} from '../losses/losses.js';
import * as ops from '../ops/index.js';
import {toFloat, toTensor} from '../ops/core.js';
import {registerKerasSerializable} from '../serialization.js';
import {tensor, type Tensor} from '../tensor/tensor.js';
import {Mean, MeanMetricWrapper, Metric, type MetricArgs, type MetricFn} from './metric.js';

function wrapper(className: string, fn: MetricFn, defaultName: string, direction: 'up' | 'down') {
  const cls = class extends MeanMetricWrapper {
    static override readonly className = className;
    constructor(args: MetricArgs & Record<string, unknown> = {}) {
      super(fn, {name: defaultName, ...args});
      this.direction = direction;
    }
    override getConfig(): Record<string, unknown> {
      return {name: this.name, dtype: this.dtype};
    }
  };
  Object.defineProperty(cls, 'name', {value: className});
  registerKerasSerializable(cls, {pkg: 'keras.metrics'});
  return cls;
}

/** `sum(l2Normalize(yTrue) * l2Normalize(yPred), axis)` (the metric is +1 for identical directions). */
function cosineSimilarity(yTrue: ops.TensorLike, yPred: ops.TensorLike, {axis = -1}: {axis?: number} = {}): Tensor {
  const yp = toFloat(toTensor(yPred, 'y_pred', 'cosine_similarity'));
  const [yt, p] = squeezeOrExpandToSameRank(toTensor(yTrue, 'y_true', 'cosine_similarity', yp.dtype), yp);
  return ops.sum(ops.multiply(l2Normalize(yt, axis), l2Normalize(p, axis)), axis);
}

export const MeanSquaredError = wrapper('MeanSquaredError', meanSquaredError, 'mean_squared_error', 'down');
export const MeanAbsoluteError = wrapper('MeanAbsoluteError', meanAbsoluteError, 'mean_absolute_error', 'down');
export const MeanAbsolutePercentageError = wrapper('MeanAbsolutePercentageError', meanAbsolutePercentageError, 'mean_absolute_percentage_error', 'down');
export const MeanSquaredLogarithmicError = wrapper('MeanSquaredLogarithmicError', meanSquaredLogarithmicError, 'mean_squared_logarithmic_error', 'down');
export const CosineSimilarity = wrapper('CosineSimilarity', cosineSimilarity as MetricFn, 'cosine_similarity', 'up');
export const LogCoshError = wrapper('LogCoshError', logCosh, 'logcosh', 'down');

/** `sqrt(mean(square(yPred - yTrue)))` over everything seen. */
export class RootMeanSquaredError extends Mean {
  static override readonly className: string = 'RootMeanSquaredError';
  constructor(args: MetricArgs = {}) {
    super({name: 'root_mean_squared_error', ...args});
    this.direction = 'down';
  }
  override updateState(yTrue: ops.TensorLike, yPred: ops.TensorLike, sampleWeight: ops.TensorLike | null = null): void {
    noGrad(() => {
      const yp = toTensor(yPred, 'y_pred', this.name, this.dtype);
      const [yt, p] = squeezeOrExpandToSameRank(toTensor(yTrue, 'y_true', this.name, this.dtype), yp);
      super.updateState(ops.square(ops.subtract(p, yt)), sampleWeight);
    });
  }
  override result(): Tensor {
    return ops.sqrt(super.result());
  }
}
registerKerasSerializable(RootMeanSquaredError, {pkg: 'keras.metrics'});

export interface R2ScoreArgs extends MetricArgs {
  classAggregation?: 'uniform_average' | 'variance_weighted_average' | null;
  numRegressors?: number;
}

/** The coefficient of determination, per output then aggregated; adjusted with `numRegressors`. */
export class R2Score extends Metric {
  static override readonly className: string = 'R2Score';
  readonly classAggregation: 'uniform_average' | 'variance_weighted_average' | null;
  readonly numRegressors: number;
  readonly numSamples: Variable;
  private state: {sum: Variable; squaredSum: Variable; totalMse: Variable; count: Variable} | null = null;

  constructor(args: R2ScoreArgs = {}) {
    super({name: 'r2_score', ...args});
    this.direction = 'up';
    const agg = args.classAggregation === undefined ? 'uniform_average' : args.classAggregation;
    if (![null, 'uniform_average', 'variance_weighted_average'].includes(agg)) {
      throw new ValueError(
        `Invalid value for argument \`class_aggregation\`. Expected one of (None, 'uniform_average', 'variance_weighted_average'). Received: class_aggregation=${agg}`,
      );
    }
    const nr = args.numRegressors ?? 0;
    if (nr < 0) throw new ValueError(`Invalid value for argument \`num_regressors\`. Expected a value >= 0. Received: num_regressors=${nr}`);
    this.classAggregation = agg;
    this.numRegressors = nr;
    this.numSamples = this.addVariable([], {name: 'num_samples'});
  }

  updateState(yTrue: ops.TensorLike, yPred: ops.TensorLike, sampleWeight: ops.TensorLike | null = null): void {
    noGrad(() => {
      let yt = toTensor(yTrue, 'y_true', this.name, 'float64');
      let yp = toTensor(yPred, 'y_pred', this.name, 'float64');
      [yt, yp] = squeezeOrExpandToSameRank(yt, yp);
      if (yp.rank !== 2 || yt.rank !== 2) {
        throw new ValueError(
          `R2Score expects 2D inputs with shape (batch_size, output_dim). Received input shapes: y_pred.shape=${pyShape(yp.shape)} and y_true.shape=${pyShape(yt.shape)}.`,
        );
      }
      const [n, c] = [yt.shape[0]!, yt.shape[1]!];
      if (!this.state) {
        this.state = {
          squaredSum: this.addVariable([c], {name: 'squared_sum'}),
          sum: this.addVariable([c], {name: 'sum'}),
          totalMse: this.addVariable([c], {name: 'residual'}),
          count: this.addVariable([c], {name: 'count'}),
        };
      }
      let sw = sampleWeight === null || sampleWeight === undefined ? ops.convertToTensor(1, 'float64') : toTensor(sampleWeight, 'sample_weight', this.name, 'float64');
      if (sw.rank === 1) sw = ops.expandDims(sw, 1);
      sw = ops.broadcastTo(sw, yt.shape);
      const w = sw.values, t = yt.values, p = yp.values;
      const add = {sum: new Float64Array(c), squaredSum: new Float64Array(c), totalMse: new Float64Array(c), count: new Float64Array(c)};
      let samples = 0;
      for (let i = 0; i < n; i++) {
        let nonzero = false;
        for (let j = 0; j < c; j++) {
          const k = i * c + j, wk = w[k]!;
          add.sum[j]! += t[k]! * wk;
          add.squaredSum[j]! += t[k]! * t[k]! * wk;
          add.totalMse[j]! += (t[k]! - p[k]!) ** 2 * wk;
          add.count[j]! += wk;
          if (wk !== 0) nonzero = true;
        }
        if (nonzero) samples++;
      }
      for (const key of ['sum', 'squaredSum', 'totalMse', 'count'] as const) {
        const v = this.state[key];
        v.assign(ops.add(v.value, tensor(add[key], [c], 'float64')));
      }
      this.numSamples.assign(ops.add(this.numSamples.value, samples));
    });
  }

  result(): Tensor {
    if (!this.state) return tensor(0, [], this.dtype);
    const s = this.state;
    const sum = s.sum.value.values, sq = s.squaredSum.value.values, mse = s.totalMse.value.values, count = s.count.value.values;
    const c = sum.length;
    const total = new Float64Array(c), raw = new Float64Array(c);
    for (let j = 0; j < c; j++) {
      const mean = sum[j]! / count[j]!;
      total[j] = sq[j]! - sum[j]! * mean;
      const r = 1 - mse[j]! / total[j]!;
      raw[j] = Number.isFinite(r) || Number.isNaN(r) ? r : 0; // Keras zeroes infinities only
    }
    let r2: number | Float64Array;
    if (this.classAggregation === 'uniform_average') r2 = raw.reduce((a, b) => a + b, 0) / c;
    else if (this.classAggregation === 'variance_weighted_average') {
      r2 = raw.reduce((a, b, j) => a + b * total[j]!, 0) / total.reduce((a, b) => a + b, 0);
    } else r2 = raw;
    const n = this.numSamples.value.values[0]!;
    const p = this.numRegressors;
    if (p !== 0 && typeof r2 === 'number') {
      if (p > n - 1) console.warn('More independent predictors than datapoints in adjusted R2 score. Falling back to standard R2 score.');
      else if (p === n - 1) console.warn('Division by zero in Adjusted R2 score. Falling back to standard R2 score.');
      else r2 = 1 - ((1 - r2) * (n - 1)) / (n - p - 1);
    }
    return typeof r2 === 'number' ? tensor(r2, [], this.dtype) : tensor(r2, [c], this.dtype);
  }

  override resetState(): void {
    super.resetState();
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), classAggregation: this.classAggregation, numRegressors: this.numRegressors};
  }
}
registerKerasSerializable(R2Score, {pkg: 'keras.metrics'});
