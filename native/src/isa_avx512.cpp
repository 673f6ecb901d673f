// AVX-512 (F, with FMA) kernels for x86-64. Compiled with -mavx512f -mavx512dq -mavx512bw -mavx512vl
// -mfma; only ever called after cpuid reports those (see cpu.cpp).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include "../include/keras_native.h"
#include "isa.h"

namespace kt {
namespace {

#include "elementwise_impl.inc"
#include "philox_impl.inc"
#include "pool_impl.inc"

constexpr int MR = 12, NR = 32;

// 12 x 32 tile: 24 zmm accumulators, two zmm of B per k step, A broadcast from memory.
void gemm_ukernel(long kc, const float* __restrict a, const float* __restrict b, float* __restrict c, long ldc,
                  int accumulate) {
  __m512 acc[MR][2];
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (long k = 0; k < kc; k++) {
    __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    _mm_prefetch((const char*)(b + 8 * NR), _MM_HINT_T0);
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) {
      __m512 ai = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) {
    float* ci = c + i * ldc;
    if (accumulate) {
      acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_loadu_ps(ci));
      acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_loadu_ps(ci + 16));
    }
    _mm512_storeu_ps(ci, acc[i][0]);
    _mm512_storeu_ps(ci + 16, acc[i][1]);
  }
}

}  // namespace

const Isa isa_avx512 = {"avx512", MR, NR, gemm_ukernel, unary_impl, binary_impl,
                        reduce_rows_impl, reduce_accumulate_impl, softmax_rows_impl,
                        bias_act_impl, act_grad_impl, lstm_cell_impl, gru_cell_impl,
                        lstm_cell_grad_impl, gru_cell_grad_impl, philox_mask_impl,
                        maxpool_impl, maxpool_grad_impl, avgpool_impl, avgpool_grad_impl};

}  // namespace kt
#endif
