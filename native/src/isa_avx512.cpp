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

// M x (16 NV) tile with A read where it lies (no packed copy): A(i, k) = a[i * lda + k] (ROWS: a
// row-major A) or a[k * lda + i] (a packed panel, lda = MR, or a transposed row-major matrix). B is a
// packed panel (kc x NR). Only the first nr columns of C are read and written (masked), so partial
// tiles need no staging copy; M < MR rows are a smaller instance of the same loop.
//
// PACK: B is read from its source instead, row k at bsrc + k * brs (nr columns, contiguous), and the
// packed panel written to b as it goes (zero padded): the first row block of a product packs B while
// it computes, instead of a separate pass over B.
//
// Segments: k runs over nseg segments, segment s starting at a + seg[s] (seg null: one at a). ROWS:
// each kc steps long, A(i, s kc + k) = a[seg[s] + i * lda + k] (a convolution's taps: pixel i of an
// output row at i * lda, lda = stride x channels, tap s at its offset, kc its channels). k-major:
// seglen[s] steps long (null: kc), A(i, k) = a[seg[s] + q * lda + i] at step q of segment s (filter
// rows over runs of pixels within output rows).
// One k step's row of B: PACK reads it from bsrc (its columns masked to nr), stores it into the packed
// panel b and moves bsrc on by brs; otherwise it is read from the panel. The next rows are prefetched.
template <int NV, bool PACK>
__attribute__((always_inline)) inline void b_step(__m512* bv, float* __restrict b, const float* __restrict& bsrc, long brs,
                                                  const __mmask16* mask) {
  if (PACK) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) {
      bv[v] = _mm512_maskz_loadu_ps(mask[v], bsrc + 16 * v);
      _mm512_store_ps(b + 16 * v, bv[v]);
    }
    if (NV == 1) _mm512_store_ps(b + 16, _mm512_setzero_ps());
    _mm_prefetch((const char*)(bsrc + 8 * brs), _MM_HINT_T0);
    bsrc += brs;
  } else {
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) bv[v] = _mm512_load_ps(b + 16 * v);
    _mm_prefetch((const char*)(b + 8 * NR), _MM_HINT_T0);
    if (NV == 2) _mm_prefetch((const char*)(b + 8 * NR + 16), _MM_HINT_T0);
  }
}

// kc k steps of a row-major A, A(i, k) = a[i * lda + k], added into the accumulators in k order; b (and
// bsrc when PACK) move on past them
template <int M, int NV, bool PACK>
__attribute__((always_inline)) inline void rows_block(__m512 (&acc)[M][NV], long kc, const float* __restrict a, long lda,
                                                      float* __restrict& b, const float* __restrict& bsrc, long brs,
                                                      const __mmask16* mask) {
  // four row bases, rows 3q + {0, 1, 2} at +0, +lda, +2 lda: the addressing modes x86 has
  const float* a0 = a;
  const float* a1 = a0 + 3 * lda;
  const float* a2 = a0 + 6 * lda;
  const float* a3 = a0 + 9 * lda;
  for (long k = 0; k < kc; k++) {
    __m512 bv[NV];
    b_step<NV, PACK>(bv, b, bsrc, brs, mask);
#pragma GCC unroll 12
    for (int i = 0; i < M; i++) {
      const float* base = i < 3 ? a0 : i < 6 ? a1 : i < 9 ? a2 : a3;
      const __m512 ai = _mm512_set1_ps(base[(i % 3) * lda + k]);
#pragma GCC unroll 2
      for (int v = 0; v < NV; v++) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
    b += NR;
  }
}

// the columns of a tile with nr of its 16 NV columns in C
template <int NV>
__attribute__((always_inline)) inline void column_masks(__mmask16* mask, long nr) {
#pragma GCC unroll 2
  for (int v = 0; v < NV; v++) {
    const long cols = nr - 16 * v;
    mask[v] = cols >= 16 ? (__mmask16)0xffff : cols <= 0 ? (__mmask16)0 : (__mmask16)((1u << cols) - 1);
  }
}

// C's tile is written at the end: fetched now, a cold output (a fresh buffer, a convolution's output
// streaming to memory) arrives while the tile computes instead of stalling the stores
template <int M, int NV>
__attribute__((always_inline)) inline void prefetch_tile(const float* c, long ldc) {
#pragma GCC unroll 12
  for (int i = 0; i < M; i++) {
    _mm_prefetch((const char*)(c + i * ldc), _MM_HINT_T0);
    if (NV == 2) _mm_prefetch((const char*)(c + i * ldc + 16), _MM_HINT_T0);
  }
}

// the tile's sums r stored (C's values added first when accumulate) with the epilogue: bias (may be
// null) and act (KT_ACT_LINEAR or KT_ACT_RELU) applied as bias_act would apply them to the stored tile
// (the same operations on the same floats). Row by row, each row read just before it is written: a
// convolution's input gradient sums its taps through tile rows that overlap in C (ldc < nr)
template <int M, int NV>
__attribute__((always_inline)) inline void store_tile(__m512 (&r)[M][NV], float* __restrict c, long ldc,
                                                      const __mmask16* mask, int accumulate,
                                                      const float* __restrict bias, int act) {
  __m512 bv[NV];
#pragma GCC unroll 2
  for (int v = 0; v < NV; v++) bv[v] = bias ? _mm512_maskz_loadu_ps(mask[v], bias + 16 * v) : _mm512_setzero_ps();
  const bool relu = act == KT_ACT_RELU;
#pragma GCC unroll 12
  for (int i = 0; i < M; i++) {
    float* ci = c + i * ldc;
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) {
      __m512 x = r[i][v];
      if (accumulate) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask[v], ci + 16 * v));
      if (bias) x = _mm512_add_ps(x, bv[v]);
      // v > 0 ? v : +0, as bias_act (NaN and -0 to +0)
      if (relu) x = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ), x);
      _mm512_mask_storeu_ps(ci + 16 * v, mask[v], x);
    }
  }
}

// bias (may be null) and act (KT_ACT_LINEAR or KT_ACT_RELU): the GEMM epilogue applied as the tile is
// stored (store_tile)
template <int M, int NV, bool ROWS, bool PACK>
void ukernel_ax(long kc, const float* __restrict a, long lda, float* __restrict b, float* __restrict c, long ldc,
                int accumulate, long nr, const float* __restrict bsrc, long brs, long nseg, const long* seg,
                const long* seglen, const float* __restrict bias, int act) {
  __mmask16 mask[NV];
  column_masks<NV>(mask, nr);
  prefetch_tile<M, NV>(c, ldc);
  __m512 acc[M][NV];
#pragma GCC unroll 12
  for (int i = 0; i < M; i++)
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_ps();
  if (ROWS) {
    for (long sg = 0; sg < nseg; sg++) rows_block<M, NV, PACK>(acc, kc, a + (seg ? seg[sg] : 0), lda, b, bsrc, brs, mask);
  } else {
   for (long sg = 0; sg < nseg; sg++) {
    const float* ak = a + (seg ? seg[sg] : 0);
    const long len = seglen ? seglen[sg] : kc;
    for (long k = 0; k < len; k++) {
      __m512 bv[NV];
      b_step<NV, PACK>(bv, b, bsrc, brs, mask);
#pragma GCC unroll 12
      for (int i = 0; i < M; i++) {
        const __m512 ai = _mm512_set1_ps(ak[i]);
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
      }
      ak += lda;
      b += NR;
    }
   }
  }
  store_tile<M, NV>(acc, c, ldc, mask, accumulate, bias, act);
}

// A row-major tile over all k steps of B's packed panel, summed in blocks of kc steps (the last one
// shorter when kc does not divide k): each block's sum starts from zero in the accumulators and is
// added to the tile's running value, kept on the stack, so C is stored once, with the epilogue, instead
// of stored and read back after every block, with the same sums in the same order as one ukernel_ax
// call per block. C's rows may not overlap (accumulate reads all of them before any is written).
template <int M, int NV>
void ukernel_ax_kblocks(long k, long kc, const float* __restrict a, long lda, const float* __restrict b,
                        float* __restrict c, long ldc, int accumulate, long nr, const float* __restrict bias, int act) {
  __mmask16 mask[NV];
  column_masks<NV>(mask, nr);
  prefetch_tile<M, NV>(c, ldc);
  __m512 sum[M][NV], acc[M][NV];
  float* __restrict bp = const_cast<float*>(b);
  const float* __restrict none = nullptr;
  for (long pc = 0; pc < k; pc += kc) {
#pragma GCC unroll 12
    for (int i = 0; i < M; i++)
#pragma GCC unroll 2
      for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_ps();
    rows_block<M, NV, false>(acc, k - pc < kc ? k - pc : kc, a + pc, lda, bp, none, 0, mask);
#pragma GCC unroll 12
    for (int i = 0; i < M; i++)
#pragma GCC unroll 2
      for (int v = 0; v < NV; v++)
        sum[i][v] = pc > 0 ? _mm512_add_ps(acc[i][v], sum[i][v])
                    : accumulate ? _mm512_add_ps(acc[i][v], _mm512_maskz_loadu_ps(mask[v], c + i * ldc + 16 * v))
                                 : acc[i][v];
  }
  store_tile<M, NV>(sum, c, ldc, mask, 0, bias, act);
}

using UkernelKblocks = void (*)(long, long, const float*, long, const float*, float*, long, int, long, const float*, int);

template <int NV, int... Ms>
constexpr void fill_kblocks(UkernelKblocks* t) {
  ((t[Ms] = ukernel_ax_kblocks<Ms, NV>), ...);
}

struct KblocksTable {
  UkernelKblocks k[2][MR + 1];  // [NV - 1][rows]
  constexpr KblocksTable() : k{} {
    fill_kblocks<1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>(k[0]);
    fill_kblocks<2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>(k[1]);
  }
};
constexpr KblocksTable kKblocks;

void gemm_ukernel_ax_kblocks(long k, long kc, const float* a, long lda, const float* b, float* c, long ldc,
                             int accumulate, long mr, long nr, const float* bias, int act) {
  kKblocks.k[nr > 16][mr](k, kc, a, lda, b, c, ldc, accumulate, nr, bias, act);
}

using UkernelAx = void (*)(long, const float*, long, float*, float*, long, int, long, const float*, long, long,
                          const long*, const long*, const float*, int);

template <int NV, bool ROWS, bool PACK, int... Ms>
constexpr void fill_ax(UkernelAx* t) {
  ((t[Ms] = ukernel_ax<Ms, NV, ROWS, PACK>), ...);
}

struct AxTable {
  UkernelAx k[2][2][2][MR + 1];  // [PACK][ROWS][NV - 1][rows]
  constexpr AxTable() : k{} {
    fill_ax<1, false, false, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>(k[0][0][0]);
    fill_ax<2, false, false, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>(k[0][0][1]);
    fill_ax<1, true, false, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>(k[0][1][0]);
    fill_ax<2, true, false, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>(k[0][1][1]);
    fill_ax<1, false, true, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>(k[1][0][0]);
    fill_ax<2, false, true, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>(k[1][0][1]);
    fill_ax<1, true, true, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>(k[1][1][0]);
    fill_ax<2, true, true, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>(k[1][1][1]);
  }
};
constexpr AxTable kAx;

void gemm_ukernel_ax(long kc, const float* a, long ars, long acs, const float* b, float* c, long ldc, int accumulate,
                     long mr, long nr) {
  const bool rows = acs == 1 && ars != 1;
  kAx.k[0][rows][nr > 16][mr](kc, a, rows ? ars : acs, const_cast<float*>(b), c, ldc, accumulate, nr, nullptr, 0, 1,
                              nullptr, nullptr, nullptr, KT_ACT_LINEAR);
}

void gemm_ukernel_ax_ep(long kc, const float* a, long ars, long acs, const float* b, float* c, long ldc, int accumulate,
                        long mr, long nr, const float* bias, int act) {
  const bool rows = acs == 1 && ars != 1;
  kAx.k[0][rows][nr > 16][mr](kc, a, rows ? ars : acs, const_cast<float*>(b), c, ldc, accumulate, nr, nullptr, 0, 1,
                              nullptr, nullptr, bias, act);
}

void gemm_ukernel_ax_pack(long kc, const float* a, long ars, long acs, const float* bsrc, long brs, float* b, float* c,
                          long ldc, int accumulate, long mr, long nr) {
  const bool rows = acs == 1 && ars != 1;
  kAx.k[1][rows][nr > 16][mr](kc, a, rows ? ars : acs, b, c, ldc, accumulate, nr, bsrc, brs, 1, nullptr, nullptr, nullptr,
                              KT_ACT_LINEAR);
}

void conv_ukernel_ax(long nseg, const long* seg, long kc, const float* a, long lda, const float* b, float* c, long ldc,
                     int accumulate, long mr, long nr) {
  kAx.k[0][1][nr > 16][mr](kc, a, lda, const_cast<float*>(b), c, ldc, accumulate, nr, nullptr, 0, nseg, seg, nullptr,
                           nullptr, KT_ACT_LINEAR);
}

void conv_ukernel_ax_ep(long nseg, const long* seg, long kc, const float* a, long lda, const float* b, float* c, long ldc,
                        int accumulate, long mr, long nr, const float* bias, int act) {
  kAx.k[0][1][nr > 16][mr](kc, a, lda, const_cast<float*>(b), c, ldc, accumulate, nr, nullptr, 0, nseg, seg, nullptr, bias,
                           act);
}

void lstm_cell_z(float* __restrict gates, const float* __restrict z, long zs, const float* __restrict c,
                 float* __restrict h_out, float* __restrict c_out, long rows, long u) {
  for (long r = 0; r < rows; r++) {
    float* a = gates + r * 4 * u;
    const float* zr = z + r * zs;
    const float* cr = c + r * u;
    float* ho = h_out + r * u;
    float* co = c_out + r * u;
    long k;
    for (k = 0; k < 2 * u; k++) a[k] = v_sigmoid(a[k] + zr[k]);
    for (k = 2 * u; k < 3 * u; k++) a[k] = v_tanh(a[k] + zr[k]);
    for (k = 3 * u; k < 4 * u; k++) a[k] = v_sigmoid(a[k] + zr[k]);
    for (k = 0; k < u; k++) co[k] = a[u + k] * cr[k] + a[k] * a[2 * u + k];
    for (k = 0; k < u; k++) ho[k] = a[3 * u + k] * v_tanh(co[k]);
  }
}

void gemm_ukernel_kseg(long nseg, const long* seg, const long* seglen, const float* a, long lda, const float* b,
                       float* c, long ldc, int accumulate, long mr, long nr) {
  kAx.k[0][0][nr > 16][mr](0, a, lda, const_cast<float*>(b), c, ldc, accumulate, nr, nullptr, 0, nseg, seg, seglen,
                           nullptr, KT_ACT_LINEAR);
}

}  // namespace

const Isa isa_avx512 = {"avx512", MR, NR, gemm_ukernel, unary_impl, binary_impl,
                        reduce_rows_impl, reduce_accumulate_impl, softmax_rows_impl,
                        bias_act_impl, act_grad_impl, lstm_cell_impl, gru_cell_impl,
                        lstm_cell_grad_impl, gru_cell_grad_impl, philox_mask_impl,
                        maxpool_impl, maxpool_grad_impl, avgpool_impl, avgpool_grad_impl,
                        gemm_ukernel_ax, gemm_ukernel_ax_pack, conv_ukernel_ax,
                        lstm_cell_z, gemm_ukernel_kseg, gemm_ukernel_ax_ep, conv_ukernel_ax_ep,
                        gemm_ukernel_ax_kblocks};

}  // namespace kt
#endif
