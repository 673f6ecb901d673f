import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {KernelName} from '../../kernels/index.js';
import type {DType} from '../../tensor/dtype.js';
import {stridesOf} from '../../tensor/shape.js';
import {Tensor} from '../../tensor/tensor.js';
import {awkwardTensor, outputsFor, xorshift32} from '../../testing/kernel_test.js';
import type {AnyKernelImpl} from '../backend.js';
import {referenceKernels} from './index.js';

// The reference kernels' one-loop paths (comparisons, logical ops and Where over operands whole or of
// one element; BroadcastTo, Transpose, Slice and StridedSlice as strided copies; Sum and Mean over
// adjacent axes as [outer, n, inner]) and their general paths, bit for bit against an oracle that
// works out every element from its coordinates. Sum and Mean: the oracle adds each output's
// elements in doubles in the input's order, as the reference has always done (and as the compiled
// backends did below their threshold), so the values must be the very same.
const rand = xorshift32(2024);

const tensor = (shape: number[], dtype: DType) => awkwardTensor(shape, dtype, rand);

/** The coordinates of flat index `i` of `shape`. */
function coords(shape: readonly number[], i: number): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return c;
}

/** The flat index into `t` of output coordinates `c` with `t` broadcast to them (NumPy's rule). */
function broadcastAt(t: Tensor, c: readonly number[]): number {
  const st = stridesOf(t.shape), off = c.length - t.rank;
  return t.shape.reduce((at, d, k) => at + (d === 1 ? 0 : c[k + off]! * st[k]!), 0);
}

/** Runs the reference kernel `name` and compares its first output with `want(i)`, element by element. */
function check(name: KernelName, inputs: Record<string, Tensor>, attrs: unknown, want: (c: number[], i: number) => number): void {
  const label = `${name} ${Object.entries(inputs).map(([k, t]) => `${k}:${t.dtype}[${t.shape}]`).join(' ')} ${JSON.stringify(attrs)}`;
  const [y] = outputsFor(name, inputs, attrs);
  (referenceKernels[name] as AnyKernelImpl)(inputs, attrs, [y!]);
  const oracle = new Tensor(y!.shape, y!.dtype, y!.values.slice().fill(7));
  for (let i = 0; i < y!.size; i++) oracle.values[i] = want(coords(y!.shape, i), i);
  for (let i = 0; i < y!.size; i++) {
    if (!Object.is(y!.values[i], oracle.values[i])) assert.fail(`${label}: element ${i}: ${y!.values[i]} vs oracle ${oracle.values[i]}`);
  }
}

const truth = (v: number) => !(v === 0);
const LOGIC: Partial<Record<KernelName, (p: number, q: number) => boolean>> = {
  Equal: (p, q) => p === q,
  NotEqual: (p, q) => p !== q,
  Less: (p, q) => p < q,
  LessEqual: (p, q) => p <= q,
  Greater: (p, q) => p > q,
  GreaterEqual: (p, q) => p >= q,
  // a number's truth as NumPy's: not 0 (NaN is true)
  LogicalAnd: (p, q) => truth(p) && truth(q),
  LogicalOr: (p, q) => truth(p) || truth(q),
  LogicalXor: (p, q) => truth(p) !== truth(q),
};

test('comparisons and logical ops, any dtype: whole, scalar and other broadcasts equal the oracle', () => {
  const shapes = [[[128, 10], [128, 10]], [[128, 10], []], [[], [37]], [[1], [5, 3]], [[300], [300]], [[0, 4], [0, 4]], [[4, 3], [3]], [[4, 1], [1, 5]], [[2, 1, 3], [4, 1]]];
  for (const [name, f] of Object.entries(LOGIC) as [KernelName, (p: number, q: number) => boolean][]) {
    for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
      for (const [sa, sb] of shapes) {
        const a = tensor(sa!, dtype), b = tensor(sb!, dtype);
        check(name, {a, b}, {}, (c) => +f(a.values[broadcastAt(a, c)]!, b.values[broadcastAt(b, c)]!));
      }
    }
  }
});

test('Where: whole, scalar and other broadcasts equal the oracle', () => {
  for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
    for (const [sc, sa, sb] of [[[128, 10], [], [128, 10]], [[128, 10], [128, 10], [128, 10]], [[], [6, 2], [1]], [[7], [7], []], [[4, 1], [4, 3], [4, 3]], [[3], [2, 1], [1, 3]], [[0], [0], []]]) {
      const cond = tensor(sc!, 'bool'), a = tensor(sa!, dtype), b = tensor(sb!, dtype);
      check('Where', {condition: cond, a, b}, {}, (c) => (cond.values[broadcastAt(cond, c)] ? a.values[broadcastAt(a, c)]! : b.values[broadcastAt(b, c)]!));
    }
  }
});

test('BroadcastTo of any rank equals the oracle', () => {
  for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
    for (const [from, to] of [[[1], [128]], [[128, 1], [128, 10]], [[10], [128, 10]], [[1, 1], [3, 4]], [[], [5]], [[], []], [[4, 1, 1], [4, 3, 2]], [[3], [0, 3]], [[2, 1, 3], [2, 4, 3]], [[5, 1, 2, 1], [3, 5, 4, 2, 2]]]) {
      const x = tensor(from!, dtype);
      check('BroadcastTo', {x}, {shape: to}, (c) => x.values[broadcastAt(x, c)]!);
    }
  }
});

test('Transpose, Slice and StridedSlice (strided copies, a row at a time) equal the oracle', () => {
  const x = tensor([3, 4, 5, 2], 'float32'), st = stridesOf(x.shape);
  const at = (c: readonly number[]) => c.reduce((s, v, k) => s + v * st[k]!, 0);
  for (const perm of [[0, 1, 2, 3], [3, 2, 1, 0], [0, 2, 1, 3], [1, 0, 3, 2], [2, 3, 0, 1]]) {
    check('Transpose', {x}, {perm}, (c) => x.values[at(perm.map((_, k) => c[perm.indexOf(k)]!))]!);
  }
  const s = tensor([6], 'int32');
  check('Transpose', {x: s}, {perm: [0]}, (_c, i) => s.values[i]!);
  for (const [begin, size] of [[[0, 0, 0, 0], [3, 4, 5, 2]], [[1, 2, 1, 1], [2, 1, 3, 1]], [[2, 0, 4, 0], [1, 4, 1, 2]], [[0, 1, 0, 0], [3, 0, 5, 2]]]) {
    check('Slice', {x}, {begin, size}, (c) => x.values[at(c.map((v, k) => v + begin![k]!))]!);
  }
  for (const [begin, end, strides] of [[[0, 0, 0, 0], [3, 4, 5, 2], [2, 3, 2, 1]], [[2, 3, 4, 1], [-1, -1, -1, -1], [-1, -2, -3, -1]], [[1, 0, 4, 0], [3, 4, 0, 2], [1, 1, -1, 1]]]) {
    check('StridedSlice', {x}, {begin, end, strides}, (c) => x.values[at(c.map((v, k) => begin![k]! + v * strides![k]!))]!);
  }
});

test('Sum and Mean, adjacent axes and others, any dtype: the oracle\'s values (each output\'s elements added in the input\'s order)', () => {
  const cases: [number[], number[]][] = [
    [[128], [0]], [[128, 1], [0]], [[6, 5, 4], [1]], [[6, 5, 4], [0, 1]], [[6, 5, 4], [1, 2]], [[6, 5, 4], [2]], [[6, 5, 4], [0, 1, 2]],
    [[3], []], [[], []], [[0, 3], [0]], [[3, 0], [0]], [[2, 3, 0], [1]], [[6, 5, 4], [0, 2]], [[3, 2, 4, 5], [0, 2]], [[3, 2, 4, 5], [1, 3]], [[700, 3], [0]],
  ];
  for (const name of ['Sum', 'Mean'] as KernelName[]) {
    for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
      for (const [shape, axes] of cases) {
        const x = tensor(shape, dtype);
        // each input element's output index, the reduced axes dropped; then sums in the input's order
        const kept = shape.map((d, k) => (axes.includes(k) ? 1 : d)), m = kept.reduce((p, d) => p * d, 1);
        const sums = new Float64Array(m), ks = stridesOf(kept);
        for (let i = 0; i < x.size; i++) {
          const j = coords(shape, i).reduce((s, v, k) => s + (axes.includes(k) ? 0 : v * ks[k]!), 0);
          sums[j]! += x.values[i]!;
        }
        const count = m === 0 ? 0 : x.size / m;
        for (const keepdims of [false, true]) check(name, {x}, {axes, keepdims}, (_c, j) => (name === 'Mean' ? sums[j]! / count : sums[j]!));
      }
    }
  }
});
