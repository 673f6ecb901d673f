/**
 * The graph of a functional model (Keras's `ops.Function`): from symbolic inputs and outputs, the
 * nodes between them, their depths, the layers in Keras's order, the connectivity checks, and the
 * execution of the graph on concrete (or symbolic) values.
 *
 * ```ts
 * const g = new GraphNetwork(inputs, outputs);
 * const [y] = g.run([x]); // calls every layer in order
 * ```
 */
import {ValueError} from '../errors.js';
import type {ShapeLike} from '../layers/input_spec.js';
import {KerasTensor, type Node} from '../layers/keras_tensor.js';
import {Layer} from '../layers/layer.js';
import {flattenStructure, mapStructure} from '../layers/symbolic_call.js';

/** A call of `layer` on `args` (the node's recorded structure with values filled in). */
export type NodeCallFn = (layer: Layer, args: unknown, kwargs: Record<string, unknown>, node: Node) => unknown;

function nodeLayer(node: Node): Layer {
  // a node records its layer as the little the graph needs (keras_tensor.ts cannot import Layer)
  if (!(node.layer instanceof Layer)) throw new ValueError(`A node of "${node.layer.name}" was not recorded by a Layer`);
  return node.layer;
}

function tensorNode(t: KerasTensor): Node {
  if (!t.keras) {
    throw new ValueError(
      `A functional model's inputs and outputs must come from keras.Input or from layer calls on them. Received a KerasTensor with no history: ${t.toString()}`,
    );
  }
  return t.keras.layer.inboundNodes[t.keras.nodeIndex]!;
}

/** Whether `t` is the output of an `Input` (an input node, not an intermediate tensor). */
export function isInputKerasTensor(t: KerasTensor): boolean {
  return tensorNode(t).isInput;
}

/**
 * Depth-first walk back from the outputs: the nodes in order from inputs to outputs, and the order
 * in which each layer was first seen (Keras's `_build_map`).
 */
function buildMap(inputs: KerasTensor[], outputs: KerasTensor[]): {nodes: Node[]; layerIndex: Map<Layer, number>} {
  const finished = new Set<Node>();
  const inProgress = new Set<Node>();
  const nodes: Node[] = [];
  const layerIndex = new Map<Layer, number>();
  const inputSet = new Set(inputs);
  const visit = (t: KerasTensor): void => {
    const node = tensorNode(t);
    if (finished.has(node)) return;
    // an intermediate tensor given as a model input: the graph starts there
    if (!node.isInput && inputSet.has(t)) {
      finished.add(node);
      return;
    }
    if (inProgress.has(node)) throw new ValueError(`Tensor ${t.toString()} from layer "${node.layer.name}" is part of a cycle.`);
    const layer = nodeLayer(node);
    if (!layerIndex.has(layer)) layerIndex.set(layer, layerIndex.size);
    inProgress.add(node);
    for (const x of node.inputTensors) visit(x);
    finished.add(node);
    inProgress.delete(node);
    nodes.push(node);
  };
  for (const o of outputs) visit(o);
  return {nodes, layerIndex};
}

/** A shape travelling through the graph in place of a tensor (a leaf of the call structures). */
class ShapeBox {
  constructor(readonly shape: ShapeLike) {}
}

/** Keras's `Function`: a validated graph between symbolic inputs and outputs. */
export class GraphNetwork {
  readonly inputs: KerasTensor[];
  readonly outputs: KerasTensor[];
  /** The nodes that belong to this graph. */
  readonly nodes: Set<Node>;
  /** Depth (distance from the outputs) -> nodes; run from the deepest. */
  readonly nodesByDepth: Map<number, Node[]>;
  /** Layers ordered from the inputs to the outputs, ties by first traversal (Keras's `operations`). */
  readonly layers: Layer[];

  constructor(
    readonly inputsStruct: unknown,
    readonly outputsStruct: unknown,
  ) {
    this.inputs = flattenStructure<KerasTensor>(inputsStruct);
    this.outputs = flattenStructure<KerasTensor>(outputsStruct);
    const check = (xs: unknown[], what: string, struct: unknown) => {
      if (xs.length === 0) throw new ValueError(`\`${what}\` argument cannot be empty. Received: ${what}=${JSON.stringify(struct)}`);
      xs.forEach((x) => {
        if (!(x instanceof KerasTensor)) {
          throw new ValueError(`All \`${what}\` values must be KerasTensors. Received: ${what} including invalid value ${String(x)} of type ${typeof x}`);
        }
      });
    };
    check(this.inputs, 'inputs', inputsStruct);
    check(this.outputs, 'outputs', outputsStruct);
    const {nodes, layerIndex} = buildMap(this.inputs, this.outputs);
    const inGraph = new Set(nodes);
    const nodeDepth = new Map<Node, number>();
    const layerDepth = new Map<Layer, number>();
    for (const node of [...nodes].reverse()) {
      let depth = nodeDepth.get(node) ?? 0;
      const layer = nodeLayer(node);
      // a shared layer sits at the deepest of its nodes' depths
      depth = Math.max(depth, layerDepth.get(layer) ?? 0);
      layerDepth.set(layer, depth);
      nodeDepth.set(node, depth);
      for (const p of node.parentNodes) {
        if (!inGraph.has(p)) continue;
        nodeDepth.set(p, Math.max(depth + 1, nodeDepth.get(p) ?? 0));
      }
    }
    // inputs not connected to any output still belong to the model (they may feed losses)
    for (const t of this.inputs) {
      const node = tensorNode(t);
      const layer = nodeLayer(node);
      if (!layerDepth.has(layer) && node.isInput) {
        layerDepth.set(layer, 0);
        layerIndex.set(layer, -1);
        nodeDepth.set(node, 0);
        inGraph.add(node);
      }
    }
    this.nodes = inGraph;
    this.nodesByDepth = new Map();
    for (const [node, d] of nodeDepth) {
      if (!this.nodesByDepth.has(d)) this.nodesByDepth.set(d, []);
      this.nodesByDepth.get(d)!.push(node);
    }
    const byDepth = new Map<number, Layer[]>();
    for (const [layer, d] of layerDepth) {
      if (!byDepth.has(d)) byDepth.set(d, []);
      byDepth.get(d)!.push(layer);
    }
    this.layers = [...byDepth.keys()]
      .sort((a, b) => b - a)
      .flatMap((d) => byDepth.get(d)!.sort((a, b) => layerIndex.get(a)! - layerIndex.get(b)!));

    // every tensor a node needs must be computable from the inputs
    const computable = new Set<KerasTensor>(this.inputs);
    const accessed: string[] = [];
    for (const d of [...this.nodesByDepth.keys()].sort((a, b) => b - a)) {
      for (const node of this.nodesByDepth.get(d)!) {
        // an Input that is not among the model's inputs provides nothing
        if (node.isInput) continue;
        for (const x of node.inputTensors) {
          if (!computable.has(x)) {
            const missing = x.keras && tensorNode(x).isInput ? ` (the output of Input layer "${x.keras.layer.name}", which is not among the model's inputs)` : '';
            throw new ValueError(
              `Graph disconnected: cannot find parent for tensor ${x.toString()}${missing} at layer "${node.layer.name}". ` +
                `The following previous layers were accessed without issue: ${JSON.stringify(accessed)}`,
            );
          }
        }
        accessed.push(node.layer.name);
        for (const x of node.outputTensors) computable.add(x);
      }
    }
    const names = this.layers.map((l) => l.name);
    for (const n of names) {
      const count = names.filter((m) => m === n).length;
      if (count !== 1) throw new ValueError(`The name "${n}" is used ${count} times in the model. All layer names should be unique.`);
    }
  }

  /** The nodes in execution order (deepest first), input nodes excluded. */
  get executionOrder(): Node[] {
    return [...this.nodesByDepth.keys()]
      .sort((a, b) => b - a)
      .flatMap((d) => this.nodesByDepth.get(d)!)
      .filter((n) => !n.isInput);
  }

  /**
   * Runs the graph: `values` are the flat inputs (in `inputs` order); each node's layer is called
   * through `callFn` (default `layer.apply(args, kwargs)`); returns the flat outputs.
   */
  run(values: readonly unknown[], callFn?: NodeCallFn): unknown[] {
    const map = new Map<KerasTensor, unknown>();
    this.inputs.forEach((x, i) => map.set(x, values[i]));
    const fill = (s: unknown) => mapStructure(s, (leaf) => (leaf instanceof KerasTensor ? map.get(leaf) : leaf));
    for (const node of this.executionOrder) {
      if (node.inputTensors.some((x) => !map.has(x))) continue;
      const layer = nodeLayer(node);
      const args = fill(node.callArgs.inputs);
      const kwargs = fill(node.callArgs.kwargs) as Record<string, unknown>;
      const out = callFn ? callFn(layer, args, kwargs, node) : layer.apply(args, kwargs);
      const flat = Array.isArray(out) ? out : [out];
      node.outputTensors.forEach((x, i) => map.set(x, flat[i]));
    }
    return this.outputs.map((x, i) => {
      if (!map.has(x)) throw new ValueError(`Output ${i} (${x.toString()}) is not connected to \`inputs\``);
      return map.get(x);
    });
  }

  /** Output shapes for input shapes, through every layer's `computeOutputShape`. */
  computeOutputShapes(inputShapes: readonly ShapeLike[]): ShapeLike[] {
    const same = inputShapes.length === this.inputs.length && inputShapes.every((s, i) => {
      const ref = this.inputs[i]!.shape;
      return s.length === ref.length && s.every((d, j) => j === 0 || d === ref[j]);
    });
    if (same) return this.outputs.map((o) => [inputShapes[0]?.[0] ?? null, ...o.shape.slice(1)]);
    const out = this.run(inputShapes.map((s) => new ShapeBox(s)), (layer, args) => {
      const flat = flattenStructure<ShapeBox>(args).map((x) => x.shape);
      const multi = Array.isArray(args) || !(args instanceof ShapeBox);
      const res = layer.computeOutputShape(multi ? flat : flat[0]!);
      const list = Array.isArray(res) && res.length > 0 && res.every((d) => Array.isArray(d)) ? (res as ShapeLike[]) : [res as ShapeLike];
      return list.map((s) => new ShapeBox(s));
    });
    return out.map((o) => (o as ShapeBox).shape);
  }
}
