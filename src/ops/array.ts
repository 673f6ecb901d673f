import {ValueError} from '../errors.js';
import {broadcastShapes, fmtShape, sizeOf} from '../tensor/shape.js';
import type {Tensor} from '../tensor/tensor.js';
import {checkAxes, checkAxis, run, toTensor, type TensorLike} from './core.js';

/** New shape, same values; one dimension may be -1 (inferred). */
export function reshape(x: TensorLike, newShape: readonly number[]): Tensor {
  const t = toTensor(x, 'x', 'reshape');
  const s = [...newShape];
  const unknown = s.filter((d) => d === -1).length;
  if (unknown > 1 || s.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new ValueError(`reshape: invalid target shape ${fmtShape(newShape)}: dimensions must be non-negative integers, with at most one -1`);
  }
  if (unknown === 1) {
    const known = s.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    if (known === 0 || t.size % known !== 0) {
      throw new ValueError(`reshape: cannot reshape a tensor of shape ${fmtShape(t.shape)} (${t.size} values) into ${fmtShape(newShape)}`);
    }
    s[s.indexOf(-1)] = t.size / known;
  }
  if (sizeOf(s) !== t.size) {
    throw new ValueError(`reshape: cannot reshape a tensor of shape ${fmtShape(t.shape)} (${t.size} values) into ${fmtShape(newShape)}`);
  }
  return run('Reshape', {x: t}, {shape: s});
}

/** Permutes the axes (reverses them when `axes` is omitted). */
export function transpose(x: TensorLike, axes?: readonly number[]): Tensor {
  const t = toTensor(x, 'x', 'transpose');
  const perm = axes ? axes.map((a) => checkAxis(a, t.rank, 'transpose', t.shape)) : [...Array(t.rank).keys()].reverse();
  if (perm.length !== t.rank || new Set(perm).size !== t.rank) {
    throw new ValueError(`transpose: axes must be a permutation of [0, ${t.rank}). Received: axes=${JSON.stringify(axes)} for shape ${fmtShape(t.shape)}`);
  }
  if (perm.every((p, i) => p === i)) return t;
  return run('Transpose', {x: t}, {perm});
}

export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const t = toTensor(x, 'x', 'broadcastTo');
  const b = broadcastShapes(t.shape, shape);
  if (b === null || b.length !== shape.length || b.some((d, i) => d !== shape[i])) {
    throw new ValueError(`broadcastTo: cannot broadcast shape ${fmtShape(t.shape)} to ${fmtShape(shape)}`);
  }
  if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  return run('BroadcastTo', {x: t}, {shape: [...shape]});
}

export function expandDims(x: TensorLike, axis: number): Tensor {
  const t = toTensor(x, 'x', 'expandDims');
  const a = checkAxis(axis, t.rank + 1, 'expandDims', t.shape);
  const s = [...t.shape];
  s.splice(a, 0, 1);
  return run('Reshape', {x: t}, {shape: s});
}

/** Removes axes of length 1 (all of them, or those in `axis`, which must have length 1). */
export function squeeze(x: TensorLike, axis?: number | readonly number[]): Tensor {
  const t = toTensor(x, 'x', 'squeeze');
  const axes = axis === undefined ? t.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : checkAxes(axis, t.rank, 'squeeze', t.shape);
  for (const a of axes) {
    if (t.shape[a] !== 1) throw new ValueError(`squeeze: cannot squeeze axis ${a} of length ${t.shape[a]} (shape ${fmtShape(t.shape)})`);
  }
  return run('Reshape', {x: t}, {shape: t.shape.filter((_, i) => !axes.includes(i))});
}
