/**
 * Calling a layer on symbolic tensors (the functional API): `Input` creates a `KerasTensor`, and
 * `layer.apply(kerasTensors)` builds the layer from the shapes, infers the output shapes without data,
 * records a `Node` and returns new `KerasTensor`s whose `keras` history points at that node.
 *
 * ```ts
 * const x = Input({shape: [784]});
 * const y = new Dense(10).apply(x); // KerasTensor shape [null, 10], y.keras = {layer: dense, nodeIndex: 0, tensorIndex: 0}
 * ```
 *
 * Importing this module installs the hook `Layer.apply` uses (`setSymbolicCall`).
 */
import {noGrad} from '../autodiff/engine.js';
import {Variable} from '../autodiff/variable.js';
import {ValueError} from '../errors.js';
import type {DType} from '../tensor/dtype.js';
import {fmtShape} from '../tensor/shape.js';
import {ones, Tensor, zeros} from '../tensor/tensor.js';
import {InputLayer, type InputLayerArgs} from './core/input_layer.js';
import {assertInputCompatibility, type ShapeLike} from './input_spec.js';
import {KerasTensor, Node} from './keras_tensor.js';
import {setSymbolicCall, type CallArgs, type Layer} from './layer.js';

// --- nested structures: a tensor, arrays of them, or objects of them --------------------------------

function isLeafObject(x: unknown): boolean {
  return x instanceof KerasTensor || x instanceof Tensor || x instanceof Variable;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !isLeafObject(x) && Object.getPrototypeOf(x) === Object.prototype;
}

/**
 * Leaves of a nested structure, in Keras's order (`tree.flatten`): arrays in order, objects by
 * sorted key; anything that is not an array or a plain object is a leaf.
 */
export function flattenStructure<T = unknown>(x: unknown): T[] {
  if (Array.isArray(x)) return x.flatMap((v) => flattenStructure<T>(v));
  if (isPlainObject(x)) return Object.keys(x).sort().flatMap((k) => flattenStructure<T>(x[k]));
  return [x as T];
}

/** The same structure as `x` with every leaf replaced by `fn(leaf)`. */
export function mapStructure(x: unknown, fn: (leaf: unknown) => unknown): unknown {
  if (Array.isArray(x)) return x.map((v) => mapStructure(v, fn));
  if (isPlainObject(x)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x)) out[k] = mapStructure(x[k], fn);
    return out;
  }
  return fn(x);
}

/** Puts `flat` (in `flattenStructure` order) back into the structure of `structure`. */
export function packSequenceAs(structure: unknown, flat: readonly unknown[]): unknown {
  let i = 0;
  const rec = (s: unknown): unknown => {
    if (Array.isArray(s)) return s.map(rec);
    if (isPlainObject(s)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(s).sort()) out[k] = rec(s[k]);
      // keep the user's key order for readability
      const ordered: Record<string, unknown> = {};
      for (const k of Object.keys(s)) ordered[k] = out[k];
      return ordered;
    }
    if (i >= flat.length) throw new ValueError(`packSequenceAs: the structure has more leaves than the ${flat.length} values given`);
    return flat[i++];
  };
  const out = rec(structure);
  if (i !== flat.length) throw new ValueError(`packSequenceAs: the structure has ${i} leaves but ${flat.length} values were given`);
  return out;
}

// --- Input --------------------------------------------------------------------------------------

export interface InputArgs {
  /** Shape of one sample, without the batch; `null` for unknown dimensions. */
  shape?: ShapeLike;
  batchSize?: number | null;
  /** Full shape including the batch; exclusive with `shape`. */
  batchShape?: ShapeLike;
  dtype?: DType;
  name?: string;
  sparse?: boolean;
  optional?: boolean;
}

/**
 * `keras.Input`: the symbolic input of a functional model, backed by an `InputLayer`.
 *
 * ```ts
 * const inputs = Input({shape: [28, 28, 1], name: 'img'}); // KerasTensor shape [null, 28, 28, 1]
 * ```
 */
export function Input(args: InputArgs = {}): KerasTensor {
  const layerArgs: InputLayerArgs = {
    shape: args.shape, batchSize: args.batchSize, batchShape: args.batchShape,
    dtype: args.dtype, name: args.name, sparse: args.sparse, optional: args.optional,
  };
  return new InputLayer(layerArgs).inputTensor;
}

// --- the symbolic call --------------------------------------------------------------------------

function isShapeList(s: unknown): s is ShapeLike[] {
  return Array.isArray(s) && s.length > 0 && s.every((d) => Array.isArray(d));
}

function describeArgs(inputs: unknown): string {
  const d = mapStructure(inputs, (x) => (x instanceof KerasTensor ? `<KerasTensor shape=${fmtShape(x.shape)}, dtype=${x.dtype}, name=${x.name}>` : x));
  return JSON.stringify(d);
}

/** Keras 3's wrapping of an error raised inside a layer call: names the layer and its arguments. */
function callError(layer: Layer, inputs: unknown, e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  if (msg.startsWith('Exception encountered when calling')) return e as Error;
  const err = new ValueError(
    `Exception encountered when calling ${layer.className}.call().\n\n${msg}\n\n` +
      `Arguments received by ${layer.className}.call() (layer "${layer.name}"):\n  • inputs=${describeArgs(inputs)}`,
  );
  (err as {cause?: unknown}).cause = e;
  return err;
}

const placeholder = (s: ShapeLike, dtype: DType): Tensor => zeros(s.map((d) => d ?? 1), dtype);

/** Whether the layer's outputs carry a mask, found by calling `computeMask` on placeholders. */
function outputsHaveMask(layer: Layer, inputs: KerasTensor[], multi: boolean, nOut: number): boolean[] {
  const anyIn = inputs.some((t) => t.hasMask);
  // run on placeholders: cheap, and right for layers that create masks (Embedding with maskZero)
  try {
    return noGrad(() => {
      const xs = inputs.map((t) => placeholder(t.shape, t.dtype));
      const ms = inputs.map((t) => (t.hasMask ? ones(t.shape.slice(0, 2).map((d) => d ?? 1), 'bool') : null));
      const mask = anyIn ? (multi ? ms : ms[0]!) : null;
      const m = layer.computeMask(multi ? xs : xs[0]!, mask);
      if (m === null || m === undefined) return new Array<boolean>(nOut).fill(false);
      if (Array.isArray(m)) return Array.from({length: nOut}, (_, i) => Boolean(m[i]));
      return new Array<boolean>(nOut).fill(true);
    });
  } catch {
    return new Array<boolean>(nOut).fill(anyIn && layer.supportsMasking);
  }
}

let tensorCount = 0;

/**
 * Records `layer` called on the symbolic `inputs` (a KerasTensor, an array or an object of them)
 * and returns the symbolic outputs.
 */
function symbolicCall(layer: Layer, inputs: unknown, kwargs: CallArgs = {}): KerasTensor | KerasTensor[] {
  const flat = flattenStructure(inputs);
  for (const [i, x] of flat.entries()) {
    if (!(x instanceof KerasTensor)) {
      throw new ValueError(
        `Layer "${layer.name}" was called on a mix of symbolic and concrete values: in the functional API every input must be a KerasTensor (from keras.Input or a layer's output). Received: inputs[${i}]=${String(x)}`,
      );
    }
  }
  const kts = flat as KerasTensor[];
  const kwTensors = flattenStructure(kwargs).filter((x): x is KerasTensor => x instanceof KerasTensor);
  const multi = Array.isArray(inputs) || isPlainObject(inputs);
  const shapes: ShapeLike | ShapeLike[] = multi ? kts.map((t) => [...t.shape]) : [...kts[0]!.shape];

  let outShape: ShapeLike | ShapeLike[];
  try {
    layer.maybeBuild(shapes);
    const specs = Array.isArray(layer.inputSpec) ? layer.inputSpec : layer.inputSpec ? [layer.inputSpec] : [];
    specs.forEach((s, i) => kts[i] && assertInputCompatibility(s, kts[i]!.shape, layer.name, i));
    outShape = layer.computeOutputShape(shapes);
  } catch (e) {
    throw callError(layer, inputs, e);
  }

  const outShapes = isShapeList(outShape) ? outShape : [outShape as ShapeLike];
  const masked = outputsHaveMask(layer, kts, multi, outShapes.length);
  const outDtype = layer.className === 'InputLayer' ? kts[0]!.dtype : layer.dtype;
  const outputs = outShapes.map((s, i) => new KerasTensor(s, outDtype, `keras_tensor_${tensorCount++}`, masked[i]));
  const callKwargs: Record<string, unknown> = {...kwargs};
  const node = new Node(layer, [...kts, ...kwTensors], outputs, {inputs, kwargs: callKwargs});
  const nodeIndex = layer.inboundNodes.length;
  layer.inboundNodes.push(node);
  for (const t of new Set([...kts, ...kwTensors])) {
    const parent = t.keras?.layer as Layer | undefined;
    if (parent) parent.outboundNodes.push(node);
  }
  outputs.forEach((o, i) => (o.keras = {layer, nodeIndex, tensorIndex: i}));
  return isShapeList(outShape) ? outputs : outputs[0]!;
}

setSymbolicCall(symbolicCall);
