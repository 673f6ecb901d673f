import type {Variable} from '../autodiff/variable.js';
import * as ops from '../ops/index.js';
import {registerKerasSerializable} from '../serialization.js';
import type {Tensor} from '../tensor/tensor.js';
import {checkArgs, movingAverage, Optimizer, refreshLearningRate, type OptimizerArgs} from './optimizer.js';

export interface AdadeltaArgs extends OptimizerArgs {
  rho?: number;
  epsilon?: number;
}

/**
 * Adadelta: `Eg = rho Eg + (1-rho) g^2`, `d = -sqrt(Ed + eps) / sqrt(Eg + eps) * g`,
 * `Ed = rho Ed + (1-rho) d^2`, `w += lr * d`. Keras 3 defaults: `learningRate = 0.001`, `rho = 0.95`, `epsilon = 1e-7`.
 * One fused `AdadeltaUpdate` kernel per variable.
 */
export class Adadelta extends Optimizer {
  static override readonly className = 'Adadelta';
  readonly rho: number;
  readonly epsilon: number;
  private accumulatedGrads: Variable[] = [];
  private accumulatedDeltaVars: Variable[] = [];

  constructor(args: AdadeltaArgs = {}) {
    super(0.001, args);
    checkArgs(args, ['rho', 'epsilon'], 'Adadelta');
    this.rho = args.rho ?? 0.95;
    this.epsilon = args.epsilon ?? 1e-7;
  }

  override build(vars: Variable[]): void {
    if (this.built) return;
    super.build(vars);
    [this.accumulatedGrads, this.accumulatedDeltaVars] = this.addOptimizerVariables(vars, ['accumulated_grad', 'accumulated_delta_var']) as [
      Variable[],
      Variable[],
    ];
  }

  updateStep(grad: Tensor, variable: Variable, lr: number): void {
    const i = this.variableIndex(variable);
    const accGrad = this.accumulatedGrads[i]!;
    const accDelta = this.accumulatedDeltaVars[i]!;
    const attrs = {learningRate: lr, rho: this.rho, epsilon: this.epsilon};
    if (this.fusedUpdate('AdadeltaUpdate', grad, variable, [accGrad, accDelta], attrs, refreshLearningRate)) return;
    const rms = (x: Tensor) => ops.sqrt(ops.add(x, this.epsilon));
    this.assign(accGrad, movingAverage(accGrad.value, ops.square(grad), this.rho));
    const delta = ops.negative(ops.divide(ops.multiply(rms(accDelta.value), grad), rms(accGrad.value)));
    this.assign(accDelta, movingAverage(accDelta.value, ops.square(delta), this.rho));
    this.assignAdd(variable, ops.multiply(delta, lr));
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), rho: this.rho, epsilon: this.epsilon};
  }
}
registerKerasSerializable(Adadelta, {pkg: 'keras.optimizers'});
