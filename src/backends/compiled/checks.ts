import type {Padding} from '../../kernels/conv_util.js';
import {ValueError} from '../../errors.js';
import {fmtShape, shapesEqual, sizeOf} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';

/**
 * The checks every compiled kernel makes before it calls into compiled code (native or wasm): the
 * dtypes it covers, and that every buffer holds exactly the elements its shape implies and the
 * shapes agree with the attributes. The compiled side checks the lengths again, so no input can make
 * it read or write out of bounds.
 */

/** Below this many elements an elementwise op, reduction or copy stays in JavaScript (BENCHMARKS.md). */
export const MIN_COMPILED_ELEMENTS = 256;

export function isF32(...ts: Tensor[]): boolean {
  // a loop, not `every` with a closure: called for each kernel of each replayed plan
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (t.dtype !== 'float32' || !(t.values instanceof Float32Array)) return false;
  }
  return true;
}

export function isI32(t: Tensor): boolean {
  return t.dtype === 'int32' && t.values instanceof Int32Array;
}

/** Throws when `t` lacks `expectedShape` (if given) or its storage does not hold exactly its elements. */
export function checkStorage(op: string, name: string, t: Tensor, expectedShape?: readonly number[]): void {
  const shape = expectedShape ?? t.shape;
  if (expectedShape && !shapesEqual(t.shape, shape)) {
    throw new ValueError(`${op}: ${name} must have shape ${fmtShape(shape)}. Received: ${name}.shape=${fmtShape(t.shape)}`);
  }
  const n = sizeOf(shape);
  if (t.values.length !== n) {
    throw new ValueError(
      `${op}: ${name} has ${t.values.length} values in storage, but its shape ${fmtShape(shape)} needs ${n}`,
    );
  }
}

/** `checkStorage` over a list of `[name, tensor, shape]`. */
export function checkAll(op: string, tensors: readonly (readonly [string, Tensor, readonly number[]])[]): void {
  for (const [name, t, shape] of tensors) checkStorage(op, name, t, shape);
}

export function checkRank(op: string, name: string, t: Tensor, rank: number): void {
  if (t.shape.length !== rank) {
    throw new ValueError(`${op}: ${name} must have rank ${rank}. Received: ${name}.shape=${fmtShape(t.shape)}`);
  }
}

export function checkAxis(op: string, axis: number, rank: number, shape: readonly number[]): void {
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
    throw new ValueError(`${op}: axis must be an integer in [0, ${rank}). Received: axis=${axis} for shape ${fmtShape(shape)}`);
  }
}

/** `[batch, units]` of a rank-2 recurrent state. */
export function stateDims(op: string, name: string, t: Tensor): [number, number] {
  const [b, u] = t.shape;
  if (t.rank !== 2 || b === undefined || u === undefined) {
    throw new ValueError(`${op}: ${name} must have rank 2 [batch, units]. Received: ${name}.shape=${fmtShape(t.shape)}`);
  }
  return [b, u];
}

export function checkWindowAttrs(op: string, strides: readonly number[], dilations: readonly number[], padding: Padding): void {
  if (!strides.every((s) => Number.isInteger(s) && s >= 1) || !dilations.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ValueError(`${op}: strides and dilations must be positive integers. Received: strides=${fmtShape(strides)}, dilations=${fmtShape(dilations)}`);
  }
  if (padding !== 'same' && padding !== 'valid') {
    throw new ValueError(`${op}: padding must be "same" or "valid". Received: padding=${JSON.stringify(padding)}`);
  }
}
