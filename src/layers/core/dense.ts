import * as activations from '../../activations/index.js';
import type {Variable} from '../../autodiff/variable.js';
import type {ConstraintIdentifier} from '../../constraints/index.js';
import {ValueError} from '../../errors.js';
import * as initializers from '../../initializers/index.js';
import * as ops from '../../ops/index.js';
import type {RegularizerIdentifier} from '../../regularizers/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {checkPositiveInt, getCon, getReg, kernelBiasConfig, legacyArgs, serAct} from '../layer_utils.js';

export interface DenseArgs extends LayerArgs {
  activation?: activations.ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: initializers.InitializerIdentifier;
  biasInitializer?: initializers.InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
  /** Keras 1's name of `units`. */
  units?: number;
}

const DENSE_OPTIONS = ['units', 'kernelInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint', 'useBias', 'inputShape', 'inputDim', 'batchInputShape'];

/**
 * Densely-connected layer: `output = activation(dot(input, kernel) + bias)`.
 *
 * Input `[batch, ..., inputDim]`, output `[batch, ..., units]`; `kernel` is `[inputDim, units]`.
 *
 * ```ts
 * new Dense(512, {activation: 'relu', inputShape: [784]});
 * ```
 */
export class Dense extends Layer {
  static override readonly className: string = 'Dense';
  readonly units: number;
  readonly activation: activations.Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: initializers.Initializer;
  readonly biasInitializer: initializers.Initializer;
  readonly kernelRegularizer;
  readonly biasRegularizer;
  readonly kernelConstraint;
  readonly biasConstraint;
  kernel!: Variable;
  bias: Variable | null = null;

  constructor(units: number | DenseArgs, args: DenseArgs = {}) {
    if (typeof units === 'object' && units !== null) [units, args] = [(legacyArgs(units, 'Dense', DENSE_OPTIONS).units as number), units];
    args = legacyArgs(args, 'Dense', DENSE_OPTIONS);
    const checkedUnits = checkPositiveInt(units, 'units');
    super(args);
    this.units = checkedUnits;
    this.activation = activations.get(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = initializers.get(args.kernelInitializer ?? 'glorot_uniform');
    this.biasInitializer = initializers.get(args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getReg(args.kernelRegularizer);
    this.biasRegularizer = getReg(args.biasRegularizer);
    this.kernelConstraint = getCon(args.kernelConstraint);
    this.biasConstraint = getCon(args.biasConstraint);
    this.inputSpec = new InputSpec({minNdim: 2});
    this.supportsMasking = true;
  }

  override build(inputShape: ShapeLike): void {
    const inputDim = inputShape.at(-1);
    if (typeof inputDim !== 'number') {
      throw new ValueError(`Layer "${this.name}": the last dimension of the inputs to Dense must be defined. Received: input_shape=${JSON.stringify(inputShape)}`);
    }
    this.kernel = this.addWeight({
      name: 'kernel', shape: [inputDim, this.units], initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer, constraint: this.kernelConstraint,
    });
    if (this.useBias) {
      this.bias = this.addWeight({
        name: 'bias', shape: [this.units], initializer: this.biasInitializer,
        regularizer: this.biasRegularizer, constraint: this.biasConstraint,
      });
    }
    this.inputSpec = new InputSpec({minNdim: 2, axes: {[-1]: inputDim}});
  }

  override call(inputs: Tensor): Tensor {
    const act = this.activation.kerasName;
    if (this.bias && (act === 'linear' || act === 'relu' || act === 'sigmoid' || act === 'tanh')) {
      // one kernel: bias and activation applied while the output tile is in cache
      return ops.dense(inputs, this.kernel.read(), this.bias.read(), act);
    }
    // any other activation (softmax): a compiled plan fuses the product and the bias where that keeps
    // the values (src/plan/patterns.ts)
    let y = ops.matmul(inputs, this.kernel.read());
    if (this.bias) y = ops.add(y, this.bias.read());
    return this.activation(y);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return [...inputShape.slice(0, -1), this.units];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: serAct(this.activation),
      useBias: this.useBias,
      ...kernelBiasConfig(this),
    };
  }

  static override fromConfig(config: Record<string, unknown>): Dense {
    const {units, ...rest} = config;
    return new this(units as number, rest as DenseArgs);
  }
}
registerKerasSerializable(Dense, {pkg: 'keras'});
