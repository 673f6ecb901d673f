// WebAssembly SIMD128 kernels (built only by scripts/build-wasm.mjs). The same file is compiled twice:
// with -msimd128 (name "wasm-simd128") and with -mrelaxed-simd added (name "wasm-relaxed-simd"), where
// the GEMM microkernel uses the fused multiply-add of relaxed SIMD; the JS side instantiates the
// relaxed build when the engine validates it (WebAssembly.validate), else the SIMD128 one.
#if defined(__wasm__)
#include <wasm_simd128.h>
#include "../include/keras_native.h"
#include "isa.h"

namespace kt {
namespace {

#include "elementwise_impl.inc"
#include "philox_impl.inc"
#include "pool_impl.inc"

// 4 x 16 tile: 16 v128 accumulators, four of B, A broadcast (V8 keeps them in the 16 xmm registers
// of x86-64 without spilling the accumulators).
constexpr int MR = 4, NR = 16;

KT_INLINE v128_t madd(v128_t a, v128_t b, v128_t c) {
#if defined(__wasm_relaxed_simd__)
  return wasm_f32x4_relaxed_madd(a, b, c);
#else
  return wasm_f32x4_add(wasm_f32x4_mul(a, b), c);
#endif
}

void gemm_ukernel(long kc, const float* __restrict a, const float* __restrict b, float* __restrict c, long ldc,
                  int accumulate) {
  v128_t acc[MR][4];
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = wasm_f32x4_splat(0.0f);
  for (long k = 0; k < kc; k++) {
    const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4), b2 = wasm_v128_load(b + 8),
                 b3 = wasm_v128_load(b + 12);
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
      const v128_t ai = wasm_v128_load32_splat(a + i);
      acc[i][0] = madd(ai, b0, acc[i][0]);
      acc[i][1] = madd(ai, b1, acc[i][1]);
      acc[i][2] = madd(ai, b2, acc[i][2]);
      acc[i][3] = madd(ai, b3, acc[i][3]);
    }
    a += MR;
    b += NR;
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < MR; i++) {
    float* ci = c + i * ldc;
    for (int j = 0; j < 4; j++) {
      v128_t v = acc[i][j];
      if (accumulate) v = wasm_f32x4_add(v, wasm_v128_load(ci + 4 * j));
      wasm_v128_store(ci + 4 * j, v);
    }
  }
}

}  // namespace

const Isa isa_wasm = {
#if defined(__wasm_relaxed_simd__)
    "wasm-relaxed-simd",
#else
    "wasm-simd128",
#endif
    MR, NR, gemm_ukernel, unary_impl, binary_impl,
    reduce_rows_impl, reduce_accumulate_impl, softmax_rows_impl,
    bias_act_impl, act_grad_impl, lstm_cell_impl, gru_cell_impl,
    lstm_cell_grad_impl, gru_cell_grad_impl, philox_mask_impl,
    maxpool_impl, maxpool_grad_impl, avgpool_impl, avgpool_grad_impl};

}  // namespace kt
#endif
