/** `FBetaScore` and `F1Score`, per class or averaged (`micro`, `macro`, `weighted`), as Keras 3. */
import type {Variable} from '../autodiff/variable.js';
import {noGrad} from '../autodiff/engine.js';
import {epsilon} from '../config.js';
import {ValueError} from '../errors.js';
import * as ops from '../ops/index.js';
import {toTensor} from '../ops/core.js';
import {registerKerasSerializable} from '../serialization.js';
import type {Tensor} from '../tensor/tensor.js';
import {assignAdd, Metric, type MetricArgs} from './metric.js';
import {pyShape} from '../losses/loss.js';

export interface FBetaArgs extends MetricArgs {
  average?: 'micro' | 'macro' | 'weighted' | null;
  beta?: number;
  threshold?: number | null;
}

export class FBetaScore extends Metric {
  static override readonly className: string = 'FBetaScore';
  readonly average: 'micro' | 'macro' | 'weighted' | null;
  readonly beta: number;
  readonly threshold: number | null;
  private readonly axis: number | null;
  private state: {tp: Variable; fp: Variable; fn: Variable; weights: Variable} | null = null;

  constructor(args: FBetaArgs = {}) {
    super({name: 'fbeta_score', ...args});
    this.direction = 'up';
    const average = args.average ?? null;
    if (![null, 'micro', 'macro', 'weighted'].includes(average)) {
      throw new ValueError(`Invalid \`average\` argument value. Expected one of: {None, 'micro', 'macro', 'weighted'}. Received: average=${average}`);
    }
    const beta = args.beta ?? 1.0;
    if (typeof beta !== 'number') throw new ValueError(`Invalid \`beta\` argument value. It should be a Python float. Received: beta=${beta}`);
    if (beta <= 0) throw new ValueError(`Invalid \`beta\` argument value. It should be > 0. Received: beta=${beta}`);
    const threshold = args.threshold ?? null;
    if (threshold !== null && (threshold > 1 || threshold <= 0)) {
      throw new ValueError(`Invalid \`threshold\` argument value. It should verify 0 < threshold <= 1. Received: threshold=${threshold}`);
    }
    this.average = average;
    this.beta = beta;
    this.threshold = threshold;
    this.axis = average !== 'micro' ? 0 : null;
  }

  private build(yTrue: Tensor, yPred: Tensor): void {
    if (yPred.rank !== 2 || yTrue.rank !== 2) {
      throw new ValueError(
        `${this.className} expects 2D inputs with shape (batch_size, output_dim). Received input shapes: y_pred.shape=${pyShape(yPred.shape)} and y_true.shape=${pyShape(yTrue.shape)}.`,
      );
    }
    const shape = this.average !== 'micro' ? [yPred.shape[1]!] : [];
    this.state = {
      tp: this.addVariable(shape, {name: 'true_positives'}),
      fp: this.addVariable(shape, {name: 'false_positives'}),
      fn: this.addVariable(shape, {name: 'false_negatives'}),
      weights: this.addVariable(shape, {name: 'intermediate_weights'}),
    };
  }

  updateState(yTrue: ops.TensorLike, yPred: ops.TensorLike, sampleWeight: ops.TensorLike | null = null): void {
    noGrad(() => {
      let yt = toTensor(yTrue, 'y_true', this.name, this.dtype);
      let yp = toTensor(yPred, 'y_pred', this.name, this.dtype);
      if (!this.state) this.build(yt, yp);
      const predPos =
        this.threshold === null ? ops.logicalAnd(ops.greaterEqual(yp, ops.max(yp, -1, true)), ops.greater(ops.abs(yp), 1e-9)) : ops.greater(yp, this.threshold);
      yp = ops.cast(predPos, this.dtype);
      yt = ops.cast(yt, this.dtype);
      let sw: Tensor | null = null;
      if (sampleWeight !== null && sampleWeight !== undefined) {
        sw = toTensor(sampleWeight, 'sample_weight', this.name, this.dtype);
        while (sw.rank < yt.rank) sw = ops.expandDims(sw, -1);
      }
      const wsum = (v: Tensor) => ops.sum(sw ? ops.multiply(v, sw) : v, this.axis);
      const s = this.state!;
      assignAdd(s.tp, wsum(ops.multiply(yp, yt)));
      assignAdd(s.fp, wsum(ops.multiply(yp, ops.subtract(1, yt))));
      assignAdd(s.fn, wsum(ops.multiply(ops.subtract(1, yp), yt)));
      assignAdd(s.weights, wsum(yt));
    });
  }

  result(): Tensor {
    return noGrad(() => {
      if (!this.state) return ops.convertToTensor(0, this.dtype);
      const {tp, fp, fn, weights} = this.state;
      const eps = epsilon();
      const precision = ops.divide(tp.value, ops.add(ops.add(tp.value, fp.value), eps));
      const recall = ops.divide(tp.value, ops.add(ops.add(tp.value, fn.value), eps));
      const b2 = this.beta * this.beta;
      const mean = ops.divide(ops.multiply(precision, recall), ops.add(ops.add(ops.multiply(precision, b2), recall), eps));
      let f = ops.multiply(mean, 1 + b2);
      if (this.average === 'weighted') {
        const w = ops.divide(weights.value, ops.add(ops.sum(weights.value), eps));
        f = ops.sum(ops.multiply(f, w));
      } else if (this.average !== null) {
        f = ops.mean(f);
      }
      return f;
    });
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), average: this.average, beta: this.beta, threshold: this.threshold};
  }
}

export class F1Score extends FBetaScore {
  static override readonly className: string = 'F1Score';
  constructor(args: Omit<FBetaArgs, 'beta'> = {}) {
    super({name: 'f1_score', ...args, beta: 1.0});
  }
  override getConfig(): Record<string, unknown> {
    const c = super.getConfig();
    delete c['beta'];
    return c;
  }
}

for (const c of [FBetaScore, F1Score]) registerKerasSerializable(c, {pkg: 'keras.metrics'});
