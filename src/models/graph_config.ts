/**
 * The config of a functional graph in Keras's structure, camelCase (snake_case exists only on disk,
 * converted in `saving/`):
 *
 * ```
 * {name, trainable,
 *  layers: [{module, className, config, registeredName, buildConfig, name,
 *            inboundNodes: [{args: [{className: '__keras_tensor__', config: {shape, dtype, kerasHistory: [layer, node, tensor]}}], kwargs: {}}]}],
 *  inputLayers: [[name, nodeIndex, tensorIndex]], outputLayers: [...]}
 * ```
 *
 * Reading also accepts Keras 2's inbound nodes, `[[[name, nodeIndex, tensorIndex, kwargs], ...]]`.
 * Configs from disk (snake_case, any Keras dialect) reach this form through `saving/` (`readEnvelope`,
 * the one place where keys are converted); `keras.models.modelFromConfig` / `modelFromJson` are there.
 */
import {ValueError} from '../errors.js';
import {KerasTensor, type Node} from '../layers/keras_tensor.js';
import type {Layer, ShapeLike} from '../layers/layer.js';
import {mapStructure} from '../layers/symbolic_call.js';
import {resolveClass, type Envelope} from '../saving/config.js';
import {getRegisteredClass} from '../serialization.js';
import type {GraphNetwork} from './graph_map.js';

export type Config = Record<string, unknown>;

/** Whether a layer is a functional model (nested models start their node count at 1 in configs). */
function isFunctional(layer: Layer): boolean {
  return 'graph' in layer && layer.graph !== undefined && layer.className === 'Functional';
}

/** How a layer is written in a model config (Keras's `serialize_keras_object`). */
export function serializeLayer(layer: Layer): Config {
  const cls = layer.constructor as typeof Layer;
  const registered = getRegisteredClass(`keras>${cls.className}`) === (layer.constructor as unknown);
  const out: Config = {
    module: moduleOf(layer),
    className: cls.className,
    config: layer.getConfig(),
    registeredName: registered ? null : `Custom>${cls.className}`,
  };
  const build = layer.getBuildConfig?.();
  // a layer whose Keras `build` takes several shapes (MultiHeadAttention's query_shape, value_shape)
  const shapesDict = (layer as {buildShapesDict?: () => Record<string, unknown> | null}).buildShapesDict?.();
  if (shapesDict) out['buildConfig'] = {shapesDict};
  else if (build && layer.className !== 'InputLayer' && !isFunctional(layer)) out['buildConfig'] = build;
  return out;
}

function moduleOf(layer: Layer): string {
  const n = layer.className;
  if (n === 'Functional') return 'keras.src.models.functional';
  if (n === 'Sequential') return 'keras.src.models.sequential';
  return 'keras.layers';
}

/** A symbolic tensor in a node's arguments, as Keras 3 writes it. */
function serializeKerasTensor(x: KerasTensor, own: Set<Node>): Config {
  const {layer, nodeIndex, tensorIndex} = x.keras!;
  let irrelevant = 0;
  for (const n of layer.inboundNodes.slice(0, nodeIndex)) if (!own.has(n)) irrelevant++;
  return {className: '__keras_tensor__', config: {shape: [...x.shape], dtype: x.dtype, kerasHistory: [layer.name, nodeIndex - irrelevant, tensorIndex]}};
}

function serializeNode(node: Node, own: Set<Node>): Config | null {
  if (node.isInput) return null;
  const ser = (s: unknown) => mapStructure(s, (leaf) => (leaf instanceof KerasTensor ? serializeKerasTensor(leaf, own) : leaf));
  const kwargs: Config = {};
  for (const [k, v] of Object.entries(node.callArgs.kwargs)) if (v !== undefined) kwargs[k] = ser(v);
  // layers whose Keras call takes several tensors positionally (`mha(query, value)`) list them as args
  const positional = (node.layer.constructor as {positionalInputs?: boolean}).positionalInputs && Array.isArray(node.callArgs.inputs);
  return {args: positional ? (node.callArgs.inputs as unknown[]).map(ser) : [ser(node.callArgs.inputs)], kwargs};
}

/** The config of a functional model's graph (`Functional.get_config`). */
export function graphConfig(graph: GraphNetwork, name: string, trainable: boolean): Config {
  const reindex = new Map<Node, number>();
  for (const layer of graph.layers) {
    let kept = isFunctional(layer) ? 1 : 0;
    for (const node of layer.inboundNodes) if (graph.nodes.has(node)) reindex.set(node, kept++);
  }
  const layers = graph.layers.map((layer) => {
    const inboundNodes = layer.inboundNodes.filter((n) => graph.nodes.has(n)).map((n) => serializeNode(n, graph.nodes)).filter((n) => n !== null);
    return {...serializeLayer(layer), name: layer.name, inboundNodes};
  });
  const tensorConfig = (leaf: unknown) => {
    const t = leaf as KerasTensor;
    const node = t.keras!.layer.inboundNodes[t.keras!.nodeIndex]!;
    const idx = reindex.get(node);
    if (idx === undefined) throw new ValueError(`Internal error: the node of ${t.toString()} is not in the model`);
    return [t.keras!.layer.name, idx, t.keras!.tensorIndex];
  };
  // the structure the model was built with: a single tensor is one `[name, node, tensor]` triple
  return {name, trainable, layers, inputLayers: mapStructure(graph.inputsStruct, tensorConfig), outputLayers: mapStructure(graph.outputsStruct, tensorConfig)};
}

/**
 * Builds a layer from its entry in a model config (Keras 3 `{module, className, config, registeredName,
 * buildConfig}` or Keras 2 `{className, config}`, camelCase): the class comes from `customObjects`
 * (by class or registered name) or the registry, as everywhere in `saving/`.
 */
export function deserializeLayer(entry: Config, customObjects: Record<string, unknown> = {}): Layer {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry) || typeof entry['className'] !== 'string') {
    throw new ValueError(`Cannot deserialize a layer: expected an object with \`className\` and \`config\`. Received: ${JSON.stringify(entry)?.slice(0, 200)}`);
  }
  const cls = resolveClass(entry as Envelope, {customObjects});
  const config = {...((entry['config'] as Config | undefined) ?? {})};
  const layer = cls.fromConfig(config, customObjects) as Layer;
  // as a file says: a shape that is not one makes `maybeBuild` throw, which is caught below
  const build = entry['buildConfig'] as {inputShape?: ShapeLike | ShapeLike[]; shapesDict?: Record<string, ShapeLike>} | undefined;
  const shapes = build?.inputShape ?? (build?.shapesDict ? Object.values(build.shapesDict) : undefined);
  if (shapes && !layer.built && layer.className !== 'InputLayer') {
    try {
      layer.maybeBuild(shapes);
    } catch {
      // building early is a convenience; the first call builds anyway
    }
  }
  return layer;
}

function isLegacyTensorRef(x: unknown): x is [string, number, number, Config?] {
  return Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'number' && typeof x[2] === 'number';
}

class NodeNotReady extends Error {}

function outputOf(layers: Map<string, Layer>, name: string, nodeIndex: number, tensorIndex: number, legacy: boolean): KerasTensor {
  const layer = layers.get(name);
  if (!layer) throw new ValueError(`Invalid Functional model configuration. Missing node: ${name}`);
  // Keras 2 models own a node 0 of their own: a nested model's calls start at index 1
  const idx = legacy && isFunctional(layer) ? nodeIndex - 1 : nodeIndex;
  const node = layer.inboundNodes[idx];
  if (!node) throw new NodeNotReady(`Layer node index out of bounds: layer "${name}" has ${layer.inboundNodes.length} nodes, node ${idx} was asked for`);
  const t = node.outputTensors[tensorIndex];
  if (!t) throw new ValueError(`Invalid Functional model configuration: layer "${name}" node ${nodeIndex} has no output ${tensorIndex}`);
  return t;
}

/** Calls `layer` on the tensors its node config names (Keras's `deserialize_node` + the call). */
function processNode(layer: Layer, nodeData: unknown, layers: Map<string, Layer>): void {
  if (Array.isArray(nodeData)) {
    // Keras 2: [[name, nodeIndex, tensorIndex, kwargs], ...]
    if (nodeData.length === 0) return;
    const tensors: KerasTensor[] = [];
    let kwargs: Config = {};
    for (const ref of nodeData) {
      if (!isLegacyTensorRef(ref)) throw new ValueError(`Cannot deserialize the model (invalid config data?): inbound node entry ${JSON.stringify(ref)}`);
      tensors.push(outputOf(layers, ref[0], ref[1], ref[2], true));
      if (ref[3] && typeof ref[3] === 'object') kwargs = {...kwargs, ...ref[3]};
    }
    layer.apply(tensors.length === 1 ? tensors[0] : tensors, kwargs);
    return;
  }
  const data = nodeData as {args?: unknown[]; kwargs?: Config};
  const revive = (s: unknown): unknown => {
    if (Array.isArray(s)) return s.map(revive);
    if (s && typeof s === 'object') {
      const o = s as Config;
      if (o['className'] === '__keras_tensor__') {
        const hist = (o['config'] as Config)['kerasHistory'] as [string, number, number];
        return outputOf(layers, hist[0], hist[1], hist[2], false);
      }
      const out: Config = {};
      for (const [k, v] of Object.entries(o)) out[k] = revive(v);
      return out;
    }
    return s;
  };
  const args = revive(data.args ?? []) as unknown[];
  const kwargs = revive(data.kwargs ?? {}) as Config;
  layer.apply(args.length > 1 ? args : args[0], kwargs);
}

/**
 * Rebuilds the layers and the graph of a functional config; returns the input and output tensors
 * (in their structures) for `new Functional({inputs, outputs})` (Keras's `functional_from_config`).
 */
export function graphFromConfig(config: Config, customObjects: Record<string, unknown> = {}): {inputs: unknown; outputs: unknown; name?: string; trainable?: boolean} {
  const layerEntries = config['layers'] as Config[] | undefined;
  if (!Array.isArray(layerEntries)) throw new ValueError('Invalid Functional model configuration: `layers` must be a list');
  const created = new Map<string, Layer>();
  const pending = new Map<Layer, unknown[]>();
  for (const entry of layerEntries) {
    const layer = deserializeLayer(entry, customObjects);
    const name = (entry['name'] as string | undefined) ?? layer.name;
    created.set(name, layer);
    const nodes = (entry['inboundNodes'] as unknown[] | undefined) ?? [];
    if (nodes.length) pending.set(layer, [...nodes]);
  }
  // process nodes in layer order, re-queueing those whose inputs do not exist yet (shared layers)
  while (pending.size) {
    let progress = false;
    for (const entry of layerEntries) {
      const layer = created.get(entry['name'] as string)!;
      const list = pending.get(layer);
      if (!list) continue;
      let i = 0;
      for (; i < list.length; i++) {
        try {
          processNode(layer, list[i], created);
        } catch (e) {
          if (e instanceof NodeNotReady) break;
          throw e;
        }
      }
      if (i > 0) progress = true;
      if (i >= list.length) pending.delete(layer);
      else pending.set(layer, list.slice(i));
    }
    if (!progress) {
      const names = [...pending.keys()].map((l) => l.name);
      throw new ValueError(`Invalid Functional model configuration. The graph of the Functional model either has loops or disconnected nodes. The following nodes failed to be resolved: ${JSON.stringify(names)}`);
    }
  }
  const mapTensors = (s: unknown): unknown => {
    if (isLegacyTensorRef(s)) {
      const layer = created.get(s[0]);
      // Keras 3 writes nested functional models' node indices counting their own node 0
      const idx = layer && isFunctional(layer) ? s[1] - 1 : s[1];
      return outputOf(created, s[0], idx, s[2], false);
    }
    if (Array.isArray(s)) return s.map(mapTensors);
    if (s && typeof s === 'object') {
      const out: Config = {};
      for (const [k, v] of Object.entries(s as Config)) out[k] = mapTensors(v);
      return out;
    }
    throw new ValueError(`Invalid Functional model configuration: cannot read tensor reference ${JSON.stringify(s)}`);
  };
  return {
    inputs: mapTensors(config['inputLayers']),
    outputs: mapTensors(config['outputLayers']),
    name: config['name'] as string | undefined,
    trainable: config['trainable'] as boolean | undefined,
  };
}
