// AVX2 + FMA kernels for x86-64. Compiled with -mavx2 -mfma; only ever called after cpuid reports
// both (see cpu.cpp).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include "../include/keras_native.h"
#include "isa.h"

namespace kt {
namespace {

#include "elementwise_impl.inc"
#include "philox_impl.inc"
#include "pool_impl.inc"

constexpr int MR = 6, NR = 16;

// 6 x 16 tile: 12 ymm accumulators, two ymm of B per k step, A broadcast.
void gemm_ukernel(long kc, const float* __restrict a, const float* __restrict b, float* __restrict c, long ldc,
                  int accumulate) {
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (long k = 0; k < kc; k++) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < MR; i++) {
      __m256 ai = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
#pragma GCC unroll 6
  for (int i = 0; i < MR; i++) {
    float* ci = c + i * ldc;
    if (accumulate) {
      acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(ci));
      acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(ci + 8));
    }
    _mm256_storeu_ps(ci, acc[i][0]);
    _mm256_storeu_ps(ci + 8, acc[i][1]);
  }
}

}  // namespace

const Isa isa_avx2 = {"avx2", MR, NR, gemm_ukernel, unary_impl, binary_impl,
                      reduce_rows_impl, reduce_accumulate_impl, softmax_rows_impl,
                        bias_act_impl, act_grad_impl, lstm_cell_impl, gru_cell_impl,
                        lstm_cell_grad_impl, gru_cell_grad_impl, philox_mask_impl,
                        maxpool_impl, maxpool_grad_impl, avgpool_impl, avgpool_grad_impl};

}  // namespace kt
#endif
