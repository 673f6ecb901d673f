/**
 * The ABI between TypeScript and the addon: kernel ids and op codes, mirrored from
 * `native/include/keras_native.h` (append-only there and here).
 */
export const KernelId = {
  Gemm: 1,
  Conv2D: 2,
  Conv2DBackpropInput: 3,
  Conv2DBackpropFilter: 4,
  MaxPool: 5,
  MaxPoolGrad: 6,
  AvgPool: 7,
  AvgPoolGrad: 8,
  Unary: 9,
  Binary: 10,
  Reduce: 11,
  Softmax: 12,
  FusedDense: 13,
  FusedConv2D: 14,
  ActivationGrad: 15,
  LSTMStep: 16,
  GRUStep: 17,
  Transpose: 18,
  BernoulliMask: 19,
  OptimizerUpdate: 20,
  LSTMStepGrad: 21,
  GRUStepGrad: 22,
  Gather: 23,
  ScatterAdd: 24,
  Concat: 25,
  Split: 26,
  LSTMSequence: 27,
  LSTMSequenceGrad: 28,
  GRUSequence: 29,
  GRUSequenceGrad: 30,
} as const;

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

/** What the compiled addon exports (native/node/addon.c). */
export interface NativeAddon {
  /** Runs kernel `id` on float32 buffers, zero-copy; throws an Error naming the kernel on bad input. */
  run(id: number, buffers: Float32Array[], attrs: Float64Array): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  defaultNumThreads(): number;
  /** The instruction set picked at run time: `avx512`, `avx2`, `neon` or `scalar`. */
  isa(): string;
  /** Testing: switch to a lower instruction set; false when the CPU lacks it. */
  forceIsa(name: string): boolean;
}
