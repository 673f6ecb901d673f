import type {Variable} from '../autodiff/variable.js';
import {ValueError} from '../errors.js';
import * as ops from '../ops/index.js';
import {registerKerasSerializable} from '../serialization.js';
import type {Tensor} from '../tensor/tensor.js';
import {checkArgs, Optimizer, refreshLearningRate, type OptimizerArgs} from './optimizer.js';

export interface SGDArgs extends OptimizerArgs {
  momentum?: number;
  nesterov?: boolean;
}

/**
 * Gradient descent with optional (Nesterov) momentum, Keras's form:
 * `m = momentum * m - lr * g; w += m` (Nesterov: `w += momentum * m - lr * g`).
 * Defaults: `learningRate = 0.01`, `momentum = 0`. One fused `SGDUpdate` kernel per variable.
 */
export class SGD extends Optimizer {
  static override readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  private momentums: Variable[] = [];

  constructor(args: SGDArgs = {}) {
    super(0.01, args);
    checkArgs(args, ['momentum', 'nesterov'], 'SGD');
    const m = args.momentum ?? 0;
    if (typeof m !== 'number' || m < 0 || m > 1) throw new ValueError('`momentum` must be a float between [0, 1].');
    this.momentum = m;
    this.nesterov = args.nesterov ?? false;
  }

  override build(vars: Variable[]): void {
    if (this.built) return;
    super.build(vars);
    if (this.momentum !== 0) this.momentums = this.addOptimizerVariables(vars, ['momentum'])[0]!;
  }

  updateStep(gradient: Tensor, variable: Variable, lr: number): void {
    const slots = this.momentum === 0 ? [] : [this.momentums[this.variableIndex(variable)]!];
    const attrs = {learningRate: lr, momentum: this.momentum, nesterov: this.nesterov};
    if (this.fusedUpdate('SGDUpdate', gradient, variable, slots, attrs, refreshLearningRate)) return;
    if (this.momentum === 0) {
      this.assignSub(variable, ops.multiply(gradient, lr));
      return;
    }
    const m = this.momentums[this.variableIndex(variable)]!;
    this.assign(m, ops.subtract(ops.multiply(m.value, this.momentum), ops.multiply(gradient, lr)));
    if (this.nesterov) this.assignAdd(variable, ops.subtract(ops.multiply(m.value, this.momentum), ops.multiply(gradient, lr)));
    else this.assignAdd(variable, m.value);
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov};
  }
}
registerKerasSerializable(SGD, {pkg: 'keras.optimizers'});
