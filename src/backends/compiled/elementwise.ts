import {ValueError} from '../../errors.js';
import {broadcastShapes, fmtShape, shapesEqual} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl, KernelTable} from '../backend.js';
import {collapseBroadcast, stepThrough} from '../reference/util.js';
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
      const n = y!.size, sa = stepThrough(a.size, n), sb = stepThrough(b.size, n);
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

/** Whether `y` is `a` and `b` (steps `sa`, `sb`) broadcast with both whole, or one a scalar of no higher rank. */
const flat = (a: Tensor, sa: number, b: Tensor, sb: number, y: Tensor) =>
  sa === 1 && sb === 1 ? shapesEqual(a.shape, b.shape) && shapesEqual(a.shape, y.shape)
    : sa === 1 && sb === 0 ? b.rank <= a.rank && shapesEqual(a.shape, y.shape)
      : sa === 0 && sb === 1 && a.rank <= b.rank && shapesEqual(b.shape, y.shape);
