import type {FusedActivation} from '../../kernels/defs/fused.js';
import type {DType} from '../../tensor/dtype.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl} from '../backend.js';
import {wgslType, type Gpu} from './device.js';
import {binding, broadcastIndex, f32bits, groups1d, MATH, main1d, SPECIALS, nz} from './wgsl.js';

/** A kernel of this backend: `false` declines the call (a dtype the GPU lacks): the CPU kernel runs. */
export type GpuKernel = (gpu: Gpu) => AnyKernelImpl;

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** Unary float32 kernels as WGSL expressions of `v` (params `p0`, `p1` from attributes). */
const UNARY: Record<string, {expr: string; params?: (a: any) => number[]; dtypes?: DType[]}> = {
  Neg: {expr: '-v', dtypes: ['float32', 'int32']},
  Abs: {expr: 'abs(v)', dtypes: ['float32', 'int32']},
  Sign: {expr: 'sign(v)', dtypes: ['float32', 'int32']},
  Exp: {expr: 'exp(v)'},
  Expm1: {expr: 'expm1_(v)'},
  Log: {expr: 'log(v)'},
  Log1p: {expr: 'log1p_(v)'},
  Sqrt: {expr: 'sqrt(v)'},
  Rsqrt: {expr: '1.0 / sqrt(v)'},
  Square: {expr: 'v * v', dtypes: ['float32', 'int32']},
  Reciprocal: {expr: '1.0 / v'},
  Tanh: {expr: 'tanh_(v)'},
  Sigmoid: {expr: 'sigmoid_(v)'},
  // as the reference: NaN -> 0 (max(v, 0) leaves NaN to the implementation)
  Relu: {expr: 'select(0.0, v, v > 0.0)'},
  Elu: {expr: 'select(p0 * expm1_(v), v, v > 0.0)', params: (a: {alpha: number}) => [a.alpha]},
  Selu: {expr: `select(${SELU_SCALE * SELU_ALPHA} * expm1_(v), ${SELU_SCALE} * v, v > 0.0)`},
  LeakyRelu: {expr: 'select(p0 * v, v, v > 0.0)', params: (a: {alpha: number}) => [a.alpha]},
  Softplus: {expr: 'max(v, 0.0) + log1p_(exp(-abs(v)))'},
  Softsign: {expr: 'v / (1.0 + abs(v))'},
  Floor: {expr: 'floor(v)'},
  Ceil: {expr: 'ceil(v)'},
  // WGSL's round is half to even, as NumPy's
  Round: {expr: 'round(v)'},
  // the tanh form only (Keras's default); the erf form runs on the CPU
  Gelu: {expr: '0.5 * v * (1.0 + tanh_(0.7978845608028654 * (v + 0.044715 * v * v * v)))'},
  Clip: {expr: 'select(select(v, p1, v > p1), p0, v < p0)', params: (a: {min: number; max: number}) => [a.min, a.max]},
};

function unaryKernel(name: string): GpuKernel {
  const spec = UNARY[name]!;
  const dtypes = spec.dtypes ?? ['float32'];
  return (gpu) => ({x}: {x: Tensor}, attrs: unknown, [y]: Tensor[]) => {
    if (!dtypes.includes(x.dtype)) return false;
    if (name === 'Gelu' && !(attrs as {approximate: boolean}).approximate) return false;
    const t = wgslType(x.dtype)!;
    const ps = spec.params ? spec.params(attrs) : [];
    // int32 takes only the forms without float literals (dtypes above)
    const expr = spec.expr;
    const code =
      binding(0, 'x', x.dtype, 'read') +
      binding(1, 'y', x.dtype, 'read_write') +
      (ps.length ? binding(2, 'P', 'u32', 'read') : '') +
      (t === 'f32' ? MATH : '') +
      main1d(
        x.size,
        `  let v = x[i];\n` +
          ps.map((_, k) => `  let p${k} = bitcast<f32>(P[${k}]);\n`).join('') +
          `  y[i] = ${expr};`,
      );
    gpu.run(name, code, [gpu.input(x), gpu.output(y!)], ps.map(f32bits), groups1d(x.size));
  };
}

/** Binary kernels as WGSL expressions of `a`, `b` (result in the output's type). */
const BINARY: Record<string, {expr: string; dtypes: DType[]; out?: 'bool'}> = {
  Add: {expr: 'a + b', dtypes: ['float32', 'int32']},
  Sub: {expr: 'a - b', dtypes: ['float32', 'int32']},
  Mul: {expr: 'a * b', dtypes: ['float32', 'int32']},
  Div: {expr: 'a / b', dtypes: ['float32']},
  Pow: {expr: 'pow_(a, b)', dtypes: ['float32']},
  // NaN in `a` wins, as the reference
  Maximum: {expr: 'select(b, a, a >= b || a != a)', dtypes: ['float32', 'int32']},
  Minimum: {expr: 'select(b, a, a <= b || a != a)', dtypes: ['float32', 'int32']},
  FloorDiv: {expr: 'floor(a / b)', dtypes: ['float32']},
  // Python's modulo: the sign of the divisor (WGSL's % keeps the dividend's); x % 0 is 0 for int32 as the reference's store of NaN
  Mod: {expr: 'mod_(a, b)', dtypes: ['float32', 'int32']},
  Equal: {expr: 'select(0u, 1u, a == b)', dtypes: ['float32', 'int32', 'bool'], out: 'bool'},
  NotEqual: {expr: 'select(0u, 1u, a != b)', dtypes: ['float32', 'int32', 'bool'], out: 'bool'},
  Less: {expr: 'select(0u, 1u, a < b)', dtypes: ['float32', 'int32', 'bool'], out: 'bool'},
  LessEqual: {expr: 'select(0u, 1u, a <= b)', dtypes: ['float32', 'int32', 'bool'], out: 'bool'},
  Greater: {expr: 'select(0u, 1u, a > b)', dtypes: ['float32', 'int32', 'bool'], out: 'bool'},
  GreaterEqual: {expr: 'select(0u, 1u, a >= b)', dtypes: ['float32', 'int32', 'bool'], out: 'bool'},
  LogicalAnd: {expr: 'select(0u, 1u, a != 0u && b != 0u)', dtypes: ['bool'], out: 'bool'},
  LogicalOr: {expr: 'select(0u, 1u, a != 0u || b != 0u)', dtypes: ['bool'], out: 'bool'},
  LogicalXor: {expr: 'select(0u, 1u, (a != 0u) != (b != 0u))', dtypes: ['bool'], out: 'bool'},
};

// a^b for any sign of a: negative bases take integer exponents only (NaN otherwise), as Math.pow
const POW = SPECIALS + `
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a == 0.0) { return select(pinf(), 0.0, b > 0.0); }
  let r = exp2(b * log2(abs(a)));
  if (a > 0.0) { return r; }
  if (floor(b) != b) { return qnan(); }
  let odd = abs(b - 2.0 * floor(b / 2.0)) == 1.0;
  return select(r, -r, odd);
}
`;

const MOD = (t: string) =>
  t === 'f32'
    ? `fn mod_(a: f32, b: f32) -> f32 { let r = a % b; return select(r, r + b, r != 0.0 && ((r < 0.0) != (b < 0.0))); }\n`
    : `fn mod_(a: i32, b: i32) -> i32 { if (b == 0) { return 0; } let r = a % b; return select(r, r + b, r != 0 && ((r < 0) != (b < 0))); }\n`;

function binaryKernel(name: string): GpuKernel {
  const spec = BINARY[name]!;
  return (gpu) => ({a, b}: {a: Tensor; b: Tensor}, _attrs: unknown, [y]: Tensor[]) => {
    if (!spec.dtypes.includes(a.dtype) || b.dtype !== a.dtype) return false;
    const out = y!;
    const code =
      binding(0, 'A', a.dtype, 'read') +
      binding(1, 'B', b.dtype, 'read') +
      binding(2, 'y', out.dtype, 'read_write') +
      (name === 'Pow' ? POW : '') +
      (name === 'Mod' ? MOD(wgslType(a.dtype)!) : '') +
      main1d(
        out.size,
        broadcastIndex('ia', a.shape, out.shape) + broadcastIndex('ib', b.shape, out.shape) + `  let a = A[ia];\n  let b = B[ib];\n  y[i] = ${spec.expr};`,
      );
    gpu.run(name, code, [gpu.input(a), gpu.input(b), gpu.output(out)], [], groups1d(out.size));
  };
}

const where: GpuKernel = (gpu) => ({condition, a, b}: {condition: Tensor; a: Tensor; b: Tensor}, _attrs: unknown, [y]: Tensor[]) => {
  const out = y!;
  if (!wgslType(a.dtype) || !wgslType(condition.dtype) || b.dtype !== a.dtype) return false;
  const zero = wgslType(condition.dtype) === 'f32' ? '0.0' : wgslType(condition.dtype) === 'i32' ? '0i' : '0u';
  const code =
    binding(0, 'C', condition.dtype, 'read') +
    binding(1, 'A', a.dtype, 'read') +
    binding(2, 'B', b.dtype, 'read') +
    binding(3, 'y', out.dtype, 'read_write') +
    main1d(
      out.size,
      broadcastIndex('ic', condition.shape, out.shape) +
        broadcastIndex('ia', a.shape, out.shape) +
        broadcastIndex('ib', b.shape, out.shape) +
        `  y[i] = select(B[ib], A[ia], C[ic] != ${zero});`,
    );
  gpu.run('Where', code, [gpu.input(condition), gpu.input(a), gpu.input(b), gpu.output(out)], [], groups1d(out.size));
};

const cast: GpuKernel = (gpu) => ({x}: {x: Tensor}, _a: {dtype: DType}, [y]: Tensor[]) => {
  const out = y!;
  const from = wgslType(x.dtype), to = wgslType(out.dtype);
  if (!from || !to) return false;
  let expr: string;
  if (to === 'u32') expr = from === 'f32' ? 'select(0u, 1u, !(v == 0.0))' : from === 'i32' ? 'select(0u, 1u, v != 0i)' : 'v';
  else expr = `${to}(v)`; // f32 -> i32 truncates toward zero, as NumPy's astype
  const code =
    binding(0, 'x', x.dtype, 'read') + binding(1, 'y', out.dtype, 'read_write') + main1d(x.size, `  let v = x[i];\n  y[i] = ${expr};`);
  gpu.run('Cast', code, [gpu.input(x), gpu.output(out)], [], groups1d(x.size));
};

const isNan: GpuKernel = (gpu) => ({x}: {x: Tensor}, _a: unknown, [y]: Tensor[]) => {
  if (x.dtype !== 'float32') return false;
  // by the bits: a compiler may assume v == v
  const code =
    binding(0, 'x', x.dtype, 'read') +
    binding(1, 'y', 'bool', 'read_write') +
    main1d(x.size, `  let u = bitcast<u32>(x[i]) & 0x7fffffffu;\n  y[i] = select(0u, 1u, u > 0x7f800000u);`);
  gpu.run('IsNan', code, [gpu.input(x), gpu.output(y!)], [], groups1d(x.size));
};

const logicalNot: GpuKernel = (gpu) => ({x}: {x: Tensor}, _a: unknown, [y]: Tensor[]) => {
  const t = wgslType(x.dtype);
  if (!t) return false;
  const zero = t === 'f32' ? '0.0' : t === 'i32' ? '0i' : '0u';
  const code = binding(0, 'x', x.dtype, 'read') + binding(1, 'y', 'bool', 'read_write') + main1d(x.size, `  y[i] = select(0u, 1u, x[i] == ${zero});`);
  gpu.run('LogicalNot', code, [gpu.input(x), gpu.output(y!)], [], groups1d(x.size));
};

/** `dy * f'(x)` written with `y = f(x)`, as the reference's ActivationGrad. */
const ACT_GRAD: Record<FusedActivation, string> = {
  linear: 'd',
  relu: 'select(0.0, d, v > 0.0)',
  sigmoid: 'd * v * (1.0 - v)',
  tanh: 'd * (1.0 - v * v)',
};

const activationGrad: GpuKernel = (gpu) => ({dy, y}: {dy: Tensor; y: Tensor}, a: {activation: FusedActivation}, [dz]: Tensor[]) => {
  if (dy.dtype !== 'float32' || y.dtype !== 'float32' || !(a.activation in ACT_GRAD)) return false;
  const code =
    binding(0, 'DY', 'float32', 'read') +
    binding(1, 'Y', 'float32', 'read') +
    binding(2, 'z', 'float32', 'read_write') +
    main1d(dy.size, `  let d = DY[i];\n  let v = Y[i];\n  z[i] = ${ACT_GRAD[a.activation]};`);
  gpu.run('ActivationGrad', code, [gpu.input(dy), gpu.input(y), gpu.output(dz!)], [], groups1d(dy.size));
};

const broadcastTo: GpuKernel = (gpu) => ({x}: {x: Tensor}, _a: {shape: number[]}, [y]: Tensor[]) => {
  const out = y!;
  if (!wgslType(x.dtype)) return false;
  const code =
    binding(0, 'x', x.dtype, 'read') + binding(1, 'y', out.dtype, 'read_write') + main1d(out.size, broadcastIndex('ix', x.shape, out.shape) + '  y[i] = x[ix];');
  gpu.run('BroadcastTo', code, [gpu.input(x), gpu.output(out)], [], groups1d(out.size));
};

const transpose: GpuKernel = (gpu) => ({x}: {x: Tensor}, a: {perm: number[]}, [y]: Tensor[]) => {
  const out = y!;
  if (!wgslType(x.dtype)) return false;
  // output axis k walks input axis perm[k]
  let inStride = 1;
  const inStrides: number[] = [];
  for (let k = x.rank - 1; k >= 0; k--) {
    inStrides[k] = inStride;
    inStride *= x.shape[k]!;
  }
  let body = '  var ix = 0u;\n  var r = i;\n';
  for (let k = out.rank - 1; k >= 0; k--) {
    body += `  ix += (r % ${nz(out.shape[k]!)}u) * ${inStrides[a.perm[k]!]}u;\n  r = r / ${nz(out.shape[k]!)}u;\n`;
  }
  const code = binding(0, 'x', x.dtype, 'read') + binding(1, 'y', out.dtype, 'read_write') + main1d(out.size, body + '  y[i] = x[ix];');
  gpu.run('Transpose', code, [gpu.input(x), gpu.output(out)], [], groups1d(out.size));
};

export const elementwiseGpu: Record<string, GpuKernel> = {
  ...Object.fromEntries(Object.keys(UNARY).map((k) => [k, unaryKernel(k)])),
  ...Object.fromEntries(Object.keys(BINARY).map((k) => [k, binaryKernel(k)])),
  Where: where,
  Cast: cast,
  IsNan: isNan,
  LogicalNot: logicalNot,
  ActivationGrad: activationGrad,
  BroadcastTo: broadcastTo,
  Transpose: transpose,
};
