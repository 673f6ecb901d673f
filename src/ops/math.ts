import {floatx} from '../config.js';
import {ValueError} from '../errors.js';
import {isFloat, upcast, type DType} from '../tensor/dtype.js';
import {broadcastShapes, fmtShape} from '../tensor/shape.js';
import {scalar, Tensor} from '../tensor/tensor.js';
import {cast, checkAxes, checkAxis, run, runAll, toFloat, toTensor, type TensorLike} from './core.js';

// ---------------------------------------------------------------------------------------------
// Unary

type UnaryName =
  | 'Neg' | 'Abs' | 'Sign' | 'Exp' | 'Expm1' | 'Log' | 'Log1p' | 'Sqrt' | 'Rsqrt' | 'Square' | 'Reciprocal'
  | 'Sin' | 'Cos' | 'Tanh' | 'Sigmoid' | 'Relu' | 'Selu' | 'Softplus' | 'Softsign' | 'Erf' | 'Floor' | 'Ceil'
  | 'Round' | 'IsNan';

/** Ops defined on floats take ints and bools by casting to floatx first (as Keras). */
function unaryOp(name: UnaryName, op: string, floatOnly: boolean) {
  return (x: TensorLike): Tensor => {
    let t = toTensor(x, 'x', op);
    if (floatOnly || t.dtype === 'bool') t = toFloat(t);
    return run(name, {x: t}, {});
  };
}

export const negative = unaryOp('Neg', 'negative', false);
export const abs = unaryOp('Abs', 'abs', false);
export const sign = unaryOp('Sign', 'sign', false);
export const exp = unaryOp('Exp', 'exp', true);
export const expm1 = unaryOp('Expm1', 'expm1', true);
export const log = unaryOp('Log', 'log', true);
export const log1p = unaryOp('Log1p', 'log1p', true);
export const sqrt = unaryOp('Sqrt', 'sqrt', true);
export const rsqrt = unaryOp('Rsqrt', 'rsqrt', true);
export const square = unaryOp('Square', 'square', false);
export const reciprocal = unaryOp('Reciprocal', 'reciprocal', true);
export const sin = unaryOp('Sin', 'sin', true);
export const cos = unaryOp('Cos', 'cos', true);
export const tanh = unaryOp('Tanh', 'tanh', true);
export const sigmoid = unaryOp('Sigmoid', 'sigmoid', true);
export const relu = unaryOp('Relu', 'relu', false);
export const selu = unaryOp('Selu', 'selu', true);
export const softplus = unaryOp('Softplus', 'softplus', true);
export const softsign = unaryOp('Softsign', 'softsign', true);
export const erf = unaryOp('Erf', 'erf', true);
export const floor = unaryOp('Floor', 'floor', false);
export const ceil = unaryOp('Ceil', 'ceil', false);
export const round = unaryOp('Round', 'round', false);
/** NaN test; integer and bool tensors have none. */
export function isnan(x: TensorLike): Tensor {
  const t = toTensor(x, 'x', 'isnan');
  return isFloat(t.dtype) ? run('IsNan', {x: t}, {}) : notEqual(t, t);
}

export function elu(x: TensorLike, alpha = 1.0): Tensor {
  return run('Elu', {x: toFloat(toTensor(x, 'x', 'elu'))}, {alpha});
}
export function leakyRelu(x: TensorLike, negativeSlope = 0.2): Tensor {
  return run('LeakyRelu', {x: toFloat(toTensor(x, 'x', 'leakyRelu'))}, {alpha: negativeSlope});
}
/** Keras 3's `gelu`, `approximate=true` by default (the tanh form). */
export function gelu(x: TensorLike, approximate = true): Tensor {
  return run('Gelu', {x: toFloat(toTensor(x, 'x', 'gelu'))}, {approximate});
}
export function clip(x: TensorLike, min: number, max: number): Tensor {
  if (!(min <= max)) throw new ValueError(`clip: min must be <= max. Received: min=${min}, max=${max}`);
  const t = toTensor(x, 'x', 'clip');
  // bools clip as integers, as Keras
  return run('Clip', {x: t.dtype === 'bool' ? cast(t, 'int32') : t}, {min, max});
}
export function logicalNot(x: TensorLike): Tensor {
  return run('LogicalNot', {x: cast(toTensor(x, 'x', 'logicalNot'), 'bool')}, {});
}

// ---------------------------------------------------------------------------------------------
// Binary, with NumPy broadcasting and Keras's dtype promotion (a plain JS number takes the other
// operand's dtype, as a Python scalar does)

type BinaryName =
  | 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow' | 'Maximum' | 'Minimum' | 'Mod' | 'FloorDiv'
  | 'Equal' | 'NotEqual' | 'Less' | 'LessEqual' | 'Greater' | 'GreaterEqual'
  | 'LogicalAnd' | 'LogicalOr' | 'LogicalXor';

/**
 * The dtype a plain JS number takes beside a tensor of `other`, as a weakly typed Python scalar in
 * Keras: the tensor's own dtype when the number fits it, else the smallest that holds it
 * (`int32` for an integer beside a bool tensor, `floatx` for a fraction beside an integer one).
 */
function weakDtype(v: number, other: DType): DType {
  if (isFloat(other)) return other;
  if (Number.isInteger(v)) return other === 'bool' ? 'int32' : other;
  return floatx();
}

/** Converts both operands and promotes them to one dtype; checks that the shapes broadcast. */
function binaryOperands(a: TensorLike, b: TensorLike, op: string, minDtype?: DType): [Tensor, Tensor] {
  const weakA = typeof a === 'number', weakB = typeof b === 'number';
  let ta: Tensor, tb: Tensor;
  if (weakA && !weakB) {
    tb = toTensor(b, 'b', op);
    ta = scalar(a as number, weakDtype(a as number, tb.dtype));
  } else if (weakB && !weakA) {
    ta = toTensor(a, 'a', op);
    tb = scalar(b as number, weakDtype(b as number, ta.dtype));
  } else {
    ta = toTensor(a, 'a', op);
    tb = toTensor(b, 'b', op);
  }
  if (broadcastShapes(ta.shape, tb.shape) === null) {
    throw new ValueError(
      `${op}: shapes are incompatible for broadcasting. Received: a.shape=${fmtShape(ta.shape)}, b.shape=${fmtShape(tb.shape)}`,
    );
  }
  let d = upcast(ta.dtype, tb.dtype);
  if (minDtype) d = upcast(d, minDtype);
  return [ta.dtype === d ? ta : cast(ta, d), tb.dtype === d ? tb : cast(tb, d)];
}

function binaryOp(name: BinaryName, op: string, minDtype?: DType) {
  return (a: TensorLike, b: TensorLike): Tensor => {
    const [ta, tb] = binaryOperands(a, b, op, minDtype);
    return run(name, {a: ta, b: tb}, {});
  };
}

export const add = binaryOp('Add', 'add', 'int32');
export const subtract = binaryOp('Sub', 'subtract', 'int32');
export const multiply = binaryOp('Mul', 'multiply', 'int32');
/** True division: integers divide as floats, as Keras's `divide`. */
export const divide = (a: TensorLike, b: TensorLike): Tensor => {
  const [ta, tb] = binaryOperands(a, b, 'divide', 'float32');
  return run('Div', {a: ta, b: tb}, {});
};
export const power = binaryOp('Pow', 'power', 'int32');
export const maximum = binaryOp('Maximum', 'maximum', 'int32');
export const minimum = binaryOp('Minimum', 'minimum', 'int32');
export const mod = binaryOp('Mod', 'mod', 'int32');
export const floorDivide = binaryOp('FloorDiv', 'floorDivide', 'int32');
export const equal = binaryOp('Equal', 'equal');
export const notEqual = binaryOp('NotEqual', 'notEqual');
export const less = binaryOp('Less', 'less');
export const lessEqual = binaryOp('LessEqual', 'lessEqual');
export const greater = binaryOp('Greater', 'greater');
export const greaterEqual = binaryOp('GreaterEqual', 'greaterEqual');

function logicalOp(name: 'LogicalAnd' | 'LogicalOr' | 'LogicalXor', op: string) {
  return (a: TensorLike, b: TensorLike): Tensor => {
    const [ta, tb] = binaryOperands(a, b, op);
    return run(name, {a: cast(ta, 'bool'), b: cast(tb, 'bool')}, {});
  };
}
export const logicalAnd = logicalOp('LogicalAnd', 'logicalAnd');
export const logicalOr = logicalOp('LogicalOr', 'logicalOr');
export const logicalXor = logicalOp('LogicalXor', 'logicalXor');

/** `condition ? x1 : x2`, elementwise with broadcasting. */
export function where(condition: TensorLike, x1: TensorLike, x2: TensorLike): Tensor {
  const c = cast(toTensor(condition, 'condition', 'where'), 'bool');
  const [a, b] = binaryOperands(x1, x2, 'where');
  if (broadcastShapes(c.shape, broadcastShapes(a.shape, b.shape)!) === null) {
    throw new ValueError(
      `where: shapes are incompatible for broadcasting. Received: condition.shape=${fmtShape(c.shape)}, x1.shape=${fmtShape(a.shape)}, x2.shape=${fmtShape(b.shape)}`,
    );
  }
  return run('Where', {condition: c, a, b}, {});
}

// ---------------------------------------------------------------------------------------------
// Reductions

type ReduceName = 'Sum' | 'Mean' | 'Max' | 'Min' | 'Prod' | 'Any' | 'All' | 'LogSumExp';
export type Axis = number | readonly number[] | null;

function reduceOp(name: ReduceName, op: string, prepare: (t: Tensor) => Tensor = (t) => t) {
  return (x: TensorLike, axis: Axis = null, keepdims = false): Tensor => {
    const t = prepare(toTensor(x, 'x', op));
    const axes = checkAxes(axis, t.rank, op, t.shape);
    if ((name === 'Max' || name === 'Min') && axes.some((a) => t.shape[a] === 0)) {
      throw new ValueError(`${op}: cannot reduce over an empty axis (shape ${fmtShape(t.shape)}); the result has no identity`);
    }
    return run(name, {x: t}, {axes, keepdims});
  };
}

// bool sums count, as NumPy
export const sum = reduceOp('Sum', 'sum', (t) => (t.dtype === 'bool' ? cast(t, 'int32') : t));
export const mean = reduceOp('Mean', 'mean', toFloat);
export const max = reduceOp('Max', 'max');
export const min = reduceOp('Min', 'min');
export const prod = reduceOp('Prod', 'prod', (t) => (t.dtype === 'bool' ? cast(t, 'int32') : t));
export const any = reduceOp('Any', 'any', (t) => cast(t, 'bool'));
export const all = reduceOp('All', 'all', (t) => cast(t, 'bool'));
export const logsumexp = reduceOp('LogSumExp', 'logsumexp', toFloat);

function argOp(name: 'ArgMax' | 'ArgMin', op: string) {
  return (x: TensorLike, axis: number | null = -1, keepdims = false): Tensor => {
    let t = toTensor(x, 'x', op);
    if (axis === null) {
      t = run('Reshape', {x: t}, {shape: [t.size]});
      axis = 0;
    }
    const a = checkAxis(axis, t.rank, op, t.shape);
    if (t.shape[a] === 0) throw new ValueError(`${op}: cannot take the ${op} of an empty axis (shape ${fmtShape(t.shape)})`);
    return run(name, {x: t}, {axis: a, keepdims});
  };
}
export const argmax = argOp('ArgMax', 'argmax');
export const argmin = argOp('ArgMin', 'argmin');

export function cumsum(x: TensorLike, axis = 0, {exclusive = false, reverse = false} = {}): Tensor {
  let t = toTensor(x, 'x', 'cumsum');
  if (t.dtype === 'bool') t = cast(t, 'int32');
  return run('Cumsum', {x: t}, {axis: checkAxis(axis, t.rank, 'cumsum', t.shape), exclusive, reverse});
}

/** The `k` largest values along the last axis and their indices, as `keras.ops.top_k`. */
export function topK(x: TensorLike, k: number, sorted = true): [Tensor, Tensor] {
  void sorted; // always sorted, which Keras allows
  const t = toTensor(x, 'x', 'topK');
  if (t.rank === 0) throw new ValueError('topK: input must have rank >= 1. Received a scalar');
  const n = t.shape.at(-1)!;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new ValueError(`topK: k must be an integer in [1, ${n}] (the last axis). Received: k=${k}`);
  }
  const [values, indices] = runAll('TopK', {x: t}, {k});
  return [values!, indices!];
}

// ---------------------------------------------------------------------------------------------
// Linear algebra

/**
 * Matrix product with NumPy's `matmul` semantics: batch dimensions broadcast, a 1-D operand is a
 * vector (its axis dropped from the result).
 */
export function matmul(a: TensorLike, b: TensorLike, {transposeA = false, transposeB = false} = {}): Tensor {
  let ta = toTensor(a, 'a', 'matmul');
  let tb = toTensor(b, 'b', 'matmul');
  if (ta.rank === 0 || tb.rank === 0) {
    throw new ValueError(`matmul: operands must have rank >= 1. Received: a.shape=${fmtShape(ta.shape)}, b.shape=${fmtShape(tb.shape)}`);
  }
  const aVec = ta.rank === 1, bVec = tb.rank === 1;
  if (aVec) ta = run('Reshape', {x: ta}, {shape: [1, ta.shape[0]!]});
  if (bVec) tb = run('Reshape', {x: tb}, {shape: [tb.shape[0]!, 1]});
  const ka = transposeA ? ta.shape.at(-2)! : ta.shape.at(-1)!;
  const kb = transposeB ? tb.shape.at(-1)! : tb.shape.at(-2)!;
  if (ka !== kb) {
    throw new ValueError(
      `matmul: inner dimensions must match. Received: a.shape=${fmtShape(toShape(a, ta, aVec))}, b.shape=${fmtShape(toShape(b, tb, bVec))}`,
    );
  }
  if (broadcastShapes(ta.shape.slice(0, -2), tb.shape.slice(0, -2)) === null) {
    throw new ValueError(
      `matmul: batch dimensions do not broadcast. Received: a.shape=${fmtShape(ta.shape)}, b.shape=${fmtShape(tb.shape)}`,
    );
  }
  const d = upcast(ta.dtype, tb.dtype);
  if (d === 'bool') throw new ValueError('matmul: bool operands are not supported; cast them to a number type');
  if (ta.dtype !== d) ta = cast(ta, d);
  if (tb.dtype !== d) tb = cast(tb, d);
  let y = run('MatMul', {a: ta, b: tb}, {transposeA, transposeB});
  if (aVec || bVec) {
    const s = [...y.shape];
    if (bVec) s.splice(s.length - 1, 1);
    if (aVec) s.splice(s.length - (bVec ? 1 : 2), 1);
    y = run('Reshape', {x: y}, {shape: s});
  }
  return y;
}

function toShape(orig: TensorLike, t: Tensor, wasVec: boolean): readonly number[] {
  void orig;
  return wasVec ? [t.size] : t.shape;
}
