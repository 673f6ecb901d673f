import type {Variable} from '../autodiff/variable.js';
import * as ops from '../ops/index.js';
import {registerKerasSerializable} from '../serialization.js';
import type {Tensor} from '../tensor/tensor.js';
import {checkArgs, Optimizer, type OptimizerArgs} from './optimizer.js';

export interface AdamaxArgs extends OptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adamax (Adam with the infinity norm): `m += (g - m)(1 - beta1)`, `u = max(beta2 u, |g|)`,
 * `w -= lr m / ((1 - beta1^t)(u + epsilon))`. Defaults: `learningRate = 0.001`, `beta1 = 0.9`,
 * `beta2 = 0.999`, `epsilon = 1e-7`.
 */
export class Adamax extends Optimizer {
  static override readonly className = 'Adamax';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private m: Variable[] = [];
  private u: Variable[] = [];

  constructor(args: AdamaxArgs = {}) {
    super(0.001, args);
    checkArgs(args, ['beta1', 'beta2', 'epsilon'], 'Adamax');
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
  }

  override build(vars: Variable[]): void {
    if (this.built) return;
    super.build(vars);
    [this.m, this.u] = this.addOptimizerVariables(vars, ['momentum', 'norm']) as [Variable[], Variable[]];
  }

  updateStep(gradient: Tensor, variable: Variable, lr: number): void {
    const i = this.variableIndex(variable);
    const t = this.iterations + 1;
    const m = this.m[i]!;
    const u = this.u[i]!;
    this.assignAdd(m, ops.multiply(ops.subtract(gradient, m.value), 1 - this.beta1));
    this.assign(u, ops.maximum(ops.multiply(u.value, this.beta2), ops.abs(gradient)));
    const denom = ops.multiply(ops.add(u.value, this.epsilon), 1 - Math.pow(this.beta1, t));
    this.assignSub(variable, ops.divide(ops.multiply(m.value, lr), denom));
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon};
  }
}
registerKerasSerializable(Adamax, {pkg: 'keras.optimizers'});
