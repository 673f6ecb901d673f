/**
 * The ABI between TypeScript and the compiled kernels (the native addon and the WebAssembly module):
 * one row per compiled kernel with its id, its buffers and its attributes, by name. The C++ side's ids
 * and attribute positions are generated from this table (`npm run gen:abi` writes
 * `native/include/keras_abi.h`; `abi.test.ts` regenerates it and fails on any difference), so adding
 * a compiled kernel is one row here plus its C++ body.
 *
 * Buffers are float32 arrays, inputs then outputs. A name ending in `[]` is a run of buffers whose
 * count the attributes give; one ending in `?` is present or absent as a `has...` attribute says.
 * Attributes are numbers (doubles), in the order listed; `tail` names a variable-length list that
 * follows them. Ids are never reused: a retired kernel's id stays out of the table.
 */

export interface KernelAbiRow {
  readonly id: number;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: readonly string[];
  readonly tail?: string;
  /**
   * Whether the kernel reads its output buffers, or writes only part of them: `true`, or the name of
   * the attribute that says so. Otherwise every element of every output is written and never read,
   * so a backend that copies buffers (wasm) need not copy outputs in.
   */
  readonly readsOutputs?: true | string;
}

const CONV = ['n', 'h', 'w', 'cin', 'oh', 'ow', 'cout', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'padTop', 'padLeft'] as const;
const POOL = ['n', 'h', 'w', 'c', 'oh', 'ow', 'ph', 'pw', 'sh', 'sw', 'padTop', 'padLeft'] as const;
const SEQUENCE = ['batch', 'timesteps', 'units', 'goBackwards', 'zeroOutputForMask', 'hasMask'] as const;
const JOIN = ['outer', 'pieces', 'rowTotal', 'offset'] as const;
const ATTENTION = [
  'batch', 'tq', 'tk', 'heads', 'kvHeads', 'headDim', 'valueDim', 'scale', 'isCausal', 'hasMask', 'maskSize', 'maskB', 'maskN', 'maskT', 'maskS',
] as const;

export const KERNEL_ABI = {
  /** c[t] = a[t] @ b[t] (transposes as views); matrix t of a starts at t * aStride or its explicit offset. */
  MatMul: {
    id: 1, inputs: ['a', 'b'], outputs: ['c'],
    attrs: ['batch', 'm', 'n', 'k', 'transposeA', 'transposeB', 'accumulate', 'aStride', 'bStride', 'explicitOffsets'],
    tail: 'offsets',  // when explicitOffsets: batch offsets of a, then of b
    readsOutputs: 'accumulate',
  },
  Conv2D: {id: 2, inputs: ['x', 'filter'], outputs: ['y'], attrs: CONV},
  Conv2DBackpropInput: {id: 3, inputs: ['dy', 'filter'], outputs: ['dx'], attrs: CONV},
  Conv2DBackpropFilter: {id: 4, inputs: ['x', 'dy'], outputs: ['dfilter'], attrs: CONV},
  MaxPool: {id: 5, inputs: ['x'], outputs: ['y'], attrs: POOL},
  MaxPoolGrad: {id: 6, inputs: ['x', 'dy'], outputs: ['dx'], attrs: POOL},
  AvgPool: {id: 7, inputs: ['x'], outputs: ['y'], attrs: POOL},
  AvgPoolGrad: {id: 8, inputs: ['dy'], outputs: ['dx'], attrs: POOL},
  /** y = op(x); p0, p1: alpha or clip bounds. */
  Unary: {id: 9, inputs: ['x'], outputs: ['y'], attrs: ['op', 'p0', 'p1']},
  /** y = a op b over `shape`, operands read through their strides (0 where broadcast). */
  Binary: {id: 10, inputs: ['a', 'b'], outputs: ['y'], attrs: ['op', 'rank'], tail: 'shapeThenStrides'},
  /** Reduces the middle axis of [outer, n, inner]. */
  Reduce: {id: 11, inputs: ['x'], outputs: ['y'], attrs: ['op', 'outer', 'n', 'inner']},
  Softmax: {id: 12, inputs: ['x'], outputs: ['y'], attrs: ['log', 'outer', 'n', 'inner']},
  /** y[m, n] = act(x[m, k] @ kernel[k, n] + bias[n]). */
  FusedDense: {id: 13, inputs: ['x', 'kernel', 'bias'], outputs: ['y'], attrs: ['m', 'k', 'n', 'activation']},
  FusedConv2D: {id: 14, inputs: ['x', 'filter', 'bias'], outputs: ['y'], attrs: [...CONV, 'activation']},
  /** dz = dy * f'(x), from y = f(x). */
  ActivationGrad: {id: 15, inputs: ['dy', 'y'], outputs: ['dz'], attrs: ['activation']},
  /** y's axis d is x's axis perm[d]. */
  Transpose: {id: 18, inputs: ['x'], outputs: ['y'], attrs: ['rank'], tail: 'shapeThenPerm'},
  /** y[i] = 1 when uniform i of the Philox stream under (key0, key1) < keepProb, else 0. */
  BernoulliMask: {id: 19, inputs: [], outputs: ['y'], attrs: ['n', 'keepProb', 'key0', 'key1', 'stream', 'scale']},
  /** Rule (OptimizerRule) with p0..p3; w' may be w and slots'[k] slots[k] (in place). */
  OptimizerUpdate: {
    id: 20, inputs: ['variable', 'gradient', 'slots[]'], outputs: ['newVariable', 'newSlots[]'],
    attrs: ['rule', 'n', 'p0', 'p1', 'p2', 'p3'],
  },
  LSTMStepGrad: {id: 21, inputs: ['dh', 'dc', 'dGates', 'gates', 'cNew', 'c'], outputs: ['da', 'dcPrev'], attrs: ['batch', 'units']},
  GRUStepGrad: {id: 22, inputs: ['dh', 'dReserve', 'reserve', 'h'], outputs: ['dz', 'dm', 'dhDirect'], attrs: ['batch', 'units']},
  /** x [outer, n, inner] -> y [outer, m, inner]; indices: m int32 (their bits in a float buffer). */
  Gather: {id: 23, inputs: ['x', 'indices'], outputs: ['y'], attrs: ['outer', 'n', 'inner', 'm']},
  ScatterAdd: {id: 24, inputs: ['indices', 'updates'], outputs: ['y'], attrs: ['outer', 'n', 'inner', 'm']},
  /** Pieces side by side into columns offset.. of y [outer, rowTotal]; rows: each piece's row length. */
  Concat: {id: 25, inputs: ['xs[]'], outputs: ['y'], attrs: JOIN, tail: 'rows', readsOutputs: true},
  Split: {id: 26, inputs: ['x'], outputs: ['ys[]'], attrs: JOIN, tail: 'rows', readsOutputs: true},
  /** keepReserve 0: gates, cs, hs are empty (inference) and not written; returnSequences 0: y so; the other outputs the same. */
  LSTMSequence: {
    id: 27, inputs: ['z', 'h0', 'c0', 'recurrentKernel', 'mask?', 'recurrentMask?'],
    outputs: ['y', 'h', 'c', 'gates', 'cs', 'hs'], attrs: [...SEQUENCE, 'hasRecurrentMask', 'keepReserve', 'returnSequences'],
  },
  LSTMSequenceGrad: {
    id: 28,
    inputs: ['dy', 'dh', 'dc', 'dGates', 'dCs', 'dHs', 'gates', 'cs', 'hs', 'h0', 'c0', 'recurrentKernel', 'mask?', 'recurrentMask?'],
    outputs: ['dz', 'dh0', 'dc0', 'dRecurrentKernel'], attrs: [...SEQUENCE, 'hasRecurrentMask'],
  },
  GRUSequence: {
    id: 29, inputs: ['z', 'h0', 'recurrentKernel', 'recurrentBias', 'mask?'], outputs: ['y', 'h', 'reserve', 'hs'],
    attrs: [...SEQUENCE, 'keepReserve', 'returnSequences'],
  },
  GRUSequenceGrad: {
    id: 30, inputs: ['dy', 'dh', 'dReserve', 'dHs', 'reserve', 'hs', 'h0', 'recurrentKernel', 'mask?'],
    outputs: ['dz', 'dh0', 'dRecurrentKernel', 'dRecurrentBias'], attrs: SEQUENCE,
  },
  /**
   * Attention over query [batch, tq, heads, headDim], key [batch, tk, kvHeads, headDim], value
   * [batch, tk, kvHeads, valueDim], mask (0 = masked) read at maskB * b + maskN * n + maskT * t +
   * maskS * s; y [batch, tq, heads, valueDim], lse [batch, heads, tq]. scale: any finite number.
   */
  DotProductAttention: {
    id: 90, inputs: ['query', 'key', 'value', 'mask?'], outputs: ['y', 'lse'], attrs: ATTENTION,
  },
  /** MaxPoolGrad, then ActivationGrad relu at x (x: a relu's output), in one pass. */
  MaxPoolGradRelu: {id: 120, inputs: ['x', 'dy'], outputs: ['dx'], attrs: POOL},
  /** Conv2DBackpropInput, then ActivationGrad relu at y (the input, a relu's output), image by image. */
  Conv2DBackpropInputRelu: {id: 121, inputs: ['dy', 'filter', 'y'], outputs: ['dx'], attrs: CONV},
  /** FusedConv2D, then MaxPool of its output y into pooled [n, poh, pow, cout] (ph x pw windows, strides psh, psw). */
  FusedConv2DMaxPool: {
    id: 122, inputs: ['x', 'filter', 'bias'], outputs: ['y', 'pooled'],
    attrs: [...CONV, 'activation', 'poh', 'pow', 'ph', 'pw', 'psh', 'psw', 'pPadTop', 'pPadLeft'],
  },
  /** Crossentropy from probabilities over rows of n: target, output [rows, n] -> loss [rows]; clipped to [epsilon, 1 - epsilon]. */
  CategoricalCrossentropyProbs: {id: 140, inputs: ['target', 'output'], outputs: ['loss'], attrs: ['rows', 'n', 'epsilon']},
  /** Its gradient weighted by dy [rows], through the softmax that made output: dx [rows, n]. */
  SoftmaxCrossentropyGrad: {id: 141, inputs: ['target', 'output', 'dy'], outputs: ['dx'], attrs: ['rows', 'n', 'epsilon']},
  /** dz = (y > 0 ? a * b : 0) [rows, n], db [n] its sum over the rows. */
  MulReluGradSum: {id: 142, inputs: ['a', 'b', 'y'], outputs: ['dz', 'db'], attrs: ['rows', 'n']},
  /** match[r] = 1 where the first maximum (a NaN counts as one) of a's row r and of b's are at one index, else 0; rows of n. */
  ArgMaxMatch: {id: 143, inputs: ['a', 'b'], outputs: ['match'], attrs: ['rows', 'n']},
  /** BernoulliMask into mask, and y = x * mask, in one pass (dropout's draw and product: a plan's fusion). */
  BernoulliMaskMul: {id: 144, inputs: ['x'], outputs: ['y', 'mask'], attrs: ['n', 'keepProb', 'key0', 'key1', 'stream', 'scale']},
  /**
   * A Dense kernel [k, n] packed once into the GEMM's panel layout for many products (a model's weights
   * at inference): packed holds at least packedDenseFloats(k, n) floats.
   */
  PackDenseKernel: {id: 130, inputs: ['kernel'], outputs: ['packed'], attrs: ['k', 'n']},
  /** FusedDense with the kernel from PackDenseKernel: the same sums, no packing per call. */
  FusedDensePacked: {id: 131, inputs: ['x', 'packed', 'bias'], outputs: ['y'], attrs: ['m', 'k', 'n', 'activation']},
  /** FusedConv2DMaxPool's pooled output alone (its y read by nothing else: inference), y never stored. */
  FusedConv2DPool: {
    id: 132, inputs: ['x', 'filter', 'bias'], outputs: ['pooled'],
    attrs: [...CONV, 'activation', 'poh', 'pow', 'ph', 'pw', 'psh', 'psw', 'pPadTop', 'pPadLeft'],
  },
  /**
   * FusedConv2DPool of the output of a FusedConv2D before it (x -> filter0, bias0, activation -> filter,
   * bias, activation2 -> pooled), neither convolution's output stored (inference). The second
   * convolution's n, h, w, cin are the first's n, oh, ow, cout; its other geometry ends in 2.
   */
  FusedConv2DPairPool: {
    id: 133, inputs: ['x', 'filter0', 'bias0', 'filter', 'bias'], outputs: ['pooled'],
    attrs: [
      ...CONV, 'activation', 'oh2', 'ow2', 'cout2', 'kh2', 'kw2', 'sh2', 'sw2', 'dh2', 'dw2', 'padTop2', 'padLeft2', 'activation2',
      'poh', 'pow', 'ph', 'pw', 'psh', 'psw', 'pPadTop', 'pPadLeft',
    ],
  },
  DotProductAttentionGrad: {
    id: 91, inputs: ['dy', 'dLse', 'query', 'key', 'value', 'y', 'lse', 'mask?'], outputs: ['dQuery', 'dKey', 'dValue'],
    attrs: ATTENTION,
  },
} as const satisfies Record<string, KernelAbiRow>;

export type CompiledKernel = keyof typeof KERNEL_ABI;

/** A kernel's attributes by name, as its row lists them. */
export type AttrsOf<K extends CompiledKernel> = {readonly [A in (typeof KERNEL_ABI)[K]['attrs'][number]]: number};

/** The attribute array of kernel `k`: named attributes in the row's order, then the tail. */
export function packAttrs<K extends CompiledKernel>(k: K, attrs: AttrsOf<K>, tail: readonly number[] = []): Float64Array {
  const row: KernelAbiRow = KERNEL_ABI[k];
  const out = new Float64Array(row.attrs.length + tail.length);
  const named = attrs as Readonly<Record<string, number>>;
  row.attrs.forEach((name, i) => {
    out[i] = named[name]!;
  });
  out.set(tail, row.attrs.length);
  return out;
}

const byId = new Map<number, KernelAbiRow>(Object.values(KERNEL_ABI).map((r: KernelAbiRow) => [r.id, r]));

/**
 * The position of the first output buffer of a call with `nbufs` buffers: the outputs come last, and
 * where both lists hold a run (OptimizerUpdate's slots) the two runs have one length.
 */
export function firstOutputBuffer(id: number, nbufs: number): number {
  const row = byId.get(id);
  if (!row) return 0;
  const run = (l: readonly string[]) => l.some((b) => b.endsWith('[]'));
  if (!run(row.outputs)) return nbufs - row.outputs.length;
  if (!run(row.inputs)) return row.inputs.filter((b) => !b.endsWith('?')).length;
  const fixedIn = row.inputs.length - 1, fixedOut = row.outputs.length - 1;
  return fixedIn + (nbufs - fixedIn - fixedOut) / 2;
}

/** Whether a call of kernel `id` with `attrs` may read its outputs' prior contents (see `readsOutputs`). */
export function readsOutputs(id: number, attrs: Float64Array): boolean {
  const row = byId.get(id);
  if (!row || row.readsOutputs === undefined) return row === undefined;
  if (row.readsOutputs === true) return true;
  return attrs[row.attrs.indexOf(row.readsOutputs)] !== 0;
}

/** Kernel ids by name. */
export const KernelId = Object.fromEntries(Object.entries(KERNEL_ABI).map(([k, r]) => [k, r.id])) as {
  readonly [K in CompiledKernel]: (typeof KERNEL_ABI)[K]['id'];
};

/** Update rules of `OptimizerUpdate` (`kt_optimizer_rule`). */
export const OptimizerRule = {SGD: 0, RMSprop: 1, Adam: 2, Adadelta: 3} as const;

/** Activations of the fused kernels (`kt_activation`). */
export const Activation = {linear: 0, relu: 1, sigmoid: 2, tanh: 3} as const;

export const UnaryOp = {
  Neg: 0, Abs: 1, Square: 2, Sqrt: 3, Rsqrt: 4, Reciprocal: 5, Exp: 6, Log: 7, Tanh: 8, Sigmoid: 9,
  Relu: 10, LeakyRelu: 11, Elu: 12, Softplus: 13, Softsign: 14, Clip: 15,
} as const;

export const BinaryOp = {Add: 0, Sub: 1, Mul: 2, Div: 3, Maximum: 4, Minimum: 5} as const;

export const ReduceOp = {Sum: 0, Mean: 1, Max: 2, Min: 3} as const;

/** The op-code enums the C++ side declares too (generated into keras_abi.h with the kernels). */
export const ABI_ENUMS = {
  kt_activation: {prefix: 'KT_ACT_', values: Activation},
  kt_optimizer_rule: {prefix: 'KT_OPT_', values: OptimizerRule},
  kt_unary_op: {prefix: 'KT_U_', values: UnaryOp},
  kt_binary_op: {prefix: 'KT_B_', values: BinaryOp},
  kt_reduce_op: {prefix: 'KT_R_', values: ReduceOp},
} as const;

/** What a compiled kernel module exports: the addon (native/node/addon.c) or the WebAssembly module. */
export interface NativeAddon {
  /** Runs kernel `id` on float32 buffers; throws an Error naming the kernel on bad input. */
  run(id: number, buffers: Float32Array[], attrs: Float64Array): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  defaultNumThreads(): number;
  /** The instruction set picked at run time: `avx512`, `avx2`, `neon`, `scalar`, `wasm-simd128`, ... */
  isa(): string;
  /** Testing: switch to a lower instruction set; false when the CPU lacks it. */
  forceIsa(name: string): boolean;
  /** The addon's: a zeroed Float32Array of `length` floats whose first element is 64-byte aligned. */
  allocateAligned?(length: number): Float32Array;
  /** The addon's: the address of `array`'s first element modulo 64 (tests and benchmarks). */
  byteAlignment?(array: ArrayBufferView): number;
}
