/**
 * `keras.utils.modelToDot` and `keras.utils.plotModel`, as Keras 3's `model_visualization.py`: one
 * node per layer (an HTML table: `name (Class)` on black, then the activation, then `Input shape` /
 * `Output shape` / `Output dtype` / trainable cells), edges of width 2 from each layer to the layers
 * it feeds, nested models as dashed clusters with `expandNested`, and the graph attributes Keras
 * sets (`rankdir`, `concentrate`, `dpi`, `splines=ortho`, `node [shape=record]`). Graphviz lays it
 * out: the `dot` program when it is on the PATH, else Graphviz compiled to WebAssembly
 * (`@hpcc-js/wasm-graphviz`).
 *
 * ```ts
 * await keras.utils.plotModel(model, {toFile: 'model.svg', showShapes: true});
 * const dot = keras.utils.modelToDot(model, {showShapes: true}); // DOT text
 * ```
 *
 * Node ids are numbers in the order the layers are met (Keras uses `id(layer)`, a memory address),
 * so the same model gives the same text.
 */
import {writeFileSync} from '../platform/index.js';
import {extname} from '../platform/index.js';
import {ValueError} from '../errors.js';
import type {KerasTensor} from '../layers/keras_tensor.js';
import type {Layer, ShapeLike} from '../layers/layer.js';
import {Functional} from '../models/functional.js';
import {Model} from '../models/model.js';
import {Sequential} from '../models/sequential.js';
import {renderDot, type GraphvizEngine} from './graphviz.js';

export interface ModelToDotOptions {
  showShapes?: boolean;
  showDtype?: boolean;
  showLayerNames?: boolean;
  /** `'TB'` (top to bottom) or `'LR'` (left to right). */
  rankdir?: 'TB' | 'LR' | 'BT' | 'RL';
  /** Draw nested Functional and Sequential models as clusters of their layers. */
  expandNested?: boolean;
  dpi?: number;
  /** Return the graph as a `subgraph cluster_<name>` (used for nested models). */
  subgraph?: boolean;
  showLayerActivations?: boolean;
  showTrainable?: boolean;
  /** How edges are drawn: `'ortho'` (default), `'curved'`, `'polyline'`, `'spline'`, `'line'`. */
  splines?: string;
}

export interface PlotModelOptions extends Omit<ModelToDotOptions, 'subgraph'> {
  /** `.png` (default `model.png`), `.svg`, `.dot` (the DOT text), or any format `dot` writes. */
  toFile?: string;
  /** Which Graphviz lays the graph out: `'auto'` (`dot` on the PATH, else WebAssembly), `'dot'`, `'wasm'`. */
  graphviz?: GraphvizEngine;
}

type LabelOptions = Required<Pick<ModelToDotOptions, 'showLayerNames' | 'showLayerActivations' | 'showDtype' | 'showShapes' | 'showTrainable'>>;

/** A DOT graph as pydot keeps it: attributes, then statements in insertion order. */
class DotGraph {
  readonly statements: (string | DotGraph)[] = [];
  private readonly edges = new Set<string>();
  constructor(
    readonly header: string,
    readonly attrs: [string, string][],
  ) {}
  addNode(id: string, attrs: [string, string][]): void {
    this.statements.push(`${id} [${attrs.map(([k, v]) => `${k}=${v}`).join(', ')}];`);
  }
  /** Keras's `add_edge`: one edge per pair, `penwidth=2`. */
  addEdge(src: string, dst: string): void {
    const key = `${src} -> ${dst}`;
    if (this.edges.has(key)) return;
    this.edges.add(key);
    this.statements.push(`${key}  [penwidth=2];`);
  }
  toString(): string {
    const lines = [`${this.header} {`, ...this.attrs.map(([k, v]) => `${k}=${v};`)];
    for (const s of this.statements) lines.push(typeof s === 'string' ? s : s.toString());
    lines.push('}');
    return lines.join('\n');
  }
}

/** A DOT id as pydot writes it: bare when it is an identifier or a number, else quoted. */
function dotId(s: string): string {
  return /^([A-Za-z_][A-Za-z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$/.test(s) ? s : `"${s.replace(/"/g, '\\"')}"`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Python's `str` of a shape tuple: `(None, 784)`, `(None,)`. */
function pyTuple(shape: ShapeLike): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

/** Keras's `format_shape` of `tree.map_structure(lambda x: x.shape, ...)`: a tuple, or a list of them. */
function formatShapes(shapes: ShapeLike[] | null, single: boolean): string {
  if (!shapes) return '?';
  return single ? pyTuple(shapes[0]!) : `[${shapes.map(pyTuple).join(', ')}]`;
}

/** What a layer's node shows: its input and output shapes and output dtype(s), or null where unknown. */
interface LayerIO {
  input: ShapeLike[] | null;
  inputSingle: boolean;
  output: ShapeLike[] | null;
  outputSingle: boolean;
  dtypes: string[] | null;
}

/** From the layer's first call (Keras's `layer.input` / `layer.output`). */
function ioFromNode(layer: Layer): LayerIO | null {
  const node = layer.inboundNodes[0];
  if (!node) return null;
  const shapes = (ts: KerasTensor[]) => ts.map((t) => t.shape);
  return {
    input: shapes(node.inputTensors),
    inputSingle: node.inputTensors.length === 1,
    output: shapes(node.outputTensors),
    outputSingle: node.outputTensors.length === 1,
    dtypes: node.outputTensors.map((t) => t.dtype),
  };
}

/** A Sequential's layers are called eagerly: their shapes follow from the model's input shape. */
function sequentialIO(model: Sequential): Map<Layer, LayerIO> {
  const out = new Map<Layer, LayerIO>();
  let shape: ShapeLike | ShapeLike[];
  try {
    shape = model.inputShape;
  } catch {
    return out;
  }
  for (const layer of model.layers) {
    const fromNode = ioFromNode(layer);
    let next: ShapeLike | ShapeLike[];
    try {
      next = layer.computeOutputShape(shape);
    } catch {
      break;
    }
    const multi = (s: ShapeLike | ShapeLike[]) => Array.isArray(s[0]);
    const list = (s: ShapeLike | ShapeLike[]) => (multi(s) ? (s as ShapeLike[]) : [s as ShapeLike]);
    out.set(layer, fromNode ?? {input: list(shape), inputSingle: !multi(shape), output: list(next), outputSingle: !multi(next), dtypes: list(next).map(() => layer.dtype)});
    shape = next;
  }
  return out;
}

function activationName(layer: Layer): string | null {
  const act: unknown = 'activation' in layer ? layer.activation : undefined;
  if (act === undefined || act === null) return null;
  if (typeof act === 'function') return (act as {kerasName?: string}).kerasName ?? act.name;
  if (typeof act === 'object' && 'name' in act) return String((act as {name: unknown}).name);
  return String(act);
}

/** Keras's `make_layer_label`: the HTML-like table of one node. */
function layerLabel(layer: Layer, io: LayerIO | null, o: LabelOptions): string {
  // Keras shows `__class__.__name__`: a user's subclass by its own name, not its base's className
  const ctor = layer.constructor;
  const className = Object.prototype.hasOwnProperty.call(ctor, 'className') ? layer.className : ctor.name;
  let table = '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">';
  let colspanMax = Number(o.showDtype) + Number(o.showTrainable);
  if (o.showShapes) colspanMax += 2;
  const colspan = Math.max(1, colspanMax);
  const title = o.showLayerNames ? `<b>${escapeHtml(layer.name)}</b> (${className})` : `<b>${className}</b>`;
  table += `<tr><td colspan="${colspan}" bgcolor="black"><font point-size="16" color="white">${title}</font></td></tr>`;
  const act = o.showLayerActivations ? activationName(layer) : null;
  if (act !== null) {
    table += `<tr><td bgcolor="white" colspan="${colspan}"><font point-size="14">Activation: <b>${escapeHtml(act)}</b></font></td></tr>`;
  }
  const cols: string[] = [];
  if (o.showShapes) {
    if (className !== 'InputLayer') {
      cols.push(`<td bgcolor="white"><font point-size="14">Input shape: <b>${formatShapes(io?.input ?? null, io?.inputSingle ?? true)}</b></font></td>`);
    }
    cols.push(`<td bgcolor="white"><font point-size="14">Output shape: <b>${formatShapes(io?.output ?? null, io?.outputSingle ?? true)}</b></font></td>`);
  }
  if (o.showDtype) {
    const d = io?.dtypes;
    const text = !d ? '?' : io!.outputSingle ? d[0]! : `[${d.map((x) => `'${x}'`).join(', ')}]`;
    cols.push(`<td bgcolor="white"><font point-size="14">Output dtype: <b>${text}</b></font></td>`);
  }
  if (o.showTrainable && layer.weights.length) {
    cols.push(
      layer.trainable
        ? '<td bgcolor="forestgreen"><font point-size="14" color="white"><b>Trainable</b></font></td>'
        : '<td bgcolor="firebrick"><font point-size="14" color="white"><b>Non-trainable</b></font></td>',
    );
  }
  if (cols.length) table += `<tr>${cols.join('')}</tr>`;
  return table + '</table>>';
}

const isNested = (l: Layer): l is Functional | Sequential => l instanceof Functional || l instanceof Sequential;

/** Node ids shared by a model and the clusters of its nested models. */
type Ids = Map<Layer, string>;
const idOf = (ids: Ids, l: Layer) => {
  let id = ids.get(l);
  if (id === undefined) ids.set(l, (id = String(ids.size + 1)));
  return id;
};

/** A nested model's output layer that produces output `index` (Keras follows `outputs[i]._keras_history`). */
function resolveSource(source: Layer, index: number): Layer {
  let s = source;
  let i = index;
  while (isNested(s)) {
    if (s instanceof Functional) {
      const h = s.outputs[i]!.keras!;
      s = h.layer as Layer;
      i = h.tensorIndex;
    } else {
      s = s.layers.at(-1)!;
      i = 0;
    }
  }
  return s;
}

/** The layer inside a nested model that input `index` enters: its `InputLayer`, or a Sequential's first layer. */
function resolveDestination(dest: Layer, index: number): Layer {
  let d = dest;
  while (isNested(d)) d = d instanceof Functional ? (d.inputs[index]!.keras!.layer as Layer) : d.layers[0]!;
  return d;
}

function buildDot(model: Model, o: Required<ModelToDotOptions>, ids: Ids): DotGraph {
  if (!model.built) {
    throw new ValueError('This model has not yet been built. Build the model first by calling `build()` or by calling the model on a batch of data.');
  }
  const dot = o.subgraph
    ? new DotGraph(`subgraph ${dotId(`cluster_${model.name}`)}`, [['style', 'dashed'], ['label', dotId(model.name)], ['labeljust', 'l']])
    : new DotGraph('digraph G', [['rankdir', o.rankdir], ['concentrate', 'True'], ['dpi', String(o.dpi)], ['splines', o.splines]]);
  if (!o.subgraph) dot.statements.push('node [shape=record];');
  const label: LabelOptions = {showLayerNames: o.showLayerNames, showLayerActivations: o.showLayerActivations, showDtype: o.showDtype, showShapes: o.showShapes, showTrainable: o.showTrainable};
  const seqIO = model instanceof Sequential ? sequentialIO(model) : null;
  const addNode = (layer: Layer) => {
    const io = seqIO?.get(layer) ?? ioFromNode(layer);
    dot.addNode(idOf(ids, layer), [['label', layerLabel(layer, io, label)], ['fontname', 'Helvetica'], ['border', '0'], ['margin', '0']]);
  };
  if (!(model instanceof Sequential) && !(model instanceof Functional)) {
    addNode(model); // a subclassed model is one node
    return dot;
  }
  const layers = model.layers;
  for (const layer of layers) {
    if (o.expandNested && isNested(layer)) dot.statements.push(buildDot(layer, {...o, subgraph: true}, ids));
    else addNode(layer);
  }
  if (model instanceof Sequential) {
    // a chain: layer i feeds layer i + 1 (into and out of nested models when they are expanded)
    for (let i = 0; i + 1 < layers.length; i++) {
      const [src, dst] = o.expandNested ? [resolveSource(layers[i]!, 0), resolveDestination(layers[i + 1]!, 0)] : [layers[i]!, layers[i + 1]!];
      dot.addEdge(idOf(ids, src), idOf(ids, dst));
    }
    return dot;
  }
  const relevant = model.graph.nodes;
  for (const layer of layers) {
    for (const node of layer.inboundNodes) {
      if (!relevant.has(node)) continue;
      node.inputTensors.forEach((t, inputIndex) => {
        const h = t.keras;
        if (!h) return;
        let source = h.layer as Layer;
        let destination = layer;
        if (o.expandNested) {
          source = resolveSource(source, h.tensorIndex);
          destination = resolveDestination(destination, inputIndex);
        }
        dot.addEdge(idOf(ids, source), idOf(ids, destination));
      });
    }
  }
  return dot;
}

/** Keras's `model_to_dot`: the model as Graphviz DOT text. */
export function modelToDot(model: Model, options: ModelToDotOptions = {}): string {
  const o: Required<ModelToDotOptions> = {
    showShapes: false,
    showDtype: false,
    showLayerNames: true,
    rankdir: 'TB',
    expandNested: false,
    dpi: 200,
    subgraph: false,
    showLayerActivations: false,
    showTrainable: false,
    splines: 'ortho',
    ...options,
  };
  return buildDot(model, o, new Map()).toString() + '\n';
}

/**
 * Keras's `plot_model`: writes the diagram to `toFile` in the format its extension names (`png`
 * when it has none) and resolves to the path written. Layer names are off by default, as Keras 3.
 */
export async function plotModel(model: Model, options: PlotModelOptions = {}): Promise<string> {
  const {toFile = 'model.png', graphviz = 'auto', ...rest} = options;
  const unknown = Object.keys(options).filter(
    (k) => !['toFile', 'graphviz', 'showShapes', 'showDtype', 'showLayerNames', 'rankdir', 'expandNested', 'dpi', 'showLayerActivations', 'showTrainable', 'splines'].includes(k),
  );
  if (unknown.length) throw new ValueError(`Unrecognized keyword arguments: ${JSON.stringify(unknown)}`);
  const dot = modelToDot(model, {showLayerNames: false, ...rest});
  const ext = extname(toFile).slice(1) || 'png';
  if (ext === 'dot' || ext === 'gv') {
    writeFileSync(toFile, dot);
    return toFile;
  }
  writeFileSync(toFile, await renderDot(dot, ext, graphviz));
  return toFile;
}
