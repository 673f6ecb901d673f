import type {Variable} from '../autodiff/variable.js';
import * as ops from '../ops/index.js';
import {registerKerasSerializable} from '../serialization.js';
import type {Tensor} from '../tensor/tensor.js';
import {checkArgs, Optimizer, type OptimizerArgs} from './optimizer.js';

export interface AdamArgs extends OptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  amsgrad?: boolean;
}

/**
 * Adam as Keras 3 computes it: `m += (g - m) * (1 - beta1)`, `v += (g^2 - v) * (1 - beta2)`,
 * `w -= m * lr * sqrt(1 - beta2^t) / (1 - beta1^t) / (sqrt(v) + epsilon)` — epsilon is added to the
 * uncorrected `sqrt(v)` (PyTorch adds it to `sqrt(v_hat)`). With `amsgrad`, `v` is the running max.
 * Defaults: `learningRate = 0.001`, `beta1 = 0.9`, `beta2 = 0.999`, `epsilon = 1e-7`.
 * One fused `AdamUpdate` kernel per variable, except with `amsgrad` (composite ops).
 */
export class Adam extends Optimizer {
  static override readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  private momentums: Variable[] = [];
  private velocities: Variable[] = [];
  private velocityHats: Variable[] = [];

  constructor(args: AdamArgs = {}, own: readonly string[] = []) {
    super(0.001, args);
    checkArgs(args, ['beta1', 'beta2', 'epsilon', 'amsgrad', ...own], (this.constructor as typeof Adam).className);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
    this.amsgrad = args.amsgrad ?? false;
  }

  override build(vars: Variable[]): void {
    if (this.built) return;
    super.build(vars);
    [this.momentums, this.velocities] = this.addOptimizerVariables(vars, ['momentum', 'velocity']) as [Variable[], Variable[]];
    if (this.amsgrad) this.velocityHats = this.addOptimizerVariables(vars, ['velocity_hat'])[0]!;
  }

  /** The step's learning rate with both bias corrections folded in, at the coming step `iterations + 1`. */
  private alpha(lr: number): number {
    const t = this.iterations + 1;
    return (lr * Math.sqrt(1 - Math.pow(this.beta2, t))) / (1 - Math.pow(this.beta1, t));
  }

  private readonly refreshAlpha = (attrs: {alpha: number}, lr: number): void => {
    attrs.alpha = this.alpha(lr);
  };

  updateStep(gradient: Tensor, variable: Variable, lr: number): void {
    const i = this.variableIndex(variable);
    const alpha = this.alpha(lr);
    const m = this.momentums[i]!;
    let v = this.velocities[i]!;
    const attrs = {alpha, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon};
    if (!this.amsgrad && this.fusedUpdate('AdamUpdate', gradient, variable, [m, v], attrs, this.refreshAlpha)) return;
    this.assignAdd(m, ops.multiply(ops.subtract(gradient, m.value), 1 - this.beta1));
    this.assignAdd(v, ops.multiply(ops.subtract(ops.square(gradient), v.value), 1 - this.beta2));
    if (this.amsgrad) {
      const vHat = this.velocityHats[i]!;
      this.assign(vHat, ops.maximum(vHat.value, v.value));
      v = vHat;
    }
    this.assignSub(variable, ops.divide(ops.multiply(m.value, alpha), ops.add(ops.sqrt(v.value), this.epsilon)));
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad};
  }
}
registerKerasSerializable(Adam, {pkg: 'keras.optimizers'});
