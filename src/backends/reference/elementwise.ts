import {shapesEqual} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl, KernelTable} from '../backend.js';
import {broadcastIndex, stepThrough} from './util.js';

type Fn1 = (v: number) => number;
type Fn2 = (a: number, b: number) => number;

function unary<A = unknown>(f: (attrs: A) => Fn1): AnyKernelImpl {
  return ({x}: {x: Tensor}, attrs: A, [y]: Tensor[]) => {
    const fn = f(attrs);
    const xv = x.values, yv = y!.values;
    for (let i = 0; i < xv.length; i++) yv[i] = fn(xv[i]!);
  };
}
const u = (fn: Fn1) => unary(() => fn);

function binary(fn: Fn2): AnyKernelImpl {
  return ({a, b}: {a: Tensor; b: Tensor}, _attrs: unknown, [y]: Tensor[]) => {
    const av = a.values, bv = b.values, yv = y!.values;
    const n = yv.length;
    if (shapesEqual(a.shape, b.shape)) {
      for (let i = 0; i < n; i++) yv[i] = fn(av[i]!, bv[i]!);
    } else if (b.size === 1) {
      const s = bv[0]!;
      for (let i = 0; i < n; i++) yv[i] = fn(av[i]!, s);
    } else if (a.size === 1) {
      const s = av[0]!;
      for (let i = 0; i < n; i++) yv[i] = fn(s, bv[i]!);
    } else {
      const ia = shapesEqual(a.shape, y!.shape) ? null : broadcastIndex(a.shape, y!.shape);
      const ib = shapesEqual(b.shape, y!.shape) ? null : broadcastIndex(b.shape, y!.shape);
      for (let i = 0; i < n; i++) yv[i] = fn(av[ia ? ia[i]! : i]!, bv[ib ? ib[i]! : i]!);
    }
  };
}

/** `p op q` for op 0 Equal, 1 NotEqual, 2 Less, 3 LessEqual, 4 Greater, 5 GreaterEqual, 6 LogicalAnd, 7 LogicalOr, 8 LogicalXor; a value is true where it is not 0 (NaN is true, as NumPy's and TensorFlow's). */
function compare(op: number, p: number, q: number): boolean {
  return op < 3 ? (op < 1 ? p === q : op < 2 ? p !== q : p < q)
    : op < 6 ? (op < 4 ? p <= q : op < 5 ? p > q : p >= q)
      : op < 7 ? p !== 0 && q !== 0 : op < 8 ? p !== 0 || q !== 0 : (p !== 0) !== (q !== 0);
}

/**
 * Comparisons and logical ops, any dtype: the op chosen by number inside the loop, not a closure
 * called per element (several run in every training step of the seed models).
 * Operands whole or of one element step through in one loop; other broadcasts go through index maps.
 */
function logic(op: number): AnyKernelImpl {
  return ({a, b}: {a: Tensor; b: Tensor}, _attrs: unknown, [y]: Tensor[]) => {
    const n = y!.size, sa = stepThrough(a.size, n), sb = stepThrough(b.size, n), av = a.values, bv = b.values, yv = y!.values;
    if ((sa | sb) >= 0) {
      for (let i = 0, ia = 0, ib = 0; i < n; i++, ia += sa, ib += sb) yv[i] = +compare(op, av[ia]!, bv[ib]!);
      return;
    }
    const ma = broadcastIndex(a.shape, y!.shape), mb = broadcastIndex(b.shape, y!.shape);
    for (let i = 0; i < n; i++) yv[i] = +compare(op, av[ma[i]!]!, bv[mb[i]!]!);
  };
}

// W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969),
// as in Netlib's specfun CALERF. (Abramowitz-Stegun 7.1.26 is too coarse for gradient checks.)
// Tested against Python's math.erf / math.erfc in elementwise.test.ts.
const ERF_A = [3.16112374387056560, 1.13864154151050156e2, 3.77485237685302021e2, 3.20937758913846947e3, 1.85777706184603153e-1];
const ERF_B = [2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3, 2.84423683343917062e3];
const ERFC_C = [
  5.64188496988670089e-1, 8.88314979438837594, 6.61191906371416295e1, 2.98635138197400131e2, 8.81952221241769090e2,
  1.71204761263407058e3, 2.05107837782607147e3, 1.23033935479799725e3, 2.15311535474403846e-8,
];
const ERFC_D = [
  1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2, 1.62138957456669019e3, 3.29079923573345963e3,
  4.36261909014324716e3, 3.43936767414372164e3, 1.23033935480374942e3,
];
const ERFC_P = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2];
const ERFC_Q = [2.56852019228982242, 1.87295284992346047, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3];
const ONE_OVER_SQRT_PI = 0.56418958354775628695;
// Cody's first interval: erf itself is approximated on [0, 0.46875]; beyond it, erfc is.
const ERF_BREAK = 0.46875;

/** erf on [-0.46875, 0.46875]. */
function erfSmall(x: number): number {
  const t = x * x;
  let num = ERF_A[4]! * t, den = t;
  for (let i = 0; i < 3; i++) {
    num = (num + ERF_A[i]!) * t;
    den = (den + ERF_B[i]!) * t;
  }
  return (x * (num + ERF_A[3]!)) / (den + ERF_B[3]!);
}

/** erfc(y) for y >= 0.46875, with full relative precision in the tail. */
function erfcLarge(y: number): number {
  let r: number;
  if (y <= 4) {
    let num = ERFC_C[8]! * y, den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + ERFC_C[i]!) * y;
      den = (den + ERFC_D[i]!) * y;
    }
    r = (num + ERFC_C[7]!) / (den + ERFC_D[7]!);
  } else {
    if (y > 30) return 0; // below the smallest double (and keeps Infinity out of the split below)
    const z = 1 / (y * y);
    let num = ERFC_P[5]! * z, den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + ERFC_P[i]!) * z;
      den = (den + ERFC_Q[i]!) * z;
    }
    r = (z * (num + ERFC_P[4]!)) / (den + ERFC_Q[4]!);
    r = (ONE_OVER_SQRT_PI - r) / y;
  }
  // exp(-y^2) split as exp(-ys^2) * exp(-(y - ys)(y + ys)) so the rounding of y^2 does not cost digits
  const ys = Math.trunc(y * 16) / 16;
  const del = (y - ys) * (y + ys);
  return Math.exp(-ys * ys) * Math.exp(-del) * r;
}

/** The error function, accurate to a few ulps in float64. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= ERF_BREAK) return erfSmall(x);
  const v = 1 - erfcLarge(y);
  return x < 0 ? -v : v;
}

/** The complementary error function `1 - erf(x)`, without cancellation for large x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= ERF_BREAK) return 1 - erfSmall(x);
  const r = erfcLarge(y);
  return x < 0 ? 2 - r : r;
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const elementwiseImpl = {
  Neg: u((v) => -v),
  Abs: u(Math.abs),
  Sign: u((v) => (v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN)),
  Exp: u(Math.exp),
  Expm1: u(Math.expm1),
  Log: u(Math.log),
  Log1p: u(Math.log1p),
  Sqrt: u(Math.sqrt),
  Rsqrt: u((v) => 1 / Math.sqrt(v)),
  Square: u((v) => v * v),
  Reciprocal: u((v) => 1 / v),
  Sin: u(Math.sin),
  Cos: u(Math.cos),
  Tanh: u(Math.tanh),
  // split on the sign so exp never overflows
  Sigmoid: u((v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)))),
  Relu: u((v) => (v > 0 ? v : 0)),
  Elu: unary(({alpha}: {alpha: number}) => (v) => (v > 0 ? v : alpha * Math.expm1(v))),
  Selu: u((v) => (v > 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * Math.expm1(v))),
  LeakyRelu: unary(({alpha}: {alpha: number}) => (v) => (v > 0 ? v : alpha * v)),
  // log(1 + e^v) without overflow: max(v, 0) + log1p(e^-|v|)
  Softplus: u((v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))),
  Softsign: u((v) => v / (1 + Math.abs(v))),
  Gelu: unary(({approximate}: {approximate: boolean}) =>
    approximate
      ? (v) => 0.5 * v * (1 + Math.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)))
      : (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
  ),
  Erf: u(erf),
  Floor: u(Math.floor),
  Ceil: u(Math.ceil),
  Round: u(roundHalfEven),
  IsNan: u((v) => (Number.isNaN(v) ? 1 : 0)),
  Clip: unary(({min, max}: {min: number; max: number}) => (v) => (v < min ? min : v > max ? max : v)),
  LogicalNot: u((v) => (v !== 0 ? 0 : 1)),
  // typed-array stores do the conversion; int32 truncates toward zero as NumPy's astype; to bool
  // every value but 0 is true, NaN too (NumPy's astype(bool), tf.cast)
  Cast: ({x}: {x: Tensor}, _a: unknown, [y]: Tensor[]) => {
    const yv = y!.values;
    if (y!.dtype === 'bool') for (let i = 0; i < x.size; i++) yv[i] = x.values[i] !== 0 ? 1 : 0;
    else yv.set(x.values);
  },

  Add: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  Div: binary((a, b) => a / b),
  Pow: binary(Math.pow),
  Maximum: binary((a, b) => (a >= b || Number.isNaN(a) ? a : b)),
  Minimum: binary((a, b) => (a <= b || Number.isNaN(a) ? a : b)),
  Mod: binary((a, b) => {
    const r = a % b;
    return r !== 0 && r < 0 !== b < 0 ? r + b : r;
  }),
  FloorDiv: binary((a, b) => Math.floor(a / b)),
  Equal: logic(0),
  NotEqual: logic(1),
  Less: logic(2),
  LessEqual: logic(3),
  Greater: logic(4),
  GreaterEqual: logic(5),
  LogicalAnd: logic(6),
  LogicalOr: logic(7),
  LogicalXor: logic(8),

  // operands whole or of one element in one loop; other broadcasts through index maps
  Where: ({condition: c, a, b}: {condition: Tensor; a: Tensor; b: Tensor}, _attrs: unknown, [y]: Tensor[]) => {
    const n = y!.size, sc = stepThrough(c.size, n), sa = stepThrough(a.size, n), sb = stepThrough(b.size, n);
    const cv = c.values, av = a.values, bv = b.values, yv = y!.values;
    if ((sc | sa | sb) >= 0) {
      for (let i = 0, ic = 0, ia = 0, ib = 0; i < n; i++, ic += sc, ia += sa, ib += sb) yv[i] = cv[ic] ? av[ia]! : bv[ib]!;
      return;
    }
    const mc = broadcastIndex(c.shape, y!.shape), ma = broadcastIndex(a.shape, y!.shape), mb = broadcastIndex(b.shape, y!.shape);
    for (let i = 0; i < n; i++) yv[i] = cv[mc[i]!] ? av[ma[i]!]! : bv[mb[i]!]!;
  },
} satisfies Partial<KernelTable>;
