#include "gemm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include "../include/keras_native.h"
#include "isa.h"
#include "threadpool.h"

#ifndef KT_KC
#define KT_KC 384
#endif
#ifndef KT_NC
#define KT_NC 512
#endif

namespace kt {

// dst[c * stride + i] = rows[i][c] for c < len, i < count: the transposing copy that turns row-major
// operands (a convolution's pixels x channels, B's contiguous columns) into the microkernel's k-major
// panels. 4 x 4 blocks through SSE registers on x86-64 (its baseline, no run-time dispatch needed),
// element by element elsewhere.
void pack_transposed(const float* const* rows, long count, long len, long stride, float* dst) {
  long i = 0;
#if defined(__SSE2__)
  for (; i + 4 <= count; i += 4) {
    const float *r0 = rows[i], *r1 = rows[i + 1], *r2 = rows[i + 2], *r3 = rows[i + 3];
    long c = 0;
    for (; c + 4 <= len; c += 4) {
      __m128 a = _mm_loadu_ps(r0 + c), b = _mm_loadu_ps(r1 + c), e = _mm_loadu_ps(r2 + c), f = _mm_loadu_ps(r3 + c);
      _MM_TRANSPOSE4_PS(a, b, e, f);
      float* d = dst + c * stride + i;
      _mm_storeu_ps(d, a);
      _mm_storeu_ps(d + stride, b);
      _mm_storeu_ps(d + 2 * stride, e);
      _mm_storeu_ps(d + 3 * stride, f);
    }
    for (; c < len; c++) {
      float* d = dst + c * stride + i;
      d[0] = r0[c];
      d[1] = r1[c];
      d[2] = r2[c];
      d[3] = r3[c];
    }
  }
#endif
  for (; i < count; i++) {
    const float* r = rows[i];
    for (long c = 0; c < len; c++) dst[c * stride + i] = r[c];
  }
}

namespace {

// Block sizes. A packed micro-panel of A (MR x KC) stays in L1 while the packed block of B
// (KC x NC) streams from L2 past it: 12 x 384 x 4 B = 18 KiB and 384 x 512 x 4 B = 768 KiB.
constexpr long KC = KT_KC;
constexpr long NC = KT_NC;

struct Workspace {
  float* a = nullptr;
  float* b = nullptr;
  long a_cap = 0, b_cap = 0;
  float tile[16 * 64] __attribute__((aligned(64)));
};

float* grow(float*& p, long& cap, long need) {
  if (need > cap) {
    free(p);
    // 64-byte aligned for aligned vector loads of packed panels; rounded up as aligned_alloc asks
    size_t bytes = ((size_t)need * sizeof(float) + 63) & ~(size_t)63;
    p = (float*)aligned_alloc(64, bytes);
    if (!p) abort();
    cap = need;
  }
  return p;
}

Workspace& workspace() {
  static thread_local Workspace ws;
  return ws;
}

// dst[k * NR + j] = B(k, j) for k < kc, j < nr; columns nr..NR-1 are zero
void pack_b_panel(long kc, long nr, int NR, MatView b, float* dst) {
  if (b.cs == 1) {
    for (long k = 0; k < kc; k++) {
      const float* src = b.p + k * b.rs;
      float* d = dst + k * NR;
      memcpy(d, src, nr * sizeof(float));
      for (long j = nr; j < NR; j++) d[j] = 0.0f;
    }
  } else {
    if (nr < NR)
      for (long k = 0; k < kc; k++)
        for (long j = nr; j < NR; j++) dst[k * NR + j] = 0.0f;
#if defined(__SSE2__)
    if (b.rs == 1) {
      // B's columns contiguous (a transposed row-major matrix: the weights in dx = dy W^T): 4 x 4 blocks
      // transposed through SSE registers
      const float* rows[64];  // nr <= NR <= 32 on every ISA
      for (long j = 0; j < nr; j++) rows[j] = b.p + j * b.cs;
      pack_transposed(rows, nr, kc, NR, dst);
      return;
    }
#endif
    // read along k (contiguous when B is a transposed row-major matrix), in blocks of 8 k-steps
    // so the strided writes stay within a few cache lines
    long k0 = 0;
    for (; k0 + 8 <= kc; k0 += 8)
      for (long j = 0; j < nr; j++) {
        const float* src = b.p + j * b.cs + k0 * b.rs;
        for (long kk = 0; kk < 8; kk++) dst[(k0 + kk) * NR + j] = src[kk * b.rs];
      }
    for (long j = 0; j < nr; j++)
      for (long k = k0; k < kc; k++) dst[k * NR + j] = b.p[j * b.cs + k * b.rs];
  }
}

// dst[k * MR + i] = A(i, k) for i < mr, k < kc; rows mr..MR-1 are zero
void pack_a_panel(long kc, long mr, int MR, MatView a, float* dst) {
  if (a.rs == 1) {
    for (long k = 0; k < kc; k++) {
      float* d = dst + k * MR;
      memcpy(d, a.p + k * a.cs, mr * sizeof(float));
      for (long i = mr; i < MR; i++) d[i] = 0.0f;
    }
  } else {
    if (mr < MR)
      for (long k = 0; k < kc; k++)
        for (long i = mr; i < MR; i++) dst[k * MR + i] = 0.0f;
    for (long i = 0; i < mr; i++) {
      const float* src = a.p + i * a.rs;
      if (a.cs == 1)
        for (long k = 0; k < kc; k++) dst[k * MR + i] = src[k];
      else
        for (long k = 0; k < kc; k++) dst[k * MR + i] = src[k * a.cs];
    }
  }
}

// Whether the in-place microkernel applies the epilogue as it stores the tile (linear or relu)
bool stores_epilogue(const Isa& isa, const Epilogue* ep) {
  return ep && isa.gemm_ukernel_ax_ep && (ep->act == KT_ACT_LINEAR || ep->act == KT_ACT_RELU);
}

// Panels MR x kc of A packed together (A's rows ir.. ir + MC_PANELS MR - 1), then multiplied by B.
constexpr long MC_PANELS = 16;

// ceil(mc / MR) panels of A's rows 0..mc-1 (as pack_a_panel each, one after the other, kc * MR apart).
// A transposed (a.rs == 1: the x^T of dW = x^T dy) is read along its rows, mc floats contiguous per k
// step: panel by panel, each k step would read MR floats of a different row, kc rows per panel, too many
// streams for the prefetchers when the rows are long (the CNN's 9216 features: 107 -> ... GFLOP/s).
void pack_a_block(long kc, long mc, int MR, MatView a, float* dst) {
  const long np = (mc + MR - 1) / MR;
  if (a.rs == 1) {
    for (long k = 0; k < kc; k++) {
      const float* src = a.p + k * a.cs;
      for (long p = 0; p < np; p++) {
        const long mr = mc - p * MR < MR ? mc - p * MR : MR;
        float* d = dst + p * kc * MR + k * MR;
        memcpy(d, src + p * MR, mr * sizeof(float));
        for (long i = mr; i < MR; i++) d[i] = 0.0f;
      }
    }
    return;
  }
  for (long p = 0; p < np; p++) {
    const long mr = mc - p * MR < MR ? mc - p * MR : MR;
    pack_a_panel(kc, mr, MR, MatView{a.p + p * MR * a.rs, a.rs, a.cs}, dst + p * kc * MR);
  }
}

}  // namespace

void gemm_serial(long m, long n, long k, MatView a, MatView b, float* c, long ldc, bool accumulate,
                 const Epilogue* ep) {
  if (m <= 0 || n <= 0) return;
  const Isa& isa = kt::isa();
  if (k <= 0) {
    if (!accumulate)
      for (long i = 0; i < m; i++) memset(c + i * ldc, 0, n * sizeof(float));
    if (ep) isa.bias_act(c, ldc, m, n, ep->bias, ep->act);
    return;
  }
  const int MR = isa.mr, NR = isa.nr;
  Workspace& ws = workspace();
  const long nc_max = n < NC ? n : NC;
  // k in equal blocks of at most KC (784 = 2 x 392, not 3 x 256 + 16: a short last block wastes
  // a pass over C)
  const long kblocks = (k + KC - 1) / KC;
  const long kc_max = (k + kblocks - 1) / kblocks;
  float* bp = grow(ws.b, ws.b_cap, kc_max * ((nc_max + NR - 1) / NR) * NR);
  // row-major A, or any A when B is one panel wide: a transposed A's k steps lie m floats apart (2 KiB
  // for m = 512, all in two sets of the L1 cache), where its packed copy, a memcpy per k step, ran 6 %
  // faster when the copy serves many panels of B; for one panel (dW of a 10-unit layer) it is not
  // repaid
  const bool direct_a = isa.gemm_ukernel_ax && (a.cs == 1 || n <= NR);
  const long mpanels = (m + MR - 1) / MR;
  float* ap = direct_a ? nullptr : grow(ws.a, ws.a_cap, kc_max * MR * (mpanels < MC_PANELS ? mpanels : MC_PANELS));
  float* tile = ws.tile;
  const bool store_ep = stores_epilogue(isa, ep);

  for (long jc = 0; jc < n; jc += NC) {
    const long nc = n - jc < NC ? n - jc : NC;
    for (long pc = 0; pc < k; pc += kc_max) {
      const long kc = k - pc < kc_max ? k - pc : kc_max;
      const int acc = accumulate || pc > 0;
      const bool last = pc + kc >= k;
      // B's rows contiguous: the first row block packs B as it computes (gemm_ukernel_ax_pack)
      const bool fused_pack = direct_a && isa.gemm_ukernel_ax_pack && b.cs == 1;
      if (!fused_pack)
        for (long jr = 0; jr < nc; jr += NR) {
          const long nr = nc - jr < NR ? nc - jr : NR;
          MatView bv = {b.p + pc * b.rs + (jc + jr) * b.cs, b.rs, b.cs};
          pack_b_panel(kc, nr, NR, bv, bp + (jr / NR) * kc * NR);
        }
      for (long ir = 0; ir < m; ir += MR) {
        const long mr = m - ir < MR ? m - ir : MR;
        MatView av = {a.p + ir * a.rs + pc * a.cs, a.rs, a.cs};
        if (direct_a) {
          // A read where it lies: no packed copy (for these shapes the copy cost ~5 % of the product)
          for (long jr = 0; jr < nc; jr += NR) {
            const long nr = nc - jr < NR ? nc - jr : NR;
            float* cij = c + ir * ldc + jc + jr;
            float* bpanel = bp + (jr / NR) * kc * NR;
            const float* bias = ep && ep->bias ? ep->bias + jc + jr : nullptr;
            if (fused_pack && ir == 0) {
              isa.gemm_ukernel_ax_pack(kc, av.p, av.rs, av.cs, b.p + pc * b.rs + jc + jr, b.rs, bpanel, cij, ldc, acc, mr, nr);
            } else if (last && store_ep) {
              isa.gemm_ukernel_ax_ep(kc, av.p, av.rs, av.cs, bpanel, cij, ldc, acc, mr, nr, bias, ep->act);
              continue;
            } else {
              isa.gemm_ukernel_ax(kc, av.p, av.rs, av.cs, bpanel, cij, ldc, acc, mr, nr);
            }
            if (last && ep) isa.bias_act(cij, ldc, mr, nr, bias, ep->act);
          }
          continue;
        }
        // A packed a block of MC_PANELS panels at a time (see pack_a_block)
        if (ir % (MC_PANELS * MR) == 0) {
          const long mc = m - ir < MC_PANELS * MR ? m - ir : MC_PANELS * MR;
          pack_a_block(kc, mc, MR, av, ap);
        }
        const float* apanel = ap + ((ir / MR) % MC_PANELS) * kc * MR;
        for (long jr = 0; jr < nc; jr += NR) {
          const long nr = nc - jr < NR ? nc - jr : NR;
          float* cij = c + ir * ldc + jc + jr;
          const float* bpanel = bp + (jr / NR) * kc * NR;
          if (mr == MR && nr == NR && !isa.gemm_ukernel_ax) {
            isa.gemm_ukernel(kc, apanel, bpanel, cij, ldc, acc);
          } else if (isa.gemm_ukernel_ax) {
            // a partial tile straight into C (masked), the packed panel read as a k-major A: the same
            // sums as the full tile's, without computing and copying a whole one
            isa.gemm_ukernel_ax(kc, apanel, 1, MR, bpanel, cij, ldc, acc, mr, nr);
          } else {
            isa.gemm_ukernel(kc, apanel, bpanel, tile, NR, 0);
            for (long i = 0; i < mr; i++)
              for (long j = 0; j < nr; j++)
                cij[i * ldc + j] = acc ? cij[i * ldc + j] + tile[i * NR + j] : tile[i * NR + j];
          }
          // the tile was just written: bias and activation while it is in L1
          if (last && ep) isa.bias_act(cij, ldc, mr, nr, ep->bias ? ep->bias + jc + jr : nullptr, ep->act);
        }
      }
    }
  }
}

bool gemm_single_k_block(long k) { return k <= KC; }

int gemm_threads(long m, long n, long k, int available) {
  // Below about a million multiply-adds (~100^3) a second thread saves nothing
  // (measured: see BENCHMARKS.md, "Threading crossover").
  const double work = (double)m * n * k;
  int t = (int)(work / 1048576.0);
  if (t < 1) t = 1;
  if (t > available) t = available;
  return t;
}

namespace {

struct GemmJob {
  long m, n, k;
  MatView a, b;
  float* c;
  long ldc;
  bool accumulate;
  int tm, tn;  // thread grid
  int MR, NR;
  const Epilogue* ep;
};

void gemm_task(void* p, int tid, int nthreads) {
  const GemmJob& j = *(const GemmJob*)p;
  (void)nthreads;
  const int ti = tid / j.tn, tj = tid % j.tn;
  // split in whole tiles so no two threads share a microkernel tile
  const long mt = (j.m + j.MR - 1) / j.MR, nt = (j.n + j.NR - 1) / j.NR;
  long mb, me, nb, ne;
  split_range(mt, j.tm, ti, &mb, &me);
  split_range(nt, j.tn, tj, &nb, &ne);
  long i0 = mb * j.MR, i1 = me * j.MR < j.m ? me * j.MR : j.m;
  long j0 = nb * j.NR, j1 = ne * j.NR < j.n ? ne * j.NR : j.n;
  if (i1 <= i0 || j1 <= j0) return;
  MatView a = {j.a.p + i0 * j.a.rs, j.a.rs, j.a.cs};
  MatView b = {j.b.p + j0 * j.b.cs, j.b.rs, j.b.cs};
  Epilogue ep;
  if (j.ep) ep = Epilogue{j.ep->bias ? j.ep->bias + j0 : nullptr, j.ep->act};
  gemm_serial(i1 - i0, j1 - j0, j.k, a, b, j.c + i0 * j.ldc + j0, j.ldc, j.accumulate, j.ep ? &ep : nullptr);
}

}  // namespace

void gemm(long m, long n, long k, MatView a, MatView b, float* c, long ldc, bool accumulate, int threads,
          const Epilogue* ep) {
  const Isa& isa = kt::isa();
  const long mt = (m + isa.mr - 1) / isa.mr, nt = (n + isa.nr - 1) / isa.nr;
  int t = gemm_threads(m, n, k, threads);
  if (t > mt * nt) t = (int)(mt * nt);
  if (t <= 1) {
    gemm_serial(m, n, k, a, b, c, ldc, accumulate, ep);
    return;
  }
  // choose the thread grid tm x tn = t with the smallest largest share, counting the packing each
  // thread repeats (all of B's share for every row block, A's share for every column block)
  int best_tm = 1;
  double best = 1e300;
  for (int tm = 1; tm <= t; tm++) {
    if (t % tm) continue;
    const int tn = t / tm;
    const double rows = (double)((mt + tm - 1) / tm) * isa.mr, cols = (double)((nt + tn - 1) / tn) * isa.nr;
    const double cost = rows * cols * k + 4.0 * k * (rows + cols);
    if (cost < best) { best = cost; best_tm = tm; }
  }
  GemmJob job = {m, n, k, a, b, c, ldc, accumulate, best_tm, t / best_tm, isa.mr, isa.nr, ep};
  parallel_run(t, gemm_task, &job);
}

long packed_b_floats(long k, long n) {
  const int NR = kt::isa().nr;
  return ((n + NR - 1) / NR) * NR * (k > 0 ? k : 1);
}

void pack_b(long k, long n, MatView b, float* dst) {
  const int NR = kt::isa().nr;
  for (long jr = 0; jr < n; jr += NR) {
    const long nr = n - jr < NR ? n - jr : NR;
    pack_b_panel(k, nr, NR, MatView{b.p + jr * b.cs, b.rs, b.cs}, dst + (jr / NR) * k * NR);
  }
}

namespace {
// the header: a tag, k, n, the ISA's NR and the offset of the panels, as floats (exact below 2^24)
constexpr long HEADER = 5, SLACK = HEADER + 16;
constexpr float TAG = 1234567.0f;

long aligned_offset(const float* buf) {
  long o = HEADER;
  while (((uintptr_t)(buf + o)) & 63) o++;
  return o;
}
}  // namespace

long packed_b_buffer_floats(long k, long n) { return packed_b_floats(k, n) + SLACK; }

void pack_b_to_buffer(long k, long n, MatView b, float* buf) {
  const long o = aligned_offset(buf);
  if (k > 0) pack_b(k, n, b, buf + o);
  const float header[HEADER] = {TAG, (float)k, (float)n, (float)kt::isa().nr, (float)o};
  memcpy(buf, header, sizeof header);
}

const float* packed_b_in_buffer(long k, long n, float* buf) {
  if (buf[0] != TAG || buf[1] != (float)k || buf[2] != (float)n || buf[3] != (float)kt::isa().nr) return nullptr;
  const long was = (long)buf[4];
  if (was < HEADER || was >= SLACK) return nullptr;
#if defined(__wasm__)
  return buf + was;  // v128 loads need no alignment
#else
  const long o = aligned_offset(buf);
  if (o != was) {
    memmove(buf + o, buf + was, packed_b_floats(k, n) * sizeof(float));
    buf[4] = (float)o;
  }
  return buf + o;
#endif
}

PackedB::PackedB(long k, long n, MatView b) : p_(nullptr) {
  long cap = 0;
  grow(p_, cap, packed_b_floats(k, n));
  if (k > 0) pack_b(k, n, b, p_);
}

PackedB::~PackedB() { free(p_); }

namespace {

struct PackedJob {
  long m, n, k;
  MatView a;
  const float* bp;
  float* c;
  long ldc;
  bool accumulate;
  const Epilogue* ep;
};

// Column panels [p0, p1) of C: all of A packed once into this thread's workspace (m is small: a
// batch), then k block by k block (A's columns of the block stay in L2 and are read from memory once,
// even when A is large, as the CNN's 128 x 9216), each panel of A (in L1) against every panel of B
// (streamed from L2, as gemm_serial does), the epilogue on each tile after its last k block. k in the
// same equal blocks as gemm_serial, each tile's blocks in the same order, so the sums are the same.
void packed_panels(const PackedJob& j, long p0, long p1) {
  const Isa& isa = kt::isa();
  const int MR = isa.mr, NR = isa.nr;
  const long k = j.k, mp = (j.m + MR - 1) / MR;
  Workspace& ws = workspace();
  const long kblocks = (k + KC - 1) / KC, kc_max = (k + kblocks - 1) / kblocks;
  // A read where it lies (see gemm_serial), else packed once; the same k blocks either way, so the same sums
  const bool in_place = isa.gemm_ukernel_ax && j.a.cs == 1;
  float* ap = nullptr;
  if (!in_place) {
    ap = grow(ws.a, ws.a_cap, mp * MR * k);
    for (long ir = 0; ir < mp; ir++) {
      const long mr = j.m - ir * MR < MR ? j.m - ir * MR : MR;
      pack_a_panel(k, mr, MR, MatView{j.a.p + ir * MR * j.a.rs, j.a.rs, j.a.cs}, ap + ir * MR * k);
    }
  }
  float* tile = ws.tile;
  const bool store_ep = stores_epilogue(isa, j.ep);
  // A row-major and small (a batch: its rows stay in L2 from panel to panel): each tile summed over all
  // its k blocks in one call, C stored once instead of stored and read back after every k block (the
  // same sums in the same order; C's rows apart, as that kernel asks)
  if (in_place && kblocks > 1 && isa.gemm_ukernel_ax_kblocks && j.a.rs != 1 && j.m * k <= (1L << 18) && j.ldc >= j.n) {
    for (long ir = 0; ir < mp; ir++) {
      const long mr = j.m - ir * MR < MR ? j.m - ir * MR : MR;
      for (long p = p0; p < p1; p++) {
        const long jr = p * NR, nr = j.n - jr < NR ? j.n - jr : NR;
        float* cij = j.c + ir * MR * j.ldc + jr;
        const float* bias = j.ep && j.ep->bias ? j.ep->bias + jr : nullptr;
        isa.gemm_ukernel_ax_kblocks(k, kc_max, j.a.p + ir * MR * j.a.rs, j.a.rs, j.bp + p * k * NR, cij, j.ldc, j.accumulate,
                                    mr, nr, store_ep ? bias : nullptr, store_ep ? j.ep->act : KT_ACT_LINEAR);
        if (j.ep && !store_ep) isa.bias_act(cij, j.ldc, mr, nr, bias, j.ep->act);
      }
    }
    return;
  }
  for (long pc = 0; pc < k; pc += kc_max) {
    const long kc = k - pc < kc_max ? k - pc : kc_max;
    const int acc = j.accumulate || pc > 0;
    const bool last = pc + kc >= k;
    for (long ir = 0; ir < mp; ir++) {
      const long mr = j.m - ir * MR < MR ? j.m - ir * MR : MR;
      for (long p = p0; p < p1; p++) {
        const long jr = p * NR, nr = j.n - jr < NR ? j.n - jr : NR;
        const float* bpanel = j.bp + p * k * NR + pc * NR;
        float* cij = j.c + ir * MR * j.ldc + jr;
        if (in_place && last && store_ep) {
          isa.gemm_ukernel_ax_ep(kc, j.a.p + ir * MR * j.a.rs + pc * j.a.cs, j.a.rs, j.a.cs, bpanel, cij, j.ldc, acc, mr, nr,
                                 j.ep->bias ? j.ep->bias + jr : nullptr, j.ep->act);
          continue;
        }
        if (in_place) {
          isa.gemm_ukernel_ax(kc, j.a.p + ir * MR * j.a.rs + pc * j.a.cs, j.a.rs, j.a.cs, bpanel, cij, j.ldc, acc, mr, nr);
        } else {
          const float* apanel = ap + ir * MR * k + pc * MR;
          if (mr == MR && nr == NR) {
            isa.gemm_ukernel(kc, apanel, bpanel, cij, j.ldc, acc);
          } else {
            isa.gemm_ukernel(kc, apanel, bpanel, tile, NR, 0);
            for (long i = 0; i < mr; i++)
              for (long jj = 0; jj < nr; jj++)
                cij[i * j.ldc + jj] = acc ? cij[i * j.ldc + jj] + tile[i * NR + jj] : tile[i * NR + jj];
          }
        }
        if (last && j.ep) isa.bias_act(cij, j.ldc, mr, nr, j.ep->bias ? j.ep->bias + jr : nullptr, j.ep->act);
      }
    }
  }
}

void packed_task(void* p, int tid, int nt) {
  const PackedJob& j = *(const PackedJob*)p;
  const long panels = (j.n + kt::isa().nr - 1) / kt::isa().nr;
  long b, e;
  split_range(panels, nt, tid, &b, &e);
  if (e > b) packed_panels(j, b, e);
}

}  // namespace

void gemm_packed_b(long m, long n, long k, MatView a, const float* bp, float* c, long ldc, bool accumulate,
                   int threads, const Epilogue* ep) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate)
      for (long i = 0; i < m; i++) memset(c + i * ldc, 0, n * sizeof(float));
    if (ep) kt::isa().bias_act(c, ldc, m, n, ep->bias, ep->act);
    return;
  }
  PackedJob job = {m, n, k, a, bp, c, ldc, accumulate, ep};
  const long panels = (n + kt::isa().nr - 1) / kt::isa().nr;
  int t = gemm_threads(m, n, k, threads);
  if (t > panels) t = (int)panels;
  if (t <= 1)
    packed_panels(job, 0, panels);
  else
    parallel_run(t, packed_task, &job);
}

}  // namespace kt
