/**
 * Model configs between disk and memory. On disk: Keras 3 (`{module, class_name, config,
 * registered_name, build_config, compile_config}`, dtype policies, `batch_shape`) or Keras 2 /
 * tf.keras (`batch_input_shape`, list-form `Sequential`, `Model` with `inbound_nodes` lists). In
 * memory: camelCase configs as `getConfig()` returns them, nested objects as `{className, config}`.
 *
 * Keys are converted by `keys.ts` only; this module reshapes structure (envelopes, dtype policies,
 * legacy spellings) and rebuilds objects through the registry (`registerKerasSerializable`).
 * Nothing here evaluates code: a `Lambda` with code from a file is refused (see `checkSafeMode`).
 */
import {ValueError} from '../errors.js';
import {getRegisteredClass, registeredNames} from '../serialization.js';
import {configToCamel, configToSnake} from './keys.js';

export type Config = Record<string, unknown>;

/** A serialized object in memory: `{className, config}` plus Keras 3's envelope fields. */
export interface Envelope {
  className: string;
  config: Config;
  module?: string;
  registeredName?: string | null;
  buildConfig?: Config | null;
  compileConfig?: Config | null;
  [key: string]: unknown;
}

function isObj(x: unknown): x is Config {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

// --- reading: any dialect -> canonical camelCase ----------------------------------------------------

const POLICY_CLASSES = new Set(['DTypePolicy', 'Policy', 'FloatDTypePolicy', 'QuantizedDTypePolicy']);

/** A dtype policy (`{class_name: 'DTypePolicy', config: {name}}`) as the variable dtype our layers take. */
function policyToDtype(p: Config): string | undefined {
  const name = (p['config'] as Config | undefined)?.['name'];
  if (typeof name !== 'string') return undefined;
  return loadedDtype(name);
}

/**
 * The dtype weights load as: mixed precision keeps float32 variables, and float16 / bfloat16 models
 * (which we do not compute in) load as float32, their weights widened exactly.
 */
function loadedDtype(name: string): string {
  if (name.startsWith('mixed_') || name === 'float16' || name === 'bfloat16') return 'float32';
  return name;
}

/** Values-level normalization after `configToCamel`: dtype policies, shared-object ids, legacy forms. */
function normalize(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => normalize(v));
  if (key === 'dtype' && typeof value === 'string') return loadedDtype(value);
  if (!isObj(value)) return value;
  if (key === 'dtype' && typeof value['className'] === 'string' && POLICY_CLASSES.has(value['className'] as string)) {
    return policyToDtype(value) ?? 'float32';
  }
  const out: Config = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'sharedObjectId') continue;
    out[k] = normalize(v, k);
  }
  if (typeof out['className'] === 'string') {
    // Keras 2.0's list-form Sequential config: `config` is the list of layers
    if (out['className'] === 'Sequential' && Array.isArray(out['config'])) out['config'] = {name: 'sequential', layers: out['config']};
    // Keras 2 calls a functional model `Model`
    const c = out['config'];
    if (out['className'] === 'Model' && isObj(c) && Array.isArray(c['layers']) && 'inputLayers' in c) out['className'] = 'Functional';
  }
  return out;
}

/** Reads a model (or layer) config from disk, any dialect, into the canonical in-memory form. */
export function readEnvelope(raw: unknown, source: string): Envelope {
  if (!isObj(raw) || typeof (raw['class_name'] ?? raw['className']) !== 'string') {
    throw new ValueError(`${source}: the model config must be an object with \`class_name\` and \`config\`. Received: ${JSON.stringify(raw)?.slice(0, 200)}`);
  }
  const env = normalize(configToCamel<Config>(raw)) as Envelope;
  if (env.config === undefined || env.config === null) env.config = {};
  if (!isObj(env.config)) throw new ValueError(`${source}: \`config\` of ${env.className} must be an object`);
  return env;
}

/** Parses JSON text, with an error that names the source. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ValueError(`${source}: invalid JSON (${(e as Error).message})`);
  }
}

// --- safe mode --------------------------------------------------------------------------------------

export interface DeserializeOptions {
  customObjects?: Record<string, unknown>;
  /** Default true: configs that would need code from the file (Lambda layers) are refused. */
  safeMode?: boolean;
  source?: string;
}

/**
 * Resolves `Lambda` layers before anything is built. With `safeMode` (the default) any Lambda from a
 * file is refused; with `safeMode: false` its function must be given by name in `customObjects`
 * (by the function's name, or the layer's name) — the code stored in the file is never run.
 */
export function checkSafeMode(env: unknown, options: DeserializeOptions): void {
  const safe = options.safeMode ?? true;
  const custom = options.customObjects ?? {};
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(visit);
    if (!isObj(x)) return;
    if (x['className'] === 'Lambda' && isObj(x['config'])) {
      const c = x['config'];
      const fn = c['function'];
      const layerName = typeof c['name'] === 'string' ? c['name'] : '?';
      const fnName = functionName(fn, c);
      if (safe) {
        throw new ValueError(
          `${options.source ?? 'loadModel'}: the model contains a Lambda layer ("${layerName}") whose function is stored in the file as ` +
            `${describeFunction(fn, c)}. Loading code from a file is not allowed: it could run anything. If you trust the file, ` +
            `pass the function in customObjects (under ${fnName ? `"${fnName}" or ` : ''}"${layerName}") and safeMode: false.`,
        );
      }
      const given = (fnName ? custom[fnName] : undefined) ?? custom[layerName];
      if (typeof given !== 'function') {
        throw new ValueError(
          `${options.source ?? 'loadModel'}: Lambda layer "${layerName}" needs its function; keras-ts never runs code from a file. ` +
            `Pass it in customObjects under ${fnName ? `"${fnName}" or ` : ''}"${layerName}".`,
        );
      }
      c['function'] = given;
      delete c['functionType'];
      delete c['module'];
    }
    for (const v of Object.values(x)) visit(v);
  };
  visit(env);
}

function functionName(fn: unknown, c: Config): string | undefined {
  if (typeof fn === 'string' && c['functionType'] === 'function') return fn;
  if (isObj(fn) && fn['className'] === 'function' && typeof fn['config'] === 'string') return fn['config'] as string;
  if (typeof fn === 'string' && !c['functionType']) return fn;
  return undefined;
}

function describeFunction(fn: unknown, c: Config): string {
  if (isObj(fn) && fn['className'] === '__lambda__') return 'Python bytecode (a lambda)';
  if (c['functionType'] === 'lambda' || Array.isArray(fn)) return 'Python bytecode (a lambda)';
  const n = functionName(fn, c);
  return n ? `a reference to the Python function "${n}"` : 'Python code';
}

// --- building objects ---------------------------------------------------------------------------------

/** Whether `x` (a user's custom object) can build from a config: a class with a static `fromConfig`. */
function hasFromConfig(x: unknown): x is {fromConfig(c: Config, customObjects?: Record<string, unknown>): unknown} {
  return (typeof x === 'function' || (typeof x === 'object' && x !== null)) && typeof (x as {fromConfig?: unknown}).fromConfig === 'function';
}

/** The class for `className` (customObjects first, then the registry), or a clear error. */
export function resolveClass(env: Envelope, options: DeserializeOptions = {}, kind = 'layer'): {fromConfig(c: Config, customObjects?: Record<string, unknown>): unknown} {
  const custom = options.customObjects ?? {};
  const reg = env.registeredName ?? undefined;
  const fromCustom = custom[env.className] ?? (reg ? custom[reg] : undefined);
  if (hasFromConfig(fromCustom)) return fromCustom;
  const cls = (reg ? getRegisteredClass(reg) : undefined) ?? getRegisteredClass(env.className);
  if (!cls) {
    const known = registeredNames();
    throw new ValueError(
      `Unknown ${kind}: '${env.className}'${reg && reg !== env.className ? ` (registered name '${reg}')` : ''}. ` +
        `keras-ts does not know this class. If it is a custom ${kind}, register it with ` +
        `\`registerKerasSerializable(${env.className})\` (a class with a static \`className\` and \`fromConfig\`), ` +
        `or pass it in \`customObjects: {${env.className}: ${env.className}}\`. Known classes: ${known.length} (e.g. ${known.slice(0, 8).join(', ')}, ...)`,
    );
  }
  return cls;
}

/** Checks that every class named in a model config can be built, before anything is built. */
export function checkClassesKnown(env: Envelope, options: DeserializeOptions = {}): void {
  const visitLayerList = (layers: unknown): void => {
    if (!Array.isArray(layers)) return;
    for (const l of layers) {
      if (!isObj(l) || typeof l['className'] !== 'string') continue;
      const e = l as Envelope;
      resolveClass(e, options);
      if (isObj(e.config)) visitLayerList(e.config['layers']);
    }
  };
  resolveClass(env, options, 'model');
  visitLayerList(env.config['layers']);
}

// --- writing: in memory -> Keras 3 on disk ------------------------------------------------------------

const LAYER_KEYS = new Set(['layers', 'cell', 'cells', 'layer', 'forwardLayer', 'backwardLayer']);

function moduleFor(key: string | undefined, className: string): string {
  if (className === 'Sequential' || className === 'Model') return 'keras';
  if (className === 'Functional') return 'keras.src.models.functional';
  if (!key) return 'keras';
  if (key.endsWith('Initializer')) return 'keras.initializers';
  if (key.endsWith('Regularizer')) return 'keras.regularizers';
  if (key.endsWith('Constraint')) return 'keras.constraints';
  if (key === 'optimizer') return 'keras.optimizers';
  if (key === 'learningRate') return 'keras.optimizers.schedules';
  if (key === 'loss') return 'keras.losses';
  if (key === 'metrics' || key === 'weightedMetrics') return 'keras.metrics';
  if (LAYER_KEYS.has(key)) return 'keras.layers';
  return 'keras';
}

/** Keras 3's dtype policy object for a layer's dtype string. */
function dtypePolicy(name: string): Config {
  return {module: 'keras', className: 'DTypePolicy', config: {name}, registeredName: null};
}

function isLayerModule(m: string): boolean {
  return m === 'keras.layers' || m === 'keras' || m.startsWith('keras.src.models');
}

/** The camelCase in-memory form of a Keras 3 on-disk value (envelopes, policies); keys stay camelCase. */
function toK3(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => toK3(v, key));
  if (!isObj(value)) return value;
  if (typeof value['className'] === 'string' && 'config' in value) {
    const className = value['className'] as string;
    if (className === '__keras_tensor__') return {className, config: toK3(value['config'])};
    const module = (value['module'] as string | undefined) ?? moduleFor(key, className);
    const out: Config = {module, className, config: null, registeredName: value['registeredName'] ?? null};
    let inner = value['config'];
    if (isObj(inner)) {
      inner = {...inner};
      const c = inner as Config;
      if (isLayerModule(module)) {
        delete c['batchInputShape'];
        if (typeof c['dtype'] === 'string' && className !== 'InputLayer') c['dtype'] = dtypePolicy(c['dtype'] as string);
      }
      const conv: Config = {};
      for (const [k, v] of Object.entries(c)) conv[k] = k === 'dtype' ? v : toK3(v, k);
      inner = conv;
    }
    out['config'] = inner;
    for (const [k, v] of Object.entries(value)) {
      if (k in out || k === 'className') continue;
      out[k] = toK3(v, k);
    }
    return out;
  }
  const out: Config = {};
  for (const [k, v] of Object.entries(value)) out[k] = toK3(v, k);
  return out;
}

/** An in-memory envelope (camelCase) as Keras 3 writes it in `config.json` (snake_case). */
export function envelopeToDisk(env: Envelope): Config {
  return configToSnake<Config>(toK3(env, env.className === 'Sequential' || env.className === 'Functional' ? undefined : 'layers'));
}

/** Keras 2 form (`{class_name, config}`, dtype strings, `batch_input_shape`) for legacy `.h5` files. */
export function envelopeToLegacyDisk(env: Envelope): Config {
  const strip = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(strip);
    if (!isObj(x)) return x;
    const out: Config = {};
    for (const [k, v] of Object.entries(x)) {
      if (k === 'module' || k === 'registeredName' || k === 'buildConfig' || k === 'compileConfig') continue;
      out[k] = strip(v);
    }
    return out;
  };
  return configToSnake<Config>(strip(env));
}
