/**
 * `keras.ops.nn`: softmax, convolutions, pooling and the activations that are not plain math.
 * Convolutions and pooling run as NHWC 2-D kernels (NDHWC 3-D ones for 3 spatial axes); 1-D inputs
 * become images of height 1 and `channels_first` inputs are transposed around the kernel. Kernels
 * keep Keras's layouts whatever the data format: conv `[...k, in, out]`, depthwise
 * `[...k, in, multiplier]`, transpose `[...k, out, in]`.
 *
 * ```ts
 * const y = ops.conv(x, kernel, {strides: 2, padding: 'same'}); // x [n, h, w, c], kernel [3, 3, c, f]
 * ```
 */
import {imageDataFormat, type ImageDataFormat} from '../config.js';
import {ValueError} from '../errors.js';
import {convAxis, type Padding} from '../kernels/conv_util.js';
import {upcast} from '../tensor/dtype.js';
import {fmtShape} from '../tensor/shape.js';
import type {Tensor} from '../tensor/tensor.js';
import {reshape, split, transpose} from './array.js';
import {cast, checkAxis, run, toFloat, toTensor, type TensorLike} from './core.js';
import {
  abs, add, clip, divide, expm1, greater, greaterEqual, less, lessEqual, minimum, multiply, negative, relu,
  sigmoid, softplus, sqrt, square, subtract, tanh, where,
} from './math.js';

// ---------------------------------------------------------------------------------------------
// Softmax

/** `exp(x) / sum(exp(x), axis)`, computed stably. */
export function softmax(x: TensorLike, axis = -1): Tensor {
  const t = toFloat(toTensor(x, 'x', 'softmax'));
  if (t.rank === 0) throw new ValueError(`softmax: input must have rank >= 1. Received: x.shape=${fmtShape(t.shape)}`);
  return run('Softmax', {x: t}, {axis: checkAxis(axis, t.rank, 'softmax', t.shape)});
}

/** `x - logsumexp(x, axis)`, computed stably. */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  const t = toFloat(toTensor(x, 'x', 'logSoftmax'));
  if (t.rank === 0) throw new ValueError(`logSoftmax: input must have rank >= 1. Received: x.shape=${fmtShape(t.shape)}`);
  return run('LogSoftmax', {x: t}, {axis: checkAxis(axis, t.rank, 'logSoftmax', t.shape)});
}

// ---------------------------------------------------------------------------------------------
// Activations that Keras lists in ops.nn and math.ts does not have (composites: no kernel needed)

/** `min(max(x, 0), 6)`. */
export function relu6(x: TensorLike): Tensor {
  return minimum(relu(toTensor(x, 'x', 'relu6')), 6);
}

/** Keras 3's `hard_sigmoid`: `clip(x / 6 + 0.5, 0, 1)`. */
export function hardSigmoid(x: TensorLike): Tensor {
  const t = toFloat(toTensor(x, 'x', 'hardSigmoid'));
  return clip(add(divide(t, 6), 0.5), 0, 1);
}

/** `x * hardSigmoid(x)` (also `hardSwish`). */
export function hardSilu(x: TensorLike): Tensor {
  const t = toFloat(toTensor(x, 'x', 'hardSilu'));
  return multiply(t, hardSigmoid(t));
}
export const hardSwish = hardSilu;

/** `x * sigmoid(x)` (also `swish`). */
export function silu(x: TensorLike): Tensor {
  const t = toFloat(toTensor(x, 'x', 'silu'));
  return multiply(t, sigmoid(t));
}
export const swish = silu;

/** `log(sigmoid(x)) = -softplus(-x)`, stable for large |x|. */
export function logSigmoid(x: TensorLike): Tensor {
  const t = toFloat(toTensor(x, 'x', 'logSigmoid'));
  return negative(softplus(negative(t)));
}

/** `max(x, 0) + alpha * expm1(min(x, 0) / alpha)`. */
export function celu(x: TensorLike, alpha = 1.0): Tensor {
  const t = toFloat(toTensor(x, 'x', 'celu'));
  if (alpha === 0) throw new ValueError('celu: alpha must be non-zero. Received: alpha=0');
  return add(relu(t), multiply(alpha, expm1(divide(minimum(t, 0), alpha))));
}

/** Gated linear unit: `a * sigmoid(b)` where `a`, `b` are the halves of `x` along `axis`. */
export function glu(x: TensorLike, axis = -1): Tensor {
  const t = toFloat(toTensor(x, 'x', 'glu'));
  const ax = checkAxis(axis, t.rank, 'glu', t.shape);
  if (t.shape[ax]! % 2 !== 0) {
    throw new ValueError(`glu: axis size must be divisible by 2. Received: x.shape=${fmtShape(t.shape)} with axis=${axis}`);
  }
  const [a, b] = split(t, 2, ax);
  return multiply(a!, sigmoid(b!));
}

/** `clip(x, -1, 1)`. */
export function hardTanh(x: TensorLike): Tensor {
  return clip(toFloat(toTensor(x, 'x', 'hardTanh')), -1, 1);
}

/** `x - tanh(x)`. */
export function tanhShrink(x: TensorLike): Tensor {
  const t = toFloat(toTensor(x, 'x', 'tanhShrink'));
  return subtract(t, tanh(t));
}

/** `x - threshold` above `threshold`, `x + threshold` below `-threshold`, 0 between. */
export function softShrink(x: TensorLike, threshold = 0.5): Tensor {
  const t = toFloat(toTensor(x, 'x', 'softShrink'));
  return where(greater(t, threshold), subtract(t, threshold), where(less(t, -threshold), add(t, threshold), 0));
}

/** `x` where `|x| > threshold`, else 0. */
export function hardShrink(x: TensorLike, threshold = 0.5): Tensor {
  const t = toFloat(toTensor(x, 'x', 'hardShrink'));
  return where(greater(abs(t), threshold), t, 0);
}

/** `x` where `x > threshold`, else `defaultValue`. */
export function threshold(x: TensorLike, thresholdValue: number, defaultValue: number): Tensor {
  const t = toTensor(x, 'x', 'threshold');
  return where(greater(t, thresholdValue), t, defaultValue);
}

/** `(x + sqrt(x^2 + b)) / 2`. */
export function squareplus(x: TensorLike, b = 4): Tensor {
  const t = toFloat(toTensor(x, 'x', 'squareplus'));
  if (!(b >= 0)) throw new ValueError(`squareplus: b must be non-negative. Received: b=${b}`);
  return divide(add(t, sqrt(add(square(t), b))), 2);
}

/** 0 for `x <= -1`, `(x + 1)^2 / 4` for `-1 < x < 1`, `x` for `x >= 1`. */
export function sparsePlus(x: TensorLike): Tensor {
  const t = toFloat(toTensor(x, 'x', 'sparsePlus'));
  return where(lessEqual(t, -1), 0, where(less(t, 1), divide(square(add(t, 1)), 4), t));
}

/** 0 for `x <= -1`, `(x + 1) / 2` for `-1 < x < 1`, 1 for `x >= 1`. */
export function sparseSigmoid(x: TensorLike): Tensor {
  const t = toFloat(toTensor(x, 'x', 'sparseSigmoid'));
  return where(lessEqual(t, -1), 0, where(greaterEqual(t, 1), 1, multiply(add(t, 1), 0.5)));
}

// ---------------------------------------------------------------------------------------------
// Argument checks shared by convolution and pooling

export type PaddingArg = Padding | 'VALID' | 'SAME';

export interface ConvOptions {
  /** An int, or one per spatial axis. Default 1. */
  strides?: number | readonly number[];
  /** `'valid'` (default) or `'same'`, TensorFlow's geometry. */
  padding?: PaddingArg;
  /** Default: `imageDataFormat()` from keras.json. */
  dataFormat?: ImageDataFormat | null;
  /** An int, or one per spatial axis. Default 1. */
  dilationRate?: number | readonly number[];
}

export interface ConvTransposeOptions extends ConvOptions {
  /**
   * Extra rows/columns on the bottom/right of the output, each lower than its stride. Default:
   * inferred (`valid`: `(in - 1) * stride + max(kernel, stride)`; `same`: `in * stride`).
   */
  outputPadding?: number | readonly number[] | null;
}

export interface PoolOptions {
  /** An int, or one per spatial axis. Default: `poolSize`. */
  strides?: number | readonly number[] | null;
  padding?: PaddingArg;
  dataFormat?: ImageDataFormat | null;
}

function standardizeDataFormat(df: ImageDataFormat | null | undefined, op: string): ImageDataFormat {
  const d = df ?? imageDataFormat();
  if (d !== 'channels_last' && d !== 'channels_first') {
    throw new ValueError(`${op}: dataFormat must be "channels_last" or "channels_first". Received: dataFormat=${JSON.stringify(df)}`);
  }
  return d;
}

function standardizePadding(p: string | undefined, op: string): Padding {
  const s = typeof p === 'string' ? p.toLowerCase() : p;
  if (s !== 'valid' && s !== 'same') {
    throw new ValueError(`${op}: padding must be "valid" or "same". Received: padding=${JSON.stringify(p)}`);
  }
  return s;
}

/** An int or a list of `n` positive ints, as a list of `n`. */
function intTuple(v: number | readonly number[], n: number, name: string, op: string, min = 1): number[] {
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (list.length !== n || list.some((d) => !Number.isInteger(d) || d < min)) {
    throw new ValueError(
      `${op}: ${name} must be an integer >= ${min} or a list of ${n} such integers (one per spatial axis). Received: ${name}=${JSON.stringify(v)}`,
    );
  }
  return list;
}

/** The number of spatial axes (1, 2 or 3) of `x`, or a clear error; `max3` false refuses 3. */
function spatialRank(x: Tensor, op: string, max3 = true): SpatialRank {
  if (x.rank === 3 || x.rank === 4 || (max3 && x.rank === 5)) return (x.rank - 2) as SpatialRank;
  if (x.rank === 5) {
    throw new ValueError(`${op}: 3D inputs (rank 5) are not supported; expected rank 3 (1D) or 4 (2D). Received: inputs.shape=${fmtShape(x.shape)}`);
  }
  throw new ValueError(
    `${op}: expected inputs of rank 3 (batch, steps, channels), 4 (batch, height, width, channels)${max3 ? ' or 5 (batch, depth, height, width, channels)' : ''}. Received: inputs.shape=${fmtShape(x.shape)}`,
  );
}

type SpatialRank = 1 | 2 | 3;

/** Both operands as floats of one dtype. */
function floatPair(a: Tensor, b: Tensor): [Tensor, Tensor] {
  const fa = toFloat(a), fb = toFloat(b);
  const d = upcast(fa.dtype, fb.dtype);
  return [cast(fa, d), cast(fb, d)];
}

/** `[n, ...spatial, c]` or `[n, c, ...spatial]` as NHWC (NDHWC for 3 spatial axes). */
function toNHWC(x: Tensor, nd: SpatialRank, df: ImageDataFormat): Tensor {
  let t = x;
  if (df === 'channels_first') t = transpose(t, [0, ...Array.from({length: nd}, (_, i) => i + 2), 1]);
  if (nd === 1) t = reshape(t, [t.shape[0]!, 1, t.shape[1]!, t.shape[2]!]);
  return t;
}

function fromNHWC(y: Tensor, nd: SpatialRank, df: ImageDataFormat): Tensor {
  let t = y;
  if (nd === 1) t = reshape(t, [t.shape[0]!, t.shape[2]!, t.shape[3]!]);
  if (df === 'channels_first') t = transpose(t, [0, nd + 1, ...Array.from({length: nd}, (_, i) => i + 1)]);
  return t;
}

/** A 1-D kernel `[k, a, b]` as `[1, k, a, b]`. */
function kernel4d(k: Tensor, nd: SpatialRank): Tensor {
  return nd === 1 ? reshape(k, [1, ...k.shape]) : k;
}

/** 1-D attributes become 2-D with a unit height; 2-D and 3-D ones stay. */
function pair(v: number[], nd: SpatialRank, fill = 1): number[] {
  return nd === 1 ? [fill, v[0]!] : [...v];
}

/** A 2-D kernel's attribute pair. */
const two = (v: number[]): [number, number] => [v[0]!, v[1]!];
/** A 3-D kernel's attribute triple. */
const three = (v: number[]): [number, number, number] => [v[0]!, v[1]!, v[2]!];

interface Prepared {
  x: Tensor;
  k: Tensor;
  nd: SpatialRank;
  df: ImageDataFormat;
  /** One per spatial axis of the kernel that runs (2 for 1-D and 2-D, 3 for 3-D). */
  strides: number[];
  dilations: number[];
  padding: Padding;
}

/** Conv3D's attributes for `p`. */
function convAttrs3(p: Prepared) {
  return {strides: three(p.strides), padding: p.padding, dilations: three(p.dilations)};
}

/** Shared checks of conv, depthwiseConv and convTranspose; `inAxis` is the kernel axis that must match the channels. */
function prepareConv(op: string, inputs: TensorLike, kernel: TensorLike, o: ConvOptions, inAxis: number, max3 = true): Prepared {
  let x = toTensor(inputs, 'inputs', op);
  let k = toTensor(kernel, 'kernel', op);
  const nd = spatialRank(x, op, max3);
  const df = standardizeDataFormat(o.dataFormat, op);
  const padding = standardizePadding(o.padding ?? 'valid', op);
  const strides = intTuple(o.strides ?? 1, nd, 'strides', op);
  const dil = intTuple(o.dilationRate ?? 1, nd, 'dilationRate', op);
  if (k.rank !== x.rank) {
    throw new ValueError(
      `${op}: kernel must have the same rank as inputs (${x.rank}: ${nd} spatial axes, then ${inAxis === -1 ? 'output, input' : 'input, output'} channels). Received: inputs.shape=${fmtShape(x.shape)}, kernel.shape=${fmtShape(k.shape)}`,
    );
  }
  const channels = df === 'channels_last' ? x.shape[x.rank - 1]! : x.shape[1]!;
  if (k.shape.at(inAxis) !== channels) {
    throw new ValueError(
      `${op}: the number of input channels (${channels}) must match kernel.shape[${inAxis}] (${k.shape.at(inAxis)}). Received: inputs.shape=${fmtShape(x.shape)} (${df}), kernel.shape=${fmtShape(k.shape)}`,
    );
  }
  [x, k] = floatPair(x, k);
  return {x: toNHWC(x, nd, df), k: kernel4d(k, nd), nd, df, strides: pair(strides, nd), dilations: pair(dil, nd), padding};
}

/** Throws when a `valid` window (spatial sizes `k`, one per axis of the kernel that runs) does not fit the input (an empty output). */
function checkFits(op: string, p: {x: Tensor; padding: Padding; strides: number[]; dilations: number[]}, k: readonly number[], shapes: string): void {
  const outs = p.strides.map((s, i) => convAxis(p.x.shape[1 + i]!, k[i]!, s, p.dilations[i]!, p.padding).out);
  if (outs.some((o) => o < 1)) {
    throw new ValueError(
      `${op}: the window (with dilation) is larger than the input with padding "valid", so the output would be empty. Received: ${shapes}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Convolutions

/**
 * 1-D, 2-D or 3-D convolution, `keras.ops.conv`. `kernel` is `[...kernelSize, inChannels, outChannels]`.
 * Grouped convolution (inChannels a multiple of kernel's) is not supported.
 */
export function conv(inputs: TensorLike, kernel: TensorLike, options: ConvOptions = {}): Tensor {
  const p = prepareConv('conv', inputs, kernel, options, -2);
  checkFits('conv', p, p.k.shape, `inputs.shape=${fmtShape(toTensor(inputs, 'inputs', 'conv').shape)}, kernel.shape=${fmtShape(toTensor(kernel, 'kernel', 'conv').shape)}`);
  const y = p.nd === 3
    ? run('Conv3D', {x: p.x, filter: p.k}, convAttrs3(p))
    : run('Conv2D', {x: p.x, filter: p.k}, {strides: two(p.strides), padding: p.padding, dilations: two(p.dilations)});
  return fromNHWC(y, p.nd, p.df);
}

/** Depthwise convolution (1-D or 2-D), `keras.ops.depthwise_conv`: kernel `[...kernelSize, inChannels, multiplier]`. */
export function depthwiseConv(inputs: TensorLike, kernel: TensorLike, options: ConvOptions = {}): Tensor {
  const p = prepareConv('depthwiseConv', inputs, kernel, options, -2, false);
  checkFits('depthwiseConv', p, p.k.shape, `inputs.shape=${fmtShape(toTensor(inputs, 'inputs', 'depthwiseConv').shape)}, kernel.shape=${fmtShape(toTensor(kernel, 'kernel', 'depthwiseConv').shape)}`);
  const y = run('DepthwiseConv2D', {x: p.x, filter: p.k}, {strides: two(p.strides), padding: p.padding, dilations: two(p.dilations)});
  return fromNHWC(y, p.nd, p.df);
}

/**
 * Depthwise then pointwise (1x1) convolution, `keras.ops.separable_conv`. `depthwiseKernel` is
 * `[...kernelSize, inChannels, multiplier]`, `pointwiseKernel` `[...ones, inChannels * multiplier, outChannels]`.
 */
export function separableConv(inputs: TensorLike, depthwiseKernel: TensorLike, pointwiseKernel: TensorLike, options: ConvOptions = {}): Tensor {
  const dk = toTensor(depthwiseKernel, 'depthwiseKernel', 'separableConv');
  const pk = toTensor(pointwiseKernel, 'pointwiseKernel', 'separableConv');
  const x = toTensor(inputs, 'inputs', 'separableConv');
  const nd = spatialRank(x, 'separableConv', false);
  const mid = dk.rank >= 2 ? dk.shape.at(-2)! * dk.shape.at(-1)! : NaN;
  if (pk.rank !== x.rank || pk.shape.slice(0, nd).some((d) => d !== 1) || pk.shape.at(-2) !== mid) {
    throw new ValueError(
      `separableConv: pointwiseKernel must have shape [${new Array(nd).fill(1).join(', ')}, ${mid}, outChannels] (${mid} = depthwise channels * multiplier). Received: depthwiseKernel.shape=${fmtShape(dk.shape)}, pointwiseKernel.shape=${fmtShape(pk.shape)}`,
    );
  }
  const d = depthwiseConv(x, dk, options);
  return conv(d, pk, {strides: 1, padding: 'valid', dataFormat: options.dataFormat ?? null, dilationRate: 1});
}

/** Keras's output length of a transposed convolution along one axis. */
function convTransposeLength(inLen: number, k: number, stride: number, dil: number, padding: Padding, outputPadding: number | null): number {
  const effK = (k - 1) * dil + 1;
  if (padding === 'valid') return (inLen - 1) * stride + effK + (outputPadding ?? Math.max(effK, stride) - effK);
  return outputPadding === null ? inLen * stride : (inLen - 1) * stride + (effK % 2) + outputPadding;
}

/**
 * Transposed convolution (1-D, 2-D or 3-D), `keras.ops.conv_transpose` (the gradient of `conv` with
 * respect to its input). `kernel` is `[...kernelSize, outChannels, inChannels]`; the output shape
 * follows Keras.
 */
export function convTranspose(inputs: TensorLike, kernel: TensorLike, options: ConvTransposeOptions = {}): Tensor {
  const op = 'convTranspose';
  const p = prepareConv(op, inputs, kernel, options, -1);
  const ax = p.strides.length; // spatial axes of the kernel that runs
  const k = p.k.shape.slice(0, ax);
  const outC = p.k.shape[ax]!;
  const op1 = options.outputPadding ?? null;
  const outPad = op1 === null ? null : pair(intTuple(op1, p.nd, 'outputPadding', op, 0), p.nd, 0);
  const n = p.x.shape[0]!;
  const inSpatial = p.x.shape.slice(1, 1 + ax);
  const outSpatialAll = inSpatial.map((len, i) =>
    p.nd === 1 && i === 0 ? 1 : convTransposeLength(len, k[i]!, p.strides[i]!, p.dilations[i]!, p.padding, outPad && outPad[i]!));
  // the output must be a shape whose forward convolution has the input's size, as TensorFlow requires
  const back = outSpatialAll.map((len, i) => convAxis(len, k[i]!, p.strides[i]!, p.dilations[i]!, p.padding).out);
  if (outSpatialAll.some((o) => o < 1) || back.some((b, i) => b !== inSpatial[i])) {
    const outSpatial = p.nd === 1 ? outSpatialAll.slice(1) : outSpatialAll;
    throw new ValueError(
      `${op}: with outputPadding=${JSON.stringify(options.outputPadding)} the output's spatial shape would be ${fmtShape(outSpatial)}, whose "${p.padding}" convolution does not give back the input's spatial shape; outputPadding must be lower than the stride (and, with "same" padding and an even kernel, at least 1). Received: inputs.shape=${fmtShape(toTensor(inputs, 'inputs', op).shape)}, kernel.shape=${fmtShape(toTensor(kernel, 'kernel', op).shape)}, strides=${JSON.stringify(options.strides ?? 1)}`,
    );
  }
  const inputShape = [n, ...outSpatialAll, outC];
  const y = p.nd === 3
    ? run('Conv3DBackpropInput', {dy: p.x, filter: p.k}, {...convAttrs3(p), inputShape})
    : run('Conv2DBackpropInput', {dy: p.x, filter: p.k}, {strides: two(p.strides), padding: p.padding, dilations: two(p.dilations), inputShape});
  return fromNHWC(y, p.nd, p.df);
}

// ---------------------------------------------------------------------------------------------
// Pooling

function pool(kind: 'MaxPool' | 'AvgPool', op: string, inputs: TensorLike, poolSize: number | readonly number[], o: PoolOptions): Tensor {
  const x0 = toTensor(inputs, 'inputs', op);
  const nd = spatialRank(x0, op);
  const df = standardizeDataFormat(o.dataFormat, op);
  const padding = standardizePadding(o.padding ?? 'valid', op);
  const size = intTuple(poolSize, nd, 'poolSize', op);
  const strides = intTuple(o.strides ?? size, nd, 'strides', op);
  const x = toNHWC(kind === 'AvgPool' ? toFloat(x0) : x0, nd, df);
  const ps = pair(size, nd), st = pair(strides, nd);
  checkFits(op, {x, padding, strides: st, dilations: st.map(() => 1)}, ps, `inputs.shape=${fmtShape(x0.shape)}, poolSize=${JSON.stringify(poolSize)}`);
  const y = nd === 3
    ? run(kind === 'MaxPool' ? 'MaxPool3D' : 'AvgPool3D', {x}, {poolSize: three(ps), strides: three(st), padding})
    : run(kind, {x}, {poolSize: two(ps), strides: two(st), padding});
  return fromNHWC(y, nd, df);
}

/** Max pooling over 1, 2 or 3 spatial axes, `keras.ops.max_pool`; `strides` default to `poolSize`. */
export function maxPool(inputs: TensorLike, poolSize: number | readonly number[], options: PoolOptions = {}): Tensor {
  return pool('MaxPool', 'maxPool', inputs, poolSize, options);
}

/**
 * Average pooling, `keras.ops.average_pool`. With `same` padding each window averages over the
 * cells inside the input only, as TensorFlow.
 */
export function averagePool(inputs: TensorLike, poolSize: number | readonly number[], options: PoolOptions = {}): Tensor {
  return pool('AvgPool', 'averagePool', inputs, poolSize, options);
}
