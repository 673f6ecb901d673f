import {ValueError} from '../../errors.js';
import {broadcastShapes, fmtShape, stridesOf} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl, KernelTable} from '../backend.js';
import {BinaryOp, UnaryOp} from './abi.js';
import type {Compiled} from './call.js';
import {checkStorage, isF32} from './checks.js';

/** Unary and broadcasting binary float32 ops from `minElements` on. */
export function elementwiseKernels({call, minElements}: Compiled): Partial<KernelTable> {
  // attributes differ per op (alpha, clip bounds): `params` reads the op's own
  const unary = (code: number, op: string, params: (attrs: any) => [number, number] = () => [0, 0]): AnyKernelImpl =>
    ({x}: {x: Tensor}, attrs: unknown, [y]: Tensor[]) => {
      if (!isF32(x, y!) || x.size < minElements) return false;
      checkStorage(op, 'x', x);
      checkStorage(op, 'output', y!, x.shape);
      const [p0, p1] = params(attrs);
      call('Unary', [x, y!], {op: code, p0, p1});
      return true;
    };

  const binary = (code: number, op: string): AnyKernelImpl =>
    ({a, b}: {a: Tensor; b: Tensor}, _attrs: unknown, [y]: Tensor[]) => {
      if (!isF32(a, b, y!) || y!.size < minElements) return false;
      // whole operands, or a scalar one: one flat dimension, no broadcast to work out
      const n = y!.size, sa = step(a, n), sb = step(b, n);
      if (flat(a, sa, b, sb, y!)) {
        checkStorage(op, 'a', a);
        checkStorage(op, 'b', b);
        checkStorage(op, 'output', y!);
        call('Binary', [a, b, y!], {op: code, rank: 1}, [n, sa, sb]);
        return true;
      }
      const out = broadcastShapes(a.shape, b.shape);
      if (out === null) throw new ValueError(`${op}: shapes do not broadcast. Received: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}`);
      checkStorage(op, 'a', a);
      checkStorage(op, 'b', b);
      checkStorage(op, 'output', y!, out);
      const {shape, as, bs} = collapseBroadcast(out, a.shape, b.shape);
      call('Binary', [a, b, y!], {op: code, rank: shape.length}, [...shape, ...as, ...bs]);
      return true;
    };

  // comparisons, logical ops and Where, any dtype, where each operand is whole or one element: one
  // loop with no call per element (the reference's per-op closure costs ~10 ns an element); the
  // same values as the reference. Other broadcasts decline.
  const logic = (op: number): AnyKernelImpl => ({a, b}: {a: Tensor; b: Tensor}, _attrs: unknown, [y]: Tensor[]) => {
    const n = y!.size, sa = step(a, n), sb = step(b, n), av = a.values, bv = b.values, yv = y!.values;
    if ((sa | sb) < 0) return false;
    for (let i = 0, ia = 0, ib = 0; i < n; i++, ia += sa, ib += sb) {
      const p = av[ia]!, q = bv[ib]!;
      yv[i] = +(op < 3 ? (op < 1 ? p === q : op < 2 ? p !== q : p < q) : op < 6 ? (op < 4 ? p <= q : op < 5 ? p > q : p >= q) : op < 7 ? !!(p && q) : op < 8 ? !!(p || q) : !p !== !q);
    }
    return true;
  };
  const Where = ({condition: c, a, b}: {condition: Tensor; a: Tensor; b: Tensor}, _attrs: unknown, [y]: Tensor[]) => {
    const n = y!.size, sc = step(c, n), sa = step(a, n), sb = step(b, n), cv = c.values, av = a.values, bv = b.values, yv = y!.values;
    if ((sc | sa | sb) < 0) return false;
    for (let i = 0, ic = 0, ia = 0, ib = 0; i < n; i++, ic += sc, ia += sa, ib += sb) yv[i] = cv[ic] ? av[ia]! : bv[ib]!;
    return true;
  };

  return {
    Equal: logic(0),
    NotEqual: logic(1),
    Less: logic(2),
    LessEqual: logic(3),
    Greater: logic(4),
    GreaterEqual: logic(5),
    LogicalAnd: logic(6),
    LogicalOr: logic(7),
    LogicalXor: logic(8),
    Where,
    Neg: unary(UnaryOp.Neg, 'Neg'),
    Abs: unary(UnaryOp.Abs, 'Abs'),
    Square: unary(UnaryOp.Square, 'Square'),
    Sqrt: unary(UnaryOp.Sqrt, 'Sqrt'),
    Rsqrt: unary(UnaryOp.Rsqrt, 'Rsqrt'),
    Reciprocal: unary(UnaryOp.Reciprocal, 'Reciprocal'),
    Exp: unary(UnaryOp.Exp, 'Exp'),
    Log: unary(UnaryOp.Log, 'Log'),
    Tanh: unary(UnaryOp.Tanh, 'Tanh'),
    Sigmoid: unary(UnaryOp.Sigmoid, 'Sigmoid'),
    Relu: unary(UnaryOp.Relu, 'Relu'),
    LeakyRelu: unary(UnaryOp.LeakyRelu, 'LeakyRelu', (a: {alpha: number}) => [a.alpha, 0]),
    Elu: unary(UnaryOp.Elu, 'Elu', (a: {alpha: number}) => [a.alpha, 0]),
    Softplus: unary(UnaryOp.Softplus, 'Softplus'),
    Softsign: unary(UnaryOp.Softsign, 'Softsign'),
    Clip: unary(UnaryOp.Clip, 'Clip', (a: {min: number; max: number}) => [a.min, a.max]),

    Add: binary(BinaryOp.Add, 'Add'),
    Sub: binary(BinaryOp.Sub, 'Sub'),
    Mul: binary(BinaryOp.Mul, 'Mul'),
    Div: binary(BinaryOp.Div, 'Div'),
    Maximum: binary(BinaryOp.Maximum, 'Maximum'),
    Minimum: binary(BinaryOp.Minimum, 'Minimum'),
  };
}

/** How an operand of `t.size` elements steps through an output of `n`: 1 (whole), 0 (one element), else -1. */
const step = (t: Tensor, n: number) => (t.size === n ? 1 : t.size === 1 ? 0 : -1);

const same = (p: readonly number[], q: readonly number[]) => p.length === q.length && p.every((d, i) => d === q[i]);

/** Whether `y` is `a` and `b` (steps `sa`, `sb`) broadcast with both whole, or one a scalar of no higher rank. */
const flat = (a: Tensor, sa: number, b: Tensor, sb: number, y: Tensor) =>
  sa === 1 && sb === 1 ? same(a.shape, b.shape) && same(a.shape, y.shape)
    : sa === 1 && sb === 0 ? b.rank <= a.rank && same(a.shape, y.shape)
      : sa === 0 && sb === 1 && a.rank <= b.rank && same(b.shape, y.shape);

/**
 * The broadcast of `a` and `b` to `out` as the fewest dimensions: element strides (0 where an
 * operand is broadcast), with dimensions of size 1 dropped and neighbours merged where both
 * operands step through them contiguously.
 */
export function collapseBroadcast(
  out: readonly number[], a: readonly number[], b: readonly number[],
): {shape: number[]; as: number[]; bs: number[]} {
  const stridesFor = (s: readonly number[]) => {
    const st = stridesOf(s), off = out.length - s.length;
    return out.map((_, d) => (d - off < 0 || s[d - off] === 1 ? 0 : st[d - off]!));
  };
  const sa = stridesFor(a), sb = stridesFor(b);
  const shape: number[] = [], as: number[] = [], bs: number[] = [];
  for (let d = 0; d < out.length; d++) {
    if (out[d] === 1) continue;
    const last = shape.length - 1;
    if (last >= 0 && as[last] === sa[d]! * out[d]! && bs[last] === sb[d]! * out[d]!) {
      shape[last]! *= out[d]!;
      as[last] = sa[d]!;
      bs[last] = sb[d]!;
    } else {
      shape.push(out[d]!);
      as.push(sa[d]!);
      bs.push(sb[d]!);
    }
  }
  return {shape, as, bs};
}
