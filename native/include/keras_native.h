/*
 * keras-ts native kernels: the C ABI.
 *
 * Plain C/C++ with no Node (or any runtime) types, so that the same sources can be compiled to
 * WebAssembly later. One generic entry, kt_run(): a kernel id, a list of float32 buffers with their
 * lengths, and a list of numeric attributes. Every kernel checks that the buffers are long enough for
 * the sizes its attributes imply before touching memory (the TypeScript side validates first; this is
 * the second line of defence), so no attribute can make a kernel read or write out of bounds.
 */
#ifndef KERAS_NATIVE_H
#define KERAS_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kernel ids. The attribute layout of each is documented in native/src/dispatch.cpp and mirrored in
 * src/backends/native/abi.ts. Append only: ids are part of the ABI between the addon and TypeScript. */
enum kt_kernel {
  KT_GEMM = 1,
  KT_CONV2D = 2,
  KT_CONV2D_BACKPROP_INPUT = 3,
  KT_CONV2D_BACKPROP_FILTER = 4,
  KT_MAXPOOL = 5,
  KT_MAXPOOL_GRAD = 6,
  KT_AVGPOOL = 7,
  KT_AVGPOOL_GRAD = 8,
  KT_UNARY = 9,
  KT_BINARY = 10,
  KT_REDUCE = 11,
  KT_SOFTMAX = 12,
  KT_FUSED_DENSE = 13,
  KT_FUSED_CONV2D = 14,
  KT_ACT_GRAD = 15,
  KT_LSTM_STEP = 16,
  KT_GRU_STEP = 17,
  KT_TRANSPOSE = 18,
  KT_BERNOULLI_MASK = 19,
  KT_OPTIMIZER_UPDATE = 20,
  KT_LSTM_STEP_GRAD = 21,
  KT_GRU_STEP_GRAD = 22,
  KT_GATHER = 23,
  KT_SCATTER_ADD = 24,
  KT_CONCAT = 25,
  KT_SPLIT = 26,
  KT_LSTM_SEQUENCE = 27,
  KT_LSTM_SEQUENCE_GRAD = 28,
  KT_GRU_SEQUENCE = 29,
  KT_GRU_SEQUENCE_GRAD = 30
};

/* Activations of the fused kernels (KT_FUSED_DENSE, KT_FUSED_CONV2D, KT_ACT_GRAD). */
enum kt_activation { KT_ACT_LINEAR = 0, KT_ACT_RELU, KT_ACT_SIGMOID, KT_ACT_TANH, KT_ACT_COUNT };

/* Update rules of KT_OPTIMIZER_UPDATE (attribute 0). */
enum kt_optimizer_rule { KT_OPT_SGD = 0, KT_OPT_RMSPROP, KT_OPT_ADAM, KT_OPT_ADADELTA, KT_OPT_COUNT };

/* Unary op codes (attribute 0 of KT_UNARY). */
enum kt_unary_op {
  KT_U_NEG = 0, KT_U_ABS, KT_U_SQUARE, KT_U_SQRT, KT_U_RSQRT, KT_U_RECIPROCAL,
  KT_U_EXP, KT_U_LOG, KT_U_TANH, KT_U_SIGMOID, KT_U_RELU, KT_U_LEAKY_RELU, KT_U_ELU,
  KT_U_SOFTPLUS, KT_U_SOFTSIGN, KT_U_CLIP, KT_U_COUNT
};

/* Binary op codes (attribute 0 of KT_BINARY). */
enum kt_binary_op { KT_B_ADD = 0, KT_B_SUB, KT_B_MUL, KT_B_DIV, KT_B_MAX, KT_B_MIN, KT_B_COUNT };

/* Reduction op codes (attribute 0 of KT_REDUCE). */
enum kt_reduce_op { KT_R_SUM = 0, KT_R_MEAN, KT_R_MAX, KT_R_MIN, KT_R_COUNT };

/*
 * Runs kernel `kernel` on `nbufs` float32 buffers (bufs[i] holds lens[i] floats) with `nattrs`
 * attributes. Returns 0 on success; otherwise writes a one-line reason into err (errlen bytes,
 * NUL-terminated) and returns a non-zero code. Never reads or writes outside the given lengths.
 */
int kt_run(int kernel, float* const* bufs, const int64_t* lens, int nbufs,
           const double* attrs, int nattrs, char* err, size_t errlen);

/* Threads of the persistent pool (>= 1). kt_set_num_threads(0) returns to the default: the
 * KERAS_NUM_THREADS environment variable, else the number of physical cores this process may use. */
void kt_set_num_threads(int n);
int kt_get_num_threads(void);
int kt_default_num_threads(void);

/* The instruction set chosen at run time: "avx512", "avx2", "neon" or "scalar". */
const char* kt_isa_name(void);

/* Forces a lower instruction set for testing ("avx2", "scalar", ...). Returns 0 if that set is
 * available on this CPU and now active, non-zero otherwise (the current one stays). */
int kt_force_isa(const char* name);

#ifdef __cplusplus
}
#endif

#endif
