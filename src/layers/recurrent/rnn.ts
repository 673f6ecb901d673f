import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {toTensor} from '../../ops/core.js';
import {registerKerasSerializable} from '../../serialization.js';
import {fmtShape} from '../../tensor/shape.js';
import {Tensor} from '../../tensor/tensor.js';
import {assertInputCompatibility, InputSpec, Layer, type CallArgs, type LayerArgs, type LayerInput, type LayerOutput, type Mask, type ShapeLike} from '../layer.js';
import {RNNCell} from './rnn_cell.js';
import {deserializeCell, StackedRNNCells} from './stacked_rnn_cells.js';

export interface RNNArgs extends LayerArgs {
  /** Return the output of every step `[batch, timesteps, units]`, not only the last `[batch, units]`. */
  returnSequences?: boolean;
  /** Also return the final states: `[output, ...states]`. */
  returnState?: boolean;
  /** Process the sequence from its end; with `returnSequences` the outputs come back reversed. */
  goBackwards?: boolean;
  /** Keep the final states of a batch as the initial states of the next (same batch size). */
  stateful?: boolean;
  /** Accepted for Keras compatibility: the time loop here is always a plain unrolled loop. */
  unroll?: boolean;
  /** Masked steps output zeros rather than repeating the previous output (with `returnSequences`). */
  zeroOutputForMask?: boolean;
}

/** Call options of a recurrent layer: Keras's `initial_state`, plus `mask` and `training`. */
export interface RNNCallArgs extends CallArgs {
  initialState?: Tensor | Tensor[] | null;
}

/**
 * The base of recurrent layers: runs a cell over the time axis of `[batch, timesteps, features]`.
 * A mask `[batch, timesteps]` (from `Embedding({maskZero: true})` or `Masking`) makes masked steps
 * carry the states through unchanged, so the output is that of the last valid step.
 *
 * ```ts
 * const layer = new RNN(new LSTMCell(8), {returnSequences: true});
 * const y = layer.apply(x);                       // [batch, timesteps, 8]
 * const [out, h, c] = new LSTM(8, {returnState: true}).apply(x, {initialState: [h0, c0]});
 * ```
 */
export class RNN extends Layer {
  static override readonly className: string = 'RNN';
  readonly cell: RNNCell;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  readonly unroll: boolean;
  zeroOutputForMask: boolean;
  /** The carried states of a stateful layer (null until its first call or after `resetStates()`... zeros). */
  states: Tensor[] | null = null;

  constructor(cell: RNNCell | RNNCell[], args: RNNArgs = {}) {
    super(args);
    const c = Array.isArray(cell) ? new StackedRNNCells(cell) : cell;
    if (!(c instanceof RNNCell)) {
      throw new ValueError(`${this.name}: argument \`cell\` must be an RNN cell (an RNNCell with \`stateSize\` and \`step\`). Received: cell=${String(cell)}`);
    }
    this.cell = c;
    this.returnSequences = args.returnSequences ?? false;
    this.returnState = args.returnState ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.stateful = args.stateful ?? false;
    this.unroll = args.unroll ?? false;
    this.zeroOutputForMask = args.zeroOutputForMask ?? false;
    this.supportsMasking = true;
    this.inputSpec = new InputSpec({ndim: 3});
  }

  get stateSize(): number[] {
    return this.cell.stateSize;
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    const seq = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as ShapeLike;
    // checked here too: the base class builds before it checks the input spec
    assertInputCompatibility(this.inputSpec as InputSpec, seq, this.name);
    this.cell.maybeBuild([seq[0] ?? null, ...seq.slice(2)]);
    // weights read `lstm/lstm_cell/kernel`, as in Keras
    for (const w of this.cell.weights) if (!w.path.startsWith(`${this.name}/`)) w.path = `${this.name}/${w.path}`;
    this.built = true;
  }

  /** Splits `apply`'s inputs into the sequences and the initial states (`[x, h0, c0]` or `initialState`). */
  private parseInputs(inputs: LayerInput, kwargs: RNNCallArgs): [Tensor, Tensor[] | null] {
    const [seq, ...rest] = Array.isArray(inputs) ? inputs : [inputs];
    let init: Tensor[] | null = rest.length ? rest : null;
    if (kwargs.initialState) {
      if (init) throw new ValueError(`Layer "${this.name}": initial states were passed both in the inputs and as \`initialState\``);
      init = Array.isArray(kwargs.initialState) ? kwargs.initialState : [kwargs.initialState];
    }
    return [seq!, init];
  }

  private checkMask(mask: Tensor | Tensor[] | null | undefined, seq: Tensor): Tensor | null {
    const m = Array.isArray(mask) ? (mask[0] ?? null) : (mask ?? null);
    if (!m) return null;
    const [b, t] = seq.shape;
    if (m.rank !== 2 || m.shape[0] !== b || m.shape[1] !== t) {
      throw new ValueError(
        `Layer "${this.name}" received a mask of the wrong shape: expected [batch, timesteps] = ${fmtShape([b!, t!])} for inputs of shape ${fmtShape(seq.shape)}. Received: mask.shape=${fmtShape(m.shape)}`,
      );
    }
    return m;
  }

  private checkStates(states: Tensor[], batch: number, what: string): Tensor[] {
    const sizes = this.stateSize;
    if (states.length !== sizes.length) {
      throw new ValueError(`Layer "${this.name}" expects ${sizes.length} ${what} (state sizes ${JSON.stringify(sizes)}). Received: ${states.length}`);
    }
    const shapes = this.cell.stateShapes(batch);
    return states.map((s, i) => {
      const t = toTensor(s, `initialState[${i}]`, this.name);
      const want = shapes[i]!;
      if (t.rank !== want.length || want.some((d, k) => t.shape[k] !== d)) {
        throw new ValueError(`Layer "${this.name}": ${what} ${i} must have shape ${fmtShape(want)}. Received: shape=${fmtShape(t.shape)}`);
      }
      return t.dtype === this.dtype ? t : ops.cast(t, this.dtype);
    });
  }

  override call(inputs: LayerInput, kwargs: RNNCallArgs = {}): LayerOutput {
    const [seq, given] = this.parseInputs(inputs, kwargs);
    assertInputCompatibility(this.inputSpec as InputSpec, seq.shape, this.name);
    const batch = seq.shape[0]!;
    const mask = this.checkMask(kwargs.mask, seq);
    const training = kwargs.training ?? false;
    let initial: Tensor[];
    if (given) initial = this.checkStates(given, batch, 'initial states');
    else if (this.stateful) {
      if (this.states && this.states[0]!.shape[0] !== batch) {
        throw new ValueError(
          `Layer "${this.name}" is stateful: the batch size of the input sequences must be the batch size of its states.\n- Expected batch size: ${this.states[0]!.shape[0]}\n- Received batch size: ${batch}`,
        );
      }
      this.states ??= this.cell.getInitialState(batch, this.dtype);
      initial = this.states;
    } else initial = this.cell.getInitialState(batch, this.dtype);

    let result: ops.RnnResult;
    try {
      result = this.innerLoop(seq, initial, mask, training);
    } finally {
      this.cell.resetDropoutMasks();
    }
    if (this.stateful) {
      // a copy the tape never saw: batches do not backpropagate into each other
      this.states = result.states.map((s) => new Tensor(s.shape, s.dtype, s.values.slice()));
    }
    const output = this.returnSequences ? result.outputs : result.lastOutput;
    return this.returnState ? [output, ...result.states] : output;
  }

  /** The time loop over the cell; LSTM and GRU override it with their sequence kernels (`LSTMSequence`, `GRUSequence`). */
  protected innerLoop(seq: Tensor, initial: Tensor[], mask: Tensor | null, training: boolean): ops.RnnResult {
    return this.runLoop((x, s) => this.cell.step(x, s, training), seq, initial, mask);
  }

  /** `ops.rnn` over `inputs` with this layer's direction, mask and output options. */
  protected runLoop(step: ops.StepFunction, inputs: Tensor, initial: Tensor[], mask: Tensor | null): ops.RnnResult {
    return ops.rnn(step, inputs, initial, {
      goBackwards: this.goBackwards,
      mask,
      zeroOutputForMask: this.zeroOutputForMask,
      returnAllOutputs: this.returnSequences,
    });
  }

  /**
   * Sets the carried states of a stateful layer to zeros, or to `states` (Keras's `reset_state`).
   */
  resetStates(states?: Tensor | Tensor[]): void {
    if (!this.stateful) throw new ValueError(`Layer "${this.name}" is not stateful: pass {stateful: true} to carry states across batches`);
    if (states !== undefined) {
      const list = Array.isArray(states) ? states : [states];
      this.states = this.checkStates(list, list[0]?.shape[0] ?? 0, 'states');
      return;
    }
    if (this.states) this.states = this.states.map((s) => ops.zerosLike(s));
  }

  /** Keras 3's name for `resetStates`. */
  resetState(states?: Tensor | Tensor[]): void {
    this.resetStates(states);
  }

  override computeMask(inputs: LayerInput, mask: Mask): Mask {
    void inputs;
    const m = Array.isArray(mask) ? (mask[0] ?? null) : mask;
    const out = this.returnSequences ? m : null;
    if (this.returnState) return [out, ...this.stateSize.map(() => null)];
    return out;
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike | ShapeLike[] {
    const seq = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as ShapeLike;
    const [b, t] = [seq[0] ?? null, seq[1] ?? null];
    const out = this.returnSequences ? [b, t, this.cell.outputSize] : [b, this.cell.outputSize];
    if (!this.returnState) return out;
    return [out, ...this.stateSize.map((d) => [b, d])];
  }

  /** The options shared by every recurrent layer's config. */
  protected rnnConfig(): Record<string, unknown> {
    return {
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: this.stateful,
      unroll: this.unroll,
      zeroOutputForMask: this.zeroOutputForMask,
    };
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), ...this.rnnConfig(), cell: {className: this.cell.className, config: this.cell.getConfig()}};
  }

  static override fromConfig(config: Record<string, unknown>): Layer {
    const {cell, ...rest} = config as {cell: {className: string; config: Record<string, unknown>}};
    return new RNN(deserializeCell(cell), rest);
  }
}

registerKerasSerializable(RNN, {pkg: 'keras'});
