/**
 * PLACEHOLDER written by the functional-API helper so `functional.ts` can build and be tested; the
 * training helper owns this file and replaces it. What the functional API needs from the real one:
 * `Model extends Layer`, a constructor taking `{inputs, outputs, name, trainable}` that calls the
 * hook installed with `setFunctionalInit` when `inputs` and `outputs` are given, a `layers` getter
 * and `getLayer` (both overridden by `Functional`).
 */
import {ValueError} from '../errors.js';
import {Layer, type LayerArgs} from '../layers/layer.js';

export interface ModelArgs extends LayerArgs {
  /** With `outputs`: a functional model (`new Model({inputs, outputs})`). */
  inputs?: unknown;
  outputs?: unknown;
}

export type FunctionalInit = (model: Model, args: ModelArgs) => void;
let functionalInit: FunctionalInit | null = null;

/** Installed by `models/functional`: makes `new Model({inputs, outputs})` a functional graph. */
export function setFunctionalInit(fn: FunctionalInit): void {
  functionalInit = fn;
}

export class Model extends Layer {
  static override readonly className: string = 'Model';

  constructor(args: ModelArgs = {}) {
    const {inputs, outputs, ...rest} = args;
    super(rest);
    if (inputs !== undefined || outputs !== undefined) {
      if (inputs === undefined || outputs === undefined) {
        throw new ValueError('A functional Model needs both `inputs` and `outputs`.');
      }
      if (!functionalInit) throw new ValueError('The functional API (models/functional) is not loaded');
      functionalInit(this, args);
    }
  }

  /** The layers this model holds. */
  get layers(): Layer[] {
    return this.sublayers;
  }

  getLayer(nameOrIndex: string | number | {name?: string; index?: number}): Layer {
    const layers = this.layers;
    if (typeof nameOrIndex === 'number') {
      const l = layers[nameOrIndex];
      if (!l) throw new ValueError(`Was asked to retrieve layer at index ${nameOrIndex} but model only has ${layers.length} layers.`);
      return l;
    }
    const name = typeof nameOrIndex === 'string' ? nameOrIndex : nameOrIndex.name;
    const l = layers.find((x) => x.name === name);
    if (!l) throw new ValueError(`No such layer: ${name}. Existing layers are: ${JSON.stringify(layers.map((x) => x.name))}.`);
    return l;
  }
}
