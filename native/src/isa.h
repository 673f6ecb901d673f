// The per-instruction-set kernel table. Each isa_*.cpp file is compiled with its own target flags
// and fills one of these; cpu.cpp picks the best one the CPU supports at run time (cpuid on x86-64).
// ISA files include no standard C++ headers: an inline template instantiated there with AVX-512
// code could be merged by the linker into code that runs on every CPU.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace kt {

// one image's pooling geometry: window kh x kw, strides sh, sw, padding pt (top), pl (left); the
// padding is narrower than the window, so no window lies wholly in it. relu (maxpool_grad only): x is
// the output of a relu, whose gradient is applied too: dx = (x > 0 ? dx : +0), as ActivationGrad's
struct PoolGeom {
  long h, w, c, oh, ow, kh, kw, sh, sw, pt, pl;
  int relu;
};

struct Isa {
  const char* name;
  int mr, nr;  // microkernel tile: rows of A per packed panel, columns of B per packed panel
  // C[0:mr, 0:nr] (row stride ldc) = (accumulate ? C : 0) + Apanel^T-ish * Bpanel over kc steps.
  // a: kc x mr (a[k*mr + i]), b: kc x nr (b[k*nr + j]), both packed and zero-padded.
  void (*gemm_ukernel)(long kc, const float* a, const float* b, float* c, long ldc, int accumulate);
  void (*unary)(int op, const float* x, float* y, long n, float p0, float p1);
  // y[i] = a[i*sa] op b[i*sb], sa and sb in {0, 1}
  void (*binary)(int op, const float* a, long sa, const float* b, long sb, float* y, long n);
  // rows of length n, contiguous: y[r] = reduce(x[r*n : r*n+n])
  void (*reduce_rows)(int op, const float* x, float* y, long rows, long n);
  // acc[i] (op)= x[i] for i < n, used to reduce a middle axis with a contiguous inner axis
  void (*reduce_accumulate)(int op, const float* x, float* acc, long n);
  // softmax or log-softmax of rows of length n, contiguous
  void (*softmax_rows)(const float* x, float* y, long rows, long n, int log);
  // the GEMM epilogue: c[i, j] = act(c[i, j] + bias[j]) for i < rows, j < cols (bias may be null)
  void (*bias_act)(float* c, long ldc, long rows, long cols, const float* bias, int act);
  // dz = dy * f'(x), written with y = f(x)
  void (*act_grad)(int act, const float* dy, const float* y, float* dz, long n);
  // LSTM cell: gates [rows, 4u] holds a = z + h @ W on entry and the activated gates i, f, g, o on
  // exit; c_out = f * c + i * g, h_out = o * tanh(c_out)
  void (*lstm_cell)(float* gates, const float* c, float* h_out, float* c_out, long rows, long u);
  // GRU cell (reset_after): z [rows, 3u], m = h @ W + b [rows, 3u]; reserve [rows, 4u] = zg, r, hh, m_h
  void (*gru_cell)(const float* z, const float* m, const float* h, float* h_out, float* reserve, long rows, long u);
  // LSTM step backward, elementwise part (KT_LSTM_STEP_GRAD): da [rows, 4u], dc_prev [rows, u]
  void (*lstm_cell_grad)(const float* dh, const float* dc, const float* dgates, const float* gates, const float* c_new,
                         const float* c, float* da, float* dc_prev, long rows, long u);
  // GRU step backward, elementwise part (KT_GRU_STEP_GRAD): dz, dm [rows, 3u], dh_direct [rows, u]
  void (*gru_cell_grad)(const float* dh, const float* dres, const float* res, const float* h, float* dz, float* dm,
                        float* dh_direct, long rows, long u);
  // dropout mask (random.cpp): pairs [pb, pe) of Philox-4x32-10 draws of counter (p, c1, 0, 0) under
  // key (k0, k1); y[2p], y[2p + 1] (below n) = v when the 52-bit uniform * 2^64 is below t (or all), else 0
  void (*philox_mask)(float* y, long n, long pb, long pe, uint32_t k0, uint32_t k1, uint32_t c1, uint64_t t, int all, float v);
  // pooling over one NHWC image (pool_impl.inc): x, dx [h, w, c], y, dy [oh, ow, c]; dx fully written
  void (*maxpool)(const PoolGeom* g, const float* x, float* y);
  void (*maxpool_grad)(const PoolGeom* g, const float* x, const float* dy, float* dx);
  void (*avgpool)(const PoolGeom* g, const float* x, float* y);
  void (*avgpool_grad)(const PoolGeom* g, const float* dy, float* dx);
  // Optional (null where a set has none: A is then packed): C[0:mr, 0:nr] (row stride ldc) =
  // (accumulate ? C : 0) + A * Bpanel with A read in place, A(i, k) = a[i * ars + k * acs] where ars or
  // acs is 1; mr <= mr and nr <= nr above, b a packed panel as for gemm_ukernel. Reads and writes only
  // those mr x nr elements of C.
  void (*gemm_ukernel_ax)(long kc, const float* a, long ars, long acs, const float* b, float* c, long ldc,
                          int accumulate, long mr, long nr);
  // Optional, as gemm_ukernel_ax, but B is read from its rows, B(k, j) = bsrc[k * brs + j] (j < nr), and
  // the packed, zero-padded panel written to b on the way, for the other row blocks to read.
  void (*gemm_ukernel_ax_pack)(long kc, const float* a, long ars, long acs, const float* bsrc, long brs, float* b,
                               float* c, long ldc, int accumulate, long mr, long nr);
  // Optional, as gemm_ukernel_ax with a row-major A whose k runs over nseg segments of kc: A(i, s kc + k) =
  // a[i * lda + seg[s] + k] (a convolution's taps for pixels of one output row, lda between pixels).
  void (*conv_ukernel_ax)(long nseg, const long* seg, long kc, const float* a, long lda, const float* b, float* c,
                          long ldc, int accumulate, long mr, long nr);
  // Optional, lstm_cell with the input projection added on the way: gates holds h @ W on entry, row r of
  // z at z + r * zs; a = gates + z, then as lstm_cell (the same sums as z copied in and h @ W added)
  void (*lstm_cell_z)(float* gates, const float* z, long zs, const float* c, float* h_out, float* c_out, long rows,
                      long u);
  // Optional, as gemm_ukernel_ax with a k-major A whose k runs over nseg segments of seglen[s] steps:
  // A(i, k) = a[seg[s] + q * lda + i] for the q-th step of segment s (a convolution's filter rows over
  // runs of pixels within output rows, lda between pixels); b holds the sum of seglen steps.
  void (*gemm_ukernel_kseg)(long nseg, const long* seg, const long* seglen, const float* a, long lda, const float* b,
                            float* c, long ldc, int accumulate, long mr, long nr);
  // Optional, gemm_ukernel_ax and conv_ukernel_ax with the epilogue applied as the tile is stored:
  // c = act(c + bias[j]), bias (may be null) indexed by the tile's column, act KT_ACT_LINEAR or
  // KT_ACT_RELU only (the same values as bias_act on the stored tile)
  void (*gemm_ukernel_ax_ep)(long kc, const float* a, long ars, long acs, const float* b, float* c, long ldc,
                             int accumulate, long mr, long nr, const float* bias, int act);
  void (*conv_ukernel_ax_ep)(long nseg, const long* seg, long kc, const float* a, long lda, const float* b, float* c,
                             long ldc, int accumulate, long mr, long nr, const float* bias, int act);
  // Optional, gemm_ukernel_ax_ep with a row-major A, A(i, k) = a[i * lda + k], over all k steps of b, a
  // packed panel of B (k x nr, as from pack_b), summed in blocks of kc steps (the last one shorter when
  // kc does not divide k): the same sums, in the same order, as one gemm_ukernel_ax call per block
  // (accumulating from the second), then the epilogue, with C stored once; C's rows may not overlap
  // (ldc >= nr)
  void (*gemm_ukernel_ax_kblocks)(long k, long kc, const float* a, long lda, const float* b, float* c, long ldc,
                                  int accumulate, long mr, long nr, const float* bias, int act);
};

extern const Isa isa_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const Isa isa_avx2;
extern const Isa isa_avx512;
#endif
#if defined(__aarch64__)
extern const Isa isa_neon;
#endif
#if defined(__wasm__)
extern const Isa isa_wasm;
#endif

const Isa& isa();
bool cpu_has(const char* name);

}  // namespace kt
