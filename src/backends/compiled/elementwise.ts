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
      const out = broadcastShapes(a.shape, b.shape);
      if (out === null) throw new ValueError(`${op}: shapes do not broadcast. Received: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}`);
      checkStorage(op, 'a', a);
      checkStorage(op, 'b', b);
      checkStorage(op, 'output', y!, out);
      const {shape, as, bs} = collapseBroadcast(out, a.shape, b.shape);
      call('Binary', [a, b, y!], {op: code, rank: shape.length}, [...shape, ...as, ...bs]);
      return true;
    };

  return {
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

/**
 * The broadcast of `a` and `b` to `out` as the fewest dimensions: element strides (0 where an
 * operand is broadcast), with dimensions of size 1 dropped and neighbours merged where both
 * operands step through them contiguously.
 */
function collapseBroadcast(
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
