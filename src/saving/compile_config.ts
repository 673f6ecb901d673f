/**
 * The compile arguments of a saved model, from every form Python Keras writes them in:
 *
 * - Keras 3 `.keras` `compile_config`: strings as given (`"adam"`, `"accuracy"`), objects as
 *   `{module, class_name, config, registered_name}`, plain functions as
 *   `{module: "keras.losses", class_name: "function", config: "mse", registered_name: "mse"}` or, for
 *   a function Keras could not place, `{module: "builtins", class_name: "function", config: name,
 *   registered_name: "function"}`; `MeanMetricWrapper` with its `fn`; `LossScaleOptimizer` around an
 *   `inner_optimizer`; learning-rate schedules as nested objects; one entry per output (list or dict).
 * - Keras 2 / tf.keras `.h5` `training_config`: `optimizer_config` (`lr`, `decay`; tf.keras 2.11-2.15
 *   name their optimizers `Custom>Adam` and add `is_legacy_optimizer`, `jit_compile`), losses as
 *   strings or `{class_name, config}` with `reduction: "auto"`, metrics nested per output
 *   (`[[{class_name: "MeanMetricWrapper", config: {name: "accuracy", fn: "categorical_accuracy"}}]]`),
 *   `weighted_metrics`, `loss_weights`, and Keras 2's spellings (`kullback_leibler_divergence`, `acc`).
 *
 * As in Keras, a compile configuration that cannot be understood never stops a model from loading:
 * `compileArgsFromConfig` returns what it skipped, and the loader then leaves the model uncompiled
 * with one warning that names it. Nothing here evaluates code from a file.
 *
 * ```ts
 * const {args, skipped} = compileArgsFromConfig(configToCamel(JSON.parse(trainingConfig)), {source});
 * if (!skipped.length) model.compile(args);
 * ```
 */
import * as losses from '../losses/index.js';
import * as metrics from '../metrics/index.js';
import {Metric} from '../metrics/metric.js';
import * as optimizers from '../optimizers/index.js';
import {Optimizer} from '../optimizers/optimizer.js';
import type {Config} from './config.js';

export interface CompileFromConfigOptions {
  customObjects?: Record<string, unknown>;
  /** The model's output names (a per-output list of one entry is flattened for one output). */
  outputNames?: readonly string[];
}

export interface CompileFromConfig {
  /** The arguments for `model.compile` (complete only when `skipped` is empty). */
  args: Config;
  /** What could not be understood, one phrase each (`loss: unknown loss "my_loss"`). */
  skipped: string[];
}

/** Keras 2 spellings Keras 3 renamed (the same functions). */
const LEGACY_LOSS_NAMES: Record<string, string> = {
  kullback_leibler_divergence: 'kl_divergence', logcosh: 'log_cosh', cosine_proximity: 'cosine_similarity', huber_loss: 'huber',
};

/** Metric strings `compile` resolves from the shapes of the data. */
const SHAPE_RESOLVED_METRICS = new Set(['accuracy', 'acc', 'crossentropy', 'ce']);

/** Optimizer arguments of Keras 2 / tf.keras that Keras 3 dropped (`decay`: Keras 3 ignores it too). */
const DROPPED_OPTIMIZER_KEYS = new Set(['decay', 'isLegacyOptimizer', 'jitCompile', 'scheduleDecay']);

const LOSS_SCALE_OPTIMIZERS = new Set(['LossScaleOptimizer', 'LossScaleOptimizerV3', 'LossScaleOptimizerV1']);

class Skip extends Error {}

function isObj(x: unknown): x is Config {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function show(x: unknown): string {
  const s = JSON.stringify(x) ?? String(x);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** A function reference: a name, or Keras 3's `{class_name: "function", config: name}`. */
function functionName(x: unknown): string | null {
  if (typeof x === 'string') return x;
  if (isObj(x) && x['className'] === 'function' && typeof x['config'] === 'string') return x['config'];
  return null;
}

/** A registered name's own part: `Custom>Adam` -> `Adam` (tf.keras 2.11-2.15 register optimizers so). */
function unregistered(name: string): string {
  const i = name.lastIndexOf('>');
  return i >= 0 ? name.slice(i + 1) : name;
}

/** A config's values as our constructors take them: dtype policies as their dtype, nulls left out. */
function plainConfig(config: unknown): Config {
  const out: Config = {};
  if (!isObj(config)) return out;
  for (const [k, v] of Object.entries(config)) {
    if (v === null || v === undefined) continue;
    if (k === 'dtype' && isObj(v)) {
      const name = (v['config'] as Config | undefined)?.['name'];
      // mixed precision computes in float16 and keeps float32 state, as our metrics do
      out[k] = typeof name === 'string' && !name.startsWith('mixed_') && name !== 'float16' && name !== 'bfloat16' ? name : 'float32';
    } else if (k === 'dtype' && (v === 'float16' || v === 'bfloat16')) out[k] = 'float32';
    else out[k] = v;
  }
  return out;
}

function custom(name: string | null | undefined, options: CompileFromConfigOptions): unknown {
  if (!name || !options.customObjects) return undefined;
  return options.customObjects[name] ?? options.customObjects[unregistered(name)];
}

// --- optimizer ------------------------------------------------------------------------------------------

function optimizerFrom(x: unknown, options: CompileFromConfigOptions): Optimizer {
  if (typeof x === 'string') return optimizers.get(x);
  if (!isObj(x) || typeof x['className'] !== 'string') throw new Skip(`optimizer: not an optimizer config: ${show(x)}`);
  const className = x['className'];
  const inner = isObj(x['config']) ? x['config'] : {};
  const user = custom(className, options) ?? custom(x['registeredName'] as string | undefined, options);
  if (typeof user === 'function' && (user as {prototype?: unknown}).prototype instanceof Optimizer) {
    return (user as unknown as typeof Optimizer & {fromConfig(c: Config): Optimizer}).fromConfig(plainConfig(inner));
  }
  // loss scaling guards float16 gradients from underflow; the variables here are float32
  if (LOSS_SCALE_OPTIMIZERS.has(unregistered(className))) {
    const wrapped = inner['innerOptimizer'] ?? inner['optimizer'];
    if (wrapped === undefined) throw new Skip(`optimizer: ${className} without an inner_optimizer`);
    return optimizerFrom(wrapped, options);
  }
  const config: Config = {};
  for (const [k, v] of Object.entries(plainConfig(inner))) {
    if (DROPPED_OPTIMIZER_KEYS.has(k)) continue;
    if (k === 'lr') {
      if (!('learningRate' in inner)) config['learningRate'] = v;
      continue;
    }
    config[k] = v;
  }
  const lr = config['learningRate'];
  if (isObj(lr)) config['learningRate'] = {className: unregistered(String(lr['className'])), config: plainConfig(lr['config'])};
  try {
    return optimizers.deserialize({className: unregistered(className), config});
  } catch (e) {
    throw new Skip(`optimizer: ${(e as Error).message}`);
  }
}

// --- losses ---------------------------------------------------------------------------------------------

function lossByName(name: string, options: CompileFromConfigOptions): unknown {
  const user = custom(name, options);
  if (typeof user === 'function' || user instanceof losses.Loss) return user;
  if (name === 'crossentropy' || name === 'ce') return name;
  const canonical = LEGACY_LOSS_NAMES[name] ?? name;
  try {
    losses.get(canonical);
  } catch {
    throw new Skip(`loss: unknown loss ${JSON.stringify(name)}`);
  }
  return canonical;
}

function lossFrom(x: unknown, options: CompileFromConfigOptions): unknown {
  const fn = functionName(x);
  if (fn !== null) {
    const registered = isObj(x) ? x['registeredName'] : undefined;
    return lossByName(typeof registered === 'string' && custom(registered, options) !== undefined ? registered : fn, options);
  }
  if (!isObj(x) || typeof x['className'] !== 'string') throw new Skip(`loss: not a loss config: ${show(x)}`);
  const className = x['className'];
  const config = plainConfig(x['config']);
  const user = custom(className, options) ?? custom(x['registeredName'] as string | undefined, options);
  if (typeof user === 'function') return new (user as new (c: Config) => unknown)(config);
  // Keras 2's default reduction
  if (config['reduction'] === 'auto' || config['reduction'] === 'sum_over_batch_size') config['reduction'] = 'sum_over_batch_size';
  // a wrapped function: the function names the loss
  const wrappedFn = functionName(config['fn']);
  if (className === 'LossFunctionWrapper' && wrappedFn !== null) return lossByName(wrappedFn, options);
  delete config['fn'];
  try {
    return losses.get({className, config});
  } catch (e) {
    throw new Skip(`loss: ${(e as Error).message}`);
  }
}

// --- metrics --------------------------------------------------------------------------------------------

function metricByName(name: string, metricName: string | undefined, extra: Config, options: CompileFromConfigOptions): unknown {
  const user = custom(name, options);
  if (typeof user === 'function' && !((user as {prototype?: unknown}).prototype instanceof Metric)) return metrics.fromFunction(user as never, metricName ?? name);
  if (user instanceof Metric) return user;
  // resolved by `compile` from the shapes of the data (the name is the string itself)
  if (SHAPE_RESOLVED_METRICS.has(name)) return name;
  if (metrics.metricNames().includes(name)) {
    try {
      return metrics.get({className: name, config: {...extra, ...(metricName ? {name: metricName} : {})}});
    } catch (e) {
      throw new Skip(`metric: ${(e as Error).message}`);
    }
  }
  // a loss function used as a metric
  const lossName = LEGACY_LOSS_NAMES[name] ?? name;
  let fn: unknown;
  try {
    fn = losses.get(lossName);
  } catch {
    throw new Skip(`metric: unknown metric ${JSON.stringify(name)}`);
  }
  if (typeof fn !== 'function') throw new Skip(`metric: unknown metric ${JSON.stringify(name)}`);
  return new metrics.MeanMetricWrapper(fn as never, {name: metricName ?? name, ...extra});
}

function metricFrom(x: unknown, options: CompileFromConfigOptions): unknown {
  const fn = functionName(x);
  if (fn !== null) return metricByName(fn, undefined, {}, options);
  if (!isObj(x) || typeof x['className'] !== 'string') throw new Skip(`metric: not a metric config: ${show(x)}`);
  const className = x['className'];
  const config = plainConfig(x['config']);
  const user = custom(className, options) ?? custom(x['registeredName'] as string | undefined, options);
  if (typeof user === 'function') return new (user as new (c: Config) => unknown)(config);
  if (className === 'MeanMetricWrapper' || className === 'SumMetricWrapper') {
    const inner = functionName(config['fn']);
    if (inner === null) throw new Skip(`metric: ${className} without a function name: ${show(x)}`);
    const {fn: _fn, name, dtype: _dtype, ...extra} = config;
    return metricByName(inner, typeof name === 'string' ? name : undefined, extra, options);
  }
  try {
    return metrics.get({className: unregistered(className), config});
  } catch (e) {
    throw new Skip(`metric: ${(e as Error).message}`);
  }
}

// --- nesting --------------------------------------------------------------------------------------------

/** A single serialized object (Keras's `_is_single_object`) or a structure of them, per output. */
function nested(x: unknown, one: (x: unknown) => unknown, skipped: string[]): unknown {
  if (x === null || x === undefined) return null;
  if (typeof x === 'string' || (isObj(x) && typeof x['className'] === 'string')) {
    try {
      return one(x);
    } catch (e) {
      if (e instanceof Skip) {
        skipped.push(e.message);
        return null;
      }
      throw e;
    }
  }
  if (Array.isArray(x)) return x.map((v) => nested(v, one, skipped));
  if (isObj(x)) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, nested(v, one, skipped)]));
  skipped.push(`not understood: ${show(x)}`);
  return null;
}

/** tf.keras writes the metrics of a one-output model as `[[...]]`. */
function flattenSingleOutput(m: unknown, options: CompileFromConfigOptions): unknown {
  if (Array.isArray(m) && m.length === 1 && Array.isArray(m[0]) && (options.outputNames?.length ?? 1) === 1) return m[0];
  return m;
}

/**
 * `compile` arguments from a compile config (`.keras`) or training config (`.h5`), keys in camelCase.
 * Everything not understood is listed in `skipped`, and the arguments are then not to be used.
 */
export function compileArgsFromConfig(cc: Config, options: CompileFromConfigOptions = {}): CompileFromConfig {
  const skipped: string[] = [];
  const args: Config = {};
  const optimizerConfig = cc['optimizer'] ?? cc['optimizerConfig'];
  if (optimizerConfig !== null && optimizerConfig !== undefined) {
    try {
      args['optimizer'] = optimizerFrom(optimizerConfig, options);
    } catch (e) {
      if (!(e instanceof Skip) && !(e instanceof Error)) throw e;
      skipped.push(e instanceof Skip ? e.message : `optimizer: ${e.message}`);
    }
  }
  const loss = nested(cc['loss'], (x) => lossFrom(x, options), skipped);
  if (loss !== null) args['loss'] = loss;
  for (const key of ['metrics', 'weightedMetrics'] as const) {
    const m = nested(cc[key], (x) => metricFrom(x, options), skipped);
    if (m !== null) args[key] = flattenSingleOutput(m, options);
  }
  const lw = cc['lossWeights'];
  if (lw !== null && lw !== undefined) {
    if (typeof lw === 'number' || (Array.isArray(lw) && lw.every((w) => typeof w === 'number')) || (isObj(lw) && Object.values(lw).every((w) => typeof w === 'number'))) {
      args['lossWeights'] = lw;
    } else skipped.push(`loss_weights: not understood: ${show(lw)}`);
  }
  return {args, skipped};
}
