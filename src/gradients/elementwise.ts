import * as ops from '../ops/index.js';
import {run} from '../ops/core.js';
import type {GradTable} from './grad_types.js';

const {add, subtract, multiply, divide, negative, square, exp, log, where, greater, less} = ops;

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** One rule per elementwise kernel. Broadcast gradients are summed back by the tape, not here. */
export const elementwiseGrads = {
  Neg: ({dy}) => ({x: negative(dy)}),
  Abs: ({dy, inputs: {x}}) => ({x: multiply(dy, ops.sign(x))}),
  Sign: 'nondifferentiable',
  Exp: ({dy, y}) => ({x: multiply(dy, y)}),
  Expm1: ({dy, y}) => ({x: multiply(dy, add(y, 1))}),
  Log: ({dy, inputs: {x}}) => ({x: divide(dy, x)}),
  Log1p: ({dy, inputs: {x}}) => ({x: divide(dy, add(x, 1))}),
  Sqrt: ({dy, y}) => ({x: divide(dy, multiply(y, 2))}),
  Rsqrt: ({dy, y, inputs: {x}}) => ({x: multiply(dy, divide(multiply(y, -0.5), x))}),
  Square: ({dy, inputs: {x}}) => ({x: multiply(dy, multiply(x, 2))}),
  Reciprocal: ({dy, y}) => ({x: negative(multiply(dy, square(y)))}),
  Sin: ({dy, inputs: {x}}) => ({x: multiply(dy, ops.cos(x))}),
  Cos: ({dy, inputs: {x}}) => ({x: negative(multiply(dy, ops.sin(x)))}),
  // tanh, sigmoid and relu: `dy * f'(x)` from the output y in one ActivationGrad kernel (the one the
  // fused Dense/Conv2D rules use): `dy * (1 - y^2)`, `dy * y * (1 - y)`, and for relu `dy` where
  // y > 0 (that is, x > 0: the subgradient at 0 is 0, as TensorFlow and PyTorch), else 0
  Tanh: ({dy, y}) => ({x: run('ActivationGrad', {dy, y}, {activation: 'tanh'})}),
  Sigmoid: ({dy, y}) => ({x: run('ActivationGrad', {dy, y}, {activation: 'sigmoid'})}),
  Relu: ({dy, y}) => ({x: run('ActivationGrad', {dy, y}, {activation: 'relu'})}),
  Elu: ({dy, y, inputs: {x}, attrs}) => ({x: where(greater(x, 0), dy, multiply(dy, add(y, attrs.alpha)))}),
  Selu: ({dy, inputs: {x}}) => ({
    x: multiply(dy, where(greater(x, 0), SELU_SCALE, multiply(exp(x), SELU_SCALE * SELU_ALPHA))),
  }),
  LeakyRelu: ({dy, inputs: {x}, attrs}) => ({x: where(greater(x, 0), dy, multiply(dy, attrs.alpha))}),
  Softplus: ({dy, inputs: {x}}) => ({x: multiply(dy, ops.sigmoid(x))}),
  Softsign: ({dy, inputs: {x}}) => ({x: divide(dy, square(add(ops.abs(x), 1)))}),
  Gelu: ({dy, inputs: {x}, attrs}) => {
    if (attrs.approximate) {
      // d/dx 0.5 x (1 + tanh(u)), u = c (x + 0.044715 x^3)
      const c = 0.7978845608028654;
      const x2 = square(x);
      const t = ops.tanh(multiply(c, add(x, multiply(0.044715, multiply(x2, x)))));
      const du = multiply(c, add(1, multiply(3 * 0.044715, x2)));
      const g = add(multiply(0.5, add(1, t)), multiply(multiply(0.5, x), multiply(subtract(1, square(t)), du)));
      return {x: multiply(dy, g)};
    }
    // 0.5 (1 + erf(x / sqrt 2)) + x * pdf(x)
    const cdf = multiply(0.5, add(1, ops.erf(divide(x, Math.SQRT2))));
    const pdf = multiply(exp(multiply(-0.5, square(x))), 1 / Math.sqrt(2 * Math.PI));
    return {x: multiply(dy, add(cdf, multiply(x, pdf)))};
  },
  Erf: ({dy, inputs: {x}}) => ({x: multiply(dy, multiply(exp(negative(square(x))), 2 / Math.sqrt(Math.PI)))}),
  Floor: 'nondifferentiable',
  Ceil: 'nondifferentiable',
  Round: 'nondifferentiable',
  IsNan: 'nondifferentiable',
  // gradient passes where min <= x <= max, as TensorFlow's clip_by_value
  Clip: ({dy, inputs: {x}, attrs}) => ({
    x: where(ops.logicalOr(less(x, attrs.min), greater(x, attrs.max)), 0, dy),
  }),
  LogicalNot: 'nondifferentiable',
  Cast: ({dy, inputs: {x}}) => ({x: x.dtype === 'float32' || x.dtype === 'float64' ? ops.cast(dy, x.dtype) : null}),

  Add: ({dy}) => ({a: dy, b: dy}),
  Sub: ({dy}) => ({a: dy, b: negative(dy)}),
  Mul: ({dy, inputs: {a, b}}) => ({a: multiply(dy, b), b: multiply(dy, a)}),
  Div: ({dy, inputs: {a, b}}) => ({a: divide(dy, b), b: negative(divide(multiply(dy, a), square(b)))}),
  Pow: ({dy, y, inputs: {a, b}}) => ({
    a: multiply(dy, multiply(b, ops.power(a, subtract(b, 1)))),
    // log(a) is undefined for a <= 0; the gradient there is taken as 0, as TensorFlow does
    b: multiply(dy, multiply(y, where(greater(a, 0), log(where(greater(a, 0), a, 1)), 0))),
  }),
  // ties send the gradient to `a`, as TensorFlow's maximum
  Maximum: ({dy, inputs: {a, b}}) => {
    const m = ops.greaterEqual(a, b);
    return {a: where(m, dy, 0), b: where(m, 0, dy)};
  },
  Minimum: ({dy, inputs: {a, b}}) => {
    const m = ops.lessEqual(a, b);
    return {a: where(m, dy, 0), b: where(m, 0, dy)};
  },
  Mod: ({dy, inputs: {a, b}}) => ({a: dy, b: multiply(dy, negative(ops.floorDivide(a, b)))}),
  FloorDiv: 'nondifferentiable',
  Equal: 'nondifferentiable',
  NotEqual: 'nondifferentiable',
  Less: 'nondifferentiable',
  LessEqual: 'nondifferentiable',
  Greater: 'nondifferentiable',
  GreaterEqual: 'nondifferentiable',
  LogicalAnd: 'nondifferentiable',
  LogicalOr: 'nondifferentiable',
  LogicalXor: 'nondifferentiable',
  Where: ({dy, inputs: {condition}}) => ({condition: null, a: where(condition, dy, 0), b: where(condition, 0, dy)}),
} satisfies Partial<GradTable>;

