/**
 * A model's config in memory and as JSON (`config.json`, `model.to_json()`), out and in, and what
 * saving needs of a model; saving_lib.ts's public entry points build on it.
 */
import {ValueError} from '../errors.js';
import {Layer, type ShapeLike} from '../layers/layer.js';
import * as losses from '../losses/index.js';
import * as metrics from '../metrics/index.js';
import * as optimizers from '../optimizers/index.js';
import {Optimizer} from '../optimizers/optimizer.js';
import {
  checkClassesKnown, checkSafeMode, envelopeToDisk, parseJson, readEnvelope, resolveClass, type Config, type DeserializeOptions, type Envelope,
} from './config.js';
import {isSaveableModel, type SaveableModel} from './weights.js';

/** The Keras version our files declare (the format they follow). */
export const KERAS_VERSION = '3.10.0';

/** What saving and loading need of a model (models/model.ts implements it). */
/**
 * The compile arguments rebuilt from a saved training config: whatever the file held, which
 * `compile` checks as it checks a user's arguments.
 */
interface SavedCompileArgs {
  optimizer?: unknown;
  loss?: unknown;
  metrics?: unknown;
  weightedMetrics?: unknown;
  lossWeights?: unknown;
}

export interface SavingModel extends SaveableModel {
  // a method (its parameter compared both ways): Model's own compile, with its typed arguments, fits
  compile(args?: SavedCompileArgs): void;
  readonly trainerState?: {config: object; optimizer: Optimizer | null} | null;
}

export interface LoadModelOptions {
  customObjects?: Record<string, unknown>;
  /** Compile with the saved training config (default true). */
  compile?: boolean;
  /** Refuse code from the file (default true). */
  safeMode?: boolean;
}

export interface SaveOptions {
  /** Overwrite an existing file (default true). */
  overwrite?: boolean;
  /** `.h5` only: keep the optimizer state (default true). */
  includeOptimizer?: boolean;
  /** Force a format instead of the extension's. */
  format?: 'keras' | 'h5';
}

/** A warning printer; tests may replace it. */
export let warn: (msg: string) => void = (msg) => console.warn(`WARNING: ${msg}`);
export function setWarn(fn: (msg: string) => void): void {
  warn = fn;
}

// --- model config out ---------------------------------------------------------------------------------

/** A Sequential as seen from here (models/ sits beside saving/): a layer holding a list of layers. */
type LayerStack = Layer & {readonly layers: Layer[]; readonly inputShape?: ShapeLike | ShapeLike[]; readonly inputDtype?: string};

function isLayerStack(layer: Layer): layer is LayerStack {
  return layer.className === 'Sequential' && 'layers' in layer && Array.isArray(layer.layers);
}

/** Whether `s` is one shape (not a list of shapes). */
function isShape(s: ShapeLike | ShapeLike[] | null | undefined): s is ShapeLike {
  return Array.isArray(s) && s.every((d) => d === null || typeof d === 'number');
}

/** Whether `x` (a model a callback holds, say) can be saved: a layer with layers and `compile`, as models are. */
export function isSavingModel(x: unknown): x is SavingModel {
  return isSaveableModel(x) && 'compile' in x && typeof x.compile === 'function';
}

function layerEnvelope(layer: Layer): Envelope {
  if (isLayerStack(layer)) return sequentialEnvelope(layer);
  const env: Envelope = {module: 'keras.layers', className: layer.className, config: layer.getConfig(), registeredName: null};
  const build = layer.getBuildConfig();
  if (build && layer.className !== 'InputLayer') env.buildConfig = {inputShape: build.inputShape};
  return env;
}

export function modelInputShape(model: LayerStack): ShapeLike | null {
  try {
    const s = model.inputShape;
    if (isShape(s)) return s;
  } catch {
    // not known yet
  }
  const b = model.buildInputShape;
  return isShape(b) ? b : null;
}

function sequentialEnvelope(model: LayerStack): Envelope {
  const shape = modelInputShape(model);
  const layers: Envelope[] = [];
  if (shape) {
    layers.push({
      module: 'keras.layers',
      className: 'InputLayer',
      config: {batchShape: [...shape], dtype: model.inputDtype ?? model.layers[0]?.dtype ?? 'float32', sparse: false, ragged: false, name: 'input_layer'},
      registeredName: null,
    });
  }
  for (const l of model.layers) layers.push(layerEnvelope(l));
  const config: Config = {name: model.name, trainable: model.trainable, dtype: model.dtype, layers};
  // Keras writes the input shape twice: in the config (`build_input_shape`) and as the build config
  if (shape && model.built) config['buildInputShape'] = [...shape];
  const env: Envelope = {module: 'keras', className: 'Sequential', config, registeredName: null};
  if (shape && model.built) env.buildConfig = {inputShape: [...shape]};
  return env;
}

function serializeLossLike(x: unknown, kind: 'loss' | 'metric'): unknown {
  if (x === null || x === undefined || typeof x === 'string' || typeof x === 'number') return x ?? null;
  if (Array.isArray(x)) return x.map((v) => serializeLossLike(v, kind));
  if (typeof x === 'function') return (x as {fnName?: string}).fnName ?? x.name;
  if (x instanceof losses.Loss) return losses.serialize(x);
  if (x instanceof metrics.Metric) return metrics.serialize(x);
  if (typeof x === 'object') {
    const out: Config = {};
    for (const [k, v] of Object.entries(x as Config)) out[k] = serializeLossLike(v, kind);
    return out;
  }
  return x;
}

/** Keras 3's `compile_config` from the model's compile state, or null. */
function compileConfig(model: SavingModel): Config | null {
  const s = model.trainerState;
  if (!s) return null;
  const c = s.config as Config;
  return {
    optimizer: s.optimizer ? optimizers.serialize(s.optimizer) : null,
    loss: serializeLossLike(c['loss'], 'loss'),
    lossWeights: c['lossWeights'] ?? null,
    metrics: serializeLossLike(c['metrics'], 'metric'),
    weightedMetrics: serializeLossLike(c['weightedMetrics'], 'metric'),
    runEagerly: c['runEagerly'] ?? false,
    stepsPerExecution: c['stepsPerExecution'] ?? 1,
    jitCompile: c['jitCompile'] ?? false,
  };
}

/** The model's config envelope, in memory (camelCase), as `config.json` holds it. */
export function modelEnvelope(model: SavingModel): Envelope {
  const env: Envelope =
    model.className === 'Sequential'
      ? sequentialEnvelope(model)
      : {module: model.className === 'Functional' ? 'keras.src.models.functional' : 'keras', className: model.className, config: model.getConfig(), registeredName: null};
  if (model.className !== 'Sequential') {
    const b = model.getBuildConfig();
    if (b && model.className !== 'Functional') env.buildConfig = {inputShape: b.inputShape};
  }
  const cc = compileConfig(model);
  if (cc) env.compileConfig = cc;
  return env;
}

/** `model.to_json()`: Keras 3's JSON of the model config (snake_case keys, as Python writes). */
export function modelToJson(model: SavingModel): string {
  return JSON.stringify(modelJsonObject(model));
}

/** What `modelToJson` writes, as an object (snake_case keys): `Model.toJSON()`, for `JSON.stringify(model)`. */
export function modelJsonObject(model: SavingModel): Config {
  const env = modelEnvelope(model);
  delete env.compileConfig;
  return envelopeToDisk(env);
}

// --- model config in ----------------------------------------------------------------------------------

/** A Sequential from its envelope: the entries are checked here (errors name the file), built by `fromConfig`. */
function buildSequential(env: Envelope, options: DeserializeOptions): SavingModel {
  const cls = resolveClass(env, options, 'model');
  const c = env.config;
  const entries = c['layers'];
  if (!Array.isArray(entries)) throw new ValueError(`${options.source ?? 'loadModel'}: a Sequential config needs a \`layers\` list`);
  for (const e of entries as Envelope[]) {
    if (!e || typeof e !== 'object' || typeof e.className !== 'string') throw new ValueError(`${options.source ?? 'loadModel'}: invalid layer entry ${JSON.stringify(e)?.slice(0, 200)}`);
  }
  const shape = env.buildConfig?.['inputShape'] ?? c['buildInputShape'];
  // Sequential.fromConfig resolves each layer's class (customObjects, registered names, the registry)
  const model = cls.fromConfig({...c, buildInputShape: shape}, options.customObjects ?? {});
  if (!(model instanceof Layer)) throw new ValueError(`${options.source ?? 'loadModel'}: ${env.className}.fromConfig did not return a model`);
  return model as SavingModel;
}

/** Builds a model from its (canonical) envelope, without weights. */
export function modelFromEnvelope(env: Envelope, options: DeserializeOptions = {}): SavingModel {
  checkSafeMode(env, options);
  checkClassesKnown(env, options);
  let model: SavingModel;
  if (env.className === 'Sequential') model = buildSequential(env, options);
  else {
    const cls = resolveClass(env, options, 'model');
    model = cls.fromConfig(env.config, options.customObjects ?? {}) as SavingModel;
    const shape = env.buildConfig?.['inputShape'] as ShapeLike | undefined;
    if (!model.built && Array.isArray(shape)) model.maybeBuild(shape);
  }
  if (!(model instanceof Layer)) throw new ValueError(`${options.source ?? 'loadModel'}: ${env.className} did not build a model`);
  return model;
}

/**
 * `keras.models.model_from_json`: a model (or layer) from `model.toJson()` text, Keras 3 or Keras 2
 * / tf.keras JSON, with the checks of `loadModel` (unknown classes, Lambda code: `safeMode`).
 */
export function modelFromJson(json: string, options: DeserializeOptions = {}): SavingModel {
  const source = options.source ?? 'modelFromJson';
  return modelFromEnvelope(readEnvelope(parseJson(json, source), source), {...options, source});
}

/**
 * `keras.models.model_from_config`: a model (or layer) from `{className, config}` — in memory
 * (camelCase, as `getConfig()` returns it) or as read from a file (snake_case, any Keras dialect).
 */
export function modelFromConfig(config: Config, options: DeserializeOptions = {}): SavingModel {
  const source = options.source ?? 'modelFromConfig';
  return modelFromEnvelope(readEnvelope(config, source), {...options, source});
}
