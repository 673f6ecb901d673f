/**
 * Where Keras 3 changed the meaning of a name that older files use, a file written by Keras 1/2 or
 * tf.keras keeps the numbers it was saved with.
 *
 * - `hard_sigmoid`: Keras 2 and tf.keras compute `clip(0.2 x + 0.5, 0, 1)`; Keras 3 computes
 *   `clip(x / 6 + 0.5, 0, 1)`. An LSTM/GRU saved by tf.keras (whose default recurrent activation
 *   was `hard_sigmoid` in Keras 2) reproduces its outputs only with the old definition. The function
 *   keeps the name `hard_sigmoid`, so the model saves as it was read.
 *
 * ```ts
 * if (isBeforeKeras3(attrs['keras_version'])) env = withLegacyActivations(env);
 * ```
 */
import * as ops from '../ops/index.js';
import type {Tensor} from '../tensor/tensor.js';
import type {Envelope} from './config.js';

/** Keras 2's `hard_sigmoid`: `clip(0.2 x + 0.5, 0, 1)`. */
const keras2HardSigmoid = Object.defineProperty(
  (x: Tensor): Tensor => ops.clip(ops.add(ops.multiply(x, 0.2), 0.5), 0, 1),
  'kerasName',
  {value: 'hard_sigmoid', enumerable: false},
) as ((x: Tensor) => Tensor) & {readonly kerasName: string};

const ACTIVATION_KEYS = new Set(['activation', 'recurrentActivation']);

/** Whether a `keras_version` attribute names Keras 1 or 2 (`'2.2.4-tf'`, `'2.15.0'`); absent counts as old. */
export function isBeforeKeras3(version: unknown): boolean {
  if (typeof version !== 'string') return true;
  const major = Number(/^(\d+)\./.exec(version)?.[1]);
  return !(major >= 3);
}

function rewrite(value: unknown, key?: string): unknown {
  if (key !== undefined && ACTIVATION_KEYS.has(key) && value === 'hard_sigmoid') return keras2HardSigmoid;
  if (Array.isArray(value)) return value.map((v) => rewrite(v));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = rewrite(v, k);
  return out;
}

/** The envelope with the activations whose meaning changed in Keras 3 bound to their old definitions. */
export function withLegacyActivations(env: Envelope): Envelope {
  return rewrite(env) as Envelope;
}
