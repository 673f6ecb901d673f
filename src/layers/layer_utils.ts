/**
 * Argument checks and config helpers shared by the built-in layers (Keras's `argument_validation`
 * and `standardize_*`), plus the mapping of Keras 1 argument spellings to Keras 3's.
 */
import * as activations from '../activations/index.js';
import {imageDataFormat, type ImageDataFormat} from '../config.js';
import * as constraints from '../constraints/index.js';
import {ValueError} from '../errors.js';
import * as initializers from '../initializers/index.js';
import * as regularizers from '../regularizers/index.js';

/** An int, or a list of `n` ints, as a list of `n` (Keras's `standardize_tuple`). */
export function standardizeTuple(value: number | readonly number[], n: number, name: string, allowZero = false): number[] {
  const msg = `The \`${name}\` argument must be a tuple of ${n} integers. Received ${name}=${JSON.stringify(value)}`;
  let list: number[];
  if (typeof value === 'number') list = new Array<number>(n).fill(value);
  else if (Array.isArray(value)) list = [...value];
  else throw new ValueError(msg);
  if (list.length !== n || list.some((v) => !Number.isInteger(v))) throw new ValueError(msg);
  const bad = list.filter((v) => (allowZero ? v < 0 : v <= 0));
  if (bad.length) throw new ValueError(`${msg}, including values {${bad.join(', ')}} that do not satisfy \`value ${allowZero ? '>= 0' : '> 0'}\``);
  return list;
}

export type PaddingMode = 'valid' | 'same' | 'causal';

export function standardizePadding(value: unknown, allowCausal = false): PaddingMode {
  const p = typeof value === 'string' ? value.toLowerCase() : value;
  const allowed = allowCausal ? ['valid', 'same', 'causal'] : ['valid', 'same'];
  if (typeof p !== 'string' || !allowed.includes(p)) {
    throw new ValueError(`The \`padding\` argument must be one of {${allowed.map((a) => `'${a}'`).join(', ')}}. Received: ${JSON.stringify(value)}`);
  }
  return p as PaddingMode;
}

export function standardizeDataFormat(value: unknown): ImageDataFormat {
  if (value === null || value === undefined) return imageDataFormat();
  const v = typeof value === 'string' ? value.toLowerCase() : value;
  if (v !== 'channels_last' && v !== 'channels_first') {
    throw new ValueError(`The \`data_format\` argument must be one of {'channels_first', 'channels_last'}. Received: data_format=${JSON.stringify(value)}`);
  }
  return v;
}

/** A positive integer, or Keras's error naming the argument. */
export function checkPositiveInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ValueError(`Received an invalid value for ${name}, expected a positive integer. Received: ${name}=${value}`);
  }
  return value;
}

/** A strictly positive integer, or Keras's error for `filters` and `depth_multiplier`. */
export function checkStrictlyPositive(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ValueError(`Invalid value for argument \`${name}\`. Expected a strictly positive value. Received ${name}=${value}.`);
  }
  return value;
}

/** Output length along one axis of a convolution or pooling window (null stays null). */
export function convOutputLength(len: number | null, k: number, padding: PaddingMode, stride: number, dilation = 1): number | null {
  if (len === null) return null;
  const effK = (k - 1) * dilation + 1;
  if (padding === 'valid') return Math.floor((len - effK) / stride) + 1;
  return Math.floor((len - 1) / stride) + 1;
}

// --- config serialization ------------------------------------------------------------------------

export function serInit(i: initializers.Initializer): initializers.SerializedObject {
  return initializers.serialize(i);
}
export function serReg(r: regularizers.Regularizer | null): initializers.SerializedObject | null {
  return r ? regularizers.serialize(r) : null;
}
export function serCon(c: constraints.Constraint | null): initializers.SerializedObject | null {
  return c ? constraints.serialize(c) : null;
}
/** What a layer with a kernel and a bias has, as Keras writes them in its config (in Keras's key order). */
interface KernelBiasArgs {
  kernelInitializer: initializers.Initializer;
  biasInitializer: initializers.Initializer;
  kernelRegularizer: regularizers.Regularizer | null;
  biasRegularizer: regularizers.Regularizer | null;
  activityRegularizer: regularizers.Regularizer | null;
  kernelConstraint: constraints.Constraint | null;
  biasConstraint: constraints.Constraint | null;
}

/** The config keys of a layer's kernel and bias (Dense, the convolutions, EinsumDense, the attention layers). */
export function kernelBiasConfig(l: KernelBiasArgs): Record<keyof KernelBiasArgs, initializers.SerializedObject | null> {
  return {
    kernelInitializer: serInit(l.kernelInitializer),
    biasInitializer: serInit(l.biasInitializer),
    kernelRegularizer: serReg(l.kernelRegularizer),
    biasRegularizer: serReg(l.biasRegularizer),
    activityRegularizer: serReg(l.activityRegularizer),
    kernelConstraint: serCon(l.kernelConstraint),
    biasConstraint: serCon(l.biasConstraint),
  };
}
export function getReg(id: regularizers.RegularizerIdentifier | null | undefined): regularizers.Regularizer | null {
  return id === null || id === undefined ? null : regularizers.get(id);
}
export function getCon(id: constraints.ConstraintIdentifier | null | undefined): constraints.Constraint | null {
  return id === null || id === undefined ? null : constraints.get(id);
}
export function serAct(f: activations.Activation): string {
  return activations.serialize(f);
}

// --- Keras 1 spellings -----------------------------------------------------------------------------

const warned = new Set<string>();

/** Warns once per old spelling, as Keras's legacy converters did. */
export function deprecationWarning(oldName: string, newName: string, layer: string): void {
  const key = `${oldName}->${newName}`;
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(`${layer}: the argument \`${oldName}\` is a Keras 1 spelling and is deprecated. Use \`${newName}\` instead.`);
}

/** Forgets which deprecation warnings were shown (tests). */
export function resetDeprecationWarnings(): void {
  warned.clear();
}

const LEGACY: Record<string, string> = {
  border_mode: 'padding',
  borderMode: 'padding',
  init: 'kernelInitializer',
  W_regularizer: 'kernelRegularizer',
  WRegularizer: 'kernelRegularizer',
  b_regularizer: 'biasRegularizer',
  bRegularizer: 'biasRegularizer',
  W_constraint: 'kernelConstraint',
  WConstraint: 'kernelConstraint',
  b_constraint: 'biasConstraint',
  bConstraint: 'biasConstraint',
  bias: 'useBias',
  subsample: 'strides',
  subsample_length: 'strides',
  subsampleLength: 'strides',
  output_dim: 'units',
  outputDim: 'units',
  nb_filter: 'filters',
  nbFilter: 'filters',
  filter_length: 'kernelSize',
  filterLength: 'kernelSize',
  input_shape: 'inputShape',
  input_dim: 'inputDim',
  batch_input_shape: 'batchInputShape',
  dim_ordering: 'dataFormat',
  dimOrdering: 'dataFormat',
  pool_length: 'poolSize',
  poolLength: 'poolSize',
  stride: 'strides',
  p: 'rate',
};

/** The options a windowed layer (pooling, depthwise and separable convolutions) maps Keras 1 spellings to. */
export const WINDOW_OPTIONS = ['padding', 'strides', 'dataFormat', 'inputShape', 'inputDim', 'batchInputShape'];

/**
 * Maps Keras 1 argument names (`border_mode`, `init`, `W_regularizer`, `output_dim`, ...) to the
 * Keras 3 options, warning once per spelling. `allowed` limits the mapping to the options the layer
 * has (so `bias` is only read as `useBias` where that makes sense).
 */
export function legacyArgs<T extends object>(args: T | undefined, layer: string, allowed: readonly string[]): T {
  if (!args) return {} as T;
  let out: Record<string, unknown> | null = null;
  for (const [oldName, newName] of Object.entries(LEGACY)) {
    if (!(oldName in args) || !allowed.includes(newName)) continue;
    if (oldName === 'bias' && typeof (args as Record<string, unknown>)[oldName] !== 'boolean') continue;
    out ??= {...(args as Record<string, unknown>)};
    const value = out[oldName];
    delete out[oldName];
    deprecationWarning(oldName, newName, layer);
    if (out[newName] === undefined) out[newName] = newName === 'dataFormat' ? legacyDataFormat(value) : value;
  }
  return (out ?? args) as T;
}

function legacyDataFormat(v: unknown): unknown {
  if (v === 'tf') return 'channels_last';
  if (v === 'th') return 'channels_first';
  return v;
}

/**
 * Reads a positional argument that Keras also takes as a keyword: `new ZeroPadding2D({padding: 2})`
 * as well as `new ZeroPadding2D(2, {...})`. Returns the value (or `fallback`) and the other options.
 */
export function splitPositional<V, A extends object>(value: V | A | undefined, args: A, key: string, fallback: V): [V, A] {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const {[key]: v, ...rest} = value as Record<string, unknown>;
    return [(v as V | undefined) ?? fallback, rest as A];
  }
  const {[key]: _v, ...rest} = args as Record<string, unknown>;
  return [(value as V | undefined) ?? fallback, rest as A];
}

/** `int`, `[a, b]`, or (2-D, 3-D) `[[top, bottom], [left, right]]` / `[symH, symW]`, as Keras reads padding and cropping. */
export function standardizePairs(value: number | readonly (number | readonly number[])[], n: 1 | 2 | 3, name: string): [number, number][] {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) throw new ValueError(`\`${name}\` cannot be negative. Received: ${name}=${value}.`);
    return new Array(n).fill(0).map(() => [value, value] as [number, number]);
  }
  if (n === 1) return [standardizeTuple(value as number[], 2, name, true) as [number, number]];
  if (!Array.isArray(value) || value.length !== n) {
    throw new ValueError(`\`${name}\` should have ${n === 2 ? 'two' : 'three'} elements. Received: ${name}=${JSON.stringify(value)}.`);
  }
  return value.map((v, i) => standardizeTuple(v as number | number[], 2, `${['1st', '2nd', '3rd'][i]} entry of ${name}`, true) as [number, number]);
}
