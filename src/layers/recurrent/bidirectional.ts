import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {getRegisteredClass, registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {Layer, type LayerArgs, type LayerInput, type LayerOutput, type Mask, type ShapeLike} from '../layer.js';
import {RNN, type RNNCallArgs} from './rnn.js';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

export interface BidirectionalArgs extends LayerArgs {
  /** How the forward and backward outputs combine (`'concat'` by default; null returns both). */
  mergeMode?: MergeMode | 'none';
  /** The backward layer, when it should differ from a copy of `layer` (must have `goBackwards: true`). */
  backwardLayer?: RNN;
}

type Serialized = {className: string; config: Record<string, unknown>};

function cloneLayer(layer: RNN, overrides: Record<string, unknown>): RNN {
  const cls = layer.constructor as typeof Layer;
  // the copies use the layer's own activation functions, not the ones their names resolve to (a Keras 2
  // file's `hard_sigmoid` is not Keras 3's, though both serialize by that name)
  const cell = layer.cell as {activation?: unknown; recurrentActivation?: unknown};
  const fns = Object.fromEntries(Object.entries({activation: cell.activation, recurrentActivation: cell.recurrentActivation}).filter(([, f]) => typeof f === 'function'));
  const copy = cls.fromConfig({...layer.getConfig(), ...fns, ...overrides});
  if (!(copy instanceof RNN)) throw new ValueError(`Bidirectional: could not copy layer "${layer.name}" from its config`);
  return copy;
}

function deserializeLayer(spec: Serialized): RNN {
  const cls = getRegisteredClass(spec.className) as typeof Layer | undefined;
  const layer = cls?.fromConfig(spec.config);
  if (!(layer instanceof RNN)) throw new ValueError(`Bidirectional: ${JSON.stringify(spec.className)} is not a registered recurrent layer`);
  return layer;
}

const stripPrefix = (name: string, prefix: string) => (name.startsWith(prefix) ? name.slice(prefix.length) : name);

/**
 * Runs a recurrent layer forwards and a copy of it backwards over the same sequence and merges the
 * two outputs (`concat`, `sum`, `mul`, `ave`, or `null` for both). With `returnSequences` the
 * backward outputs are put back in time order before merging, and masked steps output zeros.
 *
 * ```ts
 * const y = new Bidirectional(new GRU(16, {returnSequences: true})).apply(x); // [b, t, 32]
 * ```
 */
export class Bidirectional extends Layer {
  static override readonly className: string = 'Bidirectional';
  readonly forwardLayer: RNN;
  readonly backwardLayer: RNN;
  readonly mergeMode: MergeMode;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly stateful: boolean;

  constructor(layer: RNN, args: BidirectionalArgs = {}) {
    super(args);
    if (!(layer instanceof RNN)) {
      throw new ValueError(`Please initialize \`Bidirectional\` layer with a recurrent layer instance (an RNN). Received: ${String(layer)}`);
    }
    const mode = args.mergeMode === undefined ? 'concat' : args.mergeMode === 'none' ? null : args.mergeMode;
    if (!['sum', 'mul', 'ave', 'concat', null].includes(mode)) {
      throw new ValueError(`Invalid merge mode. Received: ${String(args.mergeMode)}. Merge mode should be one of {"sum", "mul", "ave", "concat", null}`);
    }
    this.mergeMode = mode;
    const base = stripPrefix(layer.name, 'forward_');
    this.forwardLayer = cloneLayer(layer, {name: `forward_${base}`});
    this.backwardLayer = args.backwardLayer ?? cloneLayer(layer, {goBackwards: !layer.goBackwards, name: `backward_${stripPrefix(layer.name, 'backward_')}`});
    if (this.forwardLayer.goBackwards === this.backwardLayer.goBackwards) {
      throw new ValueError(
        `Forward layer and backward layer should have different \`goBackwards\` value. Received: forward_layer.goBackwards=${this.forwardLayer.goBackwards}, backward_layer.goBackwards=${this.backwardLayer.goBackwards}`,
      );
    }
    for (const a of ['stateful', 'returnSequences', 'returnState'] as const) {
      if (this.forwardLayer[a] !== this.backwardLayer[a]) {
        throw new ValueError(`Forward layer and backward layer are expected to have the same value for attribute "${a}", got "${this.forwardLayer[a]}" for forward layer and "${this.backwardLayer[a]}" for backward layer`);
      }
    }
    // as Keras: masked steps output zeros when whole sequences are returned
    this.forwardLayer.zeroOutputForMask = this.forwardLayer.returnSequences;
    this.backwardLayer.zeroOutputForMask = this.backwardLayer.returnSequences;
    this.returnSequences = layer.returnSequences;
    this.returnState = layer.returnState;
    this.stateful = layer.stateful;
    this.supportsMasking = true;
    this.inputSpec = layer.inputSpec;
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    const seq = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as ShapeLike;
    this.forwardLayer.maybeBuild(seq);
    this.backwardLayer.maybeBuild(seq);
    this.built = true;
  }

  override call(inputs: LayerInput, kwargs: RNNCallArgs = {}): LayerOutput {
    const [seq, ...rest] = Array.isArray(inputs) ? inputs : [inputs];
    const given = rest.length ? rest : kwargs.initialState ? (Array.isArray(kwargs.initialState) ? kwargs.initialState : [kwargs.initialState]) : null;
    let fState: Tensor[] | undefined, bState: Tensor[] | undefined;
    if (given) {
      if (given.length % 2 !== 0) throw new ValueError(`Layer "${this.name}": expected an even number of initial states (forward, then backward). Received: ${given.length}`);
      fState = given.slice(0, given.length / 2);
      bState = given.slice(given.length / 2);
    }
    const mask = Array.isArray(kwargs.mask) ? kwargs.mask[0] ?? null : kwargs.mask ?? null;
    const common = {mask, training: kwargs.training};
    let y = this.forwardLayer.apply(seq, {...common, initialState: fState}) as LayerOutput;
    let yRev = this.backwardLayer.apply(seq, {...common, initialState: bState}) as LayerOutput;
    let states: Tensor[] = [];
    if (this.returnState) {
      const f = y as Tensor[], b = yRev as Tensor[];
      states = [...f.slice(1), ...b.slice(1)];
      y = f[0]!;
      yRev = b[0]!;
    }
    const fwd = y as Tensor;
    let bwd = yRev as Tensor;
    if (this.returnSequences) bwd = ops.flip(bwd, 1);
    let output: Tensor | Tensor[];
    switch (this.mergeMode) {
      case 'concat': output = ops.concatenate([fwd, bwd], -1); break;
      case 'sum': output = ops.add(fwd, bwd); break;
      case 'ave': output = ops.divide(ops.add(fwd, bwd), 2); break;
      case 'mul': output = ops.multiply(fwd, bwd); break;
      default: output = [fwd, bwd];
    }
    if (this.returnState) return [...(Array.isArray(output) ? output : [output]), ...states];
    return output;
  }

  override computeMask(inputs: LayerInput, mask: Mask): Mask {
    void inputs;
    const m = Array.isArray(mask) ? (mask[0] ?? null) : mask;
    const out: (Tensor | null)[] = this.returnSequences ? (this.mergeMode ? [m] : [m, m]) : this.mergeMode ? [null] : [null, null];
    if (this.returnState) out.push(...[...this.forwardLayer.stateSize, ...this.backwardLayer.stateSize].map(() => null));
    return out.length === 1 ? out[0]! : out;
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike | ShapeLike[] {
    const f = this.forwardLayer.computeOutputShape(inputShape) as ShapeLike | ShapeLike[];
    let out = (this.returnState ? (f as ShapeLike[])[0]! : f) as ShapeLike;
    const states = this.returnState ? (f as ShapeLike[]).slice(1) : [];
    let outs: ShapeLike[];
    if (this.mergeMode === 'concat') {
      out = [...out.slice(0, -1), out.at(-1) === null ? null : out.at(-1)! * 2];
      outs = [out];
    } else if (this.mergeMode === null) outs = [out, out];
    else outs = [out];
    if (!this.returnState) return outs.length === 1 ? outs[0]! : outs;
    return [...outs, ...states, ...states];
  }

  /** Resets both directions' states (stateful layers only). */
  resetStates(): void {
    if (!this.stateful) throw new ValueError(`Layer "${this.name}" must be stateful to reset its states`);
    this.forwardLayer.resetStates();
    this.backwardLayer.resetStates();
  }

  resetState(): void {
    this.resetStates();
  }

  override getConfig(): Record<string, unknown> {
    const ser = (l: RNN): Serialized => ({className: l.className, config: l.getConfig()});
    return {...super.getConfig(), mergeMode: this.mergeMode, layer: ser(this.forwardLayer), backwardLayer: ser(this.backwardLayer)};
  }

  static override fromConfig(config: Record<string, unknown>): Layer {
    const {layer, backwardLayer, ...rest} = config as {layer: Serialized; backwardLayer?: Serialized};
    return new Bidirectional(deserializeLayer(layer), {
      ...(rest as BidirectionalArgs),
      backwardLayer: backwardLayer ? deserializeLayer(backwardLayer) : undefined,
    });
  }
}

registerKerasSerializable(Bidirectional, {pkg: 'keras'});
