import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {zeros, type Tensor} from '../../tensor/tensor.js';
import type {Layer} from '../layer.js';
import {GRUCell, LSTMCell, SimpleRNNCell, type GRUCellArgs, type LSTMCellArgs, type SimpleRNNCellArgs} from './cells.js';
import {RNN, type RNNArgs} from './rnn.js';
import {isActivation, mapLegacyDropout, type RNNCellArgs} from './rnn_cell.js';

/** The cell's share of a layer's options (the rest are the layer's own; `dtype` and `trainable` are both's). */
export function cellArgs<A extends RNNCellArgs>(args: A, name: string): A {
  const {
    name: _n, inputShape: _i, batchInputShape: _b, batchSize: _s, inputDim: _d, activityRegularizer: _a,
    returnSequences: _1, returnState: _2, goBackwards: _3, stateful: _4, unroll: _5, zeroOutputForMask: _6, useCudnn: _7,
    ...rest
  } = args as A & RNNArgs & {useCudnn?: unknown};
  return {...rest, name} as A;
}

export function layerArgs(args: RNNArgs & RNNCellArgs & {useCudnn?: unknown}): RNNArgs {
  const {name, inputShape, batchInputShape, batchSize, inputDim, activityRegularizer, trainable, dtype} = args;
  const {returnSequences, returnState, goBackwards, stateful, unroll, zeroOutputForMask} = args;
  const out: RNNArgs = {name, inputShape, batchInputShape, batchSize, inputDim, activityRegularizer, trainable, dtype};
  Object.assign(out, {returnSequences, returnState, goBackwards, stateful, unroll, zeroOutputForMask});
  for (const k of Object.keys(out) as (keyof RNNArgs)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** `'auto'` uses the sequence kernel (`LSTMSequence`, `GRUSequence`) when the configuration allows it; `false` never; `true` insists. */
export type UseFused = 'auto' | boolean;

function checkUseCudnn(v: unknown, who: string): UseFused {
  if (v === undefined) return 'auto';
  if (v !== 'auto' && v !== true && v !== false) {
    throw new ValueError(`${who}: invalid value for argument \`useCudnn\`. Expected one of {'auto', true, false}. Received: useCudnn=${String(v)}`);
  }
  return v;
}

/** The layer's config with its cell's flattened in (Keras's form), without the keys both repeat. */
function flatConfig(layer: RNN): Record<string, unknown> {
  const {name: _n, trainable: _t, dtype: _d, ...cell} = layer.cell.getConfig();
  const base = RNN.prototype.getConfig.call(layer);
  delete base['cell'];
  return {...base, ...cell};
}

/**
 * Whether an LSTM or GRU call can run its sequence kernel (the whole time loop in one kernel): the
 * default activations, a float dtype, no recurrent dropout while training unless `recurrentDropoutOk`
 * (the LSTM kernel takes the masks), and `extra` (GRU: `resetAfter`, named in `needs`). With
 * `useCudnn: true`, a configuration that cannot is an error.
 */
function canFuseGated(layer: LSTM | GRU, training: boolean, extra: boolean, needs: string, recurrentDropoutOk = false): boolean {
  const c = layer.cell;
  const ok =
    extra &&
    isActivation(c.activation, 'tanh') &&
    isActivation(c.recurrentActivation, 'sigmoid') &&
    (recurrentDropoutOk || !(training && c.recurrentDropout > 0)) &&
    (layer.dtype === 'float32' || layer.dtype === 'float64');
  if (layer.useCudnn === true && !ok) {
    const dropout = recurrentDropoutOk ? '' : ' and no recurrent dropout while training';
    throw new ValueError(
      `Layer "${layer.name}": useCudnn=true was specified, but the sequence kernel needs ${needs}activation='tanh', recurrentActivation='sigmoid'${dropout}. Pass useCudnn='auto' to fall back to the generic loop.`,
    );
  }
  return ok && layer.useCudnn !== false;
}

export interface SimpleRNNArgs extends SimpleRNNCellArgs, RNNArgs {}

/**
 * Fully-connected RNN whose output is fed back: `h' = activation(x W + h U + b)`.
 * Input `[batch, timesteps, features]`; output `[batch, units]` or `[batch, timesteps, units]`.
 *
 * ```ts
 * const y = new SimpleRNN(4).apply(x);   // x: [32, 10, 8] -> [32, 4]
 * ```
 */
export class SimpleRNN extends RNN {
  static override readonly className: string = 'SimpleRNN';
  declare readonly cell: SimpleRNNCell;

  constructor(units: number, args: SimpleRNNArgs = {}) {
    const a = mapLegacyDropout(args, 'SimpleRNN');
    super(new SimpleRNNCell(units, cellArgs(a, 'simple_rnn_cell')), layerArgs(a));
  }

  get units(): number {
    return this.cell.units;
  }

  override getConfig(): Record<string, unknown> {
    return flatConfig(this);
  }

  static override fromConfig(config: Record<string, unknown>): Layer {
    return new SimpleRNN(config['units'] as number, config as SimpleRNNArgs);
  }
}

export interface LSTMArgs extends LSTMCellArgs, RNNArgs {
  /** Keras's `use_cudnn`: here, whether to use the `LSTMSequence` kernel (`'auto'` by default). */
  useCudnn?: UseFused;
}

/**
 * Long Short-Term Memory layer (Hochreiter & Schmidhuber, 1997), Keras 3's defaults: `tanh`,
 * `sigmoid`, `unitForgetBias`, `glorot_uniform` kernel, `orthogonal` recurrent kernel. Weights
 * `kernel [features, 4u]`, `recurrent_kernel [u, 4u]`, `bias [4u]`, gates `i, f, c, o`, so weights
 * saved by Python Keras load unchanged.
 *
 * With the default activations one matmul computes the input projection of all steps and the fused
 * `LSTMSequence` kernel runs the whole time loop (and, for the gradient, the whole backward pass
 * through time), recurrent dropout included (the kernel takes the cell's per-gate masks); otherwise
 * the generic cell loop (`LSTMCell.step`) runs. Both compute the same thing.
 *
 * ```ts
 * const model = new Sequential([new Embedding(20000, 128), new LSTM(128, {dropout: 0.2}), new Dense(1)]);
 * ```
 */
export class LSTM extends RNN {
  static override readonly className: string = 'LSTM';
  declare readonly cell: LSTMCell;
  useCudnn: UseFused;

  constructor(units: number, args: LSTMArgs = {}) {
    const a = mapLegacyDropout(args, 'LSTM');
    super(new LSTMCell(units, cellArgs(a, 'lstm_cell')), layerArgs(a));
    this.useCudnn = checkUseCudnn(a.useCudnn, this.name);
  }

  get units(): number {
    return this.cell.units;
  }

  /** Whether this call can run the fused sequence kernel. */
  canFuse(training: boolean): boolean {
    return canFuseGated(this, training, true, '', true);
  }

  protected override innerLoop(seq: Tensor, initial: Tensor[], mask: Tensor | null, training: boolean): ops.RnnResult {
    if (!this.canFuse(training)) return super.innerLoop(seq, initial, mask, training);
    const c = this.cell;
    const z = inputProjection(seq, c, c.bias?.read() ?? null, training);
    const [b, t] = z.shape as [number, number];
    // the recurrent dropout masks of the four gates (drawn after the input ones, as LSTMCell.step),
    // side by side: gate g's recurrent matmul sees h * m_g
    const recurrentMasks = training ? c.getRecurrentDropoutMasks({shape: [b, c.units], dtype: z.dtype}) : null;
    const recurrentMask = recurrentMasks ? ops.concatenate(recurrentMasks, 1) : null;
    const {outputs, h, c: cs} = ops.lstmSequence(z, initial[0]!, initial[1]!, c.recurrentKernel.read(), {
      mask,
      goBackwards: this.goBackwards,
      zeroOutputForMask: this.zeroOutputForMask,
      recurrentMask,
      returnSequences: this.returnSequences || mask !== null,
    });
    // the last output is the last h, except where a mask makes the last step repeat or zero it
    const lastOutput = mask ? ops.reshape(ops.slice(outputs, [0, t - 1, 0], [b, 1, c.units]), [b, c.units]) : h;
    return {lastOutput, outputs, states: [h, cs]};
  }

  override getConfig(): Record<string, unknown> {
    return flatConfig(this);
  }

  static override fromConfig(config: Record<string, unknown>): Layer {
    return new LSTM(config['units'] as number, config as LSTMArgs);
  }
}

/**
 * `x @ kernel + bias` for every step at once: `[batch, T, features]` -> `[batch, T, gates]`, with
 * the input dropout mask (one per sequence, as Keras) applied first when training. With one mask
 * per gate (the cell's form when recurrent dropout is on), gate g's columns see `x * m_g`.
 */
function inputProjection(seq: Tensor, cell: LSTMCell | GRUCell, bias: Tensor | null, training: boolean): Tensor {
  const [b, t, f] = seq.shape as [number, number, number];
  const kernel = cell.kernel.read();
  const dropoutMasks = training ? cell.getDropoutMasks({shape: [b, f], dtype: seq.dtype}) : null;
  if (dropoutMasks && dropoutMasks.length > 1) {
    const ks = ops.split(kernel, dropoutMasks.length, 1);
    const flat = (m: Tensor) => ops.reshape(ops.multiply(seq, ops.expandDims(m, 1)), [b * t, f]);
    let z = ops.concatenate(dropoutMasks.map((m, g) => ops.matmul(flat(m), ks[g]!)), 1);
    if (bias) z = ops.add(z, bias);
    return ops.reshape(z, [b, t, kernel.shape[1]!]);
  }
  const x = dropoutMasks ? ops.multiply(seq, ops.expandDims(dropoutMasks[0]!, 1)) : seq;
  // one GEMM over all b * t steps with the bias added to each tile as it is finished (FusedDense)
  const z = ops.dense(ops.reshape(x, [b * t, f]), kernel, bias);
  return ops.reshape(z, [b, t, kernel.shape[1]!]);
}

export interface GRUArgs extends GRUCellArgs, RNNArgs {
  /** Keras's `use_cudnn`: here, whether to use the `GRUSequence` kernel (`'auto'` by default). */
  useCudnn?: UseFused;
}

/**
 * Gated Recurrent Unit (Cho et al., 2014), Keras 3's defaults (`resetAfter: true`, the cuDNN and
 * PyTorch form). Weights `kernel [features, 3u]`, `recurrent_kernel [u, 3u]`, `bias [2, 3u]`
 * (input bias, recurrent bias), gates `z, r, h`.
 *
 * With `resetAfter` and the default activations one matmul computes the input projection of all
 * steps and the fused `GRUSequence` kernel runs the whole time loop (and its backward pass).
 */
export class GRU extends RNN {
  static override readonly className: string = 'GRU';
  declare readonly cell: GRUCell;
  useCudnn: UseFused;

  constructor(units: number, args: GRUArgs = {}) {
    const a = mapLegacyDropout(args, 'GRU');
    super(new GRUCell(units, cellArgs(a, 'gru_cell')), layerArgs(a));
    this.useCudnn = checkUseCudnn(a.useCudnn, this.name);
  }

  get units(): number {
    return this.cell.units;
  }

  /** Whether this call can run the fused sequence kernel. */
  canFuse(training: boolean): boolean {
    return canFuseGated(this, training, this.cell.resetAfter, 'resetAfter=true, ');
  }

  protected override innerLoop(seq: Tensor, initial: Tensor[], mask: Tensor | null, training: boolean): ops.RnnResult {
    if (!this.canFuse(training)) return super.innerLoop(seq, initial, mask, training);
    const c = this.cell;
    const [inputBias, recurrentBias] = c.biases();
    const z = inputProjection(seq, c, inputBias, training);
    const rk = c.recurrentKernel.read();
    const rb = recurrentBias ?? zeros([3 * c.units], seq.dtype);
    const [b, t] = z.shape as [number, number];
    const {outputs, h} = ops.gruSequence(z, initial[0]!, rk, rb, {
      mask, goBackwards: this.goBackwards, zeroOutputForMask: this.zeroOutputForMask, returnSequences: this.returnSequences || mask !== null,
    });
    // the last output is the last h, except where a mask makes the last step repeat or zero it
    const lastOutput = mask ? ops.reshape(ops.slice(outputs, [0, t - 1, 0], [b, 1, c.units]), [b, c.units]) : h;
    return {lastOutput, outputs, states: [h]};
  }

  override getConfig(): Record<string, unknown> {
    return flatConfig(this);
  }

  static override fromConfig(config: Record<string, unknown>): Layer {
    return new GRU(config['units'] as number, config as GRUArgs);
  }
}

for (const cls of [SimpleRNN, LSTM, GRU]) registerKerasSerializable(cls, {pkg: 'keras'});
