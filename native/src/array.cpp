// Index and copy kernels: Gather (an Embedding's lookup), ScatterAdd (its gradient), Concat and Split
// along any axis, and the threaded drivers of the recurrent steps' backward cells. Arguments,
// buffer lengths and index values are validated by dispatch.cpp before these run.
#include <string.h>

#include "isa.h"
#include "ops.h"
#include "threadpool.h"

namespace kt {
namespace {

// Elements (floats moved) below which a copy stays on one thread.
constexpr long kParallelCopy = 1L << 16;

int copy_threads(long elems, long parts, int threads) {
  int t = elems >= kParallelCopy ? threads : 1;
  if (t > parts) t = (int)parts;
  return t < 1 ? 1 : t;
}

inline int32_t index_at(const float* idx, long j) {
  int32_t v;
  memcpy(&v, idx + j, 4);  // the buffer holds int32 bits (see src/backends/native/kernels.ts)
  return v;
}

struct GatherJob {
  const float* x;
  const float* idx;
  float* y;
  long outer, n, inner, m;
};

}  // namespace

void gather(const float* x, const float* idx, float* y, long outer, long n, long inner, long m, int threads) {
  const long rows = outer * m;
  if (rows == 0 || inner == 0) return;
  GatherJob job = {x, idx, y, outer, n, inner, m};
  auto task = [](void* p, int tid, int nt) {
    const GatherJob& j = *(const GatherJob*)p;
    long b, e;
    split_range(j.outer * j.m, nt, tid, &b, &e);
    for (long r = b; r < e; r++) {
      const long o = r / j.m, k = r % j.m;
      const float* src = j.x + (o * j.n + index_at(j.idx, k)) * j.inner;
      float* dst = j.y + r * j.inner;
      if (j.inner == 1)
        *dst = *src;
      else
        memcpy(dst, src, j.inner * sizeof(float));
    }
  };
  parallel_run(copy_threads(rows * inner, rows, threads), task, &job);
}

namespace {

struct ScatterJob {
  const float* idx;
  const float* upd;
  float* y;
  long outer, n, inner, m;
  long total;  // y's elements
  bool by_columns;
};

}  // namespace

void scatter_add(const float* idx, const float* upd, float* y, long outer, long n, long inner, long m, int threads) {
  const long total = outer * n * inner;
  if (total == 0) return;
  // Several indices may name one row, so threads never share output elements: they split the
  // columns (inner) when those are many, else the outer blocks. Each thread zeroes what it owns.
  const bool by_columns = inner >= 64 || outer == 1;
  const long parts = by_columns ? inner / (inner >= 64 ? 16 : 1) : outer;
  ScatterJob job = {idx, upd, y, outer, n, inner, m, total, by_columns};
  auto task = [](void* p, int tid, int nt) {
    const ScatterJob& j = *(const ScatterJob*)p;
    long cb = 0, ce = j.inner, ob = 0, oe = j.outer;
    if (j.by_columns) {
      split_range(j.inner, nt, tid, &cb, &ce);
    } else {
      split_range(j.outer, nt, tid, &ob, &oe);
    }
    if (ce <= cb || oe <= ob) return;
    const long w = ce - cb;
    for (long o = ob; o < oe; o++) {
      float* yo = j.y + o * j.n * j.inner;
      if (w == j.inner)
        memset(yo, 0, j.n * j.inner * sizeof(float));
      else
        for (long r = 0; r < j.n; r++) memset(yo + r * j.inner + cb, 0, w * sizeof(float));
      const float* uo = j.upd + o * j.m * j.inner;
      for (long k = 0; k < j.m; k++) {
        float* dst = yo + index_at(j.idx, k) * j.inner + cb;
        const float* src = uo + k * j.inner + cb;
        for (long c = 0; c < w; c++) dst[c] += src[c];
      }
    }
  };
  parallel_run(copy_threads(total + m * inner * outer, parts, threads), task, &job);
}

namespace {

// Concat (join) or Split: pieces[p] holds [outer, rows[p]] and the whole [outer, sum(rows)]
struct JoinJob {
  float* const* pieces;
  const long* rows;
  long npieces, outer, row_total;
  float* whole;
  bool join;
};

}  // namespace

void concat_split(bool join, float* const* pieces, const long* rows, long npieces, float* whole, long outer,
                  long row_total, int threads) {
  if (outer == 0 || row_total == 0) return;
  long moved = 0;
  for (long q = 0; q < npieces; q++) moved += rows[q];
  JoinJob job = {pieces, rows, npieces, outer, row_total, whole, join};
  auto task = [](void* p, int tid, int nt) {
    const JoinJob& j = *(const JoinJob*)p;
    long b, e;
    split_range(j.outer, nt, tid, &b, &e);
    for (long o = b; o < e; o++) {
      float* w = j.whole + o * j.row_total;
      for (long q = 0; q < j.npieces; q++) {
        const long r = j.rows[q];
        if (r == 0) continue;
        float* piece = j.pieces[q] + o * r;
        if (j.join)
          memcpy(w, piece, r * sizeof(float));
        else
          memcpy(piece, w, r * sizeof(float));
        w += r;
      }
    }
  };
  parallel_run(copy_threads(outer * moved, outer, threads), task, &job);
}

namespace {

struct CellGradJob {
  long batch, u;
  const float *dh, *dc, *dg, *g, *cn, *c, *h;
  float *o0, *o1, *o2;
  bool lstm;
};

void cell_grad_task(void* p, int tid, int nt) {
  const CellGradJob& j = *(const CellGradJob*)p;
  long b, e;
  split_range(j.batch, nt, tid, &b, &e);
  if (e <= b) return;
  const long u = j.u;
  if (j.lstm)
    isa().lstm_cell_grad(j.dh + b * u, j.dc + b * u, j.dg + b * 4 * u, j.g + b * 4 * u, j.cn + b * u, j.c + b * u,
                         j.o0 + b * 4 * u, j.o1 + b * u, e - b, u);
  else
    isa().gru_cell_grad(j.dh + b * u, j.dg + b * 4 * u, j.g + b * 4 * u, j.h + b * u, j.o0 + b * 3 * u,
                        j.o1 + b * 3 * u, j.o2 + b * u, e - b, u);
}

void run_cell_grads(CellGradJob& job, int threads) {
  // a tanh is ~20 flops: 8 "elements" of elementwise work per value, as the forward cells
  int t = job.batch * job.u * 4 * 8 >= kParallelCopy ? threads : 1;
  if (t > job.batch) t = (int)job.batch;
  parallel_run(t < 1 ? 1 : t, cell_grad_task, &job);
}

}  // namespace

void lstm_step_grad(long batch, long u, const float* dh, const float* dc, const float* dgates, const float* gates,
                    const float* c_new, const float* c, float* da, float* dc_prev, int threads) {
  if (batch == 0 || u == 0) return;
  CellGradJob job = {batch, u, dh, dc, dgates, gates, c_new, c, nullptr, da, dc_prev, nullptr, true};
  run_cell_grads(job, threads);
}

void gru_step_grad(long batch, long u, const float* dh, const float* dres, const float* res, const float* h, float* dz,
                   float* dm, float* dh_direct, int threads) {
  if (batch == 0 || u == 0) return;
  CellGradJob job = {batch, u, dh, nullptr, dres, res, nullptr, nullptr, h, dz, dm, dh_direct, false};
  run_cell_grads(job, threads);
}

}  // namespace kt
