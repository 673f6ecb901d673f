import {runKernel} from '../autodiff/engine.js';
import {Variable} from '../autodiff/variable.js';
import {floatx} from '../config.js';
import {ValueError} from '../errors.js';
import {KERNELS, type AttrsOf, type InputsFor, type KernelName, type Kernels, type SlotsOf} from '../kernels/index.js';
import {checkNotString, isDType, isFloat, type DType, type TypedArray} from '../tensor/dtype.js';
import {fmtShape, normAxis} from '../tensor/shape.js';
import {tensor, Tensor, type NestedArray, type NestedStrings} from '../tensor/tensor.js';

/** Anything an op accepts as a tensor argument. */
export type TensorLike = Tensor | Variable | NestedArray | NestedStrings | TypedArray;

/**
 * Converts an op argument to a tensor, naming the op and argument when it cannot:
 * `Argument 'x' passed to 'relu' must be a tensor-like value`.
 */
export function toTensor(x: TensorLike, arg: string, op: string, dtype?: DType): Tensor {
  let t: Tensor;
  if (x instanceof Tensor) t = x;
  else if (x instanceof Variable) t = x.read();
  else if (typeof x === 'number' || typeof x === 'boolean' || Array.isArray(x) || ArrayBuffer.isView(x)) {
    // numbers meeting a string tensor (`ops.add(text, 1)`): say the op needs numbers
    if (dtype === 'string' && !isStringData(x)) checkNotString(dtype, `'${op}'`);
    try {
      t = tensor(x as NestedArray, undefined, dtype ?? (typeof x === 'boolean' ? 'bool' : ArrayBuffer.isView(x) ? undefined : floatx()));
    } catch (e) {
      throw new ValueError(`Argument '${arg}' passed to '${op}': ${(e as Error).message}`);
    }
    return t;
  } else {
    throw new ValueError(`Argument '${arg}' passed to '${op}' must be a Tensor, Variable, number or array. Received: ${describe(x)}`);
  }
  if (dtype !== undefined && t.dtype !== dtype) return cast(t, dtype);
  return t;
}

function isStringData(x: unknown): boolean {
  let cur = x;
  while (Array.isArray(cur) && cur.length > 0) cur = cur[0];
  return typeof cur === 'string';
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return `${typeof x} ${String(x)}`;
}

/** `keras.ops.convert_to_tensor`. */
export function convertToTensor(x: TensorLike, dtype?: DType): Tensor {
  if (dtype !== undefined && !isDType(dtype)) {
    throw new ValueError(`convertToTensor: unknown dtype ${JSON.stringify(dtype)}. Expected one of float32, float64, int32, bool`);
  }
  return toTensor(x, 'x', 'convertToTensor', dtype);
}

/**
 * Runs a kernel of the contract through the tape; returns its outputs. `out` (internal: optimizers'
 * in-place updates) gives destinations for some outputs, tensors the caller owns; see `execute`.
 */
export function runAll<K extends KernelName>(
  name: K,
  inputs: InputsFor<SlotsOf<Kernels[K]>, Tensor>,
  attrs: AttrsOf<Kernels[K]>,
  out?: readonly (Tensor | null | undefined)[],
): Tensor[] {
  return runKernel(KERNELS[name], inputs as Record<string, Tensor | Tensor[]>, attrs, out);
}

/** Runs a single-output kernel. */
export function run<K extends KernelName>(
  name: K,
  inputs: InputsFor<SlotsOf<Kernels[K]>, Tensor>,
  attrs: AttrsOf<Kernels[K]>,
): Tensor {
  return runAll(name, inputs, attrs)[0]!;
}

export function cast(x: TensorLike, dtype: DType): Tensor {
  if (!isDType(dtype)) throw new ValueError(`cast: unknown dtype ${JSON.stringify(dtype)}. Expected one of float32, float64, int32, bool`);
  const t = toTensor(x, 'x', 'cast');
  if (t.dtype === dtype) return t;
  return run('Cast', {x: t}, {dtype});
}

/** Casts integer and bool tensors to `floatx` (for exp, log, ... which are defined on floats). */
export function toFloat(t: Tensor): Tensor {
  return isFloat(t.dtype) ? t : cast(t, floatx() as DType);
}

/** Normalizes one axis for `op`, or throws naming it: `sum: axis 3 is out of bounds for a tensor of rank 2`. */
export function checkAxis(axis: number, rank: number, op: string, shape?: readonly number[]): number {
  const a = normAxis(axis, rank);
  if (a === null) {
    const s = shape ? ` (shape ${fmtShape(shape)})` : '';
    throw new ValueError(
      Number.isInteger(axis)
        ? `${op}: axis ${axis} is out of bounds for a tensor of rank ${rank}${s}; expected an axis in [${-rank}, ${rank - 1}]`
        : `${op}: axis must be an integer. Received: axis=${axis}`,
    );
  }
  return a;
}

/** Normalizes a list of axes (undefined/null = all), sorted and unique, or throws naming the op. */
export function checkAxes(axis: number | readonly number[] | null | undefined, rank: number, op: string, shape?: readonly number[]): number[] {
  if (axis === null || axis === undefined) return [...Array(rank).keys()];
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => checkAxis(a, rank, op, shape));
  if (new Set(out).size !== out.length) throw new ValueError(`${op}: repeated axis in ${JSON.stringify(list)}`);
  return out.sort((a, b) => a - b);
}
