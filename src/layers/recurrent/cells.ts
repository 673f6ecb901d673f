import * as activations from '../../activations/index.js';
import type {Variable} from '../../autodiff/variable.js';
import * as initializers from '../../initializers/index.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {DType} from '../../tensor/dtype.js';
import {ones, type Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../layer.js';
import {CellWeights, checkUnits, mapLegacyDropout, RNNCell, type RNNCellArgs} from './rnn_cell.js';

export interface SimpleRNNCellArgs extends RNNCellArgs {}

export interface LSTMCellArgs extends RNNCellArgs {
  recurrentActivation?: activations.ActivationIdentifier;
  /** Add 1 to the forget gate's bias at initialization (Jozefowicz et al., 2015). Default true. */
  unitForgetBias?: boolean;
}

export interface GRUCellArgs extends RNNCellArgs {
  recurrentActivation?: activations.ActivationIdentifier;
  /** Apply the reset gate after the recurrent matmul (cuDNN's and PyTorch's form). Default true. */
  resetAfter?: boolean;
}

function inputDimOf(inputShape: ShapeLike | ShapeLike[], who: string): number {
  const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as ShapeLike;
  const d = s.at(-1);
  if (d === null || d === undefined) throw new Error(`${who}: the last dimension of the inputs must be known. Received shape ${JSON.stringify(s)}`);
  return d;
}

const mul = (a: Tensor, m: Tensor | undefined) => (m ? ops.multiply(a, m) : a);

/** Shared state of the three built-in cells: units (also their output size), activation, bias, the weight options. */
abstract class DenseCell extends RNNCell {
  readonly units: number;
  readonly outputSize: number;
  readonly activation: activations.Activation;
  readonly useBias: boolean;
  protected readonly w: CellWeights;
  kernel!: Variable;
  recurrentKernel!: Variable;
  bias: Variable | null = null;

  constructor(units: number, args: RNNCellArgs) {
    const a = mapLegacyDropout(args, (args.name ?? 'cell'));
    super(a);
    this.units = checkUnits(units, this.name);
    this.outputSize = this.units;
    this.activation = activations.get(a.activation === undefined ? 'tanh' : a.activation);
    this.useBias = a.useBias ?? true;
    this.w = new CellWeights(a);
    this.initDropout(a.dropout ?? 0, a.recurrentDropout ?? 0, a.seed ?? null);
  }

  protected buildKernels(inputDim: number, gates: number): void {
    this.kernel = this.addWeight({
      name: 'kernel', shape: [inputDim, gates * this.units], initializer: this.w.kernelInitializer,
      regularizer: this.w.kernelRegularizer, constraint: this.w.kernelConstraint,
    });
    this.recurrentKernel = this.addWeight({
      name: 'recurrent_kernel', shape: [this.units, gates * this.units], initializer: this.w.recurrentInitializer,
      regularizer: this.w.recurrentRegularizer, constraint: this.w.recurrentConstraint,
    });
  }

  protected addBias(shape: number[], initializer: initializers.Initializer): void {
    this.bias = this.addWeight({
      name: 'bias', shape, initializer, regularizer: this.w.biasRegularizer, constraint: this.w.biasConstraint,
    });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: activations.serialize(this.activation),
      useBias: this.useBias,
      ...this.w.config(),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      seed: this.seed,
    };
  }

  static override fromConfig<T extends DenseCell>(this: new (units: number, args: Record<string, unknown>) => T, config: Record<string, unknown>): T {
    return new this(config['units'] as number, config);
  }
}

/**
 * The cell of `SimpleRNN`: `h' = activation(x @ kernel + h @ recurrentKernel + bias)`.
 * Weights `kernel [inputDim, units]`, `recurrent_kernel [units, units]`, `bias [units]`.
 */
export class SimpleRNNCell extends DenseCell {
  static override readonly className: string = 'SimpleRNNCell';
  readonly stateSize: number[];

  constructor(units: number, args: SimpleRNNCellArgs = {}) {
    super(units, args);
    this.stateSize = [this.units];
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    this.buildKernels(inputDimOf(inputShape, this.name), 1);
    if (this.useBias) this.addBias([this.units], this.w.biasInitializer);
    this.built = true;
  }

  step(inputs: Tensor, states: Tensor[], training: boolean): [Tensor, Tensor[]] {
    let x = inputs;
    let prev = states[0]!;
    if (training) {
      x = mul(x, this.getDropoutMasks(x)?.[0]);
      prev = mul(prev, this.getRecurrentDropoutMasks(prev)?.[0]);
    }
    let h = ops.matmul(x, this.kernel);
    if (this.bias) h = ops.add(h, this.bias);
    const out = this.activation(ops.add(h, ops.matmul(prev, this.recurrentKernel)));
    return [out, [out]];
  }
}

/** Keras's `unit_forget_bias`: the bias initializer's values with ones on the forget gate. */
export class UnitForgetBias extends initializers.Initializer {
  static override readonly className = 'UnitForgetBias';
  constructor(private readonly base: initializers.Initializer, private readonly units: number) {
    super();
  }
  call(_shape: readonly number[], dtype?: DType): Tensor {
    const u = this.units;
    return ops.concatenate([this.base.call([u], dtype), ones([u], dtype), this.base.call([2 * u], dtype)], 0);
  }
}

/**
 * The cell of `LSTM` (Hochreiter & Schmidhuber, 1997), Keras's gate order `i, f, c, o`:
 * `[i, f, c~, o] = x @ kernel + h @ recurrentKernel + bias`, `c' = ra(f) c + ra(i) a(c~)`,
 * `h' = ra(o) a(c')` (a = activation, ra = recurrentActivation). Weights `kernel [inputDim, 4u]`,
 * `recurrent_kernel [u, 4u]`, `bias [4u]`; states `[h, c]`.
 */
export class LSTMCell extends DenseCell {
  static override readonly className: string = 'LSTMCell';
  readonly stateSize: number[];
  readonly recurrentActivation: activations.Activation;
  readonly unitForgetBias: boolean;

  constructor(units: number, args: LSTMCellArgs = {}) {
    super(units, args);
    this.recurrentActivation = activations.get(args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation);
    this.unitForgetBias = args.unitForgetBias ?? true;
    this.stateSize = [this.units, this.units];
    // Keras's implementation 1 (per-gate masks) whenever recurrent dropout is on
    if (this.recurrentDropout !== 0) this.dropoutMaskCount = 4;
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    this.buildKernels(inputDimOf(inputShape, this.name), 4);
    if (this.useBias) {
      this.addBias([4 * this.units], this.unitForgetBias ? new UnitForgetBias(this.w.biasInitializer, this.units) : this.w.biasInitializer);
    }
    this.built = true;
  }

  step(inputs: Tensor, states: Tensor[], training: boolean): [Tensor, Tensor[]] {
    const [h, c] = states as [Tensor, Tensor];
    let z: Tensor;
    if (this.dropoutMaskCount === 4) {
      const dp = training ? this.getDropoutMasks(inputs) : null;
      const rdp = training ? this.getRecurrentDropoutMasks(h) : null;
      const ks = ops.split(this.kernel, 4, 1), rks = ops.split(this.recurrentKernel, 4, 1);
      z = ops.concatenate(
        ks.map((k, g) => ops.add(ops.matmul(mul(inputs, dp?.[g]), k), ops.matmul(mul(h, rdp?.[g]), rks[g]!))),
        1,
      );
    } else {
      const x = training ? mul(inputs, this.getDropoutMasks(inputs)?.[0]) : inputs;
      z = ops.add(ops.matmul(x, this.kernel), ops.matmul(h, this.recurrentKernel));
    }
    if (this.bias) z = ops.add(z, this.bias);
    const [zi, zf, zc, zo] = ops.split(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const ra = this.recurrentActivation;
    const cNew = ops.add(ops.multiply(ra(zf), c), ops.multiply(ra(zi), this.activation(zc)));
    const hNew = ops.multiply(ra(zo), this.activation(cNew));
    return [hNew, [hNew, cNew]];
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), recurrentActivation: activations.serialize(this.recurrentActivation), unitForgetBias: this.unitForgetBias};
  }
}

/**
 * The cell of `GRU` (Cho et al., 2014), Keras's gate order `z, r, h`:
 * `z = ra(x Wz + h Uz + b)`, `r = ra(x Wr + h Ur + b)`, `hh = a(x Wh + r * (h Uh + bh'))` (reset
 * after, the default; else `a(x Wh + (r * h) Uh + b)`), `h' = z h + (1 - z) hh`.
 * Weights `kernel [inputDim, 3u]`, `recurrent_kernel [u, 3u]`, `bias [2, 3u]` (input and
 * recurrent biases) when `resetAfter`, else `[3u]`.
 */
export class GRUCell extends DenseCell {
  static override readonly className: string = 'GRUCell';
  readonly stateSize: number[];
  readonly recurrentActivation: activations.Activation;
  readonly resetAfter: boolean;

  constructor(units: number, args: GRUCellArgs = {}) {
    super(units, args);
    this.recurrentActivation = activations.get(args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation);
    this.resetAfter = args.resetAfter ?? true;
    this.stateSize = [this.units];
    if (this.recurrentDropout !== 0) this.dropoutMaskCount = 3;
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    this.buildKernels(inputDimOf(inputShape, this.name), 3);
    if (this.useBias) this.addBias(this.resetAfter ? [2, 3 * this.units] : [3 * this.units], this.w.biasInitializer);
    this.built = true;
  }

  /** The input and recurrent biases (`[3u]` each; the recurrent one is null unless `resetAfter`). */
  biases(): [Tensor | null, Tensor | null] {
    if (!this.bias) return [null, null];
    if (!this.resetAfter) return [this.bias.read(), null];
    const [bi, br] = ops.split(this.bias, 2, 0);
    return [ops.reshape(bi!, [3 * this.units]), ops.reshape(br!, [3 * this.units])];
  }

  step(inputs: Tensor, states: Tensor[], training: boolean): [Tensor, Tensor[]] {
    const h = states[0]!;
    const [inputBias, recurrentBias] = this.biases();
    const dp = training ? this.getDropoutMasks(inputs) : null;
    const rdp = training ? this.getRecurrentDropoutMasks(h) : null;
    const [kz, kr, kh] = ops.split(this.kernel, 3, 1) as [Tensor, Tensor, Tensor];
    const [uz, ur, uh] = ops.split(this.recurrentKernel, 3, 1) as [Tensor, Tensor, Tensor];
    // one mask for every gate, or one per gate (Keras's implementation 1, with recurrent dropout)
    const pick = (ms: Tensor[] | null, g: number) => (ms ? ms[this.dropoutMaskCount === 3 ? g : 0] : undefined);
    let xz = ops.matmul(mul(inputs, pick(dp, 0)), kz);
    let xr = ops.matmul(mul(inputs, pick(dp, 1)), kr);
    let xh = ops.matmul(mul(inputs, pick(dp, 2)), kh);
    if (inputBias) {
      const [bz, br, bh] = ops.split(inputBias, 3, 0) as [Tensor, Tensor, Tensor];
      xz = ops.add(xz, bz);
      xr = ops.add(xr, br);
      xh = ops.add(xh, bh);
    }
    const hz = mul(h, pick(rdp, 0)), hr = mul(h, pick(rdp, 1)), hhIn = mul(h, pick(rdp, 2));
    let rz = ops.matmul(hz, uz);
    let rr = ops.matmul(hr, ur);
    let rbh: Tensor | null = null;
    if (recurrentBias) {
      const [bz, br, bh] = ops.split(recurrentBias, 3, 0) as [Tensor, Tensor, Tensor];
      rz = ops.add(rz, bz);
      rr = ops.add(rr, br);
      rbh = bh;
    }
    const ra = this.recurrentActivation;
    const z = ra(ops.add(xz, rz));
    const r = ra(ops.add(xr, rr));
    let recurrentH: Tensor;
    if (this.resetAfter) {
      recurrentH = ops.matmul(hhIn, uh);
      if (rbh) recurrentH = ops.add(recurrentH, rbh);
      recurrentH = ops.multiply(r, recurrentH);
    } else {
      recurrentH = ops.matmul(ops.multiply(r, hhIn), uh);
    }
    const hh = this.activation(ops.add(xh, recurrentH));
    const hNew = ops.add(ops.multiply(z, h), ops.multiply(ops.subtract(1, z), hh));
    return [hNew, [hNew]];
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), recurrentActivation: activations.serialize(this.recurrentActivation), resetAfter: this.resetAfter};
  }
}

for (const cls of [SimpleRNNCell, LSTMCell, GRUCell]) registerKerasSerializable(cls, {pkg: 'keras'});
