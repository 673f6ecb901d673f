import {noteHostCheck} from '../autodiff/engine.js';
import {Variable} from '../autodiff/variable.js';
import {floatx} from '../config.js';
import {ValueError} from '../errors.js';
import {isDType, upcast, type DType} from '../tensor/dtype.js';
import {broadcastShapes, fmtShape, shapesEqual, sizeOf, stridesOf} from '../tensor/shape.js';
import {full, ones, Tensor, zeros} from '../tensor/tensor.js';
import {cast, checkAxes, checkAxis, run, runAll, toTensor, type TensorLike} from './core.js';

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

// ---------------------------------------------------------------------------------------------
// Helpers

function isIntList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => Number.isInteger(d));
}

function fmtList(v: unknown): string {
  return Array.isArray(v) ? `[${v.map((d) => (d === null ? 'null' : String(d))).join(', ')}]` : String(v);
}

/**
 * Converts `indices` to an int32 tensor for `op`. Integer-valued JS numbers are accepted; float and
 * bool tensors are refused (silently truncating 1.7 to 1 would hide a bug).
 */
function toIndices(indices: TensorLike, op: string, arg = 'indices'): Tensor {
  if (indices instanceof Tensor || indices instanceof Variable || ArrayBuffer.isView(indices)) {
    const t = toTensor(indices, arg, op);
    if (t.dtype !== 'int32') {
      throw new ValueError(`${op}: ${arg} must be an int32 tensor. Received: ${arg}.dtype=${t.dtype}; cast it with ops.cast(${arg}, 'int32')`);
    }
    return t;
  }
  const t = toTensor(indices, arg, op, 'float64');
  const v = t.values;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i])) {
      throw new ValueError(`${op}: ${arg} must be integers. Received: ${arg}${flatPos(t.shape, i)}=${v[i]}`);
    }
  }
  return new Tensor(t.shape, 'int32', Int32Array.from(v));
}

/** `[i, j]` for flat position `i` in a tensor of `shape` ('' for a scalar). */
function flatPos(shape: readonly number[], i: number): string {
  if (shape.length === 0) return '';
  const st = stridesOf(shape);
  return `[${st.map((s, k) => Math.floor(i / s) % shape[k]!).join(', ')}]`;
}

/**
 * Checks every index against `[-n, n)` and returns them with negatives wrapped (NumPy's `take`),
 * or throws naming the op, the offending index and the valid range.
 */
function wrapIndices(t: Tensor, n: number, op: string, what: string): Tensor {
  const v = t.values;
  let negative = false;
  for (let i = 0; i < v.length; i++) {
    const k = v[i]!;
    if (k < -n || k >= n) {
      throw new ValueError(`${op}: index ${k} at indices${flatPos(t.shape, i)} is out of range for ${what}; expected indices in [${-n}, ${n - 1}]`);
    }
    if (k < 0) negative = true;
  }
  if (!negative) {
    // a compiled step reruns the check on later batches' indices, which it cannot wrap: a negative one is refused there
    noteHostCheck(t, (u) => checkNoNegative(u, n, op, what));
    return t;
  }
  return new Tensor(t.shape, 'int32', Int32Array.from(v, (k) => (k < 0 ? k + n : k)));
}

function checkNoNegative(t: Tensor, n: number, op: string, what: string): void {
  const v = t.values;
  for (let i = 0; i < v.length; i++) {
    const k = v[i]!;
    if (k < 0 || k >= n) {
      throw new ValueError(
        `${op}: index ${k} at indices${flatPos(t.shape, i)} is out of range for ${what}; expected indices in [0, ${n - 1}] ` +
          '(a compiled step does not wrap negative indices: run the model eagerly, compile({jitCompile: false}), to use them)',
      );
    }
  }
}

function checkNonNegInt(v: number, name: string, op: string): void {
  if (!Number.isInteger(v) || v < 0) throw new ValueError(`${op}: ${name} must be a non-negative integer. Received: ${name}=${v}`);
}

function flatten(t: Tensor): Tensor {
  return t.rank === 1 ? t : run('Reshape', {x: t}, {shape: [t.size]});
}

// ---------------------------------------------------------------------------------------------
// Slicing

/**
 * `x[begin[i] : begin[i] + size[i]]` on every axis, as `keras.ops.slice(inputs, start_indices,
 * shape)`; a size of -1 takes the rest of the axis.
 */
export function slice(x: TensorLike, begin: readonly number[], size: readonly number[]): Tensor {
  const t = toTensor(x, 'x', 'slice');
  if (!isIntList(begin) || begin.length !== t.rank) {
    throw new ValueError(`slice: begin must be a list of ${t.rank} integers (one per axis of x). Received: begin=${fmtList(begin)} for x.shape=${fmtShape(t.shape)}`);
  }
  if (!isIntList(size) || size.length !== t.rank) {
    throw new ValueError(`slice: size must be a list of ${t.rank} integers (one per axis of x). Received: size=${fmtList(size)} for x.shape=${fmtShape(t.shape)}`);
  }
  const s = size.map((n, i) => (n === -1 ? t.shape[i]! - begin[i]! : n));
  for (let i = 0; i < t.rank; i++) {
    const d = t.shape[i]!;
    if (begin[i]! < 0 || begin[i]! > d || s[i]! < 0 || begin[i]! + s[i]! > d) {
      throw new ValueError(
        `slice: axis ${i} of length ${d} cannot be sliced from ${begin[i]} with size ${size[i]}; expected 0 <= begin <= ${d} and begin + size <= ${d} (size -1 takes the rest). Received: begin=${fmtList(begin)}, size=${fmtList(size)}, x.shape=${fmtShape(t.shape)}`,
      );
    }
  }
  if (s.every((n, i) => n === t.shape[i])) return t;
  return run('Slice', {x: t}, {begin: [...begin], size: s});
}

/**
 * Python slicing `x[b0:e0:s0, b1:e1:s1, ...]`: `null` (or a missing trailing entry) is the default
 * bound, negative bounds count from the end, out-of-range bounds are clamped, strides may be
 * negative (`flip` is `stridedSlice(x, [null], [null], [-1])`).
 */
export function stridedSlice(
  x: TensorLike,
  begin: readonly (number | null)[],
  end: readonly (number | null)[],
  strides?: readonly (number | null)[],
): Tensor {
  const t = toTensor(x, 'x', 'stridedSlice');
  const lists = {begin, end, strides: strides ?? []};
  for (const [name, l] of Object.entries(lists)) {
    if (!Array.isArray(l) || l.length > t.rank || l.some((v) => v !== null && !Number.isInteger(v))) {
      throw new ValueError(
        `stridedSlice: ${name} must be a list of at most ${t.rank} integers or nulls (one per axis of x). Received: ${name}=${fmtList(l)} for x.shape=${fmtShape(t.shape)}`,
      );
    }
  }
  const b: number[] = [], e: number[] = [], st: number[] = [];
  for (let i = 0; i < t.rank; i++) {
    const n = t.shape[i]!;
    const s = lists.strides[i] ?? 1;
    if (s === 0) throw new ValueError(`stridedSlice: strides must not be 0. Received: strides=${fmtList(strides)}`);
    const clampTo = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v < 0 ? v + n : v));
    if (s > 0) {
      b.push(begin[i] == null ? 0 : clampTo(begin[i]!, 0, n));
      e.push(end[i] == null ? n : clampTo(end[i]!, 0, n));
    } else {
      // -1 is "before the first element" here, not "the last": resolved bounds are never negative indices
      b.push(begin[i] == null ? n - 1 : clampTo(begin[i]!, -1, n - 1));
      e.push(end[i] == null ? -1 : clampTo(end[i]!, -1, n - 1));
    }
    st.push(s);
  }
  if (st.every((s) => s === 1) && b.every((v, i) => v === 0 && e[i] === t.shape[i])) return t;
  return run('StridedSlice', {x: t}, {begin: b, end: e, strides: st});
}

/** Reverses the order of elements along `axis` (all axes when omitted), as `keras.ops.flip`. */
export function flip(x: TensorLike, axis: number | readonly number[] | null = null): Tensor {
  const t = toTensor(x, 'x', 'flip');
  const axes = checkAxes(axis, t.rank, 'flip', t.shape);
  const strides = t.shape.map((_, i) => (axes.includes(i) ? -1 : 1));
  return stridedSlice(t, [], [], strides);
}

// ---------------------------------------------------------------------------------------------
// Joining and splitting

/** Joins tensors along an existing axis, as `keras.ops.concatenate`; dtypes are promoted as Keras does. */
export function concatenate(xs: readonly TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) {
    throw new ValueError(`concatenate: expected a non-empty list of tensors. Received: ${Array.isArray(xs) ? 'an empty list' : String(xs)}`);
  }
  const ts = xs.map((x, i) => toTensor(x, `xs[${i}]`, 'concatenate'));
  const first = ts[0]!;
  if (first.rank === 0) throw new ValueError('concatenate: cannot concatenate scalars (rank 0); use stack. Received: xs[0].shape=[]');
  const a = checkAxis(axis, first.rank, 'concatenate', first.shape);
  ts.forEach((t, i) => {
    if (t.rank !== first.rank || t.shape.some((d, k) => k !== a && d !== first.shape[k])) {
      throw new ValueError(
        `concatenate: all inputs must have the same shape except on the concatenation axis ${axis}. Received: xs[0].shape=${fmtShape(first.shape)}, xs[${i}].shape=${fmtShape(t.shape)}`,
      );
    }
  });
  const d = ts.reduce<DType>((acc, t) => upcast(acc, t.dtype), first.dtype);
  const cs = ts.map((t) => (t.dtype === d ? t : cast(t, d)));
  if (cs.length === 1) return cs[0]!;
  return run('Concat', {xs: cs}, {axis: a});
}

/** Joins tensors of one shape along a new axis, as `keras.ops.stack`. */
export function stack(xs: readonly TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) {
    throw new ValueError(`stack: expected a non-empty list of tensors. Received: ${Array.isArray(xs) ? 'an empty list' : String(xs)}`);
  }
  const ts = xs.map((x, i) => toTensor(x, `xs[${i}]`, 'stack'));
  const first = ts[0]!;
  ts.forEach((t, i) => {
    if (!shapesEqual(t.shape, first.shape)) {
      throw new ValueError(`stack: all inputs must have the same shape. Received: xs[0].shape=${fmtShape(first.shape)}, xs[${i}].shape=${fmtShape(t.shape)}`);
    }
  });
  const a = checkAxis(axis, first.rank + 1, 'stack', first.shape);
  return concatenate(ts.map((t) => expandDims(t, a)), a);
}

/**
 * Splits `x` along `axis`, as `keras.ops.split`: a number `n` gives `n` equal sections (an error
 * when the axis does not divide), a list gives the split points (`[2, 5]` gives `x[:2], x[2:5], x[5:]`).
 */
export function split(x: TensorLike, indicesOrSections: number | readonly number[], axis = 0): Tensor[] {
  const t = toTensor(x, 'x', 'split');
  if (t.rank === 0) throw new ValueError('split: cannot split a scalar (rank 0)');
  const a = checkAxis(axis, t.rank, 'split', t.shape);
  const n = t.shape[a]!;
  let sizes: number[];
  if (typeof indicesOrSections === 'number') {
    const k = indicesOrSections;
    if (!Number.isInteger(k) || k < 1) {
      throw new ValueError(`split: the number of sections must be a positive integer. Received: indicesOrSections=${k}`);
    }
    if (n % k !== 0) {
      throw new ValueError(`split: axis ${axis} of length ${n} does not divide into ${k} equal sections (shape ${fmtShape(t.shape)}); pass split points instead`);
    }
    sizes = new Array<number>(k).fill(n / k);
  } else {
    if (!isIntList(indicesOrSections)) {
      throw new ValueError(`split: indicesOrSections must be an integer or a list of integers. Received: ${fmtList(indicesOrSections)}`);
    }
    const points = indicesOrSections.map((p) => (p < 0 ? p + n : p));
    sizes = [];
    let prev = 0;
    for (const p of points) {
      if (p < prev || p > n) {
        throw new ValueError(
          `split: split points must be non-decreasing and within [0, ${n}] (axis ${axis} of shape ${fmtShape(t.shape)}). Received: indicesOrSections=${fmtList(indicesOrSections)}`,
        );
      }
      sizes.push(p - prev);
      prev = p;
    }
    sizes.push(n - prev);
  }
  return runAll('Split', {x: t}, {sizes, axis: a});
}

// ---------------------------------------------------------------------------------------------
// Repeating and padding

/**
 * Repeats `x` `reps[i]` times along each axis, as `keras.ops.tile` (NumPy's rules: a shorter `reps`
 * is padded with leading 1s, a longer one adds leading axes to `x`).
 */
export function tile(x: TensorLike, reps: number | readonly number[]): Tensor {
  let t = toTensor(x, 'x', 'tile');
  const r = typeof reps === 'number' ? [reps] : [...reps];
  if (!r.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new ValueError(`tile: repeats must be non-negative integers. Received: reps=${fmtList(reps)}`);
  }
  while (r.length < t.rank) r.unshift(1);
  if (r.length > t.rank) t = reshape(t, [...new Array<number>(r.length - t.rank).fill(1), ...t.shape]);
  if (r.every((v) => v === 1)) return t;
  return run('Tile', {x: t}, {reps: r});
}

/**
 * Repeats each element `repeats` times along `axis` (of the flattened tensor when omitted), as
 * `keras.ops.repeat`; `repeats` may be one count or one count per element along the axis.
 */
export function repeat(x: TensorLike, repeats: number | readonly number[], axis?: number | null): Tensor {
  let t = toTensor(x, 'x', 'repeat');
  if (axis === undefined || axis === null) {
    t = flatten(t);
    axis = 0;
  }
  const a = checkAxis(axis, t.rank, 'repeat', t.shape);
  const n = t.shape[a]!;
  const counts = typeof repeats === 'number' ? new Array<number>(n).fill(repeats) : [...repeats];
  if (counts.length !== n || !counts.every((c) => Number.isInteger(c) && c >= 0)) {
    throw new ValueError(
      `repeat: repeats must be a non-negative integer or a list of ${n} of them (the length of axis ${axis}). Received: repeats=${fmtList(repeats)}`,
    );
  }
  const idx: number[] = [];
  counts.forEach((c, i) => {
    for (let k = 0; k < c; k++) idx.push(i);
  });
  return run('Gather', {x: t, indices: new Tensor([idx.length], 'int32', Int32Array.from(idx))}, {axis: a});
}

export type PadMode = 'constant' | 'reflect' | 'symmetric' | 'edge' | 'wrap';
const PAD_MODES: readonly PadMode[] = ['constant', 'reflect', 'symmetric', 'edge', 'wrap'];

/** Normalizes NumPy's forms of `pad_width` (n, [n], [before, after], [[b, a]], [[b0, a0], ...]). */
function padWidths(padWidth: number | readonly number[] | readonly (readonly number[])[], rank: number): [number, number][] {
  const bad = () =>
    new ValueError(
      `pad: padWidth must be a non-negative integer, [before, after], or one [before, after] pair per axis (${rank} axes). Received: padWidth=${JSON.stringify(padWidth)}`,
    );
  let pairs: [number, number][];
  if (typeof padWidth === 'number') pairs = [[padWidth, padWidth]];
  else if (!Array.isArray(padWidth) || padWidth.length === 0) throw bad();
  else if (padWidth.every((v) => typeof v === 'number')) {
    const l = padWidth as number[];
    if (l.length === 1) pairs = [[l[0]!, l[0]!]];
    else if (l.length === 2) pairs = [[l[0]!, l[1]!]];
    else throw bad();
  } else {
    pairs = (padWidth as unknown[]).map((p) => {
      if (!Array.isArray(p) || (p.length !== 1 && p.length !== 2)) throw bad();
      return [p[0], p[p.length - 1]] as [number, number];
    });
  }
  if (pairs.length === 1) pairs = new Array<[number, number]>(rank).fill(pairs[0]!);
  if (pairs.length !== rank || pairs.some(([b, a]) => !Number.isInteger(b) || !Number.isInteger(a) || b < 0 || a < 0)) throw bad();
  return pairs;
}

/** Source index along an axis of length `n` for padded position `i` (may be outside `[0, n)`). */
function padSource(mode: Exclude<PadMode, 'constant'>, i: number, n: number): number {
  const m = (a: number, p: number) => ((a % p) + p) % p;
  switch (mode) {
    case 'edge':
      return Math.min(n - 1, Math.max(0, i));
    case 'wrap':
      return m(i, n);
    case 'reflect': {
      if (n === 1) return 0;
      const j = m(i, 2 * n - 2);
      return j < n ? j : 2 * n - 2 - j;
    }
    case 'symmetric': {
      const j = m(i, 2 * n);
      return j < n ? j : 2 * n - 1 - j;
    }
  }
}

/**
 * Pads `x`, as `keras.ops.pad(x, pad_width, mode, constant_values)`. Modes: `'constant'` (with
 * `constantValues`, default 0), `'reflect'`, `'symmetric'`, `'edge'`, `'wrap'` (NumPy's meanings).
 */
export function pad(
  x: TensorLike,
  padWidth: number | readonly number[] | readonly (readonly number[])[],
  {mode = 'constant', constantValues}: {mode?: PadMode; constantValues?: number} = {},
): Tensor {
  const t = toTensor(x, 'x', 'pad');
  if (!PAD_MODES.includes(mode)) {
    throw new ValueError(`pad: unsupported mode ${JSON.stringify(mode)}. Expected one of ${PAD_MODES.map((m) => `'${m}'`).join(', ')}`);
  }
  if (constantValues !== undefined && mode !== 'constant') {
    throw new ValueError(`pad: constantValues can only be given with mode 'constant'. Received: mode='${mode}', constantValues=${constantValues}`);
  }
  if (constantValues !== undefined && typeof constantValues !== 'number') {
    throw new ValueError(`pad: constantValues must be a number. Received: constantValues=${String(constantValues)}`);
  }
  const paddings = padWidths(padWidth, t.rank);
  if (paddings.every(([b, a]) => b === 0 && a === 0)) return t;
  if (mode === 'constant') return run('Pad', {x: t}, {paddings, constantValue: constantValues ?? 0});
  // the other modes gather source positions along each axis in turn; their gradient is the scatter-add
  let y = t;
  paddings.forEach(([before, after], axis) => {
    if (before === 0 && after === 0) return;
    const n = t.shape[axis]!;
    if (n === 0) {
      throw new ValueError(`pad: mode '${mode}' cannot pad axis ${axis} of length 0 (shape ${fmtShape(t.shape)})`);
    }
    // beyond one reflection NumPy's iterative result is not periodic and TensorFlow refuses: so do we
    const limit = mode === 'reflect' ? n - 1 : mode === 'edge' ? Infinity : n;
    if (before > limit || after > limit) {
      throw new ValueError(
        `pad: mode '${mode}' can pad axis ${axis} of length ${n} by at most ${limit} on each side. Received: padWidth=[${before}, ${after}] for axis ${axis} (x.shape=${fmtShape(t.shape)})`,
      );
    }
    const idx = Int32Array.from({length: before + n + after}, (_, i) => padSource(mode, i - before, n));
    y = run('Gather', {x: y, indices: new Tensor([idx.length], 'int32', idx)}, {axis});
  });
  return y;
}

// ---------------------------------------------------------------------------------------------
// Indexing

/**
 * Elements of `x` at `indices` along `axis` (of the flattened `x` when omitted), as
 * `keras.ops.take`. Indices are int32 in `[-n, n)`; negatives count from the end.
 */
export function take(x: TensorLike, indices: TensorLike, axis?: number | null): Tensor {
  let t = toTensor(x, 'x', 'take');
  const idx = toIndices(indices, 'take');
  if (axis === undefined || axis === null) {
    t = flatten(t);
    axis = 0;
  }
  if (t.rank === 0) throw new ValueError('take: cannot index a scalar (rank 0)');
  const a = checkAxis(axis, t.rank, 'take', t.shape);
  const n = t.shape[a]!;
  const w = wrapIndices(idx, n, 'take', `axis ${axis} of length ${n} (x.shape=${fmtShape(t.shape)})`);
  return run('Gather', {x: t, indices: w}, {axis: a});
}

/** TensorFlow's `gather`: `take` with `axis = 0` by default. */
export function gather(x: TensorLike, indices: TensorLike, axis = 0): Tensor {
  return take(x, indices, axis);
}

/**
 * `x` indexed along `axis` by `indices` of the same rank, as `keras.ops.take_along_axis` /
 * `numpy.take_along_axis` (the other axes broadcast). Omitting `axis` flattens both.
 */
export function takeAlongAxis(x: TensorLike, indices: TensorLike, axis?: number | null): Tensor {
  let t = toTensor(x, 'x', 'takeAlongAxis');
  let idx = toIndices(indices, 'takeAlongAxis');
  if (axis === undefined || axis === null) {
    t = flatten(t);
    idx = flatten(idx);
    axis = 0;
  }
  if (t.rank === 0) throw new ValueError('takeAlongAxis: cannot index a scalar (rank 0)');
  const a = checkAxis(axis, t.rank, 'takeAlongAxis', t.shape);
  if (idx.rank !== t.rank) {
    throw new ValueError(`takeAlongAxis: indices must have the same rank as x. Received: x.shape=${fmtShape(t.shape)}, indices.shape=${fmtShape(idx.shape)}`);
  }
  const n = t.shape[a]!;
  const bx = [...t.shape], bi = [...idx.shape];
  bx[a] = 1;
  bi[a] = 1;
  const outer = broadcastShapes(bx, bi);
  if (outer === null) {
    throw new ValueError(
      `takeAlongAxis: the axes other than ${axis} must broadcast. Received: x.shape=${fmtShape(t.shape)}, indices.shape=${fmtShape(idx.shape)}`,
    );
  }
  const xShape = [...outer];
  xShape[a] = n;
  const iShape = [...outer];
  iShape[a] = idx.shape[a]!;
  t = broadcastTo(t, xShape);
  const w = wrapIndices(broadcastTo(idx, iShape), n, 'takeAlongAxis', `axis ${axis} of length ${n} (x.shape=${fmtShape(t.shape)})`);
  // flat position of x[..., w, ...]: a gather from the flattened x, whose gradient is a scatter-add
  const st = stridesOf(xShape);
  const iv = w.values;
  const flat = new Int32Array(iv.length);
  const ist = stridesOf(iShape);
  for (let i = 0; i < iv.length; i++) {
    let off = 0;
    for (let k = 0; k < iShape.length; k++) {
      const c = Math.floor(i / ist[k]!) % iShape[k]!;
      off += (k === a ? iv[i]! : c) * st[k]!;
    }
    flat[i] = off;
  }
  const g = run('Gather', {x: flatten(t), indices: new Tensor([flat.length], 'int32', flat)}, {axis: 0});
  return reshape(g, iShape);
}

/**
 * The adjoint of `take(·, indices, axis)`: zeros of `shape`, then `out[..., indices[j], ...] +=
 * updates[..., j, ...]` along `axis`; repeated indices accumulate.
 */
export function scatterAdd(indices: TensorLike, updates: TensorLike, shape: readonly number[], axis = 0): Tensor {
  const idx = toIndices(indices, 'scatterAdd');
  const u = toTensor(updates, 'updates', 'scatterAdd');
  if (!isIntList(shape) || shape.some((d) => d < 0)) {
    throw new ValueError(`scatterAdd: shape must be a list of non-negative integers. Received: shape=${fmtList(shape)}`);
  }
  if (u.dtype === 'bool') throw new ValueError('scatterAdd: updates must be numeric; received dtype bool');
  if (shape.length === 0) throw new ValueError('scatterAdd: shape must have rank >= 1. Received: shape=[]');
  const a = checkAxis(axis, shape.length, 'scatterAdd', shape);
  const expected = [...shape.slice(0, a), ...idx.shape, ...shape.slice(a + 1)];
  if (!shapesEqual(u.shape, expected)) {
    throw new ValueError(
      `scatterAdd: updates must have shape ${fmtShape(expected)} (shape[:axis] + indices.shape + shape[axis+1:]). Received: updates.shape=${fmtShape(u.shape)}, indices.shape=${fmtShape(idx.shape)}, shape=${fmtShape(shape)}, axis=${axis}`,
    );
  }
  const n = shape[a]!;
  const w = wrapIndices(idx, n, 'scatterAdd', `axis ${axis} of length ${n} (shape=${fmtShape(shape)})`);
  return run('ScatterAdd', {indices: w, updates: u}, {shape: [...shape], axis: a});
}

/**
 * Zeros of `shape` with `values` added at `indices`, as `keras.ops.scatter`: `indices` is
 * `[..., k]`, each row an index into the first `k` axes; duplicates accumulate.
 */
export function scatter(indices: TensorLike, values: TensorLike, shape: readonly number[]): Tensor {
  const idx = toIndices(indices, 'scatter');
  const v = toTensor(values, 'values', 'scatter');
  if (!isIntList(shape) || shape.some((d) => d < 0) || shape.length === 0) {
    throw new ValueError(`scatter: shape must be a non-empty list of non-negative integers. Received: shape=${fmtList(shape)}`);
  }
  if (idx.rank === 0) throw new ValueError('scatter: indices must have rank >= 1 (the last axis indexes into shape). Received a scalar');
  const k = idx.shape.at(-1)!;
  if (k < 1 || k > shape.length) {
    throw new ValueError(`scatter: indices.shape[-1] must be in [1, ${shape.length}] (the rank of shape). Received: indices.shape=${fmtShape(idx.shape)}`);
  }
  const lead = idx.shape.slice(0, -1);
  const rest = shape.slice(k);
  const expected = [...lead, ...rest];
  if (!shapesEqual(v.shape, expected)) {
    throw new ValueError(`scatter: values must have shape ${fmtShape(expected)}. Received: values.shape=${fmtShape(v.shape)}, indices.shape=${fmtShape(idx.shape)}, shape=${fmtShape(shape)}`);
  }
  const head = shape.slice(0, k);
  const hst = stridesOf(head);
  const m = sizeOf(lead);
  const flat = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    let off = 0;
    for (let j = 0; j < k; j++) {
      const c = idx.values[r * k + j]!;
      if (c < 0 || c >= head[j]!) {
        throw new ValueError(`scatter: index ${c} at indices${flatPos(idx.shape, r * k + j)} is out of range for axis ${j} of shape ${fmtShape(shape)}; expected indices in [0, ${head[j]! - 1}]`);
      }
      off += c * hst[j]!;
    }
    flat[r] = off;
  }
  const u = reshape(v, [m, ...rest]);
  const y = run('ScatterAdd', {indices: new Tensor([m], 'int32', flat), updates: u.dtype === 'bool' ? cast(u, 'int32') : u}, {shape: [sizeOf(head), ...rest], axis: 0});
  return reshape(y, shape);
}

/**
 * Sums the rows of `data` that share a segment id, as `keras.ops.segment_sum`: row `i` of the
 * result is the sum of `data[j]` over `segmentIds[j] == i`. `numSegments` defaults to `max(ids) + 1`.
 */
export function segmentSum(data: TensorLike, segmentIds: TensorLike, numSegments?: number | null, sorted = false): Tensor {
  void sorted; // the result does not depend on it
  const d = toTensor(data, 'data', 'segmentSum');
  const ids = toIndices(segmentIds, 'segmentSum', 'segmentIds');
  if (ids.rank !== 1 || d.rank === 0 || ids.shape[0] !== d.shape[0]) {
    throw new ValueError(
      `segmentSum: segmentIds must be a 1-D tensor with one id per row of data. Received: data.shape=${fmtShape(d.shape)}, segmentIds.shape=${fmtShape(ids.shape)}`,
    );
  }
  const iv = ids.values;
  const n = numSegments ?? (iv.length ? Math.max(...iv) + 1 : 0);
  checkNonNegInt(n, 'numSegments', 'segmentSum');
  for (let i = 0; i < iv.length; i++) {
    if (iv[i]! < 0 || iv[i]! >= n) {
      throw new ValueError(`segmentSum: segment id ${iv[i]} at segmentIds[${i}] is out of range; expected ids in [0, ${n - 1}] (numSegments=${n})`);
    }
  }
  return run('ScatterAdd', {indices: ids, updates: d.dtype === 'bool' ? cast(d, 'int32') : d}, {shape: [n, ...d.shape.slice(1)], axis: 0});
}

/**
 * One-hot encoding, as `keras.ops.one_hot(x, num_classes, axis=-1, dtype)`: int32 indices, a new
 * axis of `numClasses` (last by default); indices outside `[0, numClasses)` give a row of zeros.
 */
export function oneHot(x: TensorLike, numClasses: number, {axis = -1, dtype}: {axis?: number; dtype?: DType} = {}): Tensor {
  const idx = toIndices(x, 'oneHot', 'x');
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ValueError(`oneHot: numClasses must be a positive integer. Received: numClasses=${numClasses}`);
  }
  const d = dtype ?? (floatx() as DType);
  if (!isDType(d)) throw new ValueError(`oneHot: unknown dtype ${JSON.stringify(dtype)}. Expected one of float32, float64, int32, bool`);
  const a = checkAxis(axis, idx.rank + 1, 'oneHot', idx.shape);
  const y = run('OneHot', {indices: idx}, {depth: numClasses, onValue: 1, offValue: 0, dtype: d});
  if (a === idx.rank) return y;
  const perm = [...Array(idx.rank).keys()];
  perm.splice(a, 0, idx.rank);
  return transpose(y, perm);
}

// ---------------------------------------------------------------------------------------------
// Creation from a template, axis moves

export function zerosLike(x: TensorLike, dtype?: DType): Tensor {
  const t = toTensor(x, 'x', 'zerosLike');
  return zeros(t.shape, dtype ?? t.dtype);
}

export function onesLike(x: TensorLike, dtype?: DType): Tensor {
  const t = toTensor(x, 'x', 'onesLike');
  return ones(t.shape, dtype ?? t.dtype);
}

export function fullLike(x: TensorLike, fillValue: number, dtype?: DType): Tensor {
  const t = toTensor(x, 'x', 'fullLike');
  return full(t.shape, fillValue, dtype ?? t.dtype);
}

/** Swaps two axes, as `keras.ops.swapaxes`. */
export function swapaxes(x: TensorLike, axis1: number, axis2: number): Tensor {
  const t = toTensor(x, 'x', 'swapaxes');
  const a = checkAxis(axis1, t.rank, 'swapaxes', t.shape), b = checkAxis(axis2, t.rank, 'swapaxes', t.shape);
  const perm = [...Array(t.rank).keys()];
  [perm[a], perm[b]] = [perm[b]!, perm[a]!];
  return transpose(t, perm);
}

/** Moves axes to new positions, the others keeping their order, as `keras.ops.moveaxis`. */
export function moveaxis(x: TensorLike, source: number | readonly number[], destination: number | readonly number[]): Tensor {
  const t = toTensor(x, 'x', 'moveaxis');
  const src = (typeof source === 'number' ? [source] : [...source]).map((a) => checkAxis(a, t.rank, 'moveaxis', t.shape));
  const dst = (typeof destination === 'number' ? [destination] : [...destination]).map((a) => checkAxis(a, t.rank, 'moveaxis', t.shape));
  if (src.length !== dst.length || new Set(src).size !== src.length || new Set(dst).size !== dst.length) {
    throw new ValueError(`moveaxis: source and destination must be lists of distinct axes of equal length. Received: source=${fmtList(source)}, destination=${fmtList(destination)}`);
  }
  const rest = [...Array(t.rank).keys()].filter((i) => !src.includes(i));
  const perm = new Array<number>(t.rank);
  const order = dst.map((d, i) => [d, src[i]!] as const).sort((p, q) => p[0] - q[0]);
  for (const [d, s] of order) perm[d] = s;
  let r = 0;
  for (let i = 0; i < t.rank; i++) if (perm[i] === undefined) perm[i] = rest[r++]!;
  return transpose(t, perm);
}
