/**
 * snake_case on disk, camelCase in memory: the one place where config KEYS are converted. Values are
 * never touched (`'recurrent_kernel'`, `'glorot_uniform'`, layer names stay as they are), and the keys
 * of dicts that hold user data (losses and metrics keyed by output name, a Lambda's `arguments`) are
 * kept as they are.
 *
 * ```ts
 * configToCamel({batch_input_shape: [null, 4], beta_1: 0.9}); // {batchInputShape: [null, 4], beta1: 0.9}
 * configToSnake({kernelInitializer: 'glorot_uniform'});    // {kernel_initializer: 'glorot_uniform'}
 * ```
 */

/** Keras keys whose digit follows an underscore: `beta_1` <-> `beta1`. Everything else is regular. */
const SNAKE_DIGIT_KEYS = ['beta_1', 'beta_2', 'beta_2_decay', 'epsilon_1', 'epsilon_2'];
const CAMEL_TO_SNAKE = new Map(SNAKE_DIGIT_KEYS.map((k) => [toCamelKey(k), k]));

/**
 * Keys (either spelling) whose value is a dict keyed by user names (output names, argument names):
 * the value's own keys are kept; values that are serialized objects are still converted.
 */
const DATA_KEYED = new Set([
  'loss', 'metrics', 'weighted_metrics', 'weightedMetrics', 'loss_weights', 'lossWeights', 'arguments', 'custom_objects', 'customObjects',
  'input_layers', 'inputLayers', 'output_layers', 'outputLayers',
]);

/** `batch_input_shape` -> `batchInputShape`; `beta_1` -> `beta1`; leading underscores are kept. */
export function toCamelKey(key: string): string {
  const lead = /^_*/.exec(key)![0];
  return lead + key.slice(lead.length).replace(/_([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `batchInputShape` -> `batch_input_shape`; `beta1` -> `beta_1`. Keys already in snake_case are unchanged. */
export function toSnakeKey(key: string): string {
  const special = CAMEL_TO_SNAKE.get(key);
  if (special) return special;
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

/** A serialized Keras object (`{class_name, config}` or `{className, config}`): its keys are fields. */
function isSerializedObject(x: Record<string, unknown>): boolean {
  return typeof x['class_name'] === 'string' || typeof x['className'] === 'string';
}

function convert(value: unknown, keyFn: (k: string) => string, dataKeyed: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => convert(v, keyFn, dataKeyed));
  if (!isPlainObject(value)) return value;
  const keepKeys = dataKeyed && !isSerializedObject(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[keepKeys ? k : keyFn(k)] = convert(v, keyFn, !keepKeys && DATA_KEYED.has(k));
  }
  return out;
}

/** Converts every key of a config read from disk to camelCase (values untouched). */
export function configToCamel<T = unknown>(config: unknown): T {
  return convert(config, toCamelKey, false) as T;
}

/** Converts every key of an in-memory config to snake_case for disk (values untouched). */
export function configToSnake<T = unknown>(config: unknown): T {
  return convert(config, toSnakeKey, false) as T;
}
