// Convolution in NHWC as implicit GEMM: the packed panels the GEMM microkernel (isa.h) reads are
// gathered straight from the input, with no im2col matrix in memory.
//
//   forward        y[pixels, cout] = cols[pixels, K] x f[K, cout]          (K = kh * kw * cin)
//                  A panels (MR pixels x kc) gathered from x, the filter packed once; bias and
//                  activation on each finished tile while it is in L1.
//   backprop input dcols[MR pixels, K] = dy[MR pixels, cout] x f^T, then added into dx (col2im) at
//                  once, while the block is in L1; threads own whole images.
//   backprop filter df[K, cout] = cols^T x dy, the reduction over pixels in chunks of kPixChunk: A
//                  panels (MR filter rows x chunk) copied from x, dy's chunk packed once per chunk.
//
// Where the instruction set has the in-place microkernels (isa.h: conv_ukernel_ax, gemm_ukernel_ax,
// gemm_ukernel_kseg; AVX-512), windows that lie inside the image are read from x where they lie, runs
// of pixels within output rows, instead of through a gathered panel (forward and filter gradient: the
// same sums), and the input gradient's product is added straight into dx (no dcols, no col2im).
//
// 1 x 1 convolutions with unit strides are plain GEMMs on the tensors as they are. Every result is
// independent of the thread count: threads split work whose summation order does not depend on it.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../include/keras_native.h"
#include "gemm.h"
#include "isa.h"
#include "ops.h"
#include "threadpool.h"

namespace kt {
namespace {

// the largest microkernel tile height (isa.h's mr) callers keep row pointers for
constexpr int kMaxMR = 32;
// k-block of the forward product (filter rows per packed block), as the GEMM's KC
constexpr long kKc = 384;
// pixels per chunk of the filter gradient's reduction
constexpr long kPixChunk = 256;

bool is_pointwise(const ConvGeom& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == g.h && g.ow == g.w;
}

float* scratch(long floats) {
  size_t bytes = ((size_t)floats * sizeof(float) + 63) & ~(size_t)63;
  float* p = (float*)aligned_alloc(64, bytes ? bytes : 64);
  if (!p) abort();
  return p;
}

long ceil_div(long a, long b) { return (a + b - 1) / b; }

// Chunks for parallel_run over `units` independent pieces of work on t threads: several per thread
// when there are threads to share with, so that a thread whose core is busy with another process
// holds up little (idle threads claim the chunks it has not started).
int chunks_for(int t, long units) {
  long c = t > 1 ? 8L * t : 1;
  if (c > units) c = units;
  return c < 1 ? 1 : (int)c;
}

// c[0:mr, 0:nr] (row stride ldc) = (acc ? c : 0) + a-panel x b-panel over kc: the microkernel
// straight into c for a whole tile, through `tile` for an edge tile
inline void ukernel(const Isa& isa, long kc, const float* ap, const float* bp, float* c, long ldc, long mr, long nr,
                    bool acc, float* tile) {
  if (mr == isa.mr && nr == isa.nr) {
    isa.gemm_ukernel(kc, ap, bp, c, ldc, acc ? 1 : 0);
    return;
  }
  isa.gemm_ukernel(kc, ap, bp, tile, isa.nr, 0);
  for (long i = 0; i < mr; i++)
    for (long j = 0; j < nr; j++) c[i * ldc + j] = acc ? c[i * ldc + j] + tile[i * isa.nr + j] : tile[i * isa.nr + j];
}

// dst[k * NR + j] = B(k0 + k, j0 + j) for a row-major B [*, ldb], k < kc, j < nr; zero beyond nr
void pack_b_rows(const float* b, long ldb, long k0, long kc, long j0, long nr, int NR, float* dst) {
  for (long k = 0; k < kc; k++) {
    const float* src = b + (k0 + k) * ldb + j0;
    float* d = dst + k * NR;
    memcpy(d, src, nr * sizeof(float));
    for (long j = nr; j < NR; j++) d[j] = 0.0f;
  }
}

// ---------------------------------------------------------------------------------------------
// Forward

struct FwdJob {
  const ConvGeom* g;
  const float* x;
  const float* bp;  // packed filter: k-block kb at kb * kcb * NP * NR, panel j of it at j * kc * NR
  float* y;
  const Epilogue* ep;
  long K, kcb, NP, blocks;  // kcb: rows per k-block (the last may be shorter); blocks of MR pixels
};

// Input pointers of the taps of `count` consecutive output pixels from pixel r0: ptrs[i * taps + t],
// `zero` (cin zeros) for a tap in the padding and for rows past R (none of them divides per tap).
void tap_table(const ConvGeom& g, const float* x, long r0, long count, long R, const float* zero, const float** ptrs) {
  const long taps = g.kh * g.kw;
  long ow = r0 % g.ow, t1 = r0 / g.ow, oh = t1 % g.oh, n = t1 / g.oh;
  for (long i = 0; i < count; i++) {
    const float** row = ptrs + i * taps;
    if (r0 + i >= R) {
      for (long t = 0; t < taps; t++) row[t] = zero;
      continue;
    }
    const long ih0 = oh * g.sh - g.pt, iw0 = ow * g.sw - g.pl;
    const float* xn = x + n * g.h * g.w * g.cin;
    if (ih0 >= 0 && ih0 + (g.kh - 1) * g.dh < g.h && iw0 >= 0 && iw0 + (g.kw - 1) * g.dw < g.w) {
      // the whole window inside the image (most pixels): no bounds checks
      const float* base = xn + (ih0 * g.w + iw0) * g.cin;
      for (long ti = 0, t = 0; ti < g.kh; ti++)
        for (long tj = 0; tj < g.kw; tj++, t++) row[t] = base + (ti * g.dh * g.w + tj * g.dw) * g.cin;
    } else
    for (long ti = 0, t = 0; ti < g.kh; ti++) {
      const long ih = ih0 + ti * g.dh;
      for (long tj = 0; tj < g.kw; tj++, t++) {
        const long iw = iw0 + tj * g.dw;
        row[t] = (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) ? zero : xn + (ih * g.w + iw) * g.cin;
      }
    }
    if (++ow == g.ow) {
      ow = 0;
      if (++oh == g.oh) {
        oh = 0;
        n++;
      }
    }
  }
}

// A panel of the MR pixels of `ptrs` and filter rows [k0, k0 + kc): dst[k * MR + i]
void pack_fwd_a(const ConvGeom& g, const float* const* ptrs, int MR, long k0, long kc, float* dst) {
  const long taps = g.kh * g.kw, cin = g.cin;
  for (long t = 0; t < taps; t++) {
    const long kt = t * cin;
    if (kt + cin <= k0 || kt >= k0 + kc) continue;
    const long c0 = k0 > kt ? k0 - kt : 0, c1 = k0 + kc - kt < cin ? k0 + kc - kt : cin;
    const float* rows[kMaxMR];
    for (long i = 0; i < MR; i++) rows[i] = ptrs[i * taps + t] + c0;
    pack_transposed(rows, MR, c1 - c0, MR, dst + (kt + c0 - k0) * MR);
  }
}

void fwd_task(void* p, int tid, int nt) {
  const FwdJob& j = *(const FwdJob*)p;
  const ConvGeom& g = *j.g;
  const Isa& isa = kt::isa();
  const int MR = isa.mr, NR = isa.nr;
  const long R = g.n * g.oh * g.ow;
  long b0, b1;
  split_range(j.blocks, nt, tid, &b0, &b1);
  if (b0 >= b1) return;
  const long taps = g.kh * g.kw;
  float* ap = scratch(j.kcb * MR + (long)MR * NR + g.cin);
  float* tile = ap + j.kcb * MR;
  float* zero = tile + (long)MR * NR;
  memset(zero, 0, g.cin * sizeof(float));
  const float** ptrs = (const float**)malloc(MR * taps * sizeof(float*));
  if (!ptrs) abort();
  // taps' offsets from a window's corner, for the direct kernel
  long* seg = (long*)malloc(taps * sizeof(long));
  if (!seg) abort();
  for (long ti = 0, t = 0; ti < g.kh; ti++)
    for (long tj = 0; tj < g.kw; tj++, t++) seg[t] = (ti * g.dh * g.w + tj * g.dw) * g.cin;
  // undilated columns: a filter row's taps are one contiguous run of kw * cin values
  long nseg = taps, seg_len = g.cin;
  if (g.dw == 1) {
    nseg = g.kh;
    seg_len = g.kw * g.cin;
    for (long ti = 0; ti < g.kh; ti++) seg[ti] = ti * g.dh * g.w * g.cin;
  }
  // the whole filter in one k block: blocks whose windows lie inside the image are read where they
  // lie (conv_ukernel_ax), a run of pixels of one output row at a time
  const bool direct = isa.conv_ukernel_ax && j.kcb == j.K;
  const bool store_ep = j.ep && isa.conv_ukernel_ax_ep && (j.ep->act == KT_ACT_LINEAR || j.ep->act == KT_ACT_RELU);
  // Blocks in groups: each filter panel (K x NR: 36 KiB for the seed's 3x3x32 filter) is read from L2
  // once per group and stays in L1 for its blocks; read once per block it cost a quarter of the time.
  constexpr long kGroup = 8;
  constexpr long kWriteAhead = 4;
  const bool write_ahead = j.K < 64;
  // a block read in place is up to kPieces runs of pixels, each within one output row
  constexpr int kPieces = 3;
  struct Piece {
    const float* base;
    long count;
  };
  Piece pieces[kGroup][kPieces];
  int npieces[kGroup];
  for (long gb = b0; gb < b1; gb += kGroup) {
    const long ge = gb + kGroup < b1 ? gb + kGroup : b1;
    bool any_direct = false;
    for (long blk = gb; blk < ge; blk++) {
      const long r0 = blk * MR, mr = R - r0 < MR ? R - r0 : MR;
      int& np = npieces[blk - gb];
      np = 0;
      if (direct) {
        // split the block at the ends of output rows; direct when every run's windows lie inside the image
        long r = r0;
        bool ok = true;
        while (ok && r < r0 + mr) {
          const long ow0 = r % g.ow, t1 = r / g.ow, oh = t1 % g.oh, n = t1 / g.oh;
          const long cnt = g.ow - ow0 < r0 + mr - r ? g.ow - ow0 : r0 + mr - r;
          const long ih0 = oh * g.sh - g.pt, iw0 = ow0 * g.sw - g.pl;
          ok = np < kPieces && ih0 >= 0 && ih0 + (g.kh - 1) * g.dh < g.h && iw0 >= 0 &&
               (ow0 + cnt - 1) * g.sw - g.pl + (g.kw - 1) * g.dw < g.w;
          if (ok) pieces[blk - gb][np++] = Piece{j.x + ((n * g.h + ih0) * g.w + iw0) * g.cin, cnt};
          r += cnt;
        }
        if (ok) {
          any_direct = true;
          continue;
        }
        np = 0;
      }
      tap_table(g, j.x, r0, MR, R, zero, ptrs);
      for (long k0 = 0; k0 < j.K; k0 += j.kcb) {
        const long kc = j.K - k0 < j.kcb ? j.K - k0 : j.kcb;
        const bool last = k0 + kc >= j.K;
        pack_fwd_a(g, ptrs, MR, k0, kc, ap);
        const float* bk = j.bp + k0 * j.NP * NR;
        for (long jp = 0; jp < j.NP; jp++) {
          const long c0 = jp * NR, nr = g.cout - c0 < NR ? g.cout - c0 : NR;
          float* c = j.y + r0 * g.cout + c0;
          ukernel(isa, kc, ap, bk + jp * kc * NR, c, g.cout, mr, nr, k0 > 0, tile);
          if (last && j.ep) isa.bias_act(c, g.cout, mr, nr, j.ep->bias ? j.ep->bias + c0 : nullptr, j.ep->act);
        }
      }
    }
    if (!any_direct) continue;
    // the blocks read in place (pixels of one output row, clear of the padding): one k block, so the
    // same sums as through a packed panel
    for (long jp = 0; jp < j.NP; jp++) {
      const long c0 = jp * NR, nr = g.cout - c0 < NR ? g.cout - c0 : NR;
      for (long blk = gb; blk < ge; blk++) {
        long r = blk * MR;
        // a filter of few k steps (the CNN's first convolution: 9) spends its tiles waiting on their
        // stores, most of all when the next layer has just read the output (`BENCH=conv_chain`): the
        // output rows of the block kWriteAhead blocks on are fetched for writing while this one computes
        if (write_ahead && jp == 0 && (blk + kWriteAhead) * MR < R) {
          const long pr = (blk + kWriteAhead) * MR, bytes = (R - pr < MR ? R - pr : MR) * g.cout * (long)sizeof(float);
          const char* p0 = (const char*)(j.y + pr * g.cout);
          for (long o = 0; o < bytes; o += 64) __builtin_prefetch(p0 + o, 1, 3);
        }
        for (int q = 0; q < npieces[blk - gb]; q++) {
          const Piece& pc = pieces[blk - gb][q];
          float* c = j.y + r * g.cout + c0;
          const float* bias = j.ep && j.ep->bias ? j.ep->bias + c0 : nullptr;
          if (store_ep) {
            // the epilogue as the tile is stored
            isa.conv_ukernel_ax_ep(nseg, seg, seg_len, pc.base, g.sw * g.cin, j.bp + jp * j.K * NR, c, g.cout, 0, pc.count,
                                   nr, bias, j.ep->act);
          } else {
            isa.conv_ukernel_ax(nseg, seg, seg_len, pc.base, g.sw * g.cin, j.bp + jp * j.K * NR, c, g.cout, 0, pc.count, nr);
            if (j.ep) isa.bias_act(c, g.cout, pc.count, nr, bias, j.ep->act);
          }
          r += pc.count;
        }
      }
    }
  }
  free(seg);
  free(ptrs);
  free(ap);
}

// ---------------------------------------------------------------------------------------------
// Backprop input

struct BinJob {
  const ConvGeom* g;
  const float* dy;
  const float* bp;  // packed f^T: cout-block at kb * kcb * NP * NR, panel j (filter rows j*NR...) in it
  float* dx;
  long K, kcb, NP;
  // direct: panel jp of the product (filter rows jp NR..) is one contiguous run of a window in dx, at
  // pan_off[jp] from the window's corner; null where some panel is not (then dcols go through col2im)
  const long* pan_off;
  const float* relu_y;  // may be null: dx = (y > 0 ? dx : +0), each image once it is complete
};

// dx[i] = y[i] > 0 ? dx[i] : +0 (ActivationGrad relu's expression)
void relu_mask(const float* y, float* dx, long n) {
  for (long i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? dx[i] : 0.0f;
}

// dx[pixel's receptive field] += dcols rows of pixels [r0, r0 + rows) (row stride K)
void col2im_rows(const ConvGeom& g, const float* cols, long r0, long rows, float* dx) {
  const long K = g.kh * g.kw * g.cin;
  for (long r = r0; r < r0 + rows; r++) {
    const long ow = r % g.ow, t1 = r / g.ow, oh = t1 % g.oh, n = t1 / g.oh;
    const float* src = cols + (r - r0) * K;
    const long ih0 = oh * g.sh - g.pt, iw0 = ow * g.sw - g.pl;
    float* dn = dx + n * g.h * g.w * g.cin;
    for (long ti = 0; ti < g.kh; ti++) {
      const long ih = ih0 + ti * g.dh;
      for (long tj = 0; tj < g.kw; tj++, src += g.cin) {
        const long iw = iw0 + tj * g.dw;
        if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
        float* d = dn + (ih * g.w + iw) * g.cin;
        for (long c = 0; c < g.cin; c++) d[c] += src[c];
      }
    }
  }
}

void bin_task(void* p, int tid, int nt) {
  const BinJob& j = *(const BinJob*)p;
  const ConvGeom& g = *j.g;
  const Isa& isa = kt::isa();
  const int MR = isa.mr, NR = isa.nr;
  long n0, n1;
  split_range(g.n, nt, tid, &n0, &n1);
  if (n0 >= n1) return;
  const long per = g.oh * g.ow;
  float* ap = scratch(j.kcb * MR + (long)MR * NR + (long)MR * j.K + j.kcb);
  float* tile = ap + j.kcb * MR;
  float* cols = tile + (long)MR * NR;
  float* zero = cols + (long)MR * j.K;
  memset(zero, 0, j.kcb * sizeof(float));
  memset(j.dx + n0 * g.h * g.w * g.cin, 0, (n1 - n0) * g.h * g.w * g.cin * sizeof(float));
  // blocks of MR pixels within each image, so that images (and so dx) are split between threads
  for (long n = n0; n < n1; n++) {
    if (j.relu_y && n > n0) {
      // the previous image is complete
      const long img = g.h * g.w * g.cin;
      relu_mask(j.relu_y + (n - 1) * img, j.dx + (n - 1) * img, img);
    }
    for (long q0 = 0; q0 < per; q0 += MR) {
      const long r0 = n * per + q0, mr = per - q0 < MR ? per - q0 : MR;
      if (j.pan_off && j.kcb == g.cout) {
        // Windows inside the image, in runs within output rows: the product is added into dx by the
        // microkernel itself (C = dx at the window, rows sw * cin apart), no dcols and no col2im. Each
        // element of dx still receives its terms one by one, in an order fixed by the geometry alone.
        long i0 = 0, np = 0, cnt[kMaxMR];
        float* base[kMaxMR];
        bool ok = true;
        while (ok && i0 < mr) {
          const long q = q0 + i0, ow0 = q % g.ow, oh = q / g.ow;
          const long c = g.ow - ow0 < mr - i0 ? g.ow - ow0 : mr - i0;
          const long ih0 = oh * g.sh - g.pt, iw0 = ow0 * g.sw - g.pl;
          ok = ih0 >= 0 && ih0 + (g.kh - 1) * g.dh < g.h && iw0 >= 0 && (ow0 + c - 1) * g.sw - g.pl + (g.kw - 1) * g.dw < g.w;
          base[np] = j.dx + ((n * g.h + ih0) * g.w + iw0) * g.cin;
          cnt[np++] = c;
          i0 += c;
        }
        if (ok) {
          const float* rows[kMaxMR];
          for (long i = 0; i < MR; i++) rows[i] = i < mr ? j.dy + (r0 + i) * g.cout : zero;
          pack_transposed(rows, MR, g.cout, MR, ap);
          for (long jp = 0; jp < j.NP; jp++) {
            const long c0 = jp * NR, nr = j.K - c0 < NR ? j.K - c0 : NR;
            for (long q = 0, i = 0; q < np; i += cnt[q], q++)
              isa.gemm_ukernel_ax(g.cout, ap + i, 1, MR, j.bp + jp * g.cout * NR, base[q] + j.pan_off[jp], g.sw * g.cin, 1,
                                  cnt[q], nr);
          }
          continue;
        }
      }
      for (long k0 = 0; k0 < g.cout; k0 += j.kcb) {
        const long kc = g.cout - k0 < j.kcb ? g.cout - k0 : j.kcb;
        // A = dy rows r0.. , columns k0..: dst[k * MR + i]
        const float* rows[kMaxMR];
        for (long i = 0; i < MR; i++) rows[i] = i < mr ? j.dy + (r0 + i) * g.cout + k0 : zero;
        pack_transposed(rows, MR, kc, MR, ap);
        const float* bk = j.bp + k0 * j.NP * NR;
        for (long jp = 0; jp < j.NP; jp++) {
          const long c0 = jp * NR, nr = j.K - c0 < NR ? j.K - c0 : NR;
          ukernel(isa, kc, ap, bk + jp * kc * NR, cols + c0, j.K, mr, nr, k0 > 0, tile);
        }
      }
      col2im_rows(g, cols, r0, mr, j.dx);
    }
  }
  if (j.relu_y) {
    const long img = g.h * g.w * g.cin;
    relu_mask(j.relu_y + (n1 - 1) * img, j.dx + (n1 - 1) * img, img);
  }
  free(ap);
}

// ---------------------------------------------------------------------------------------------
// Backprop filter

struct BfJob {
  const ConvGeom* g;
  const float* x;
  const float* dy;
  float* part;  // parts x [K, cout]: the partial sums of pixel partition p at p * K * cout
  long K, MB, NP, parts, groups;  // MB: blocks of filter rows; groups: ranges of them
  const long* blk;  // block b: filter rows [blk[2b], blk[2b] + blk[2b + 1])
};

// A panel of filter rows [k0, k0 + mr) over the kc pixels of `ptrs`: dst[p * MR + i] = cols(p, k0 + i)
// dst[p * MR + i + s] = ptrs[p * taps + t][c + s] for s < L, p < kc: one piece of a panel row, its
// length a constant (the pieces have the same places in every row)
template <int L>
void copy_piece(const float* const* ptrs, long taps, long t, long c, long kc, int MR, long i, float* dst) {
  for (long p = 0; p < kc; p++) memcpy(dst + p * MR + i, ptrs[p * taps + t] + c, L * sizeof(float));
}

void copy_piece_any(const float* const* ptrs, long taps, long t, long c, long kc, int MR, long i, long len, float* dst) {
  switch (len) {
#define KT_PIECE(L) case L: copy_piece<L>(ptrs, taps, t, c, kc, MR, i, dst); return;
    KT_PIECE(1) KT_PIECE(2) KT_PIECE(3) KT_PIECE(4) KT_PIECE(5) KT_PIECE(6) KT_PIECE(7) KT_PIECE(8)
    KT_PIECE(9) KT_PIECE(10) KT_PIECE(11) KT_PIECE(12) KT_PIECE(13) KT_PIECE(14) KT_PIECE(15) KT_PIECE(16)
#undef KT_PIECE
    default:
      for (long p = 0; p < kc; p++) memcpy(dst + p * MR + i, ptrs[p * taps + t] + c, len * sizeof(float));
  }
}

void pack_bf_a(const ConvGeom& g, const float* const* ptrs, long kc, long k0, long mr, int MR, float* dst) {
  const long taps = g.kh * g.kw, cin = g.cin;
  long i = 0, t = k0 / cin, c = k0 % cin;
  while (i < mr) {
    const long len = cin - c < mr - i ? cin - c : mr - i;
    copy_piece_any(ptrs, taps, t, c, kc, MR, i, len, dst);
    i += len;
    t++;
    c = 0;
  }
  if (mr < MR)
    for (long p = 0; p < kc; p++)
      for (long q = mr; q < MR; q++) dst[p * MR + q] = 0.0f;
}

void bf_task(void* p, int item, int nitems) {
  (void)nitems;
  const BfJob& j = *(const BfJob*)p;
  const ConvGeom& g = *j.g;
  const Isa& isa = kt::isa();
  const int MR = isa.mr, NR = isa.nr;
  const long R = g.n * g.oh * g.ow;
  const long part = item / j.groups, grp = item % j.groups;
  long pb, pe, mb0, mb1;
  split_range(R, (int)j.parts, (int)part, &pb, &pe);
  split_range(j.MB, (int)j.groups, (int)grp, &mb0, &mb1);
  float* df = j.part + part * j.K * g.cout;
  if (pe <= pb) {
    for (long mb = mb0; mb < mb1; mb++) {
      const long k0 = j.blk[2 * mb], mr = j.blk[2 * mb + 1];
      for (long i = 0; i < mr; i++) memset(df + (k0 + i) * g.cout, 0, g.cout * sizeof(float));
    }
    return;
  }
  if (mb0 >= mb1) return;
  const long taps = g.kh * g.kw;
  float* bp = scratch(kPixChunk * j.NP * NR + kPixChunk * MR + (long)MR * NR + g.cin);
  float* ap = bp + kPixChunk * j.NP * NR;
  float* tile = ap + kPixChunk * MR;
  float* zero = tile + (long)MR * NR;
  memset(zero, 0, g.cin * sizeof(float));
  const float** ptrs = (const float**)malloc(kPixChunk * taps * sizeof(float*));
  if (!ptrs) abort();
  // runs of the chunk's pixels within output rows (offset of each run's first window in x, length)
  long* seg = (long*)malloc(2 * kPixChunk * sizeof(long));
  if (!seg) abort();
  long* seglen = seg + kPixChunk;
  const long run = g.dw == 1 ? g.kw * g.cin : g.cin;  // filter rows contiguous in a window
  // dy's rows are already the packed panel when cout is one whole panel (and dy is aligned as a
  // packed panel: the microkernels read panels with aligned loads)
  const bool dy_packed = g.cout == NR && ((uintptr_t)j.dy & 63) == 0;
  for (long r0 = pb; r0 < pe; r0 += kPixChunk) {
    const long kc = pe - r0 < kPixChunk ? pe - r0 : kPixChunk;
    bool have_taps = false;  // the tap table, made for the first block that packs its panel
    const float* bq = dy_packed ? j.dy + r0 * g.cout : bp;
    for (long jp = 0; !dy_packed && jp < j.NP; jp++) {
      const long c0 = jp * NR, nr = g.cout - c0 < NR ? g.cout - c0 : NR;
      pack_b_rows(j.dy, g.cout, r0, kc, c0, nr, NR, bp + jp * kc * NR);
    }
    // every window inside the image: a block of filter rows within one run of a window is read from x
    // where it lies, pixel run by pixel run (gemm_ukernel_kseg), in the packed panel's order
    long nseg = 0;
    bool direct = isa.gemm_ukernel_kseg != nullptr;
    for (long r = r0; direct && r < r0 + kc;) {
      const long ow0 = r % g.ow, t1 = r / g.ow, oh = t1 % g.oh, n = t1 / g.oh;
      const long cnt = g.ow - ow0 < r0 + kc - r ? g.ow - ow0 : r0 + kc - r;
      const long ih0 = oh * g.sh - g.pt, iw0 = ow0 * g.sw - g.pl;
      direct = ih0 >= 0 && ih0 + (g.kh - 1) * g.dh < g.h && iw0 >= 0 && (ow0 + cnt - 1) * g.sw - g.pl + (g.kw - 1) * g.dw < g.w;
      seg[nseg] = ((n * g.h + ih0) * g.w + iw0) * g.cin;
      seglen[nseg++] = cnt;
      r += cnt;
    }
    for (long mb = mb0; mb < mb1; mb++) {
      const long k0 = j.blk[2 * mb], mr = j.blk[2 * mb + 1];
      if (direct && k0 / run == (k0 + mr - 1) / run) {
        const long ti = k0 / (g.kw * g.cin), tj = k0 % (g.kw * g.cin) / g.cin, c = k0 % g.cin;
        const float* a = j.x + (ti * g.dh * g.w + tj * g.dw) * g.cin + c;
        for (long jp = 0; jp < j.NP; jp++) {
          const long c0 = jp * NR, nr = g.cout - c0 < NR ? g.cout - c0 : NR;
          isa.gemm_ukernel_kseg(nseg, seg, seglen, a, g.sw * g.cin, bq + jp * kc * NR, df + k0 * g.cout + c0, g.cout,
                                r0 > pb, mr, nr);
        }
        continue;
      }
      if (!have_taps) tap_table(g, j.x, r0, kc, R, zero, ptrs);
      have_taps = true;
      pack_bf_a(g, ptrs, kc, k0, mr, MR, ap);
      for (long jp = 0; jp < j.NP; jp++) {
        const long c0 = jp * NR, nr = g.cout - c0 < NR ? g.cout - c0 : NR;
        ukernel(isa, kc, ap, bq + jp * kc * NR, df + k0 * g.cout + c0, g.cout, mr, nr, r0 > pb, tile);
      }
    }
  }
  free(seg);
  free(ptrs);
  free(bp);
}

// The filter of a forward convolution packed once: k-block by k-block (kcb filter rows, the last may
// be shorter), panel by panel (NR output channels); `bp` is the caller's to free.
struct PackedFilter {
  float* bp;
  long kcb, NP;
};

PackedFilter pack_filter(const ConvGeom& g, const float* f) {
  if (kMaxMR < kt::isa().mr) abort();  // fwd_task keeps kMaxMR row pointers
  const int NR = kt::isa().nr;
  const long K = g.kh * g.kw * g.cin, NP = ceil_div(g.cout, NR), kcb = ceil_div(K, ceil_div(K, kKc));
  float* bp = scratch(K * NP * NR);
  for (long k0 = 0; k0 < K; k0 += kcb) {
    const long kc = K - k0 < kcb ? K - k0 : kcb;
    for (long jp = 0; jp < NP; jp++) {
      const long c0 = jp * NR;
      pack_b_rows(f, g.cout, k0, kc, c0, g.cout - c0 < NR ? g.cout - c0 : NR, NR, bp + k0 * NP * NR + jp * kc * NR);
    }
  }
  return {bp, kcb, NP};
}

// Convolutions image by image, each image's output pooled while it is in cache: an optional first
// convolution (FusedConv2DPairPool) into a buffer of the task, then the convolution `g` into y (or,
// y null: pooled only, into a second buffer of the task, which stays in L2 until pooled, instead of
// the whole batch's output written to memory), then the pooling. Every output element is the same
// sum whatever the blocks of pixels (one k block, or k blocks accumulated in C in order), so these
// are the values of the batch's convolutions in turn.
struct ImageChain {
  ConvGeom g0, g;  // one image each; g0 unused without a first convolution
  const float* x;
  PackedFilter p0, p;  // p0.bp null: no first convolution
  const Epilogue *ep0, *ep;
  const PoolGeom* pool;
  float *y, *pooled;
  long n, in, out0, out, pout;
};

void image_chain_task(void* q, int tid, int nt) {
  const ImageChain& j = *(const ImageChain*)q;
  long b, e;
  split_range(j.n, nt, tid, &b, &e);
  if (e <= b) return;
  const int MR = kt::isa().mr;
  const long K0 = j.g0.kh * j.g0.kw * j.g0.cin, K = j.g.kh * j.g.kw * j.g.cin;
  // the task's buffers: the first output, then (pooled only) the second on a 64-byte line
  const long at = j.p0.bp ? (j.out0 + 15) & ~15L : 0;
  float* own = j.p0.bp || !j.y ? scratch(at + (j.y ? 0 : j.out)) : nullptr;
  for (long i = b; i < e; i++) {
    const float* xi = j.x + i * j.in;
    if (j.p0.bp) {
      FwdJob c0 = {&j.g0, xi, j.p0.bp, own, j.ep0, K0, j.p0.kcb, j.p0.NP, ceil_div(j.g0.oh * j.g0.ow, MR)};
      fwd_task(&c0, 0, 1);
      xi = own;
    }
    float* yi = j.y ? j.y + i * j.out : own + at;
    FwdJob c1 = {&j.g, xi, j.p.bp, yi, j.ep, K, j.p.kcb, j.p.NP, ceil_div(j.g.oh * j.g.ow, MR)};
    fwd_task(&c1, 0, 1);
    kt::isa().maxpool(j.pool, yi, j.pooled + i * j.pout);
  }
  free(own);
}

// runs the chain over g.n images (p0.bp null: no first convolution)
void run_image_chain(const ConvGeom& g0, const PackedFilter& p0, const Epilogue* ep0, const ConvGeom& g, const float* x,
                     const PackedFilter& p, const Epilogue* ep, const PoolGeom* pool, float* y, float* pooled, int threads) {
  const ConvGeom& first = p0.bp ? g0 : g;
  ImageChain j = {g0, g, x, p0, p, ep0, ep, pool, y, pooled, g.n, first.h * first.w * first.cin, g0.oh * g0.ow * g0.cout,
                  g.oh * g.ow * g.cout, pool->oh * pool->ow * g.cout};
  j.g0.n = j.g.n = 1;
  parallel_run(chunks_for(gemm_threads(g.n * g.oh * g.ow, g.cout, g.kh * g.kw * g.cin, threads), g.n), image_chain_task, &j);
}

}  // namespace

void conv2d(const ConvGeom& g, const float* x, const float* f, float* y, int threads, const Epilogue* ep,
            const PoolGeom* pool, float* pooled) {
  const long R = g.n * g.oh * g.ow, K = g.kh * g.kw * g.cin;
  const long out = g.oh * g.ow * g.cout, pout = pool ? pool->oh * pool->ow * g.cout : 0;
  if (R == 0 || g.cout == 0) return;
  if (!y && (!pool || is_pointwise(g) || K == 0)) {
    // pooled only, on a path that writes the whole output first: into a temporary
    float* tmp = scratch(R * g.cout);
    conv2d(g, x, f, tmp, threads, ep, pool, pooled);
    free(tmp);
    return;
  }
  if (is_pointwise(g) || K == 0) {
    if (K == 0) {
      memset(y, 0, R * g.cout * sizeof(float));
      if (ep) kt::isa().bias_act(y, g.cout, R, g.cout, ep->bias, ep->act);
    } else {
      gemm(R, g.cout, K, MatView{x, K, 1}, MatView{f, g.cout, 1}, y, g.cout, false, threads, ep);
    }
    for (long n = 0; pool && n < g.n; n++) kt::isa().maxpool(pool, y + n * out, pooled + n * pout);
    return;
  }
  const PackedFilter pf = pack_filter(g, f);
  if (!pool) {
    FwdJob job = {&g, x, pf.bp, y, ep, K, pf.kcb, pf.NP, ceil_div(R, kt::isa().mr)};
    parallel_run(chunks_for(gemm_threads(R, g.cout, K, threads), job.blocks), fwd_task, &job);
  } else {
    run_image_chain(g, PackedFilter{nullptr, 0, 0}, nullptr, g, x, pf, ep, pool, y, pooled, threads);
  }
  free(pf.bp);
}

void conv2d_pair_pool(const ConvGeom& g0, const float* x, const float* f0, const Epilogue* ep0, const ConvGeom& g,
                      const float* f, const Epilogue* ep, const PoolGeom* pool, float* pooled, int threads) {
  if (g0.n == 0 || g.cout == 0) return;
  if (is_pointwise(g0) || is_pointwise(g) || g0.kh * g0.kw * g0.cin == 0 || g.kh * g.kw * g.cin == 0 || g0.oh * g0.ow == 0) {
    // a product the image-by-image path does not take: the first convolution's output whole, then the second
    float* y0 = scratch(g0.n * g0.oh * g0.ow * g0.cout);
    conv2d(g0, x, f0, y0, threads, ep0);
    conv2d(g, y0, f, nullptr, threads, ep, pool, pooled);
    free(y0);
    return;
  }
  const PackedFilter p0 = pack_filter(g0, f0), p = pack_filter(g, f);
  run_image_chain(g0, p0, ep0, g, x, p, ep, pool, nullptr, pooled, threads);
  free(p0.bp);
  free(p.bp);
}

void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* f, float* dx, int threads,
                           const float* relu_y) {
  const long R = g.n * g.oh * g.ow, K = g.kh * g.kw * g.cin;
  const long nx = g.n * g.h * g.w * g.cin;
  if (is_pointwise(g)) {
    // d x = dy [R, cout] x filter^T [cout, K]
    gemm(R, K, g.cout, MatView{dy, g.cout, 1}, MatView{f, 1, g.cout}, dx, K, false, threads);
    if (relu_y) relu_mask(relu_y, dx, nx);
    return;
  }
  if (R == 0 || g.cout == 0 || K == 0) {
    memset(dx, 0, nx * sizeof(float));
    return;
  }
  const Isa& isa = kt::isa();
  const int NR = isa.nr;
  if (isa.mr > kMaxMR) abort();
  const long NP = ceil_div(K, NR);
  const long kcb = ceil_div(g.cout, ceil_div(g.cout, kKc));
  // f^T [cout, K] packed once: dst[k * NR + j] = f[(c0 + j) * cout + k]
  float* bp = scratch(g.cout * NP * NR);
  for (long k0 = 0; k0 < g.cout; k0 += kcb) {
    const long kc = g.cout - k0 < kcb ? g.cout - k0 : kcb;
    for (long jp = 0; jp < NP; jp++) {
      const long c0 = jp * NR, nr = K - c0 < NR ? K - c0 : NR;
      float* dst = bp + k0 * NP * NR + jp * kc * NR;
      for (long k = 0; k < kc; k++) {
        for (long jj = 0; jj < nr; jj++) dst[k * NR + jj] = f[(c0 + jj) * g.cout + k0 + k];
        for (long jj = nr; jj < NR; jj++) dst[k * NR + jj] = 0.0f;
      }
    }
  }
  // where each panel of NR filter rows is one run of a window (within a tap, or within a filter row's
  // taps when they are contiguous), its offset from the window's corner
  long* pan_off = isa.gemm_ukernel_ax ? (long*)malloc(NP * sizeof(long)) : nullptr;
  for (long jp = 0; pan_off && jp < NP; jp++) {
    const long c0 = jp * NR, c1 = (K < c0 + NR ? K : c0 + NR) - 1;
    const long run = g.dw == 1 ? g.kw * g.cin : g.cin;  // filter rows contiguous in a window
    if (c0 / run != c1 / run) {
      free(pan_off);
      pan_off = nullptr;
      break;
    }
    const long ti = c0 / (g.kw * g.cin), tj = c0 % (g.kw * g.cin) / g.cin, c = c0 % g.cin;
    pan_off[jp] = (ti * g.dh * g.w + tj * g.dw) * g.cin + c;
  }
  BinJob job = {&g, dy, bp, dx, K, kcb, NP, pan_off, relu_y};
  parallel_run(chunks_for(gemm_threads(R, K, g.cout, threads), g.n), bin_task, &job);
  free(pan_off);
  free(bp);
}

void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* df, int threads) {
  const long R = g.n * g.oh * g.ow, K = g.kh * g.kw * g.cin;
  // d filter [K, cout] = cols^T [K, R] x dy [R, cout]
  if (R == 0 || K == 0 || g.cout == 0) {
    memset(df, 0, K * g.cout * sizeof(float));
    return;
  }
  if (is_pointwise(g)) {
    gemm(K, g.cout, R, MatView{x, 1, K}, MatView{dy, g.cout, 1}, df, g.cout, false, threads);
    return;
  }
  const Isa& isa = kt::isa();
  const long NP = ceil_div(g.cout, isa.nr);
  // Blocks of filter rows: MR at a time; or, where the in-place kernel (gemm_ukernel_kseg) reads a block
  // that lies within one contiguous run of a window (kw * cin rows, or cin when dilated) and runs are
  // not whole multiples of MR (a first layer's 3 x 3 x 1 filter: runs of 3), up to MR rows of one run
  // at a time, when that makes at most three times the blocks: each is then read from x where it lies.
  long MB = ceil_div(K, isa.mr);
  const long run = g.dw == 1 ? g.kw * g.cin : g.cin;
  const long per_run = ceil_div(run, isa.mr), MBr = (K / run) * per_run;
  const bool by_run = isa.gemm_ukernel_kseg && run % isa.mr != 0 && MBr <= 3 * MB;
  if (by_run) MB = MBr;
  long* blk = (long*)malloc(2 * MB * sizeof(long));
  if (!blk) abort();
  for (long b = 0; b < MB; b++) {
    const long k0 = by_run ? b / per_run * run + b % per_run * isa.mr : b * isa.mr;
    const long end = by_run ? b / per_run * run + run : K;
    blk[2 * b] = k0;
    blk[2 * b + 1] = end - k0 < isa.mr ? end - k0 : isa.mr;
  }
  // Few output tiles (a first layer: K = 9): the pixels are also split, into partitions whose partial
  // sums are added in a fixed order, so that the result does not depend on the thread count.
  long parts = 1;
  if (MB * NP < 8) {
    parts = R / (8 * kPixChunk);
    if (parts > 8) parts = 8;
    if (parts < 1) parts = 1;
  }
  const int t = gemm_threads(K, g.cout, R, threads);
  // groups of filter-row blocks: they only split the work (each row's sum is the same whatever the
  // grouping); one per thread, as each group packs dy's chunks again
  const long groups = MB < t ? MB : t;
  float* part = parts > 1 ? scratch(parts * K * g.cout) : df;
  BfJob job = {&g, x, dy, part, K, MB, NP, parts, groups, blk};
  const long items = parts * groups;
  // items are claimed as they come free; each writes its own rows of its own partition
  struct Ctx {
    BfJob* job;
    long items;
  } ctx = {&job, items};
  auto task = [](void* p, int tid, int nt) {
    Ctx& c = *(Ctx*)p;
    long b, e;
    split_range(c.items, nt, tid, &b, &e);
    for (long i = b; i < e; i++) bf_task(c.job, (int)i, (int)c.items);
  };
  parallel_run(chunks_for(t, items), task, &ctx);
  if (parts > 1) {
    const long sz = K * g.cout;
    memcpy(df, part, sz * sizeof(float));
    for (long q = 1; q < parts; q++) {
      const float* src = part + q * sz;
      for (long i = 0; i < sz; i++) df[i] += src[i];
    }
    free(part);
  }
  free(blk);
}

}  // namespace kt
