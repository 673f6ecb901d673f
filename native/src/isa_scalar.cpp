// Portable kernels: plain C++ that the compiler vectorizes for the baseline of the target (SSE2 on
// x86-64, SIMD128 once compiled to WebAssembly). Used where no faster set is available.
#include "../include/keras_native.h"
#include "isa.h"

namespace kt {
namespace {

#include "elementwise_impl.inc"
#include "philox_impl.inc"
#include "pool_impl.inc"

constexpr int MR = 4, NR = 16;

void gemm_ukernel(long kc, const float* __restrict a, const float* __restrict b, float* __restrict c, long ldc,
                  int accumulate) {
  float acc[MR][NR];
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j++) acc[i][j] = 0.0f;
  for (long k = 0; k < kc; k++) {
    for (int i = 0; i < MR; i++) {
      float ai = a[i];
      for (int j = 0; j < NR; j++) acc[i][j] += ai * b[j];
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}

}  // namespace

const Isa isa_scalar = {"scalar", MR, NR, gemm_ukernel, unary_impl, binary_impl,
                        reduce_rows_impl, reduce_accumulate_impl, softmax_rows_impl,
                        bias_act_impl, act_grad_impl, lstm_cell_impl, gru_cell_impl,
                        lstm_cell_grad_impl, gru_cell_grad_impl, philox_mask_impl,
                        maxpool_impl, maxpool_grad_impl, avgpool_impl, avgpool_grad_impl};

}  // namespace kt
