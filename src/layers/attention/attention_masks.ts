/**
 * What MultiHeadAttention and GroupedQueryAttention share: how a call's tensors are named (Keras's
 * `call(query, value, key=None, ...)` as `apply([query, value, key?], {...})` or
 * `apply(query, {value, key, ...})`), and the attention mask built from the inputs' Keras masks,
 * an explicit `attentionMask`, the causal mask and a sliding window, as Keras's
 * `_compute_attention_mask`.
 */
import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {arange, ones, type Tensor} from '../../tensor/tensor.js';
import type {CallArgs} from '../layer.js';

export interface AttentionCallArgs extends CallArgs {
  value?: unknown;
  key?: unknown;
  /** `[B, T, S]` (or broadcastable): true where query position t may attend to key position s. */
  attentionMask?: Tensor | null;
  returnAttentionScores?: boolean;
  useCausalMask?: boolean;
}

/** `apply(query, {value, key})` becomes `apply([query, value, key])`: one list of inputs for build and the graph. */
export function gatherInputs(layer: string, inputs: unknown, kwargs: AttentionCallArgs): [unknown, AttentionCallArgs] {
  if (inputs === undefined && kwargs['query'] !== undefined) {
    const {query, ...rest} = kwargs;
    [inputs, kwargs] = [query, rest];
  }
  if (Array.isArray(inputs)) {
    if (kwargs.value !== undefined) throw new ValueError(`Layer "${layer}": give value either in the list of inputs or as an option, not both`);
    if (inputs.length < 2 || inputs.length > 3) {
      throw new ValueError(`Layer "${layer}" expects [query, value] or [query, value, key]. Received a list of ${inputs.length} inputs`);
    }
    return [inputs, kwargs];
  }
  const {value, key, ...rest} = kwargs;
  if (value === undefined || value === null) {
    throw new ValueError(`Layer "${layer}" needs a value tensor: call it as apply([query, value]) or apply(query, {value}). Received only a query`);
  }
  return [key === undefined || key === null ? [inputs, value] : [inputs, value, key], rest];
}

/** The masks of query, value and key (key's only when a key was given). */
export function inputMasks(mask: CallArgs['mask'], n: number): [Tensor | null, Tensor | null, Tensor | null] {
  const ms = Array.isArray(mask) ? mask : [mask ?? null];
  return [ms[0] ?? null, ms[1] ?? null, n > 2 ? (ms[2] ?? null) : null];
}

/** `[1, T, S]`: true where `s <= t`. */
export function causalMask(t: number, s: number): Tensor {
  return ops.cast(ops.reshape(ops.tril(ones([t, s], 'int32')), [1, t, s]), 'bool');
}

/** `[1, T, S]`: true where `|t - s| < window`. */
function slidingWindowMask(t: number, s: number, window: number): Tensor {
  const rows = ops.reshape(arange(0, t, 1, 'int32'), [1, t, 1]);
  const cols = ops.reshape(arange(0, s, 1, 'int32'), [1, 1, s]);
  return ops.less(ops.abs(ops.subtract(rows, cols)), window);
}

const and = (a: Tensor | null, b: Tensor): Tensor => (a ? ops.logicalAnd(a, b) : b);

/** The boolean `[B, T, S]` attention mask, or null when nothing masks. */
export function computeAttentionMask(
  query: Tensor, value: Tensor,
  {queryMask, valueMask, keyMask, attentionMask, useCausalMask, slidingWindow}: {
    queryMask: Tensor | null; valueMask: Tensor | null; keyMask: Tensor | null;
    attentionMask: Tensor | null; useCausalMask: boolean; slidingWindow: number | null;
  },
): Tensor | null {
  let auto: Tensor | null = null;
  if (queryMask) auto = ops.expandDims(ops.cast(queryMask, 'bool'), -1);
  if (valueMask) auto = and(auto, ops.expandDims(ops.cast(valueMask, 'bool'), -2));
  if (keyMask) auto = and(auto, ops.expandDims(ops.cast(keyMask, 'bool'), -2));
  const t = query.shape[1]!, s = value.shape[1]!;
  if (useCausalMask) auto = and(auto, causalMask(t, s));
  if (slidingWindow !== null) auto = and(auto, slidingWindowMask(t, s, slidingWindow));
  const explicit = attentionMask ? ops.cast(attentionMask, 'bool') : null;
  if (!auto) return explicit;
  return explicit ? ops.logicalAnd(explicit, auto) : auto;
}

export function checkSlidingWindow(w: unknown): number | null {
  if (w === undefined || w === null) return null;
  if (typeof w !== 'number' || !Number.isInteger(w) || w <= 0) {
    throw new ValueError(`\`sliding_window\` must be \`None\` or a positive integer. Received: sliding_window=${String(w)}`);
  }
  return w;
}

/** Keras's `build_config` of a layer built from `(query_shape, value_shape[, key_shape])`: its `shapes_dict`. */
export function attentionShapesDict(built: boolean, shapes: unknown): Record<string, unknown> | null {
  if (!built || !Array.isArray(shapes) || shapes.length < 2) return null;
  const [queryShape, valueShape, keyShape] = shapes as unknown[];
  return keyShape === undefined ? {queryShape, valueShape} : {queryShape, valueShape, keyShape};
}
