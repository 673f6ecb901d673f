// NEON kernels for arm64 (NEON is part of the AArch64 baseline: no flags, no run-time check).
#if defined(__aarch64__)
#include <arm_neon.h>
#include "../include/keras_native.h"
#include "isa.h"

namespace kt {
namespace {

#include "elementwise_impl.inc"
#include "philox_impl.inc"
#include "pool_impl.inc"

constexpr int MR = 8, NR = 12;

// 8 x 12 tile: 24 q-register accumulators, three of B, two of A used by lane.
void gemm_ukernel(long kc, const float* __restrict a, const float* __restrict b, float* __restrict c, long ldc,
                  int accumulate) {
  float32x4_t acc[MR][3];
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = acc[i][2] = vdupq_n_f32(0.0f);
  for (long k = 0; k < kc; k++) {
    float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
    float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
#define KT_ROW(I, AV, L)                                 \
    acc[I][0] = vfmaq_laneq_f32(acc[I][0], b0, AV, L);   \
    acc[I][1] = vfmaq_laneq_f32(acc[I][1], b1, AV, L);   \
    acc[I][2] = vfmaq_laneq_f32(acc[I][2], b2, AV, L);
    KT_ROW(0, a0, 0) KT_ROW(1, a0, 1) KT_ROW(2, a0, 2) KT_ROW(3, a0, 3)
    KT_ROW(4, a1, 0) KT_ROW(5, a1, 1) KT_ROW(6, a1, 2) KT_ROW(7, a1, 3)
#undef KT_ROW
    a += MR;
    b += NR;
  }
  for (int i = 0; i < MR; i++) {
    float* ci = c + i * ldc;
    for (int j = 0; j < 3; j++) {
      float32x4_t v = acc[i][j];
      if (accumulate) v = vaddq_f32(v, vld1q_f32(ci + 4 * j));
      vst1q_f32(ci + 4 * j, v);
    }
  }
}

}  // namespace

const Isa isa_neon = {"neon", MR, NR, gemm_ukernel, unary_impl, binary_impl,
                      reduce_rows_impl, reduce_accumulate_impl, softmax_rows_impl,
                        bias_act_impl, act_grad_impl, lstm_cell_impl, gru_cell_impl,
                        lstm_cell_grad_impl, gru_cell_grad_impl, philox_mask_impl,
                        maxpool_impl, maxpool_grad_impl, avgpool_impl, avgpool_grad_impl};

}  // namespace kt
#endif
