import * as activations from '../../activations/index.js';
import * as constraints from '../../constraints/index.js';
import {ValueError} from '../../errors.js';
import * as initializers from '../../initializers/index.js';
import * as ops from '../../ops/index.js';
import * as regularizers from '../../regularizers/index.js';
import {SeedGenerator} from '../../tensor/random.js';
import {zeros, type Tensor} from '../../tensor/tensor.js';
import type {DType} from '../../tensor/dtype.js';
import {Layer, type CallArgs, type LayerArgs, type LayerInput, type LayerOutput} from '../layer.js';

/**
 * The options every built-in cell takes (Keras's `SimpleRNNCell`/`LSTMCell`/`GRUCell` kwargs).
 * Keras 1's `dropout_W`/`dropout_U` (`dropoutW`/`dropoutU`) are accepted for `dropout` and
 * `recurrentDropout`, with a one-time deprecation warning.
 */
export interface RNNCellArgs extends LayerArgs {
  activation?: activations.ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: initializers.InitializerIdentifier;
  recurrentInitializer?: initializers.InitializerIdentifier;
  biasInitializer?: initializers.InitializerIdentifier;
  kernelRegularizer?: regularizers.RegularizerIdentifier | null;
  recurrentRegularizer?: regularizers.RegularizerIdentifier | null;
  biasRegularizer?: regularizers.RegularizerIdentifier | null;
  kernelConstraint?: constraints.ConstraintIdentifier | null;
  recurrentConstraint?: constraints.ConstraintIdentifier | null;
  biasConstraint?: constraints.ConstraintIdentifier | null;
  /** Fraction of the input units dropped (one mask per sequence). */
  dropout?: number;
  /** Fraction of the recurrent units dropped (one mask per sequence). */
  recurrentDropout?: number;
  seed?: number | null;
  /** Keras 1 spelling of `dropout`. */
  dropoutW?: number;
  /** Keras 1 spelling of `recurrentDropout`. */
  dropoutU?: number;
  dropout_W?: number;
  dropout_U?: number;
}

/** What a dropout mask is shaped like: a step's input or state (only its shape and dtype are read). */
export interface MaskLike {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

const warned = new Set<string>();

/** Prints a deprecation warning once per process and key. */
function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(`keras-ts: ${message}`);
}

/**
 * Maps Keras 1's `dropout_W`/`dropout_U` (either spelling) onto `dropout`/`recurrentDropout`,
 * warning once; conflicting values are an error naming `who`.
 */
export function mapLegacyDropout<A extends RNNCellArgs>(args: A, who: string): A {
  const legacyW = args.dropoutW ?? args.dropout_W;
  const legacyU = args.dropoutU ?? args.dropout_U;
  if (legacyW === undefined && legacyU === undefined) return args;
  const out: A = {...args};
  for (const k of ['dropoutW', 'dropoutU', 'dropout_W', 'dropout_U'] as const) delete out[k];
  if (legacyW !== undefined) {
    if (args.dropout !== undefined && args.dropout !== legacyW) {
      throw new ValueError(`${who}: both \`dropout\` and its Keras 1 spelling \`dropout_W\` were given, with different values. Received: dropout=${args.dropout}, dropout_W=${legacyW}`);
    }
    out.dropout = legacyW;
  }
  if (legacyU !== undefined) {
    if (args.recurrentDropout !== undefined && args.recurrentDropout !== legacyU) {
      throw new ValueError(`${who}: both \`recurrentDropout\` and its Keras 1 spelling \`dropout_U\` were given, with different values. Received: recurrentDropout=${args.recurrentDropout}, dropout_U=${legacyU}`);
    }
    out.recurrentDropout = legacyU;
  }
  warnOnce('dropout_W/dropout_U', '`dropout_W` and `dropout_U` are Keras 1 arguments of recurrent layers; they are mapped to `dropout` and `recurrentDropout`.');
  return out;
}

export function checkUnits(units: number, who: string): number {
  if (!Number.isInteger(units) || units <= 0) {
    throw new ValueError(`${who}: received an invalid value for argument \`units\`, expected a positive integer. Received: units=${units}`);
  }
  return units;
}

function checkRate(rate: number, name: string, who: string): number {
  if (typeof rate !== 'number' || !Number.isFinite(rate)) {
    throw new ValueError(`${who}: \`${name}\` must be a number between 0 and 1. Received: ${name}=${rate}`);
  }
  // Keras clips to [0, 1] rather than rejecting
  return Math.min(1, Math.max(0, rate));
}

/**
 * The base of recurrent cells: one timestep of a recurrence. A cell has a `stateSize` (one number
 * per state tensor), an `outputSize`, and `step(inputs, states, training)` returning the output
 * and the new states. It also holds the dropout masks, which are drawn once per sequence and reused
 * at every step (Keras's `DropoutRNNCell`).
 */
export abstract class RNNCell extends Layer {
  static override readonly className: string = 'RNNCell';
  abstract readonly stateSize: number[];
  abstract readonly outputSize: number;

  dropout = 0;
  recurrentDropout = 0;
  seed: number | null = null;
  protected seedGenerator: SeedGenerator | null = null;
  /** Number of distinct input/recurrent dropout masks (one per gate in Keras's implementation 1). */
  protected dropoutMaskCount = 1;
  private dropoutMasks: Tensor[] | null = null;
  private recurrentDropoutMasks: Tensor[] | null = null;

  protected initDropout(dropout = 0, recurrentDropout = 0, seed: number | null = null): void {
    this.dropout = checkRate(dropout, 'dropout', this.name);
    this.recurrentDropout = checkRate(recurrentDropout, 'recurrentDropout', this.name);
    this.seed = seed ?? null;
    this.seedGenerator = new SeedGenerator(seed ?? undefined);
  }

  /** One step: `inputs [batch, ...]` and the states to `[output, newStates]`. */
  abstract step(inputs: Tensor, states: Tensor[], training: boolean): [Tensor, Tensor[]];

  /** The shape of each state for a batch: `[batch, size]` (a convolutional cell's are images). */
  stateShapes(batchSize: number): number[][] {
    return this.stateSize.map((d) => [batchSize, d]);
  }

  /** Zero states for a batch (Keras's `get_initial_state`). */
  getInitialState(batchSize: number, dtype: DType = this.dtype): Tensor[] {
    return this.stateShapes(batchSize).map((s) => zeros(s, dtype));
  }

  /** `call([inputs, ...states])` returns `[output, ...newStates]`: a cell used as a plain layer. */
  override call(inputs: LayerInput, kwargs: CallArgs = {}): LayerOutput {
    const [x, ...states] = Array.isArray(inputs) ? inputs : [inputs];
    const s = states.length ? states : this.getInitialState(x!.shape[0]!, x!.dtype);
    const [out, next] = this.step(x!, s, kwargs.training ?? false);
    return [out, ...next];
  }

  private makeMasks(like: MaskLike, rate: number): Tensor[] {
    const keep = 1 - rate;
    return Array.from({length: this.dropoutMaskCount}, () =>
      // Keras's `dropout(ones)`: kept units are scaled by 1 / keep
      ops.divide(ops.bernoulliMask(like.shape, keep, like.dtype, this.seedGenerator ?? undefined), keep),
    );
  }

  /** The input dropout masks for this sequence, drawn at the first step and then reused. */
  getDropoutMasks(stepInput: MaskLike): Tensor[] | null {
    if (!(this.dropout > 0 && this.dropout < 1)) return null;
    this.dropoutMasks ??= this.makeMasks(stepInput, this.dropout);
    return this.dropoutMasks;
  }

  /** The recurrent dropout masks for this sequence. */
  getRecurrentDropoutMasks(state: MaskLike): Tensor[] | null {
    if (!(this.recurrentDropout > 0 && this.recurrentDropout < 1)) return null;
    this.recurrentDropoutMasks ??= this.makeMasks(state, this.recurrentDropout);
    return this.recurrentDropoutMasks;
  }

  /** Forgets the masks: the RNN layer calls this after each sequence. */
  resetDropoutMasks(): void {
    this.dropoutMasks = null;
    this.recurrentDropoutMasks = null;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): (number | null)[] {
    return [inputShape[0] ?? null, this.outputSize];
  }
}

/** Shared weight options of SimpleRNN, LSTM and GRU cells, resolved. */
export class CellWeights {
  kernelInitializer: initializers.Initializer;
  recurrentInitializer: initializers.Initializer;
  biasInitializer: initializers.Initializer;
  kernelRegularizer: regularizers.Regularizer | null;
  recurrentRegularizer: regularizers.Regularizer | null;
  biasRegularizer: regularizers.Regularizer | null;
  kernelConstraint: constraints.Constraint | null;
  recurrentConstraint: constraints.Constraint | null;
  biasConstraint: constraints.Constraint | null;
  constructor(args: RNNCellArgs) {
    this.kernelInitializer = initializers.get(args.kernelInitializer ?? 'glorot_uniform');
    this.recurrentInitializer = initializers.get(args.recurrentInitializer ?? 'orthogonal');
    this.biasInitializer = initializers.get(args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = args.kernelRegularizer ? regularizers.get(args.kernelRegularizer) : null;
    this.recurrentRegularizer = args.recurrentRegularizer ? regularizers.get(args.recurrentRegularizer) : null;
    this.biasRegularizer = args.biasRegularizer ? regularizers.get(args.biasRegularizer) : null;
    this.kernelConstraint = args.kernelConstraint ? constraints.get(args.kernelConstraint) : null;
    this.recurrentConstraint = args.recurrentConstraint ? constraints.get(args.recurrentConstraint) : null;
    this.biasConstraint = args.biasConstraint ? constraints.get(args.biasConstraint) : null;
  }

  /** The config entries, serialized as Keras writes them (camelCase keys). */
  config(): Record<string, unknown> {
    const ser = <T>(x: T | null, f: (v: T) => unknown) => (x ? f(x) : null);
    return {
      kernelInitializer: initializers.serialize(this.kernelInitializer),
      recurrentInitializer: initializers.serialize(this.recurrentInitializer),
      biasInitializer: initializers.serialize(this.biasInitializer),
      kernelRegularizer: ser(this.kernelRegularizer, regularizers.serialize),
      recurrentRegularizer: ser(this.recurrentRegularizer, regularizers.serialize),
      biasRegularizer: ser(this.biasRegularizer, regularizers.serialize),
      kernelConstraint: ser(this.kernelConstraint, constraints.serialize),
      recurrentConstraint: ser(this.recurrentConstraint, constraints.serialize),
      biasConstraint: ser(this.biasConstraint, constraints.serialize),
    };
  }
}

/** Whether `f` is the built-in activation `name` (the sequence kernels assume the defaults). */
export function isActivation(f: activations.Activation, name: string): boolean {
  return f === activations.get(name) || f.kerasName === name;
}
