import type {Variable} from '../autodiff/variable.js';
import {ValueError} from '../errors.js';
import * as ops from '../ops/index.js';
import {registerKerasSerializable} from '../serialization.js';
import type {Tensor} from '../tensor/tensor.js';
import {checkArgs, Optimizer, type OptimizerArgs} from './optimizer.js';

export interface FtrlArgs extends OptimizerArgs {
  learningRatePower?: number;
  initialAccumulatorValue?: number;
  l1RegularizationStrength?: number;
  l2RegularizationStrength?: number;
  l2ShrinkageRegularizationStrength?: number;
  beta?: number;
}

/**
 * FTRL-proximal (McMahan et al., 2013) as Keras 3 computes it. Defaults: `learningRate = 0.001`,
 * `learningRatePower = -0.5`, `initialAccumulatorValue = 0.1`, regularization strengths 0, `beta = 0`.
 */
export class Ftrl extends Optimizer {
  static override readonly className = 'Ftrl';
  readonly learningRatePower: number;
  readonly initialAccumulatorValue: number;
  readonly l1RegularizationStrength: number;
  readonly l2RegularizationStrength: number;
  readonly l2ShrinkageRegularizationStrength: number;
  readonly beta: number;
  private accumulators: Variable[] = [];
  private linears: Variable[] = [];

  constructor(args: FtrlArgs = {}) {
    super(0.001, args);
    checkArgs(
      args,
      ['learningRatePower', 'initialAccumulatorValue', 'l1RegularizationStrength', 'l2RegularizationStrength', 'l2ShrinkageRegularizationStrength', 'beta'],
      'Ftrl',
    );
    this.learningRatePower = args.learningRatePower ?? -0.5;
    this.initialAccumulatorValue = args.initialAccumulatorValue ?? 0.1;
    this.l1RegularizationStrength = args.l1RegularizationStrength ?? 0;
    this.l2RegularizationStrength = args.l2RegularizationStrength ?? 0;
    this.l2ShrinkageRegularizationStrength = args.l2ShrinkageRegularizationStrength ?? 0;
    this.beta = args.beta ?? 0;
    const nonNeg = (v: number, n: string) => {
      if (v < 0) throw new ValueError(`\`${n}\` needs to be positive or zero. Received: ${n}=${v}.`);
    };
    nonNeg(this.initialAccumulatorValue, 'initial_accumulator_value');
    if (this.learningRatePower > 0) {
      throw new ValueError(`\`learning_rate_power\` needs to be negative or zero. Received: learning_rate_power=${this.learningRatePower}.`);
    }
    nonNeg(this.l1RegularizationStrength, 'l1_regularization_strength');
    nonNeg(this.l2RegularizationStrength, 'l2_regularization_strength');
    nonNeg(this.l2ShrinkageRegularizationStrength, 'l2_shrinkage_regularization_strength');
  }

  override build(vars: Variable[]): void {
    if (this.built) return;
    super.build(vars);
    [this.accumulators, this.linears] = this.addOptimizerVariables(vars, ['accumulator', 'linear'], [this.initialAccumulatorValue, 0]) as [
      Variable[],
      Variable[],
    ];
  }

  updateStep(gradient: Tensor, variable: Variable, lr: number): void {
    const i = this.variableIndex(variable);
    const accum = this.accumulators[i]!;
    const linear = this.linears[i]!;
    const p = -this.learningRatePower;
    const l2 = this.l2RegularizationStrength + this.beta / (2 * lr);
    const w = variable.value;
    const gradToUse = ops.add(gradient, ops.multiply(w, 2 * this.l2ShrinkageRegularizationStrength));
    const newAccum = ops.add(accum.value, ops.square(gradient));
    const sigma = ops.divide(ops.subtract(ops.power(newAccum, p), ops.power(accum.value, p)), lr);
    this.assignAdd(linear, ops.subtract(gradToUse, ops.multiply(sigma, w)));
    const quadratic = ops.add(ops.divide(ops.power(newAccum, p), lr), 2 * l2);
    const l1 = this.l1RegularizationStrength;
    const linearClipped = ops.clip(linear.value, -l1, l1);
    this.assign(variable, ops.divide(ops.subtract(linearClipped, linear.value), quadratic));
    this.assign(accum, newAccum);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      learningRatePower: this.learningRatePower,
      initialAccumulatorValue: this.initialAccumulatorValue,
      l1RegularizationStrength: this.l1RegularizationStrength,
      l2RegularizationStrength: this.l2RegularizationStrength,
      l2ShrinkageRegularizationStrength: this.l2ShrinkageRegularizationStrength,
      beta: this.beta,
    };
  }
}
registerKerasSerializable(Ftrl, {pkg: 'keras.optimizers'});
