import * as activations from '../../activations/index.js';
import type {Variable} from '../../autodiff/variable.js';
import type {ImageDataFormat} from '../../config.js';
import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type Layer, type ShapeLike} from '../layer.js';
import {convOutputLength, standardizeDataFormat, standardizePadding, standardizeTuple} from '../layer_utils.js';
import {UnitForgetBias} from './cells.js';
import {cellArgs, layerArgs} from './layers.js';
import {RNN, type RNNArgs} from './rnn.js';
import {CellWeights, mapLegacyDropout, RNNCell, type RNNCellArgs} from './rnn_cell.js';

interface ConvLSTMCellArgs extends RNNCellArgs {
  strides?: number | readonly number[];
  padding?: 'valid' | 'same';
  dataFormat?: ImageDataFormat | null;
  dilationRate?: number | readonly number[];
  recurrentActivation?: activations.ActivationIdentifier;
  /** Add 1 to the forget gate's bias at initialization. Default true. */
  unitForgetBias?: boolean;
}

const mul = (a: Tensor, m: Tensor | undefined) => (m ? ops.multiply(a, m) : a);

/**
 * The cell of the ConvLSTM layers (Shi et al., 2015): an LSTM cell whose matmuls are convolutions,
 * Keras's gate order `i, f, c, o`:
 * `[i, f, c~, o] = conv(x, kernel) + bias + conv_same(h, recurrentKernel)`, `c' = ra(f) c + ra(i) a(c~)`,
 * `h' = ra(o) a(c')`. Weights `kernel [...k, inChannels, 4 filters]`, `recurrent_kernel
 * [...k, filters, 4 filters]`, `bias [4 filters]`; states `[h, c]`, each an image of `filters`
 * channels. The input convolution takes `strides`, `padding` and `dilationRate`; the recurrent one is
 * always stride 1, `same`. With dropout, each gate has its own input and recurrent mask (one per
 * sequence), as Keras's LSTMCell.
 */
class ConvLSTMCell extends RNNCell {
  static override readonly className: string = 'ConvLSTMCell';
  readonly rank: number;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dataFormat: ImageDataFormat;
  readonly dilationRate: number[];
  readonly activation: activations.Activation;
  readonly recurrentActivation: activations.Activation;
  readonly useBias: boolean;
  readonly unitForgetBias: boolean;
  readonly stateSize: number[];
  readonly outputSize: number;
  protected readonly w: CellWeights;
  kernel!: Variable;
  recurrentKernel!: Variable;
  bias: Variable | null = null;
  /** The spatial size of the inputs, known once built (ConvLSTM needs it static, as Keras). */
  private spatialDims: number[] | null = null;
  private inputDim = 0;

  constructor(rank: number, filters: number, kernelSize: number | readonly number[], args: ConvLSTMCellArgs = {}) {
    const a = mapLegacyDropout(args, args.name ?? 'conv_lstm_cell');
    super(a);
    if (!Number.isInteger(rank) || rank < 1 || rank > 3) throw new ValueError(`Rank ${rank} convolutions are not currently implemented. Received: rank=${rank}`);
    if (!Number.isInteger(filters) || filters <= 0) {
      throw new ValueError(`Invalid value for argument \`filters\`. Expected a strictly positive value. Received filters=${filters}.`);
    }
    this.rank = rank;
    this.filters = filters;
    this.kernelSize = standardizeTuple(kernelSize, rank, 'kernel_size');
    this.strides = standardizeTuple(a.strides ?? 1, rank, 'strides');
    this.dilationRate = standardizeTuple(a.dilationRate ?? 1, rank, 'dilation_rate');
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1) {
      throw new ValueError(
        `Specifying \`strides > 1\` is not compatible with \`dilation_rate > 1\`. Please provide \`strides=1\` or \`dilation_rate=1\`. Received: strides=${JSON.stringify(this.strides)} and dilation_rate=${JSON.stringify(this.dilationRate)}`,
      );
    }
    this.padding = standardizePadding(a.padding ?? 'valid') as 'valid' | 'same';
    this.dataFormat = standardizeDataFormat(a.dataFormat);
    this.activation = activations.get(a.activation === undefined ? 'tanh' : a.activation);
    this.recurrentActivation = activations.get(a.recurrentActivation === undefined ? 'sigmoid' : a.recurrentActivation);
    this.useBias = a.useBias ?? true;
    this.unitForgetBias = a.unitForgetBias ?? true;
    this.w = new CellWeights(a);
    this.stateSize = [filters, filters];
    this.outputSize = filters;
    this.initDropout(a.dropout ?? 0, a.recurrentDropout ?? 0, a.seed ?? null);
    this.dropoutMaskCount = 4;
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as ShapeLike;
    const cl = this.dataFormat === 'channels_last';
    const spatial = cl ? s.slice(1, -1) : s.slice(2);
    const channels = cl ? s.at(-1) : s[1];
    if (s.length !== this.rank + 2) {
      throw new ValueError(`${this.name}: expected step inputs of rank ${this.rank + 2}. Received input_shape=${fmtShape(s)}`);
    }
    if (spatial.some((d) => d === null || d === undefined)) {
      throw new ValueError(`ConvLSTM layers only support static input shapes for the spatial dimension. Received invalid input shape: input_shape=${fmtShape(s)}`);
    }
    if (channels === null || channels === undefined) {
      throw new ValueError(`The channel dimension of the inputs (last axis) should be defined. Found None. Full input shape received: input_shape=${fmtShape(s)}`);
    }
    this.spatialDims = spatial as number[];
    this.inputDim = channels;
    const out = this.outputSpatial();
    if (out.some((d) => d <= 0)) {
      throw new ValueError(`Computed output size would be zero or negative. Received \`inputs shape=${fmtShape(s)}\`, \`kernel shape=${fmtShape(this.kernelSize)}\`.`);
    }
    const f4 = 4 * this.filters;
    this.kernel = this.addWeight({
      name: 'kernel', shape: [...this.kernelSize, channels, f4], initializer: this.w.kernelInitializer,
      regularizer: this.w.kernelRegularizer, constraint: this.w.kernelConstraint,
    });
    this.recurrentKernel = this.addWeight({
      name: 'recurrent_kernel', shape: [...this.kernelSize, this.filters, f4], initializer: this.w.recurrentInitializer,
      regularizer: this.w.recurrentRegularizer, constraint: this.w.recurrentConstraint,
    });
    if (this.useBias) {
      this.bias = this.addWeight({
        name: 'bias', shape: [f4], initializer: this.unitForgetBias ? new UnitForgetBias(this.w.biasInitializer, this.filters) : this.w.biasInitializer,
        regularizer: this.w.biasRegularizer, constraint: this.w.biasConstraint,
      });
    }
    this.built = true;
  }

  /** The spatial size of the outputs (and states) of the input convolution. */
  private outputSpatial(): number[] {
    return this.spatialDims!.map((d, i) => convOutputLength(d, this.kernelSize[i]!, this.padding, this.strides[i]!, this.dilationRate[i]!)!);
  }

  override stateShapes(batchSize: number): number[][] {
    if (!this.spatialDims) throw new ValueError(`${this.name}: the cell must be built (its input's spatial size known) before its states have a shape`);
    const out = this.outputSpatial();
    const s = this.dataFormat === 'channels_last' ? [batchSize, ...out, this.filters] : [batchSize, this.filters, ...out];
    return [s, s];
  }

  private get channelAxis(): number {
    return this.dataFormat === 'channels_last' ? this.rank + 1 : 1;
  }

  step(inputs: Tensor, states: Tensor[], training: boolean): [Tensor, Tensor[]] {
    const [h, c] = states as [Tensor, Tensor];
    const dp = training ? this.getDropoutMasks(inputs) : null;
    const rdp = training ? this.getRecurrentDropoutMasks(h) : null;
    const inputConv = (x: Tensor, k: Tensor) =>
      ops.conv(x, k, {strides: this.strides, padding: this.padding, dataFormat: this.dataFormat, dilationRate: this.dilationRate});
    const recurrentConv = (x: Tensor, k: Tensor) => ops.conv(x, k, {strides: 1, padding: 'same', dataFormat: this.dataFormat});
    const kAxis = this.rank + 1;
    let z: Tensor;
    if (dp || rdp) {
      // a mask per gate: four convolutions of each kind, one per gate's quarter of the kernels
      const ks = ops.split(this.kernel.read(), 4, kAxis), rks = ops.split(this.recurrentKernel.read(), 4, kAxis);
      z = ops.concatenate(ks.map((k, g) => ops.add(inputConv(mul(inputs, dp?.[g]), k), recurrentConv(mul(h, rdp?.[g]), rks[g]!))), this.channelAxis);
    } else {
      // one convolution of each kind computes the four gates (the same sums, gate by gate)
      z = ops.add(inputConv(inputs, this.kernel.read()), recurrentConv(h, this.recurrentKernel.read()));
    }
    if (this.bias) {
      const b = this.bias.read();
      z = ops.add(z, this.dataFormat === 'channels_last' ? b : ops.reshape(b, [1, b.shape[0]!, ...new Array<number>(this.rank).fill(1)]));
    }
    const [zi, zf, zc, zo] = ops.split(z, 4, this.channelAxis) as [Tensor, Tensor, Tensor, Tensor];
    const ra = this.recurrentActivation;
    const cNew = ops.add(ops.multiply(ra(zf), c), ops.multiply(ra(zi), this.activation(zc)));
    const hNew = ops.multiply(ra(zo), this.activation(cNew));
    return [hNew, [hNew, cNew]];
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): (number | null)[] {
    const cl = this.dataFormat === 'channels_last';
    const spatial = (cl ? inputShape.slice(1, -1) : inputShape.slice(2)).map((d, i) =>
      convOutputLength(d ?? null, this.kernelSize[i]!, this.padding, this.strides[i]!, this.dilationRate[i]!));
    return cl ? [inputShape[0] ?? null, ...spatial, this.filters] : [inputShape[0] ?? null, this.filters, ...spatial];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: [...this.dilationRate],
      activation: activations.serialize(this.activation),
      recurrentActivation: activations.serialize(this.recurrentActivation),
      useBias: this.useBias,
      kernelInitializer: this.w.config()['kernelInitializer'],
      recurrentInitializer: this.w.config()['recurrentInitializer'],
      biasInitializer: this.w.config()['biasInitializer'],
      unitForgetBias: this.unitForgetBias,
      kernelRegularizer: this.w.config()['kernelRegularizer'],
      recurrentRegularizer: this.w.config()['recurrentRegularizer'],
      biasRegularizer: this.w.config()['biasRegularizer'],
      kernelConstraint: this.w.config()['kernelConstraint'],
      recurrentConstraint: this.w.config()['recurrentConstraint'],
      biasConstraint: this.w.config()['biasConstraint'],
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      seed: this.seed,
    };
  }
}

export interface ConvLSTMArgs extends ConvLSTMCellArgs, RNNArgs {}

/**
 * The N-D convolutional LSTM layers: a `ConvLSTMCell` run over the time axis of
 * `[batch, time, ...spatial, channels]` (or `[batch, time, channels, ...spatial]`). Output: the last
 * `h`, `[batch, ...outSpatial, filters]`, or every step's with `returnSequences`.
 */
abstract class ConvLSTM extends RNN {
  declare readonly cell: ConvLSTMCell;

  constructor(rank: number, filters: number, kernelSize: number | readonly number[], args: ConvLSTMArgs = {}) {
    const a = mapLegacyDropout(args, new.target.className);
    super(new ConvLSTMCell(rank, filters, kernelSize, cellArgs(a, 'conv_lstm_cell')), layerArgs(a));
    this.inputSpec = new InputSpec({ndim: rank + 3});
  }

  get filters(): number {
    return this.cell.filters;
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike | ShapeLike[] {
    const seq = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as ShapeLike;
    const [b, t] = [seq[0] ?? null, seq[1] ?? null];
    const state = this.cell.computeOutputShape([b, ...seq.slice(2)]).slice(1);
    const out = this.returnSequences ? [b, t, ...state] : [b, ...state];
    return this.returnState ? [out, [b, ...state], [b, ...state]] : out;
  }

  override getConfig(): Record<string, unknown> {
    const {name: _n, trainable: _t, dtype: _d, ...cell} = this.cell.getConfig();
    const base = RNN.prototype.getConfig.call(this);
    delete base['cell'];
    return {...base, ...cell};
  }

  /** `new Cls(filters, kernelSize, rest)`, as the concrete layers take them. */
  static override fromConfig<T extends Layer>(
    this: new (filters: unknown, kernelSize: unknown, args: Record<string, unknown>) => T,
    config: Record<string, unknown>,
  ): T {
    const {filters, kernelSize, ...rest} = config;
    return new this(filters, kernelSize, rest);
  }
}

/**
 * 1-D convolutional LSTM over `[batch, time, steps, channels]`: `kernel [k, channels, 4 filters]`.
 *
 * ```ts
 * new ConvLSTM1D(8, 3, {padding: 'same', returnSequences: true}); // [n, T, 20, c] -> [n, T, 20, 8]
 * ```
 */
export class ConvLSTM1D extends ConvLSTM {
  static override readonly className: string = 'ConvLSTM1D';
  constructor(filters: number, kernelSize: number | readonly number[], args: ConvLSTMArgs = {}) {
    super(1, filters, kernelSize, args);
  }
}
registerKerasSerializable(ConvLSTM1D, {pkg: 'keras'});

/**
 * 2-D convolutional LSTM over videos `[batch, time, rows, cols, channels]`:
 * `kernel [kh, kw, channels, 4 filters]`, `recurrent_kernel [kh, kw, filters, 4 filters]`, `bias [4 filters]`.
 *
 * ```ts
 * new ConvLSTM2D(16, 3, {padding: 'same'}); // [n, T, 32, 32, 1] -> [n, 32, 32, 16]
 * ```
 */
export class ConvLSTM2D extends ConvLSTM {
  static override readonly className: string = 'ConvLSTM2D';
  constructor(filters: number, kernelSize: number | readonly number[], args: ConvLSTMArgs = {}) {
    super(2, filters, kernelSize, args);
  }
}
registerKerasSerializable(ConvLSTM2D, {pkg: 'keras'});

/**
 * 3-D convolutional LSTM over `[batch, time, depth, rows, cols, channels]`: `kernel [kd, kh, kw, channels, 4 filters]`.
 *
 * ```ts
 * new ConvLSTM3D(4, 3, {padding: 'same'}); // [n, T, 8, 8, 8, 1] -> [n, 8, 8, 8, 4]
 * ```
 */
export class ConvLSTM3D extends ConvLSTM {
  static override readonly className: string = 'ConvLSTM3D';
  constructor(filters: number, kernelSize: number | readonly number[], args: ConvLSTMArgs = {}) {
    super(3, filters, kernelSize, args);
  }
}
registerKerasSerializable(ConvLSTM3D, {pkg: 'keras'});
