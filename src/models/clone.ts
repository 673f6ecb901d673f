/**
 * `keras.models.clone_model`: a new model with the same architecture and new layers (freshly
 * initialized weights, as in Keras; copy them with `clone.setWeights(model.getWeights())`).
 *
 * ```ts
 * const copy = cloneModel(model);                                   // same graph, new weights
 * const frozen = cloneModel(model, {cloneFunction: (l) => l});      // reuse layers (shares weights)
 * ```
 *
 * A functional model is rebuilt call by call (shared layers stay shared); other models are rebuilt
 * from their config.
 */
import {ValueError} from '../errors.js';
import {InputLayer} from '../layers/core/input_layer.js';
import {KerasTensor} from '../layers/keras_tensor.js';
import {Layer} from '../layers/layer.js';
import {flattenStructure, Input, mapStructure} from '../layers/symbolic_call.js';
import {Functional} from './functional.js';

export interface CloneModelArgs {
  /** Builds the new layer from an old one (default: `fromConfig(getConfig())`). */
  cloneFunction?: (layer: Layer) => Layer;
  /** New symbolic inputs to build the clone on (default: new `Input`s like the model's). */
  inputTensors?: KerasTensor | KerasTensor[];
}

function defaultClone(layer: Layer): Layer {
  // a layer's constructor is its class: Layer or a subclass, each with a static fromConfig
  return (layer.constructor as typeof Layer).fromConfig(layer.getConfig());
}

export function cloneModel(model: Layer, args: CloneModelArgs = {}): Layer {
  const cloneFn = args.cloneFunction ?? defaultClone;
  if (!(model instanceof Functional)) {
    if (args.inputTensors) throw new ValueError('cloneModel: `inputTensors` is only supported for functional models');
    const cls = model.constructor as Partial<typeof Layer>;
    if (!cls.fromConfig) throw new ValueError(`cloneModel: ${model.className} cannot be rebuilt from its config`);
    return cls.fromConfig(model.getConfig());
  }
  const graph = model.graph;
  const map = new Map<KerasTensor, KerasTensor>();
  const given = args.inputTensors === undefined ? null : flattenStructure<KerasTensor>(args.inputTensors);
  if (given && given.length !== graph.inputs.length) {
    throw new ValueError(`cloneModel: the model has ${graph.inputs.length} inputs, but ${given.length} input tensors were given`);
  }
  graph.inputs.forEach((t, i) => {
    if (given) {
      map.set(t, given[i]!);
      return;
    }
    const layer = t.keras?.layer;
    if (layer instanceof InputLayer) {
      map.set(t, Input({batchShape: layer.batchShape, dtype: layer.dtype, name: layer.name, optional: layer.optional}));
    } else {
      map.set(t, Input({batchShape: t.shape, dtype: t.dtype, name: `${t.name}_clone`}));
    }
  });
  const clones = new Map<Layer, Layer>();
  const fill = (s: unknown) => mapStructure(s, (leaf) => (leaf instanceof KerasTensor ? map.get(leaf) : leaf));
  graph.run(graph.inputs.map((t) => map.get(t)), (layer, _args, _kwargs, node) => {
    let c = clones.get(layer);
    if (!c) {
      c = cloneFn(layer);
      clones.set(layer, c);
    }
    const out = c.apply(fill(node.callArgs.inputs), fill(node.callArgs.kwargs) as Record<string, unknown>);
    const outs = flattenStructure<KerasTensor>(out);
    node.outputTensors.forEach((t, i) => map.set(t, outs[i]!));
    return outs;
  });
  const newInputs = mapStructure(graph.inputsStruct, (t) => map.get(t as KerasTensor));
  const newOutputs = mapStructure(graph.outputsStruct, (t) => map.get(t as KerasTensor));
  return new Functional({inputs: newInputs, outputs: newOutputs, name: model.name, trainable: model.trainable});
}
