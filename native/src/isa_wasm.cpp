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

// MR x (4 * NV) tile: MR * NV v128 accumulators, NV vectors of B, A broadcast; chosen to stay within
// the 16 xmm registers V8 allocates on x86-64 (BENCHMARKS.md: the tiles measured).
#ifndef KT_WASM_MR
#define KT_WASM_MR 4
#endif
#ifndef KT_WASM_NV
#define KT_WASM_NV 2
#endif
constexpr int MR = KT_WASM_MR, NV = KT_WASM_NV, NR = 4 * NV;

KT_INLINE v128_t madd(v128_t a, v128_t b, v128_t c) {
#if defined(__wasm_relaxed_simd__)
  return wasm_f32x4_relaxed_madd(a, b, c);
#else
  return wasm_f32x4_add(wasm_f32x4_mul(a, b), c);
#endif
}

void gemm_ukernel(long kc, const float* __restrict a, const float* __restrict b, float* __restrict c, long ldc,
                  int accumulate) {
  v128_t acc[MR][NV];
#pragma clang loop unroll(full)
  for (int i = 0; i < MR; i++)
#pragma clang loop unroll(full)
    for (int j = 0; j < NV; j++) acc[i][j] = wasm_f32x4_splat(0.0f);
  for (long k = 0; k < kc; k++) {
    v128_t bv[NV];
#pragma clang loop unroll(full)
    for (int j = 0; j < NV; j++) bv[j] = wasm_v128_load(b + 4 * j);
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
      const v128_t ai = wasm_v128_load32_splat(a + i);
#pragma clang loop unroll(full)
      for (int j = 0; j < NV; j++) acc[i][j] = madd(ai, bv[j], acc[i][j]);
    }
    a += MR;
    b += NR;
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < MR; i++) {
    float* ci = c + i * ldc;
#pragma clang loop unroll(full)
    for (int j = 0; j < NV; j++) {
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
