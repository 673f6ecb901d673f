import {broadcastShapes, type Shape} from '../../tensor/shape.js';
import type {DType} from '../../tensor/dtype.js';
import {defineKernel, meta, type TensorMeta} from '../kernel.js';

const unary = <A = Record<string, never>>(name: string, outDtype?: DType) =>
  defineKernel(name, {
    inputs: {x: 'one'},
    infer: ({x}, _attrs: A) => [meta(x.shape, outDtype ?? x.dtype)],
  });

function bshape(a: TensorMeta, b: TensorMeta): Shape {
  const s = broadcastShapes(a.shape, b.shape);
  if (s === null) throw new Error(`internal: unvalidated broadcast ${a.shape} vs ${b.shape}`);
  return s;
}

const binary = (name: string, outDtype?: DType) =>
  defineKernel(name, {
    inputs: {a: 'one', b: 'one'},
    infer: ({a, b}) => [meta(bshape(a, b), outDtype ?? a.dtype)],
  });

/** Elementwise kernels: inputs of one dtype (ops casts), NumPy broadcasting for the binary ones. */
export const elementwiseKernels = {
  Neg: unary('Neg'),
  Abs: unary('Abs'),
  Sign: unary('Sign'),
  Exp: unary('Exp'),
  Expm1: unary('Expm1'),
  Log: unary('Log'),
  Log1p: unary('Log1p'),
  Sqrt: unary('Sqrt'),
  Rsqrt: unary('Rsqrt'),
  Square: unary('Square'),
  Reciprocal: unary('Reciprocal'),
  Sin: unary('Sin'),
  Cos: unary('Cos'),
  Tanh: unary('Tanh'),
  Sigmoid: unary('Sigmoid'),
  Relu: unary('Relu'),
  Elu: unary<{alpha: number}>('Elu'),
  Selu: unary('Selu'),
  LeakyRelu: unary<{alpha: number}>('LeakyRelu'),
  Softplus: unary('Softplus'),
  Softsign: unary('Softsign'),
  /** `approximate`: the tanh form, as Keras's `gelu(x, approximate=True)` (Keras's default). */
  Gelu: unary<{approximate: boolean}>('Gelu'),
  Erf: unary('Erf'),
  Floor: unary('Floor'),
  Ceil: unary('Ceil'),
  /** Round half to even, as NumPy. */
  Round: unary('Round'),
  IsNan: unary('IsNan', 'bool'),
  Clip: unary<{min: number; max: number}>('Clip'),
  LogicalNot: unary('LogicalNot', 'bool'),
  Cast: defineKernel('Cast', {
    inputs: {x: 'one'},
    infer: ({x}, attrs: {dtype: DType}) => [meta(x.shape, attrs.dtype)],
  }),

  Add: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  Div: binary('Div'),
  Pow: binary('Pow'),
  Maximum: binary('Maximum'),
  Minimum: binary('Minimum'),
  /** Python's modulo: the result takes the sign of the divisor. */
  Mod: binary('Mod'),
  FloorDiv: binary('FloorDiv'),
  Equal: binary('Equal', 'bool'),
  NotEqual: binary('NotEqual', 'bool'),
  Less: binary('Less', 'bool'),
  LessEqual: binary('LessEqual', 'bool'),
  Greater: binary('Greater', 'bool'),
  GreaterEqual: binary('GreaterEqual', 'bool'),
  LogicalAnd: binary('LogicalAnd', 'bool'),
  LogicalOr: binary('LogicalOr', 'bool'),
  LogicalXor: binary('LogicalXor', 'bool'),

  /** `condition ? a : b` with three-way broadcasting; `condition` is bool. */
  Where: defineKernel('Where', {
    inputs: {condition: 'one', a: 'one', b: 'one'},
    infer: ({condition, a, b}) => [meta(bshape({shape: bshape(condition, a), dtype: a.dtype}, b), a.dtype)],
  }),
};
