import type {Variable} from '../autodiff/variable.js';
import {ValueError} from '../errors.js';
import * as ops from '../ops/index.js';
import {registerKerasSerializable} from '../serialization.js';
import type {Tensor} from '../tensor/tensor.js';
import {checkArgs, movingAverage, Optimizer, type OptimizerArgs} from './optimizer.js';

export interface LionArgs extends OptimizerArgs {
  beta1?: number;
  beta2?: number;
}

/**
 * Lion (Chen et al., 2023): `w -= lr * sign(beta1 m + (1 - beta1) g)`, then `m = beta2 m + (1 - beta2) g`.
 * Defaults: `learningRate = 0.001`, `beta1 = 0.9`, `beta2 = 0.99`.
 */
export class Lion extends Optimizer {
  static override readonly className = 'Lion';
  readonly beta1: number;
  readonly beta2: number;
  private momentums: Variable[] = [];

  constructor(args: LionArgs = {}) {
    super(0.001, args);
    checkArgs(args, ['beta1', 'beta2'], 'Lion');
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.99;
    if (this.beta1 <= 0 || this.beta1 > 1) {
      throw new ValueError(
        `Argument \`beta_1\` must be in the [0, 1] range. Otherwise, the optimizer degenerates to SignSGD. Received: beta_1=${this.beta1}.`,
      );
    }
  }

  override build(vars: Variable[]): void {
    if (this.built) return;
    super.build(vars);
    this.momentums = this.addOptimizerVariables(vars, ['momentum'])[0]!;
  }

  updateStep(gradient: Tensor, variable: Variable, lr: number): void {
    const m = this.momentums[this.variableIndex(variable)]!;
    const direction = ops.sign(movingAverage(m.value, gradient, this.beta1));
    this.assignSub(variable, ops.multiply(direction, lr));
    this.assign(m, movingAverage(m.value, gradient, this.beta2));
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), beta1: this.beta1, beta2: this.beta2};
  }
}
registerKerasSerializable(Lion, {pkg: 'keras.optimizers'});
