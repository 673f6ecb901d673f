import type {Variable} from '../autodiff/variable.js';
import * as ops from '../ops/index.js';
import {registerKerasSerializable} from '../serialization.js';
import {scalar, type Tensor} from '../tensor/tensor.js';
import {checkArgs, Optimizer, type OptimizerArgs} from './optimizer.js';

export interface NadamArgs extends OptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Nadam (Adam with Nesterov momentum and Dozat's momentum schedule
 * `u_t = beta1 (1 - 0.5 * 0.96^t)`), as Keras 3 computes it. Defaults: `learningRate = 0.001`,
 * `beta1 = 0.9`, `beta2 = 0.999`, `epsilon = 1e-7`.
 */
export class Nadam extends Optimizer {
  static override readonly className = 'Nadam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private momentums: Variable[] = [];
  private velocities: Variable[] = [];
  /** The running product of the momentum schedule (Keras's `_u_product`), saved with the slots. */
  private uProductVar: Variable | null = null;

  constructor(args: NadamArgs = {}) {
    super(0.001, args);
    checkArgs(args, ['beta1', 'beta2', 'epsilon'], 'Nadam');
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
  }

  override build(vars: Variable[]): void {
    if (this.built) return;
    super.build(vars);
    [this.momentums, this.velocities] = this.addOptimizerVariables(vars, ['momentum', 'velocity']) as [Variable[], Variable[]];
    this.uProductVar = this.addVariable([], {initializer: 1, dtype: vars[0]?.dtype, name: 'variable'});
  }

  private get uProduct(): number {
    return this.uProductVar!.value.values[0]!;
  }

  protected override backendUpdateStep(grads: Tensor[], vars: Variable[], learningRate: number): void {
    const next = this.uProduct * this.beta1 * (1 - 0.5 * Math.pow(0.96, this.iterations + 1));
    this.uProductVar!.assign(scalar(next, this.uProductVar!.dtype));
    super.backendUpdateStep(grads, vars, learningRate);
  }

  updateStep(gradient: Tensor, variable: Variable, lr: number): void {
    const i = this.variableIndex(variable);
    const t = this.iterations + 1;
    const b1 = this.beta1, b2 = this.beta2;
    const uT = b1 * (1 - 0.5 * Math.pow(0.96, t));
    const uT1 = b1 * (1 - 0.5 * Math.pow(0.96, t + 1));
    const uProductT = this.uProduct;
    const uProductT1 = uProductT * uT1;
    const beta2Power = Math.pow(b2, t);
    const m = this.momentums[i]!;
    const v = this.velocities[i]!;
    this.assignAdd(m, ops.multiply(ops.subtract(gradient, m.value), 1 - b1));
    this.assignAdd(v, ops.multiply(ops.subtract(ops.square(gradient), v.value), 1 - b2));
    const mHat = ops.add(ops.multiply(m.value, uT1 / (1 - uProductT1)), ops.multiply(gradient, (1 - uT) / (1 - uProductT)));
    const vHat = ops.divide(v.value, 1 - beta2Power);
    this.assignSub(variable, ops.divide(ops.multiply(mHat, lr), ops.add(ops.sqrt(vHat), this.epsilon)));
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon};
  }
}
registerKerasSerializable(Nadam, {pkg: 'keras.optimizers'});
