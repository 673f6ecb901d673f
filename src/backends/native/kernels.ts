import {conv2dGeometry, type Conv2DGeometry, type Padding} from '../../kernels/conv_util.js';
import type {MatMulAttrs} from '../../kernels/defs/linalg.js';
import {matmulShape} from '../../kernels/defs/linalg.js';
import type {ReduceAttrs} from '../../kernels/defs/reduction.js';
import {reducedShape} from '../../kernels/defs/reduction.js';
import type {Conv2DAttrs, PoolAttrs} from '../../kernels/defs/nn.js';
import type {FusedActivation, FusedConv2DAttrs, FusedDenseAttrs} from '../../kernels/defs/fused.js';
import type {BernoulliMaskAttrs} from '../../kernels/defs/random.js';
import {ValueError} from '../../errors.js';
import {BERNOULLI_STREAM} from '../../tensor/random.js';
import {broadcastShapes, fmtShape, sizeOf, stridesOf} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl, KernelTable} from '../backend.js';
import {Activation, BinaryOp, KernelId, ReduceOp, UnaryOp, type NativeAddon} from './abi.js';
import {nativeOptimizerKernels} from './optimizer.js';
import {nativeRecurrentArrayKernels} from './recurrent_array.js';
import {nativeLSTMSequenceKernels} from './lstm_sequence.js';

/**
 * The kernels of the native backend. Each one declines (returns `false`, so the reference kernel
 * runs) for what it does not cover: dtypes other than float32, reductions over non-adjacent axes,
 * tiny elementwise ops where the call costs more than the loop. Before any call into the addon it
 * checks that every buffer holds exactly the elements its shape implies and that the shapes agree
 * with the attributes; the addon checks the lengths again, so no input can make it read or write
 * out of bounds.
 */

/** Below this many elements an elementwise op stays in JavaScript (see BENCHMARKS.md). */
export const MIN_NATIVE_ELEMENTS = 256;

function isF32(...ts: Tensor[]): boolean {
  return ts.every((t) => t.dtype === 'float32' && t.values instanceof Float32Array);
}

/** Throws when a tensor's storage does not hold exactly the elements of its shape. */
export function checkStorage(op: string, name: string, t: Tensor, expectedShape?: readonly number[]): void {
  const shape = expectedShape ?? t.shape;
  if (expectedShape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
    throw new ValueError(`${op}: ${name} must have shape ${fmtShape(shape)}. Received: ${name}.shape=${fmtShape(t.shape)}`);
  }
  const n = sizeOf(shape);
  if (t.values.length !== n) {
    throw new ValueError(
      `${op}: ${name} has ${t.values.length} values in storage, but its shape ${fmtShape(shape)} needs ${n}`,
    );
  }
}

function checkRank(op: string, name: string, t: Tensor, rank: number): void {
  if (t.shape.length !== rank) {
    throw new ValueError(`${op}: ${name} must have rank ${rank}. Received: ${name}.shape=${fmtShape(t.shape)}`);
  }
}

const f64 = (xs: readonly number[]) => Float64Array.from(xs);

export function nativeKernels(addon: NativeAddon): Partial<KernelTable> {
  const run = (id: number, bufs: Tensor[], attrs: readonly number[]) =>
    addon.run(id, bufs.map((t) => t.values as Float32Array), f64(attrs));

  // ---------------------------------------------------------------------------------------------
  // MatMul: batched, every transpose combination, broadcast batch dimensions

  const MatMul = ({a, b}: {a: Tensor; b: Tensor}, attrs: MatMulAttrs, [y]: Tensor[]) => {
    if (!isF32(a, b, y!)) return false;
    const op = 'MatMul';
    if (a.rank < 2 || b.rank < 2) throw new ValueError(`${op}: inputs must have rank >= 2. Received: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}`);
    const m = attrs.transposeA ? a.shape.at(-1)! : a.shape.at(-2)!;
    const k = attrs.transposeA ? a.shape.at(-2)! : a.shape.at(-1)!;
    const kb = attrs.transposeB ? b.shape.at(-1)! : b.shape.at(-2)!;
    const n = attrs.transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
    if (k !== kb) {
      throw new ValueError(`${op}: inner dimensions must match. Received: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}`);
    }
    const aBatch = a.shape.slice(0, -2), bBatch = b.shape.slice(0, -2);
    if (broadcastShapes(aBatch, bBatch) === null) {
      throw new ValueError(`${op}: batch dimensions do not broadcast. Received: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}`);
    }
    const outShape = matmulShape(a.shape, b.shape, attrs);
    checkStorage(op, 'a', a);
    checkStorage(op, 'b', b);
    checkStorage(op, 'output', y!, outShape);
    const outBatch = outShape.slice(0, -2);
    const batch = sizeOf(outBatch);
    const mk = m * k, kn = k * n;
    const stride = (s: readonly number[]) => (sizeOf(s) === 1 ? 0 : sameDims(s, outBatch) ? 1 : -1);
    const sa = stride(aBatch), sb = stride(bBatch);
    if (sa >= 0 && sb >= 0) {
      run(KernelId.MatMul, [a, b, y!], [batch, m, n, k, +attrs.transposeA, +attrs.transposeB, 0, sa * mk, sb * kn, 0]);
    } else {
      const ia = batchOffsets(aBatch, outBatch), ib = batchOffsets(bBatch, outBatch);
      const offs = [...ia.map((i) => i * mk), ...ib.map((i) => i * kn)];
      run(KernelId.MatMul, [a, b, y!], [batch, m, n, k, +attrs.transposeA, +attrs.transposeB, 0, 0, 0, 1, ...offs]);
    }
    return true;
  };

  // ---------------------------------------------------------------------------------------------
  // Convolution and pooling, NHWC

  const convAttrs = (g: Conv2DGeometry) => [
    g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.dilH, g.dilW, g.padTop, g.padLeft,
  ];

  const convGeometry = (op: string, xShape: readonly number[], fShape: readonly number[], a: Conv2DAttrs) => {
    if (xShape.length !== 4 || fShape.length !== 4) {
      throw new ValueError(`${op}: input and filter must have rank 4. Received: input shape ${fmtShape(xShape)}, filter shape ${fmtShape(fShape)}`);
    }
    const [kh, kw, cin, cout] = fShape as [number, number, number, number];
    if (cin !== xShape[3]) {
      throw new ValueError(`${op}: filter input channels must match the input. Received: input shape ${fmtShape(xShape)}, filter shape ${fmtShape(fShape)}`);
    }
    checkWindowAttrs(op, a.strides, a.dilations, a.padding);
    const g = conv2dGeometry(xShape, kh, kw, cout, a.strides, a.padding, a.dilations);
    if (g.outH < 0 || g.outW < 0) throw new ValueError(`${op}: the window is larger than the input. Received: input shape ${fmtShape(xShape)}, filter shape ${fmtShape(fShape)}`);
    return g;
  };

  const Conv2D = ({x, filter}: {x: Tensor; filter: Tensor}, a: Conv2DAttrs, [y]: Tensor[]) => {
    if (!isF32(x, filter, y!)) return false;
    const op = 'Conv2D';
    const g = convGeometry(op, x.shape, filter.shape, a);
    checkStorage(op, 'x', x);
    checkStorage(op, 'filter', filter);
    checkStorage(op, 'output', y!, [g.batch, g.outH, g.outW, g.outC]);
    run(KernelId.Conv2D, [x, filter, y!], convAttrs(g));
    return true;
  };

  const Conv2DBackpropInput = ({dy, filter}: {dy: Tensor; filter: Tensor}, a: Conv2DAttrs & {inputShape: number[]}, [dx]: Tensor[]) => {
    if (!isF32(dy, filter, dx!)) return false;
    const op = 'Conv2DBackpropInput';
    const g = convGeometry(op, a.inputShape, filter.shape, a);
    checkStorage(op, 'dy', dy, [g.batch, g.outH, g.outW, g.outC]);
    checkStorage(op, 'filter', filter);
    checkStorage(op, 'output', dx!, a.inputShape);
    run(KernelId.Conv2DBackpropInput, [dy, filter, dx!], convAttrs(g));
    return true;
  };

  const Conv2DBackpropFilter = ({x, dy}: {x: Tensor; dy: Tensor}, a: Conv2DAttrs & {filterShape: number[]}, [df]: Tensor[]) => {
    if (!isF32(x, dy, df!)) return false;
    const op = 'Conv2DBackpropFilter';
    const g = convGeometry(op, x.shape, a.filterShape, a);
    checkStorage(op, 'x', x);
    checkStorage(op, 'dy', dy, [g.batch, g.outH, g.outW, g.outC]);
    checkStorage(op, 'output', df!, a.filterShape);
    run(KernelId.Conv2DBackpropFilter, [x, dy, df!], convAttrs(g));
    return true;
  };

  const poolGeometry = (op: string, xShape: readonly number[], a: PoolAttrs) => {
    if (xShape.length !== 4) throw new ValueError(`${op}: input must have rank 4. Received: shape ${fmtShape(xShape)}`);
    checkWindowAttrs(op, a.strides, [1, 1], a.padding);
    if (!a.poolSize.every((p) => Number.isInteger(p) && p >= 1)) {
      throw new ValueError(`${op}: poolSize must hold positive integers. Received: poolSize=${fmtShape(a.poolSize)}`);
    }
    const g = conv2dGeometry(xShape, a.poolSize[0], a.poolSize[1], xShape[3]!, a.strides, a.padding, [1, 1]);
    if (g.outH < 0 || g.outW < 0) throw new ValueError(`${op}: the window is larger than the input. Received: shape ${fmtShape(xShape)}`);
    return g;
  };
  const poolAttrs = (g: Conv2DGeometry) => [
    g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.kH, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft,
  ];

  const pool = (id: number, op: string) => ({x}: {x: Tensor}, a: PoolAttrs, [y]: Tensor[]) => {
    if (!isF32(x, y!)) return false;
    const g = poolGeometry(op, x.shape, a);
    checkStorage(op, 'x', x);
    checkStorage(op, 'output', y!, [g.batch, g.outH, g.outW, g.inC]);
    run(id, [x, y!], poolAttrs(g));
    return true;
  };

  const MaxPoolGrad = ({x, dy}: {x: Tensor; dy: Tensor}, a: PoolAttrs, [dx]: Tensor[]) => {
    if (!isF32(x, dy, dx!)) return false;
    const op = 'MaxPoolGrad';
    const g = poolGeometry(op, x.shape, a);
    checkStorage(op, 'x', x);
    checkStorage(op, 'dy', dy, [g.batch, g.outH, g.outW, g.inC]);
    checkStorage(op, 'output', dx!, x.shape);
    run(KernelId.MaxPoolGrad, [x, dy, dx!], poolAttrs(g));
    return true;
  };

  const AvgPoolGrad = ({dy}: {dy: Tensor}, a: PoolAttrs & {inputShape: number[]}, [dx]: Tensor[]) => {
    if (!isF32(dy, dx!)) return false;
    const op = 'AvgPoolGrad';
    const g = poolGeometry(op, a.inputShape, a);
    checkStorage(op, 'dy', dy, [g.batch, g.outH, g.outW, g.inC]);
    checkStorage(op, 'output', dx!, a.inputShape);
    run(KernelId.AvgPoolGrad, [dy, dx!], poolAttrs(g));
    return true;
  };

  // ---------------------------------------------------------------------------------------------
  // Elementwise

  const unary = (code: number, op: string, params: (attrs: any) => [number, number] = () => [0, 0]): AnyKernelImpl =>
    ({x}: {x: Tensor}, attrs: unknown, [y]: Tensor[]) => {
      if (!isF32(x, y!) || x.size < MIN_NATIVE_ELEMENTS) return false;
      checkStorage(op, 'x', x);
      checkStorage(op, 'output', y!, x.shape);
      run(KernelId.Unary, [x, y!], [code, ...params(attrs)]);
      return true;
    };

  const binary = (code: number, op: string): AnyKernelImpl =>
    ({a, b}: {a: Tensor; b: Tensor}, _attrs: unknown, [y]: Tensor[]) => {
      if (!isF32(a, b, y!) || y!.size < MIN_NATIVE_ELEMENTS) return false;
      const out = broadcastShapes(a.shape, b.shape);
      if (out === null) throw new ValueError(`${op}: shapes do not broadcast. Received: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}`);
      checkStorage(op, 'a', a);
      checkStorage(op, 'b', b);
      checkStorage(op, 'output', y!, out);
      const {shape, as, bs} = collapseBroadcast(out, a.shape, b.shape);
      run(KernelId.Binary, [a, b, y!], [code, shape.length, ...shape, ...as, ...bs]);
      return true;
    };

  // ---------------------------------------------------------------------------------------------
  // Reductions over one run of adjacent axes, softmax along an axis

  const reduce = (code: number, op: string): AnyKernelImpl => ({x}: {x: Tensor}, a: ReduceAttrs, [y]: Tensor[]) => {
    if (!isF32(x, y!) || x.size < MIN_NATIVE_ELEMENTS) return false;
    const axes = [...a.axes].sort((p, q) => p - q);
    if (axes.some((ax, i) => !Number.isInteger(ax) || ax < 0 || ax >= x.rank || (i > 0 && ax === axes[i - 1]))) {
      throw new ValueError(`${op}: invalid axes ${fmtShape(a.axes)} for input of rank ${x.rank}`);
    }
    if (axes.length === 0 || axes.at(-1)! - axes[0]! !== axes.length - 1) return false;
    checkStorage(op, 'x', x);
    checkStorage(op, 'output', y!, reducedShape(x.shape, axes, a.keepdims));
    const outer = sizeOf(x.shape.slice(0, axes[0]!));
    const n = sizeOf(x.shape.slice(axes[0]!, axes.at(-1)! + 1));
    const inner = sizeOf(x.shape.slice(axes.at(-1)! + 1));
    run(KernelId.Reduce, [x, y!], [code, outer, n, inner]);
    return true;
  };

  const softmax = (log: boolean, op: string) => ({x}: {x: Tensor}, a: {axis: number}, [y]: Tensor[]) => {
    if (!isF32(x, y!) || x.size < MIN_NATIVE_ELEMENTS) return false;
    const axis = a.axis < 0 ? a.axis + x.rank : a.axis;
    if (!Number.isInteger(axis) || axis < 0 || axis >= x.rank) {
      throw new ValueError(`${op}: axis ${a.axis} is out of bounds for input of rank ${x.rank}`);
    }
    checkStorage(op, 'x', x);
    checkStorage(op, 'output', y!, x.shape);
    const outer = sizeOf(x.shape.slice(0, axis)), n = x.shape[axis]!, inner = sizeOf(x.shape.slice(axis + 1));
    run(KernelId.Softmax, [x, y!], [+log, outer, n, inner]);
    return true;
  };

  // ---------------------------------------------------------------------------------------------
  // Fused kernels: bias and activation in the GEMM epilogue; the recurrent steps

  const actCode = (op: string, act: FusedActivation) => {
    const code = Activation[act];
    if (code === undefined) throw new ValueError(`${op}: unknown activation ${JSON.stringify(act)}`);
    return code;
  };

  const FusedDense = ({x, kernel, bias}: {x: Tensor; kernel: Tensor; bias: Tensor}, a: FusedDenseAttrs, [y]: Tensor[]) => {
    if (!isF32(x, kernel, bias, y!)) return false;
    const op = 'FusedDense';
    checkRank(op, 'kernel', kernel, 2);
    const [k, n] = kernel.shape as [number, number];
    if (x.rank < 2 || x.shape.at(-1) !== k) {
      throw new ValueError(`${op}: x must be [..., ${k}] for kernel ${fmtShape(kernel.shape)}. Received: x.shape=${fmtShape(x.shape)}`);
    }
    checkStorage(op, 'x', x);
    checkStorage(op, 'kernel', kernel);
    checkStorage(op, 'bias', bias, [n]);
    checkStorage(op, 'output', y!, [...x.shape.slice(0, -1), n]);
    run(KernelId.FusedDense, [x, kernel, bias, y!], [x.size / k, k, n, actCode(op, a.activation)]);
    return true;
  };

  const FusedConv2D = ({x, filter, bias}: {x: Tensor; filter: Tensor; bias: Tensor}, a: FusedConv2DAttrs, [y]: Tensor[]) => {
    if (!isF32(x, filter, bias, y!)) return false;
    const op = 'FusedConv2D';
    const g = convGeometry(op, x.shape, filter.shape, a);
    checkStorage(op, 'x', x);
    checkStorage(op, 'filter', filter);
    checkStorage(op, 'bias', bias, [g.outC]);
    checkStorage(op, 'output', y!, [g.batch, g.outH, g.outW, g.outC]);
    run(KernelId.FusedConv2D, [x, filter, bias, y!], [...convAttrs(g), actCode(op, a.activation)]);
    return true;
  };

  const ActivationGrad = ({dy, y}: {dy: Tensor; y: Tensor}, a: {activation: FusedActivation}, [dz]: Tensor[]) => {
    if (!isF32(dy, y, dz!) || dy.size < MIN_NATIVE_ELEMENTS) return false;
    const op = 'ActivationGrad';
    checkStorage(op, 'dy', dy);
    checkStorage(op, 'y', y, dy.shape);
    checkStorage(op, 'output', dz!, dy.shape);
    run(KernelId.ActivationGrad, [dy, y, dz!], [actCode(op, a.activation)]);
    return true;
  };

  const checkAll = (op: string, tensors: [string, Tensor, readonly number[]][]) => {
    for (const [name, t, shape] of tensors) checkStorage(op, name, t, shape);
  };

  const Transpose = ({x}: {x: Tensor}, a: {perm: number[]}, [y]: Tensor[]) => {
    if (!isF32(x, y!) || x.size < MIN_NATIVE_ELEMENTS) return false;
    const op = 'Transpose';
    const perm = a.perm;
    if (perm.length !== x.rank || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) {
      throw new ValueError(`${op}: perm must be a permutation of the ${x.rank} axes. Received: perm=${fmtShape(perm)}`);
    }
    checkStorage(op, 'x', x);
    checkStorage(op, 'output', y!, perm.map((p) => x.shape[p]!));
    run(KernelId.Transpose, [x, y!], [x.rank, ...x.shape, ...perm]);
    return true;
  };

  // ---------------------------------------------------------------------------------------------
  // BernoulliMask (dropout masks): Philox in C++, bit-identical to tensor/random.ts

  const BernoulliMask = (_inputs: Record<string, never>, a: BernoulliMaskAttrs, [y]: Tensor[]) => {
    if (!isF32(y!) || y!.size === 0) return false;
    const op = 'BernoulliMask';
    checkStorage(op, 'output', y!, a.shape);
    for (const [name, k] of [['k0', a.k0], ['k1', a.k1]] as const) {
      if (!Number.isInteger(k) || k < 0 || k > 0xffffffff) {
        throw new ValueError(`${op}: ${name} must be an unsigned 32-bit integer. Received: ${name}=${k}`);
      }
    }
    run(KernelId.BernoulliMask, [y!], [y!.size, a.keepProb, a.k0, a.k1, BERNOULLI_STREAM]);
    return true;
  };

  return {
    ...nativeOptimizerKernels(addon, MIN_NATIVE_ELEMENTS),
    ...nativeRecurrentArrayKernels(addon, MIN_NATIVE_ELEMENTS),
    ...nativeLSTMSequenceKernels(addon),
    BernoulliMask,
    Transpose,
    FusedDense,
    FusedConv2D,
    ActivationGrad,
    MatMul,
    Conv2D,
    Conv2DBackpropInput,
    Conv2DBackpropFilter,
    MaxPool: pool(KernelId.MaxPool, 'MaxPool'),
    AvgPool: pool(KernelId.AvgPool, 'AvgPool'),
    MaxPoolGrad,
    AvgPoolGrad,

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

    Sum: reduce(ReduceOp.Sum, 'Sum'),
    Mean: reduce(ReduceOp.Mean, 'Mean'),
    Max: reduce(ReduceOp.Max, 'Max'),
    Min: reduce(ReduceOp.Min, 'Min'),

    Softmax: softmax(false, 'Softmax'),
    LogSoftmax: softmax(true, 'LogSoftmax'),
  } satisfies Partial<KernelTable>;
}

function checkWindowAttrs(op: string, strides: readonly number[], dilations: readonly number[], padding: Padding): void {
  if (!strides.every((s) => Number.isInteger(s) && s >= 1) || !dilations.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ValueError(`${op}: strides and dilations must be positive integers. Received: strides=${fmtShape(strides)}, dilations=${fmtShape(dilations)}`);
  }
  if (padding !== 'same' && padding !== 'valid') {
    throw new ValueError(`${op}: padding must be "same" or "valid". Received: padding=${JSON.stringify(padding)}`);
  }
}

/** Equal once leading 1s are dropped: batch shapes [3] and [1, 3] address the same matrices. */
function sameDims(a: readonly number[], b: readonly number[]): boolean {
  const strip = (s: readonly number[]) => {
    const i = s.findIndex((d) => d !== 1);
    return i < 0 ? [] : s.slice(i);
  };
  const sa = strip(a), sb = strip(b);
  return sa.length === sb.length && sa.every((d, i) => d === sb[i]);
}

/** For each batch index of `outBatch`, the batch index into an operand with batch shape `inBatch`. */
export function batchOffsets(inBatch: readonly number[], outBatch: readonly number[]): number[] {
  const n = sizeOf(outBatch);
  const off = outBatch.length - inBatch.length;
  const inStrides = stridesOf(inBatch);
  const out = new Array<number>(n);
  for (let t = 0; t < n; t++) {
    let rem = t, idx = 0;
    for (let d = outBatch.length - 1; d >= 0; d--) {
      const c = rem % outBatch[d]!;
      rem = Math.floor(rem / outBatch[d]!);
      const j = d - off;
      if (j >= 0 && inBatch[j] !== 1) idx += c * inStrides[j]!;
    }
    out[t] = idx;
  }
  return out;
}

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
