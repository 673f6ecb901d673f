/**
 * A functional model: a `Model` defined as a graph of layer calls from symbolic inputs to outputs.
 *
 * ```ts
 * const inputs = Input({shape: [784]});
 * const x = new Dense(64, {activation: 'relu'}).apply(inputs);
 * const outputs = new Dense(10, {activation: 'softmax'}).apply(x);
 * const model = new Model({inputs, outputs, name: 'mnist'}); // a Functional
 * ```
 *
 * `new Model({inputs, outputs})` becomes a `Functional` through the hook this module installs in
 * `Model` (`setFunctionalInit`), as Keras's `Model.__new__` does. Inputs and outputs may be one tensor,
 * arrays or objects of them; the model is a layer, so it can be called on tensors or on symbolic
 * tensors inside another model.
 */
import {ValueError} from '../errors.js';
import type {ShapeLike} from '../layers/input_spec.js';
import {KerasTensor, type Node} from '../layers/keras_tensor.js';
import {setMask, uniqueName, type CallArgs, type Layer, type LayerInput, type LayerOutput} from '../layers/layer.js';
import {flattenStructure, Input, mapStructure, packSequenceAs} from '../layers/symbolic_call.js';
import * as ops from '../ops/index.js';
import {toTensor} from '../ops/core.js';
import {registerKerasSerializable} from '../serialization.js';
import {fmtShape} from '../tensor/shape.js';
import {Tensor} from '../tensor/tensor.js';
import {formatCount, formatShape, type SummaryRow} from '../utils/summary.js';
import {GraphNetwork, isInputKerasTensor} from './graph_map.js';
import {graphConfig, graphFromConfig, type Config} from './graph_config.js';
import type {History} from '../callbacks/history.js';
import type {Data} from '../trainers/data_adapter.js';
import {isStream, type Stream} from '../trainers/epoch_iterator.js';
import type {EvaluateArgs, FitArgs, PredictArgs} from '../trainers/trainer.js';
import {Model, setFunctionalInit} from './model.js';

export interface FunctionalArgs {
  /** `Input` tensors (or tensors derived from them): one, an array, or an object by name. */
  inputs: unknown;
  /** Symbolic outputs: one, an array, or an object by name. */
  outputs: unknown;
  name?: string;
  trainable?: boolean;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Tensor) && Object.getPrototypeOf(x) === Object.prototype;
}

export class Functional extends Model {
  static override readonly className: string = 'Functional';
  // No field initializers here: `new Model({inputs, outputs})` turns a Model into a Functional after
  // construction, so every field is set in `initGraph`.
  declare graph: GraphNetwork;
  /** Names of the output layers, as Keras's `output_names` (keys of per-output losses and metrics). */
  declare outputNames: string[];
  declare inputNames: string[];

  constructor(args: FunctionalArgs) {
    super(args);
    if (!this.graph) initFunctional(this, args);
  }

  /** Sets up the graph (called once, from the constructor or `new Model({inputs, outputs})`). */
  initGraph(args: FunctionalArgs): void {
    const {inputs, outputs} = args;
    if (isPlainObject(inputs)) {
      for (const [k, v] of Object.entries(inputs)) {
        if (v instanceof KerasTensor && v.keras && v.keras.layer.name !== k) {
          console.warn(`When providing \`inputs\` as a dict, all keys in the dict must match the names of the corresponding tensors. Received key '${k}' mapping to value ${v.toString()} which has name '${v.keras.layer.name}'. Change the tensor name to '${k}' (via \`Input({..., name: '${k}'})\`)`);
        }
      }
    }
    for (const x of flattenStructure(inputs)) {
      if (!(x instanceof KerasTensor)) throw new ValueError(`All \`inputs\` values must be KerasTensors. Received: inputs including invalid value ${String(x)} of type ${typeof x}`);
    }
    for (const x of flattenStructure(outputs)) {
      if (!(x instanceof KerasTensor)) throw new ValueError(`All \`outputs\` values must be KerasTensors. Received: outputs including invalid value ${String(x)} of type ${typeof x}`);
    }
    let graph = new GraphNetwork(inputs, outputs);
    if (graph.inputs.some((t) => !isInputKerasTensor(t))) graph = cloneFromIntermediate(graph);
    this.graph = graph;
    // per-output losses and metrics are keyed by these: the output dict's keys, else the layers' names
    this.outputNames = isPlainObject(outputs) ? Object.keys(outputs).sort() : this.graph.outputs.map((t) => t.keras!.layer.name);
    this.inputNames = this.graph.inputs.map((t) => t.keras!.layer.name);
    if (args.trainable !== undefined) this.trainable = args.trainable;
    this.built = true;
  }

  /** Flat list of the symbolic inputs. */
  get inputs(): KerasTensor[] {
    return this.graph.inputs;
  }
  /** Flat list of the symbolic outputs. */
  get outputs(): KerasTensor[] {
    return this.graph.outputs;
  }
  /** The inputs in the structure the model was built with. */
  override get input(): KerasTensor | KerasTensor[] {
    return this.graph.inputsStruct as KerasTensor | KerasTensor[];
  }
  override get output(): KerasTensor | KerasTensor[] {
    return this.graph.outputsStruct as KerasTensor | KerasTensor[];
  }
  get inputShape(): ShapeLike | ShapeLike[] {
    const s = this.graph.inputs.map((t) => t.shape);
    return s.length === 1 ? s[0]! : s;
  }
  override get outputShape(): ShapeLike | ShapeLike[] {
    const s = this.graph.outputs.map((t) => t.shape);
    return s.length === 1 ? s[0]! : s;
  }

  /** The layers of the graph, from the inputs to the outputs (InputLayers included, as Keras 3). */
  override get layers(): Layer[] {
    return [...this.graph.layers];
  }

  override get sublayers(): Layer[] {
    const own = super.sublayers.filter((l) => !this.graph.layers.includes(l));
    return [...this.graph.layers, ...own];
  }

  /** A layer by name, or by index in `layers` (Keras's `get_layer`). */
  override getLayer(nameOrIndex: string | number | {name?: string; index?: number}): Layer {
    let name: string | undefined;
    let index: number | undefined;
    if (typeof nameOrIndex === 'string') name = nameOrIndex;
    else if (typeof nameOrIndex === 'number') index = nameOrIndex;
    else ({name, index} = nameOrIndex);
    if (name !== undefined && index !== undefined) throw new ValueError(`Provide only a layer name or a layer index. Received: index=${index}, name=${name}.`);
    const layers = this.layers;
    if (index !== undefined) {
      if (layers.length <= index) throw new ValueError(`Was asked to retrieve layer at index ${index} but model only has ${layers.length} layers.`);
      return layers[index]!;
    }
    if (name !== undefined) {
      const l = layers.find((x) => x.name === name);
      if (l) return l;
      throw new ValueError(`No such layer: ${name}. Existing layers are: ${JSON.stringify(layers.map((x) => x.name))}.`);
    }
    throw new ValueError('Provide either a layer name or layer index at `get_layer`.');
  }

  /** Inputs as the flat list of the graph's inputs: a tensor, an array, or an object by input name. */
  standardizeInputs(inputs: unknown): Tensor[] {
    const refs = this.graph.inputs;
    const struct = this.graph.inputsStruct;
    let flat: unknown[];
    if (isPlainObject(inputs) && !isPlainObject(struct)) {
      const missing = this.inputNames.filter((n) => !(n in inputs));
      if (missing.length) {
        throw new ValueError(`The structure of \`inputs\` doesn't match the expected structure. Expected inputs named ${JSON.stringify(this.inputNames)}. Received: inputs with keys ${JSON.stringify(Object.keys(inputs))}`);
      }
      flat = this.inputNames.map((n) => inputs[n]);
    } else if (isPlainObject(struct) && isPlainObject(inputs)) {
      const keys = Object.keys(struct).sort();
      const missing = keys.filter((k) => !(k in inputs));
      if (missing.length) throw new ValueError(`The structure of \`inputs\` doesn't match the expected structure. Expected keys ${JSON.stringify(keys)}. Received: inputs with keys ${JSON.stringify(Object.keys(inputs))}`);
      flat = flattenStructure(keys.map((k) => inputs[k]));
    } else if (refs.length === 1 && !Array.isArray(inputs)) {
      flat = [inputs];
    } else if (Array.isArray(inputs) && refs.length === 1 && !(inputs[0] instanceof Tensor) && !Array.isArray(struct)) {
      flat = [inputs]; // a nested array of numbers for the one input
    } else if (Array.isArray(inputs) && (inputs.length === refs.length && (inputs.every((x) => x instanceof Tensor || Array.isArray(x) || ArrayBuffer.isView(x)) && (refs.length > 1 || inputs[0] instanceof Tensor)))) {
      flat = inputs;
    } else {
      flat = flattenStructure(inputs);
    }
    if (flat.length !== refs.length) {
      throw new ValueError(`Layer "${this.name}" expects ${refs.length} input(s), but it received ${flat.length} input tensors.`);
    }
    return flat.map((x, i) => this.adjustInput(x, i));
  }

  private adjustInput(x: unknown, i: number): Tensor {
    const ref = this.graph.inputs[i]!;
    // plain arrays convert straight to the input's dtype: int32 ids above 2**24 keep every digit
    let t = toTensor(x as ops.TensorLike, `inputs[${i}]`, this.name, x instanceof Tensor || ref.dtype === 'string' ? undefined : ref.dtype);
    if ((t.dtype === 'string') !== (ref.dtype === 'string')) {
      throw new ValueError(`Input ${i} of layer "${this.name}" expects ${ref.dtype === 'string' ? 'strings (dtype string)' : `numbers (dtype ${ref.dtype})`}, but received a ${t.dtype} tensor`);
    }
    if (t.dtype !== ref.dtype) t = ops.cast(t, ref.dtype);
    // Keras drops or adds a trailing axis of size 1 to match the input's rank (text: the same strings, another shape)
    const reshape = (shape: number[], op: () => Tensor) => (t.strings ? t.withValues(shape, t.values) : op());
    if (t.rank === ref.rank + 1 && t.shape.at(-1) === 1) t = reshape(t.shape.slice(0, -1), () => ops.squeeze(t, -1));
    else if (t.rank === ref.rank - 1 && ref.shape.at(-1) === 1) t = reshape([...t.shape, 1], () => ops.expandDims(t, -1));
    if (t.rank !== ref.rank || ref.shape.some((d, j) => j > 0 && d !== null && d !== t.shape[j])) {
      throw new ValueError(
        `Input ${i} of layer "${this.name}" is incompatible with the layer: expected shape=${fmtShape(ref.shape)}, found shape=${fmtShape(t.shape)}`,
      );
    }
    return t;
  }

  protected override convertInputs(inputs: unknown): LayerInput {
    const flat = this.standardizeInputs(inputs);
    return flat.length === 1 ? flat[0]! : flat;
  }

  override call(inputs: LayerInput, kwargs: CallArgs = {}): LayerOutput {
    const flat = this.standardizeInputs(inputs);
    const mask = kwargs.mask;
    if (mask) {
      const ms = Array.isArray(mask) ? mask : [mask];
      flat.forEach((x, i) => ms[i] && setMask(x, ms[i]!));
    }
    const outs = this.graph.run(flat) as Tensor[];
    const packed = packSequenceAs(this.graph.outputsStruct, outs);
    return (Array.isArray(packed) && packed.length === 1 ? packed[0] : packed) as LayerOutput;
  }

  /** Masks are already on the outputs from the inner layers; nothing to add. */
  override computeMask(): null {
    return null;
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike | ShapeLike[] {
    const multi = Array.isArray(inputShape[0]);
    const shapes = multi ? (inputShape as ShapeLike[]) : [inputShape as ShapeLike];
    const out = this.graph.computeOutputShapes(shapes);
    return out.length === 1 ? out[0]! : out;
  }

  // --- data by input and output name (fit / evaluate / predict) ------------------------------

  /** The names that key `x` objects: the input dict's keys, else the input layers' names. */
  private inputKeys(): string[] {
    const st = this.graph.inputsStruct;
    return isPlainObject(st) ? Object.keys(st).sort() : this.inputNames;
  }

  /** An object of arrays by name -> the list in the graph's order; anything else as it is. */
  private dataToList(data: unknown, names: string[], what: string): unknown {
    if (!isPlainObject(data)) return data;
    const keys = Object.keys(data);
    const missing = names.filter((n) => !(n in data));
    const extra = keys.filter((k) => !names.includes(k));
    if (missing.length || extra.length) {
      throw new ValueError(
        `Model "${this.name}": \`${what}\` was given as an object whose keys do not match the model's ${what === 'x' ? 'inputs' : 'outputs'}. Expected keys ${JSON.stringify(names)}. Received keys ${JSON.stringify(keys)}`,
      );
    }
    const list = names.map((n) => data[n]);
    return list.length === 1 ? list[0] : list;
  }

  private trainerData(x: unknown, y: unknown): [Data, Data | null | undefined] {
    return [this.dataToList(x, this.inputKeys(), 'x') as Data, this.dataToList(y, this.outputNames, 'y') as Data | null | undefined];
  }

  private trainerArgs<A extends {sampleWeight?: unknown; validationData?: unknown}>(args: A): A {
    const out = {...args};
    if (isPlainObject(args.sampleWeight)) out.sampleWeight = this.dataToList(args.sampleWeight, this.outputNames, 'sample_weight');
    if (Array.isArray(args.validationData)) {
      const [vx, vy, vsw] = args.validationData as unknown[];
      const v: unknown[] = [this.dataToList(vx, this.inputKeys(), 'x'), this.dataToList(vy, this.outputNames, 'y')];
      if (args.validationData.length > 2) v.push(this.dataToList(vsw, this.outputNames, 'sample_weight'));
      out.validationData = v;
    }
    return out;
  }

  /** Outputs in the structure the model was built with (an object of outputs stays an object). */
  private packOutputs(out: Tensor | Tensor[]): Tensor | Tensor[] {
    if (!isPlainObject(this.graph.outputsStruct)) return out;
    return packSequenceAs(this.graph.outputsStruct, Array.isArray(out) ? out : [out]) as Tensor[];
  }

  override async fit(x: Data | Stream | Record<string, unknown>, y?: Data | Record<string, unknown> | FitArgs | null, args: FitArgs = {}): Promise<History> {
    if (isStream(x)) return super.fit(x, y as FitArgs, this.trainerArgs(args));
    const [xs, ys] = this.trainerData(x, y);
    return super.fit(xs, ys, this.trainerArgs(args));
  }
  override async evaluate(x: Data | Stream | Record<string, unknown>, y?: Data | Record<string, unknown> | EvaluateArgs | null, args: EvaluateArgs = {}) {
    if (isStream(x)) return super.evaluate(x, y as EvaluateArgs, this.trainerArgs(args));
    const [xs, ys] = this.trainerData(x, y);
    return super.evaluate(xs, ys, this.trainerArgs(args));
  }
  override async predict(x: Data | Stream | Record<string, unknown>, args: PredictArgs = {}): Promise<Tensor | Tensor[]> {
    return this.packOutputs(await super.predict(this.trainerData(x, null)[0], args));
  }
  override trainOnBatch(x: Data | Record<string, unknown>, y?: Data | Record<string, unknown> | null, args: Parameters<Model['trainOnBatch']>[2] = {}) {
    const [xs, ys] = this.trainerData(x, y);
    return super.trainOnBatch(xs, ys, this.trainerArgs(args as {sampleWeight?: unknown}) as typeof args);
  }
  override testOnBatch(x: Data | Record<string, unknown>, y?: Data | Record<string, unknown> | null, args: Parameters<Model['testOnBatch']>[2] = {}) {
    const [xs, ys] = this.trainerData(x, y);
    return super.testOnBatch(xs, ys, this.trainerArgs(args as {sampleWeight?: unknown}) as typeof args);
  }
  override predictOnBatch(x: Data | Record<string, unknown>): Tensor | Tensor[] {
    return this.packOutputs(super.predictOnBatch(this.trainerData(x, null)[0]));
  }

  // --- summary (rows for utils/summary.ts) ----------------------------------------------------

  /** Keras prints a chain of single-input layers without the `Connected to` column. */
  override summarySequentialLike(): boolean {
    const nodes: Node[] = [];
    for (const v of this.graph.nodesByDepth.values()) {
      if (v.length > 1 || (v.length === 1 && v[0]!.inputTensors.length > 1)) return false;
      nodes.push(...v);
    }
    // a layer with two nodes in the model (shared) also needs the connections
    return !this.graph.layers.some((l) => l.inboundNodes.filter((n) => nodes.includes(n)).length > 1);
  }

  override summaryRows(args: {expandNested?: boolean} = {}): SummaryRow[] {
    const relevant = this.graph.nodes;
    const connections = (layer: Layer): string => {
      const parts: string[] = [];
      for (const node of layer.inboundNodes) {
        if (!relevant.has(node)) continue;
        for (const t of node.inputTensors) parts.push(`${t.keras!.layer.name}[${t.keras!.nodeIndex}][${t.keras!.tensorIndex}]`);
      }
      return parts.length ? parts.join(', ') : '-';
    };
    const rows: SummaryRow[] = [];
    const visit = (layer: Layer, level: number) => {
      rows.push({
        name: (level ? '   '.repeat(level) + '└ ' : '') + layer.name,
        className: layer.className,
        outputShape: summaryShape(layer),
        params: layer.built ? formatCount(layer.countParams()) : '0 (unbuilt)',
        connectedTo: level ? '-' : connections(layer),
        trainable: layer.weights.length ? (layer.trainable ? 'Y' : 'N') : '-',
      });
      if (!args.expandNested || layer === this) return;
      if (layer instanceof Model) {
        // the nested model knows its own rows (a Sequential records its layers' shapes)
        for (const r of layer.summaryRows({expandNested: true})) {
          const depth = level + 1;
          const bare = r.name.replace(/^\s*└ /, '');
          const indent = r.name.length - r.name.trimStart().length;
          const sub = indent ? Math.round(indent / 3) : 0;
          rows.push({...r, name: '   '.repeat(depth + sub) + '└ ' + bare, connectedTo: '-'});
        }
        return;
      }
      const inner = (layer as {layers?: Layer[]}).layers;
      if (Array.isArray(inner)) for (const l of inner) visit(l, level + 1);
    };
    for (const l of this.graph.layers) visit(l, 0);
    return rows;
  }

  override getConfig(): Config {
    return graphConfig(this.graph, this.name, this.trainable);
  }

  static override fromConfig(config: Record<string, unknown>, customObjects: Record<string, unknown> = {}): Functional {
    const {inputs, outputs, name, trainable} = graphFromConfig(config, customObjects);
    return new this({inputs, outputs, name, trainable});
  }
}

/** Keras's `format_layer_shape`: the outputs of the layer's last node, `(None, 4)` or a list of them. */
function summaryShape(layer: Layer): string {
  const node = layer.inboundNodes.at(-1);
  let shapes: ShapeLike[];
  if (node) shapes = node.outputTensors.map((t) => t.shape);
  else {
    try {
      const s = layer.outputShape;
      shapes = Array.isArray(s[0]) ? (s as ShapeLike[]) : [s as ShapeLike];
    } catch {
      return '?';
    }
  }
  const f = shapes.map((s) => formatShape(s));
  return f.length === 1 ? f[0]! : `[${f.join(', ')}]`;
}

/**
 * A model whose inputs include intermediate tensors: new `Input`s stand for them and the layers
 * between are called again on those (the same layers, new nodes), as Keras's `clone_graph_nodes`.
 */
function cloneFromIntermediate(graph: GraphNetwork): GraphNetwork {
  const map = new Map<KerasTensor, KerasTensor>();
  for (const t of graph.inputs) {
    if (isInputKerasTensor(t)) map.set(t, t);
    else map.set(t, Input({batchShape: t.shape, dtype: t.dtype, name: `${t.keras!.layer.name}_clone`}));
  }
  const fill = (s: unknown) => mapStructure(s, (leaf) => (leaf instanceof KerasTensor ? map.get(leaf) : leaf));
  graph.run(graph.inputs.map((t) => map.get(t)), (layer, _args, _kwargs, node) => {
    const out = flattenStructure<KerasTensor>(layer.apply(fill(node.callArgs.inputs), fill(node.callArgs.kwargs) as CallArgs));
    node.outputTensors.forEach((t, i) => map.set(t, out[i]!));
    return out;
  });
  const swap = (s: unknown) => mapStructure(s, (t) => map.get(t as KerasTensor) ?? t);
  return new GraphNetwork(swap(graph.inputsStruct), swap(graph.outputsStruct));
}

/** Turns `model` (being constructed with `{inputs, outputs}`) into a functional graph. */
/** Per subclass prototype, the copy of it whose chain runs through `Functional` (see below). */
const functionalPrototypes = new WeakMap<object, object>();

/**
 * As Keras's `inject_functional_model_class`: a `Model` subclass constructed with `inputs` and
 * `outputs` (`new CustomModel({inputs, outputs})`, the guides' custom `trainStep` models) becomes a
 * functional model that keeps the subclass's methods: its prototype chain is copied with
 * `Functional.prototype` in place of `Model.prototype`. (`instanceof` the subclass is then false.)
 */
function functionalPrototypeFor(proto: object): object {
  if (proto === Model.prototype) return Functional.prototype;
  let out = functionalPrototypes.get(proto);
  if (!out) {
    out = Object.create(functionalPrototypeFor(Object.getPrototypeOf(proto) as object), Object.getOwnPropertyDescriptors(proto)) as object;
    functionalPrototypes.set(proto, out);
  }
  return out;
}

function initFunctional(model: Model, args: FunctionalArgs): void {
  if (!(model instanceof Functional)) {
    Object.setPrototypeOf(model, functionalPrototypeFor(Object.getPrototypeOf(model) as object));
    // Keras 3 names these models `functional`, `functional_1`, ...
    if (args.name === undefined) model.name = uniqueName('functional');
  }
  (model as Functional).initGraph(args);
}

setFunctionalInit((model, args) => initFunctional(model, args as FunctionalArgs));
registerKerasSerializable(Functional, {pkg: 'keras'});
registerKerasSerializable(Functional, {pkg: 'keras', name: 'Model'});
