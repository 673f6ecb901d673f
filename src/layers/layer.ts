import {Variable} from '../autodiff/variable.js';
import {noGrad} from '../autodiff/engine.js';
import * as constraints from '../constraints/index.js';
import {floatx} from '../config.js';
import {ValueError} from '../errors.js';
import * as initializers from '../initializers/index.js';
import * as ops from '../ops/index.js';
import {toTensor} from '../ops/core.js';
import * as regularizers from '../regularizers/index.js';
import {toSnakeCase} from '../serialization.js';
import {isFloat, type DType} from '../tensor/dtype.js';
import {fmtShape} from '../tensor/shape.js';
import {Tensor, zeros} from '../tensor/tensor.js';
import {assertInputCompatibility, InputSpec, type ShapeLike} from './input_spec.js';
import {KerasTensor, Node} from './keras_tensor.js';

export type {ShapeLike} from './input_spec.js';

/** Options every layer constructor takes (Keras's base `Layer` kwargs, camelCase). */
export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  dtype?: DType;
  /** Shape of one sample, for the first layer of a `Sequential` (`input_shape`). */
  inputShape?: ShapeLike;
  /** Full input shape including the batch (`batch_input_shape` / Keras 3's `batch_shape`). */
  batchInputShape?: ShapeLike;
  batchSize?: number;
  /** Keras 1's `input_dim`: shorthand for `inputShape: [inputDim]`. */
  inputDim?: number;
  activityRegularizer?: regularizers.RegularizerIdentifier | null;
}

export interface CallArgs {
  training?: boolean;
  mask?: Tensor | Tensor[] | null;
  [key: string]: unknown;
}

export type LayerInput = Tensor | Tensor[];
export type LayerOutput = Tensor | Tensor[];

export interface AddWeightArgs {
  name: string;
  shape: readonly number[];
  initializer?: initializers.InitializerIdentifier;
  regularizer?: regularizers.RegularizerIdentifier | null;
  constraint?: constraints.ConstraintIdentifier | null;
  trainable?: boolean;
  dtype?: DType;
}

// --- names ---------------------------------------------------------------------------------------

/** The most values one weight may hold: the largest typed array every JavaScript engine allocates. */
const MAX_WEIGHT_SIZE = 2 ** 31 - 1;

const uids = new Map<string, number>();

/** `dense`, then `dense_1`, `dense_2`, ... as Keras's `auto_name`. */
export function uniqueName(prefix: string): string {
  const n = uids.get(prefix) ?? 0;
  uids.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** `keras.backend.clear_session()`: layer names start again from `dense`. */
export function clearSession(): void {
  uids.clear();
}

// --- call context: `training` flows from an outer call to inner layers, as in Keras ----------------

const trainingStack: (boolean | undefined)[] = [];

function currentTraining(): boolean | undefined {
  for (let i = trainingStack.length - 1; i >= 0; i--) if (trainingStack[i] !== undefined) return trainingStack[i];
  return undefined;
}

// --- masks travel with tensors, as Keras's `_keras_mask` --------------------------------------------

const masks = new WeakMap<object, Tensor | null>();

/** A mask, or one per input/output of a layer with several (null where one has none). */
export type Mask = Tensor | (Tensor | null)[] | null;

export function getMask(t: Tensor | KerasTensor): Tensor | null {
  return masks.get(t) ?? null;
}
export function setMask(t: Tensor | KerasTensor, mask: Tensor | null): void {
  if (mask) masks.set(t, mask);
}

/** A hook the functional API installs: how `apply` records a call on symbolic tensors. */
export type SymbolicCall = (layer: Layer, inputs: unknown, kwargs: CallArgs) => KerasTensor | KerasTensor[];
let symbolicCall: SymbolicCall | null = null;
export function setSymbolicCall(fn: SymbolicCall): void {
  symbolicCall = fn;
}

function containsKerasTensor(x: unknown): boolean {
  if (x instanceof KerasTensor) return true;
  if (Array.isArray(x)) return x.some(containsKerasTensor);
  if (x && typeof x === 'object' && !(x instanceof Tensor) && !(x instanceof Variable)) {
    return Object.values(x).some(containsKerasTensor);
  }
  return false;
}

/** How many losses `addLoss` holds across every layer; `clearCallLosses` walks a tree only while some are held. */
let heldCallLosses = 0;

/**
 * The base of every layer. A subclass's constructor validates and stores its arguments; `build`
 * creates weights with `addWeight`; `call` is pure math over `ops`; `getConfig` returns the
 * constructor's arguments so `fromConfig(c)` rebuilds the layer.
 */
export class Layer {
  static readonly className: string = 'Layer';

  name: string;
  built = false;
  protected _trainable: boolean;
  readonly dtype: DType;
  inputSpec: InputSpec | InputSpec[] | null = null;
  supportsMasking = false;
  /** Input shape with the batch, when given to the constructor (first layer of a Sequential). */
  batchInputShape: ShapeLike | null = null;
  activityRegularizer: regularizers.Regularizer | null;

  readonly inboundNodes: Node[] = [];
  readonly outboundNodes: Node[] = [];

  protected _trainableWeights: Variable[] = [];
  protected _nonTrainableWeights: Variable[] = [];
  private readonly _regularizers = new Map<Variable, regularizers.Regularizer>();
  private _callLosses: Tensor[] = [];
  /** Shape the layer was built with, for `getBuildConfig`. */
  buildInputShape: ShapeLike | ShapeLike[] | null = null;

  constructor(args: LayerArgs = {}) {
    const cls = this.constructor as typeof Layer;
    this.name = args.name ?? uniqueName(toSnakeCase(cls.className));
    if (typeof this.name !== 'string' || this.name.length === 0) {
      throw new ValueError(`Layer name must be a non-empty string. Received: name=${JSON.stringify(args.name)}`);
    }
    this._trainable = args.trainable ?? true;
    this.dtype = args.dtype ?? floatx();
    this.activityRegularizer = args.activityRegularizer ? regularizers.get(args.activityRegularizer) : null;
    if (args.batchInputShape) this.batchInputShape = [...args.batchInputShape];
    else if (args.inputShape) this.batchInputShape = [args.batchSize ?? null, ...args.inputShape];
    else if (args.inputDim !== undefined) this.batchInputShape = [args.batchSize ?? null, args.inputDim];
  }

  get className(): string {
    return (this.constructor as typeof Layer).className;
  }

  // --- weights ------------------------------------------------------------------------------------

  /** Creates a weight variable owned by this layer, as Keras's `add_weight`. */
  addWeight(args: AddWeightArgs): Variable {
    const {name, shape, trainable = true} = args;
    const dtype = args.dtype ?? this.dtype;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) {
        throw new ValueError(`Layer "${this.name}": weight "${name}" must have a shape of non-negative integers. Received: ${fmtShape(shape)}`);
      }
    }
    // checked before anything is allocated: a config from a file may ask for any size
    const size = shape.reduce((a, b) => a * b, 1);
    if (size > MAX_WEIGHT_SIZE) {
      throw new ValueError(
        `Layer "${this.name}" (${this.className}): weight "${name}" of shape ${fmtShape(shape)} would hold ${size} values, ` +
          `more than the ${MAX_WEIGHT_SIZE} one array can hold. Check the layer's configuration (units, filters, input size)`,
      );
    }
    const init = initializers.get(args.initializer ?? (isFloat(dtype) ? 'glorot_uniform' : 'zeros'));
    const value = init.call(shape, dtype);
    const constraint = args.constraint ? constraints.get(args.constraint) : null;
    const v = new Variable(value, {name, trainable, dtype, constraint: constraint ? (w) => constraint.call(w) : null});
    v.path = `${this.name}/${name}`;
    if (trainable) this._trainableWeights.push(v);
    else this._nonTrainableWeights.push(v);
    if (args.regularizer) this._regularizers.set(v, regularizers.get(args.regularizer));
    return v;
  }

  /** Layers held in this layer's fields (directly or in arrays): Keras tracks them automatically. */
  get sublayers(): Layer[] {
    // read for every training step (the trainable weights): no array or pair made per field
    const out: Layer[] = [];
    const seen = new Set<Layer>();
    const add = (it: unknown) => {
      if (it instanceof Layer && it !== this && !seen.has(it)) {
        seen.add(it);
        out.push(it);
      }
    };
    const self = this as unknown as Record<string, unknown>;
    for (const k of Object.keys(this)) {
      const v = self[k];
      if (v === null || typeof v !== 'object' || k === 'inboundNodes' || k === 'outboundNodes' || k.startsWith('_parent')) continue;
      if (Array.isArray(v)) for (let i = 0; i < v.length; i++) add(v[i]);
      else add(v);
    }
    return out;
  }

  get trainable(): boolean {
    return this._trainable;
  }
  set trainable(value: boolean) {
    this._trainable = value;
    for (const l of this.sublayers) l.trainable = value;
  }

  get trainableWeights(): Variable[] {
    if (!this._trainable) return [];
    return dedupe([...this._trainableWeights, ...this.sublayers.flatMap((l) => l.trainableWeights)]);
  }

  get nonTrainableWeights(): Variable[] {
    const own = this._trainable ? this._nonTrainableWeights : [...this._trainableWeights, ...this._nonTrainableWeights];
    const sub = this.sublayers.flatMap((l) => (this._trainable ? l.nonTrainableWeights : l.weights));
    return dedupe([...own, ...sub]);
  }

  /** Every weight, in Keras's order: this layer's own (trainable first), then its sublayers'. */
  get weights(): Variable[] {
    return dedupe([...this._trainableWeights, ...this._nonTrainableWeights, ...this.sublayers.flatMap((l) => l.weights)]);
  }

  getWeights(): Tensor[] {
    return this.weights.map((w) => w.value);
  }

  /** Sets the weights from tensors of matching shapes, in the order of `weights`. */
  setWeights(values: Tensor[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) {
      throw new ValueError(
        `Layer "${this.name}" expects ${ws.length} weights, but the weight list received has ${values.length} elements`,
      );
    }
    ws.forEach((w, i) => {
      const v = values[i]!;
      if (v.shape.length !== w.shape.length || v.shape.some((d, j) => d !== w.shape[j])) {
        throw new ValueError(
          `Layer "${this.name}" weight shape ${fmtShape(w.shape)} is not compatible with provided weight shape ${fmtShape(v.shape)} (weight "${w.path}")`,
        );
      }
    });
    ws.forEach((w, i) => w.assign(values[i]!));
  }

  countParams(): number {
    if (!this.built) {
      throw new ValueError(`You tried to call countParams on layer "${this.name}", but the layer isn't built. Build it first.`);
    }
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Regularization losses of the weights plus losses added during the last call. */
  get losses(): Tensor[] {
    const out: Tensor[] = [...this._callLosses];
    if (this._trainable) for (const [v, r] of this._regularizers) out.push(r.call(v.read()));
    for (const l of this.sublayers) out.push(...l.losses);
    return out;
  }

  /** Adds a loss during `call` (activity regularization, auxiliary losses). */
  addLoss(loss: Tensor): void {
    this._callLosses.push(loss);
    heldCallLosses++;
  }

  clearCallLosses(): void {
    // no layer holds one (every training step of a model without call losses): no walk of the tree
    if (heldCallLosses === 0) return;
    heldCallLosses -= this._callLosses.length;
    this._callLosses = [];
    for (const l of this.sublayers) l.clearCallLosses();
  }

  // --- build / call -------------------------------------------------------------------------------

  /** Creates the weights for inputs of `inputShape` (batch dimension included, possibly null). */
  build(inputShape: ShapeLike | ShapeLike[]): void {
    void inputShape;
    this.built = true;
  }

  /** The layer's computation. Subclasses override; `apply` is what users call. */
  call(inputs: LayerInput, kwargs: CallArgs = {}): LayerOutput {
    void kwargs;
    return inputs;
  }

  /** The output mask for `inputs` (default: pass the mask through if the layer supports masking). */
  computeMask(inputs: LayerInput, mask: Mask): Mask {
    void inputs;
    return this.supportsMasking ? mask : null;
  }

  /**
   * Output shape for an input shape. The default runs `call` on zeros (unknown dimensions as 1) and
   * reports the batch as unknown again; layers with cheap formulas override it.
   */
  computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike | ShapeLike[] {
    const multi = Array.isArray(inputShape[0]) || (inputShape.length > 0 && inputShape[0] !== null && typeof inputShape[0] === 'object');
    const make = (s: ShapeLike) => zeros(s.map((d) => d ?? 1), this.dtype);
    const inputs = multi ? (inputShape as ShapeLike[]).map(make) : make(inputShape as ShapeLike);
    const out = noGrad(() => this.apply(inputs, {training: false}));
    const batchUnknown = (multi ? (inputShape as ShapeLike[])[0]![0] : (inputShape as ShapeLike)[0]) === null;
    const fix = (t: Tensor): ShapeLike => (batchUnknown && t.rank > 0 ? [null, ...t.shape.slice(1)] : [...t.shape]);
    return Array.isArray(out) ? out.map(fix) : fix(out);
  }

  /** Builds (once) from the shape of the first inputs the layer sees. */
  maybeBuild(inputShape: ShapeLike | ShapeLike[]): void {
    if (this.built) return;
    this.buildInputShape = inputShape;
    this.build(inputShape);
    this.built = true;
  }

  /**
   * Calls the layer, as Keras's `layer(x)`: converts and checks inputs against `inputSpec`, builds
   * on first use, casts float inputs to the layer dtype, runs `call`, propagates masks and adds the
   * activity regularization loss. On symbolic tensors it records a node of the functional graph.
   */
  apply(inputs: unknown, kwargs: CallArgs = {}): any {
    if (containsKerasTensor(inputs)) {
      if (!symbolicCall) throw new ValueError('Symbolic inputs need the functional API (models/functional) to be loaded');
      return symbolicCall(this, inputs, kwargs);
    }
    const x = this.convertInputs(inputs);
    const list = Array.isArray(x) ? x : [x];
    const specs = Array.isArray(this.inputSpec) ? this.inputSpec : this.inputSpec ? [this.inputSpec] : [];
    this.maybeBuild(Array.isArray(x) ? x.map((t) => [...t.shape]) : [...x.shape]);
    if (!this.built) throw new ValueError(`Layer "${this.name}" did not build`);
    if (specs.length) specs.forEach((s, i) => list[i] && assertInputCompatibility(s, list[i]!.shape, this.name, i));

    let mask = kwargs.mask;
    if (mask === undefined) {
      const ms = list.map((t) => getMask(t));
      mask = ms.some((m) => m) ? (Array.isArray(x) ? (ms as Tensor[]) : ms[0]!) : null;
    }
    const training = kwargs.training ?? currentTraining();
    trainingStack.push(training);
    let out: LayerOutput;
    try {
      out = this.call(x, {...kwargs, training, mask});
    } finally {
      trainingStack.pop();
    }
    const outMask = this.computeMask(x, mask ?? null);
    const outs = Array.isArray(out) ? out : [out];
    if (outMask) {
      const ms = Array.isArray(outMask) ? outMask : [outMask];
      outs.forEach((o, i) => setMask(o, ms[i] ?? null));
    }
    if (this.activityRegularizer) {
      for (const o of outs) this.addLoss(ops.divide(this.activityRegularizer.call(o), o.shape[0] ?? 1));
    }
    return out;
  }

  /** Converts array-likes to tensors and float tensors to the layer's dtype (Keras's autocast). */
  protected convertInputs(inputs: unknown): LayerInput {
    const conv = (t: unknown, i: number): Tensor => {
      const v = toTensor(t as ops.TensorLike, `inputs[${i}]`, this.name);
      return isFloat(v.dtype) && v.dtype !== this.dtype && isFloat(this.dtype) ? ops.cast(v, this.dtype) : v;
    };
    if (Array.isArray(inputs) && inputs.length > 0 && (inputs[0] instanceof Tensor || inputs[0] instanceof Variable)) {
      return inputs.map(conv);
    }
    return conv(inputs, 0);
  }

  // --- config -------------------------------------------------------------------------------------

  /** The constructor arguments, camelCase (snake_case exists only on disk, in `saving/`). */
  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {name: this.name, trainable: this.trainable, dtype: this.dtype};
    if (this.batchInputShape) c['batchInputShape'] = [...this.batchInputShape];
    return c;
  }

  /** Rebuilds a layer from `getConfig()`'s output. Layers with positional arguments override it. */
  static fromConfig(config: Record<string, unknown>): Layer {
    return new this(config as LayerArgs);
  }

  /**
   * Keras's `get_build_config`: the input shape the layer was built with (by its first input, or by a
   * model's `build`), or null when it has none — not built yet, or built at construction as the
   * layers without weights that Keras builds in `__init__` (activations, Dropout, pooling, Reshape).
   */
  getBuildConfig(): {inputShape: ShapeLike | ShapeLike[]} | null {
    return this.built && this.buildInputShape ? {inputShape: this.buildInputShape} : null;
  }

  /** Output shape(s) of the layer's (first) call in a graph, as Keras's `layer.output.shape`. */
  get outputShape(): ShapeLike | ShapeLike[] {
    const node = this.inboundNodes[0];
    if (!node) throw new ValueError(`The layer "${this.name}" has never been called and thus has no defined output shape.`);
    const s = node.outputTensors.map((t) => t.shape);
    return s.length === 1 ? s[0]! : s;
  }

  /** The symbolic output of the layer's first call (functional API). */
  get output(): KerasTensor | KerasTensor[] {
    const node = this.inboundNodes[0];
    if (!node) throw new ValueError(`The layer "${this.name}" has never been called and thus has no defined output.`);
    return node.outputTensors.length === 1 ? node.outputTensors[0]! : node.outputTensors;
  }

  /** The symbolic input of the layer's first call (functional API). */
  get input(): KerasTensor | KerasTensor[] {
    const node = this.inboundNodes[0];
    if (!node) throw new ValueError(`The layer "${this.name}" has never been called and thus has no defined input.`);
    return node.inputTensors.length === 1 ? node.inputTensors[0]! : node.inputTensors;
  }

  toString(): string {
    return `<${this.className} name=${this.name}, built=${this.built}>`;
  }
}

function dedupe(vs: Variable[]): Variable[] {
  return [...new Set(vs)];
}

export {InputSpec, assertInputCompatibility};
