import type {Variable} from '../autodiff/variable.js';
import * as ops from '../ops/index.js';
import {registerKerasSerializable} from '../serialization.js';
import type {Tensor} from '../tensor/tensor.js';
import {checkArgs, movingAverage, Optimizer, refreshLearningRate, type OptimizerArgs} from './optimizer.js';

export interface RMSpropArgs extends OptimizerArgs {
  rho?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

/**
 * RMSprop as Keras 3 computes it: `v = rho * v + (1 - rho) * g^2`,
 * `w -= lr * g / sqrt(v + epsilon)` (epsilon inside the square root; centered: `v - mean_g^2 + epsilon`).
 * Defaults: `learningRate = 0.001`, `rho = 0.9`, `momentum = 0`, `epsilon = 1e-7`.
 * One fused `RMSpropUpdate` kernel per variable, except when `centered` (composite ops).
 */
export class RMSprop extends Optimizer {
  static override readonly className = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  private velocities: Variable[] = [];
  private momentums: Variable[] = [];
  private averageGradients: Variable[] = [];

  constructor(args: RMSpropArgs = {}) {
    super(0.001, args);
    checkArgs(args, ['rho', 'momentum', 'epsilon', 'centered'], 'RMSprop');
    this.rho = args.rho ?? 0.9;
    this.momentum = args.momentum ?? 0;
    this.epsilon = args.epsilon ?? 1e-7;
    this.centered = args.centered ?? false;
  }

  override build(vars: Variable[]): void {
    if (this.built) return;
    super.build(vars);
    this.velocities = this.addOptimizerVariables(vars, ['velocity'])[0]!;
    if (this.momentum > 0) this.momentums = this.addOptimizerVariables(vars, ['momentum'])[0]!;
    if (this.centered) this.averageGradients = this.addOptimizerVariables(vars, ['average_gradient'])[0]!;
  }

  updateStep(gradient: Tensor, variable: Variable, lr: number): void {
    const i = this.variableIndex(variable);
    const velocity = this.velocities[i]!;
    if (!this.centered) {
      const slots = this.momentum > 0 ? [velocity, this.momentums[i]!] : [velocity];
      const attrs = {learningRate: lr, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon};
      if (this.fusedUpdate('RMSpropUpdate', gradient, variable, slots, attrs, refreshLearningRate)) return;
    }
    this.assign(velocity, movingAverage(velocity.value, ops.square(gradient), this.rho));
    let denominator: Tensor;
    if (this.centered) {
      const avg = this.averageGradients[i]!;
      this.assign(avg, movingAverage(avg.value, gradient, this.rho));
      denominator = ops.add(ops.subtract(velocity.value, ops.square(avg.value)), this.epsilon);
    } else {
      denominator = ops.add(velocity.value, this.epsilon);
    }
    const increment = ops.divide(ops.multiply(gradient, lr), ops.sqrt(denominator));
    if (this.momentum > 0) {
      const m = this.momentums[i]!;
      this.assign(m, ops.add(ops.multiply(m.value, this.momentum), increment));
      this.assignSub(variable, m.value);
    } else {
      this.assignSub(variable, increment);
    }
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered};
  }
}
registerKerasSerializable(RMSprop, {pkg: 'keras.optimizers'});
