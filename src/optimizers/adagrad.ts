import type {Variable} from '../autodiff/variable.js';
import * as ops from '../ops/index.js';
import {registerKerasSerializable} from '../serialization.js';
import type {Tensor} from '../tensor/tensor.js';
import {checkArgs, Optimizer, type OptimizerArgs} from './optimizer.js';

export interface AdagradArgs extends OptimizerArgs {
  initialAccumulatorValue?: number;
  epsilon?: number;
}

/**
 * Adagrad: `a += g^2`, `w -= lr * g / sqrt(a + epsilon)`.
 * Defaults: `learningRate = 0.001`, `initialAccumulatorValue = 0.1`, `epsilon = 1e-7`.
 */
export class Adagrad extends Optimizer {
  static override readonly className = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  private accumulators: Variable[] = [];

  constructor(args: AdagradArgs = {}) {
    super(0.001, args);
    checkArgs(args, ['initialAccumulatorValue', 'epsilon'], 'Adagrad');
    this.initialAccumulatorValue = args.initialAccumulatorValue ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-7;
  }

  override build(vars: Variable[]): void {
    if (this.built) return;
    super.build(vars);
    this.accumulators = this.addOptimizerVariables(vars, ['accumulator'], [this.initialAccumulatorValue])[0]!;
  }

  updateStep(gradient: Tensor, variable: Variable, lr: number): void {
    const acc = this.accumulators[this.variableIndex(variable)]!;
    this.assignAdd(acc, ops.square(gradient));
    this.assignSub(variable, ops.divide(ops.multiply(gradient, lr), ops.sqrt(ops.add(acc.value, this.epsilon))));
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon};
  }
}
registerKerasSerializable(Adagrad, {pkg: 'keras.optimizers'});
