/**
 * Model state <-> HDF5 trees, in the two layouts Keras uses.
 *
 * Keras 3 (`model.weights.h5` inside `.keras`, and `.weights.h5`): every object's own variables at
 * `<path>/vars/<i>` (the group carries `name`), children under their attribute name; the layers of a
 * model under `layers/<snake_case(ClassName)>[_N]` in layer order (not their names); the optimizer
 * under `optimizer/vars` (`iteration`, `learning_rate`, then its slots).
 *
 * Legacy (Keras 2 `.h5`): `layer_names` on the weights group, one group per layer name with
 * `weight_names` naming datasets below it (`dense_1/kernel:0`, tf.keras's `lstm/lstm_cell/kernel:0`,
 * Keras 3's `dense/kernel`), read in topological order or by name.
 */
import type {Variable} from '../autodiff/variable.js';
import {ValueError} from '../errors.js';
import {Layer} from '../layers/layer.js';
import {toSnakeCase} from '../serialization.js';
import type {Optimizer} from '../optimizers/optimizer.js';
import type {DType} from '../tensor/dtype.js';
import {fmtShape, shapesEqual} from '../tensor/shape.js';
import {tensor, type Tensor} from '../tensor/tensor.js';
import {
  attrStrings, childNames, dataset, ensureGroup, getGroup, getPath, newGroup, setChild,
  type H5Dataset, type H5DType, type H5Group, type H5AttrValue,
} from './h5_tree.js';

/** What saving needs of a model: a layer with `layers` and, once compiled, an optimizer. */
export interface SaveableModel extends Layer {
  readonly layers: Layer[];
  readonly optimizer?: Optimizer | null;
}

/** Whether `x` (a model a callback holds, say) is a layer with a list of layers, as models are. */
export function isSaveableModel(x: unknown): x is SaveableModel {
  return x instanceof Layer && 'layers' in x && Array.isArray(x.layers);
}

// --- values -------------------------------------------------------------------------------------------

const H5_OF: Partial<Record<DType, H5DType>> = {float32: 'float32', float64: 'float64', int32: 'int32', bool: 'uint8'};

function variableDataset(v: Variable, asInt64 = false): H5Dataset {
  const t = v.value;
  if (asInt64) return dataset('int64', t.shape, Float64Array.from(t.values as ArrayLike<number>));
  const dt = H5_OF[t.dtype];
  if (!dt) throw new ValueError(`Cannot save variable "${v.path}" of dtype ${t.dtype}`);
  const data = t.dtype === 'bool' ? Uint8Array.from(t.values as ArrayLike<number>) : (t.values.slice() as Float32Array);
  return dataset(dt, t.shape, data);
}

/** A dataset as a tensor of `dtype` (the variable's). */
function datasetTensor(d: H5Dataset, dtype: DType, where: string): Tensor {
  if (d.dtype === 'string') throw new ValueError(`${where}: expected numbers, found strings`);
  const data = d.data as ArrayLike<number>;
  const src = dtype === 'float32' && d.data instanceof Float32Array ? d.data.slice() : dtype === 'float64' ? Float64Array.from(data) : dtype === 'float32' ? Float32Array.from(data) : Int32Array.from(data, (x) => Math.round(x));
  return tensor(src, d.shape, dtype);
}

/** Assigns `d` to `v` after a shape check (`skipMismatch` warns and skips instead of throwing). */
function assignChecked(v: Variable, d: H5Dataset, where: string, skipMismatch: boolean, warnings: string[]): void {
  if (!shapesEqual(v.shape, d.shape)) {
    const msg = `Shape mismatch in ${where} for weight ${v.path}. Weight expects shape ${fmtShape(v.shape)}. Received saved weight with shape ${fmtShape(d.shape)}`;
    if (skipMismatch) {
      warnings.push(msg);
      return;
    }
    throw new ValueError(msg);
  }
  v.assign(datasetTensor(d, v.dtype, where));
}

// --- the Keras 3 walk ---------------------------------------------------------------------------------

const SKIP_FIELDS = new Set(['inboundNodes', 'outboundNodes']);

/** Sort as Keras's `_name_key`: attributes starting with `_` last. */
function nameKey(n: string): string {
  return n.startsWith('_') ? `~${n}` : n;
}

/** A layer's sublayer attributes (`cell`, `forward_layer`, `cells` ...), as Keras's `_walk_saveable`. */
function childAttributes(obj: Layer): [string, Layer | Layer[]][] {
  const out: [string, Layer | Layer[]][] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (SKIP_FIELDS.has(k) || k.startsWith('_parent')) continue;
    if (v instanceof Layer && v !== obj) out.push([toSnakeCase(k.replace(/^_+/, '')) || k, v]);
    else if (Array.isArray(v) && v.length && v.every((x) => x instanceof Layer)) out.push([toSnakeCase(k.replace(/^_+/, '')) || k, v]);
  }
  return out.sort((a, b) => (nameKey(a[0]) < nameKey(b[0]) ? -1 : nameKey(a[0]) > nameKey(b[0]) ? 1 : 0));
}

function isModel(obj: Layer): obj is SaveableModel {
  return 'layers' in obj && Array.isArray((obj as SaveableModel).layers) && typeof (obj as {compile?: unknown}).compile === 'function';
}

/** The model's layers as Keras lists them: a Sequential without its input layer, a graph with its inputs. */
function modelLayers(m: SaveableModel): Layer[] {
  return m.layers;
}

/** A layer's own variables: its weights minus its sublayers' (Keras's `_trainable_variables + _non_trainable_variables`). */
function ownVariables(obj: Layer): Variable[] {
  const sub = new Set<Variable>();
  const children = isModel(obj) ? modelLayers(obj) : obj.sublayers;
  for (const l of children) for (const w of l.weights) sub.add(w);
  return obj.weights.filter((w) => !sub.has(w));
}

type Visitor = (obj: Layer | Optimizer, path: string) => void;

function uniqueName(name: string, used: Map<string, number>): string {
  const n = used.get(name);
  if (n === undefined) {
    used.set(name, 0);
    return name;
  }
  used.set(name, n + 1);
  return `${name}_${n + 1}`;
}

/** Visits `root` and every saveable below it with its Keras 3 path, each object once. */
function walk(root: Layer, visit: Visitor, includeOptimizer: boolean): void {
  const seen = new Set<unknown>();
  const rec = (obj: Layer, path: string): void => {
    if (seen.has(obj)) return;
    seen.add(obj);
    visit(obj, path);
    const join = (a: string) => (path ? `${path}/${a}` : a);
    const container = (list: Layer[], p: string) => {
      const used = new Map<string, number>();
      for (const l of list) rec(l, `${p}/${uniqueName(toSnakeCase(l.className), used)}`);
    };
    if (isModel(obj)) {
      container(modelLayers(obj), join('layers'));
      const opt = obj.optimizer;
      if (includeOptimizer && opt && !seen.has(opt)) {
        seen.add(opt);
        visit(opt, join('optimizer'));
      }
      return;
    }
    for (const [name, child] of childAttributes(obj)) {
      if (Array.isArray(child)) container(child, join(name));
      else rec(child, join(name));
    }
  };
  rec(root, '');
}

/** Every layer under `root` (itself included) with its Keras 3 path (`layers/text_vectorization`), each once. */
export function layersWithPaths(root: Layer): [Layer, string][] {
  const out: [Layer, string][] = [];
  walk(root, (obj, path) => void (obj instanceof Layer && out.push([obj, path])), false);
  return out;
}

function optimizerVariables(opt: Optimizer): Variable[] {
  return opt.variables;
}

/** The Keras 3 weights tree of a model (or layer): `layers/.../vars/<i>`, `optimizer/vars/<i>`, `vars`. */
export function stateTree(root: Layer, {includeOptimizer = true}: {includeOptimizer?: boolean} = {}): H5Group {
  const tree = newGroup();
  walk(
    root,
    (obj, path) => {
      const isOpt = !(obj instanceof Layer);
      const vars = isOpt ? optimizerVariables(obj as Optimizer) : ownVariables(obj as Layer);
      const g = ensureGroup(tree, path ? `${path}/vars` : 'vars', {name: obj.name});
      vars.forEach((v, i) => setChild(g, String(i), variableDataset(v, isOpt && v === (obj as Optimizer).iterationsVariable)));
    },
    includeOptimizer,
  );
  return tree;
}

export interface LoadStateOptions {
  skipMismatch?: boolean;
  includeOptimizer?: boolean;
  source?: string;
}

/**
 * Loads a Keras 3 weights tree into a built model. Every variable must find its dataset (or the
 * error names the path); with `skipMismatch` shape or count mismatches are skipped with a warning.
 */
export function loadStateTree(root: Layer, tree: H5Group, options: LoadStateOptions = {}): string[] {
  const skip = options.skipMismatch ?? false;
  const src = options.source ?? 'weights file';
  const warnings: string[] = [];
  walk(
    root,
    (obj, path) => {
      const isOpt = !(obj instanceof Layer);
      const vars = isOpt ? optimizerVariables(obj as Optimizer) : ownVariables(obj as Layer);
      const gpath = path ? `${path}/vars` : 'vars';
      // Keras 2.13's files name the layer list `_layer_checkpoint_dependencies`
      const g = getGroup(tree, gpath) ?? getGroup(tree, gpath.replace(/^layers\//, '_layer_checkpoint_dependencies/'));
      const found = g ? childNames(g).filter((n) => g.children[n]!.kind === 'dataset') : [];
      if (vars.length === 0 && found.length === 0) return;
      const where = `${isOpt ? 'optimizer' : `layer "${(obj as Layer).name}"`} (${gpath} in ${src})`;
      if (!g && !isOpt) {
        const msg = `${src}: no weights for ${isOpt ? 'the optimizer' : `layer "${(obj as Layer).name}" (${(obj as Layer).className})`} at ${gpath}; the file was saved from a different model`;
        if (skip) return void warnings.push(msg);
        throw new ValueError(msg);
      }
      if (isOpt && (!g || found.length !== vars.length)) {
        warnings.push(`${src}: skipping the optimizer state: the file has ${found.length} optimizer variables, the optimizer has ${vars.length}`);
        return;
      }
      if (found.length !== vars.length) {
        const msg = `${src}: ${where} expects ${vars.length} variables, but the file has ${found.length}`;
        if (skip) return void warnings.push(msg);
        throw new ValueError(msg);
      }
      vars.forEach((v, i) => {
        const d = g!.children[String(i)];
        if (!d || d.kind !== 'dataset') throw new ValueError(`${src}: ${gpath}/${i} is missing or is not a dataset`);
        assignChecked(v, d, where, skip || isOpt, warnings);
      });
    },
    options.includeOptimizer ?? true,
  );
  return warnings;
}

// --- legacy (Keras 2) layout --------------------------------------------------------------------------

/** `name`, or chunked `name0`, `name1`, ... (Keras splits attributes over 64 KiB). */
function readChunkedAttr(g: H5Group, name: string): string[] {
  const direct = attrStrings(g.attrs[name]);
  if (direct) return direct;
  const out: string[] = [];
  for (let i = 0; `${name}${i}` in g.attrs; i++) out.push(...(attrStrings(g.attrs[`${name}${i}`]) ?? []));
  return out;
}

const ATTR_LIMIT = 64512; // HDF5_OBJECT_HEADER_LIMIT in Keras

/** Writes a list of names as Keras does: one fixed-length string attribute, chunked when too large. */
function writeChunkedAttr(g: H5Group, name: string, values: string[]): void {
  const width = Math.max(1, ...values.map((v) => utf8Length(v)));
  let chunks = 1;
  while (Math.ceil(values.length / chunks) * width > ATTR_LIMIT) chunks++;
  if (chunks === 1) {
    g.attrs[name] = {strings: values, fixed: true};
    return;
  }
  const per = Math.ceil(values.length / chunks);
  for (let i = 0; i < chunks; i++) g.attrs[`${name}${i}`] = {strings: values.slice(i * per, (i + 1) * per), fixed: true};
}

/** Keras's legacy order: trainable weights, then non-trainable. */
function legacyWeights(layer: Layer): Variable[] {
  return [...layer.trainableWeights, ...layer.nonTrainableWeights];
}

/** The legacy weights group (`layer_names`, one group per layer): `model_weights` or a weights-only file's root. */
export function legacyWeightsGroup(model: SaveableModel, attrs: Record<string, H5AttrValue>): H5Group {
  const g = newGroup();
  const layers = model.layers;
  writeChunkedAttr(g, 'layer_names', layers.map((l) => l.name));
  Object.assign(g.attrs, attrs);
  for (const layer of [...layers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const lg = newGroup();
    setChild(g, layer.name, lg);
    const ws = legacyWeights(layer);
    const names = ws.map((w) => w.path);
    if (new Set(names).size !== names.length) throw new ValueError(`Layer "${layer.name}" has two weights with the same path; cannot save it in the .h5 format`);
    writeChunkedAttr(lg, 'weight_names', names);
    ws.forEach((w) => {
      const parts = w.path.split('/');
      const parent = ensureGroup(lg, parts.slice(0, -1).join('/'));
      setChild(parent, parts.at(-1)!, variableDataset(w));
    });
  }
  return g;
}

/** The datasets a legacy layer group lists in `weight_names`, in order. */
function legacyLayerValues(g: H5Group, layerName: string, src: string): H5Dataset[] {
  const names = readChunkedAttr(g, 'weight_names');
  return names.map((n) => {
    const d = getPath(g, n);
    if (!d || d.kind !== 'dataset') throw new ValueError(`${src}: weight "${n}" of layer "${layerName}" is listed in weight_names but missing from the file`);
    return d;
  });
}

/**
 * Converts legacy weight lists to our layers' (Keras's `preprocess_weights_for_loading`): Keras 1's
 * 12-array LSTM (gates i, c, f, o) and 9-array GRU, and CuDNN biases.
 */
function convertLegacy(layer: Layer, values: H5Dataset[], expected: Variable[]): H5Dataset[] {
  const cls = layer.className;
  const concat = (parts: H5Dataset[]): H5Dataset => {
    // concatenation along the last axis
    const rows = parts[0]!.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const cols = parts.map((p) => p.shape.at(-1)!);
    const total = cols.reduce((a, b) => a + b, 0);
    const out = new Float32Array(rows * total);
    for (let r = 0; r < rows; r++) {
      let off = 0;
      parts.forEach((p, k) => {
        const c = cols[k]!;
        out.set((p.data as Float32Array).subarray(r * c, r * c + c), r * total + off);
        off += c;
      });
    }
    return dataset('float32', [...parts[0]!.shape.slice(0, -1), total], out);
  };
  if (cls === 'LSTM' && values.length === 12 && expected.length === 3) {
    const v = values;
    return [concat([v[0]!, v[6]!, v[3]!, v[9]!]), concat([v[1]!, v[7]!, v[4]!, v[10]!]), concat([v[2]!, v[8]!, v[5]!, v[11]!])];
  }
  if (cls === 'GRU' && values.length === 9 && expected.length === 3) {
    const v = values; // z, r, h
    return [concat([v[0]!, v[3]!, v[6]!]), concat([v[1]!, v[4]!, v[7]!]), concat([v[2]!, v[5]!, v[8]!])];
  }
  return values;
}

export interface LegacyLoadOptions {
  byName?: boolean;
  skipMismatch?: boolean;
  source?: string;
}

/** Loads a legacy weights group (Keras's `load_weights_from_hdf5_group[_by_name]`). */
export function loadLegacyWeights(model: SaveableModel, g: H5Group, options: LegacyLoadOptions = {}): string[] {
  const src = options.source ?? 'weights file';
  const skip = options.skipMismatch ?? false;
  const warnings: string[] = [];
  const fileLayers = readChunkedAttr(g, 'layer_names');
  if (fileLayers.length === 0) throw new ValueError(`${src}: no \`layer_names\` attribute: this is not a Keras weights file`);
  const setLayer = (layer: Layer, name: string, k: number) => {
    const lg = getGroup(g, name);
    if (!lg) throw new ValueError(`${src}: layer "${name}" is listed in layer_names but has no group`);
    const symbolic = legacyWeights(layer);
    const values = convertLegacy(layer, legacyLayerValues(lg, name, src), symbolic);
    if (values.length !== symbolic.length) {
      const msg = `${src}: weight count mismatch for layer #${k} (named ${layer.name} in the current model, ${name} in the save file). Layer expects ${symbolic.length} weight(s). Received ${values.length} saved weight(s)`;
      if (skip) return void warnings.push(msg);
      throw new ValueError(msg);
    }
    symbolic.forEach((v, i) => assignChecked(v, values[i]!, `layer #${k} (named ${layer.name})`, skip, warnings));
  };
  if (options.byName) {
    const byName = new Map(model.layers.map((l) => [l.name, l]));
    fileLayers.forEach((name, k) => {
      const layer = byName.get(name);
      if (layer && legacyWeights(layer).length) setLayer(layer, name, k);
    });
    return warnings;
  }
  const layers = model.layers.filter((l) => legacyWeights(l).length > 0);
  const names = fileLayers.filter((n) => {
    const lg = getGroup(g, n);
    return lg !== undefined && readChunkedAttr(lg, 'weight_names').length > 0;
  });
  if (names.length !== layers.length) {
    throw new ValueError(
      `${src}: layer count mismatch when loading weights from file. Model expected ${layers.length} layers with weights, found ${names.length} saved layers with weights ` +
        `(model: ${JSON.stringify(layers.map((l) => l.name))}; file: ${JSON.stringify(names)})`,
    );
  }
  names.forEach((name, k) => setLayer(layers[k]!, name, k));
  return warnings;
}

/** Legacy optimizer weights (`optimizer_weights` with `weight_names`), in file order. */
export function legacyOptimizerValues(root: H5Group, src: string): H5Dataset[] | null {
  const g = getGroup(root, 'optimizer_weights');
  if (!g) return null;
  return readChunkedAttr(g, 'weight_names').map((n) => {
    const d = getPath(g, n);
    if (!d || d.kind !== 'dataset') throw new ValueError(`${src}: optimizer weight "${n}" is missing`);
    return d;
  });
}

/** The legacy `optimizer_weights` group of an optimizer. */
export function legacyOptimizerGroup(opt: Optimizer): H5Group | null {
  if (!opt.built) return null;
  const g = newGroup();
  const vars = opt.variables;
  const names = vars.map((v) => v.path);
  writeChunkedAttr(g, 'weight_names', names);
  vars.forEach((v) => {
    const parts = v.path.split('/');
    setChild(ensureGroup(g, parts.slice(0, -1).join('/')), parts.at(-1)!, variableDataset(v, v === opt.iterationsVariable));
  });
  return g;
}

/** Sets optimizer variables from legacy values when they match one to one; otherwise warns. */
export function setOptimizerFromLegacy(opt: Optimizer, values: H5Dataset[], src: string): string[] {
  const vars = opt.variables;
  const matches = (vs: readonly {shape: readonly number[]}[], ds: H5Dataset[]) => vs.length === ds.length && ds.every((d, i) => shapesEqual(d.shape, vs[i]!.shape));
  if (matches(vars, values)) {
    vars.forEach((v, i) => v.assign(datasetTensor(values[i]!, v.dtype, src)));
    return [];
  }
  // Keras 2 and tf.keras keep no learning-rate variable: `[iterations] + slots` (Keras 2.2+, tf.keras),
  // or the slots alone (Keras 2.0-2.1), slots in the same order as ours (all m, then all v)
  const slots = vars.filter((v) => v.name !== 'iteration' && v.name !== 'learning_rate');
  const iteration = vars.find((v) => v.name === 'iteration');
  const withIteration = values.length === slots.length + 1 && values[0]!.shape.length === 0;
  const slotValues = withIteration ? values.slice(1) : values;
  if (matches(slots, slotValues)) {
    slots.forEach((v, i) => v.assign(datasetTensor(slotValues[i]!, v.dtype, src)));
    if (withIteration && iteration) iteration.assign(datasetTensor(values[0]!, iteration.dtype, src));
    return [];
  }
  return [`${src}: the saved optimizer state (${values.length} arrays) does not match ${opt.className}'s ${vars.length} variables; the optimizer starts fresh`];
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}
