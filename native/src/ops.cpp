// Pooling (NHWC, vectorized over channels), and the threaded drivers of the elementwise,
// reduction and softmax loops of the active instruction set.
#include "ops.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../include/keras_native.h"
#include "gemm.h"
#include "isa.h"
#include "threadpool.h"

namespace kt {
namespace {

// Elements below which an elementwise loop stays on one thread (see BENCHMARKS.md).
constexpr long kParallelElems = 1L << 16;

int threads_for(long work, int threads) { return work >= kParallelElems ? threads : 1; }

template <class F>
void parallel_images(long n, long work_per_image, int threads, F& body) {
  struct Job {
    F* body;
    long n;
  } job = {&body, n};
  auto task = [](void* p, int tid, int nt) {
    Job& j = *(Job*)p;
    long b, e;
    split_range(j.n, nt, tid, &b, &e);
    for (long i = b; i < e; i++) (*j.body)(i);
  };
  int t = threads_for(n * work_per_image, threads);
  if (t > n) t = (int)n;
  parallel_run(t, task, &job);
}

inline long lmax(long a, long b) { return a > b ? a : b; }

// best = max(best, in) over channels, NaN winning (as MaxPool); at[c] = k where in[c] became the best
// (strictly greater, so the first maximal cell keeps it)
void channel_argmax(const float* __restrict in, float* __restrict best, float* __restrict at, float k, long C) {
  for (long c = 0; c < C; c++) {
    const float v = in[c], b = best[c];
    const bool take = (v > b) | ((v != v) & (b == b));
    best[c] = take ? v : b;
    at[c] = take ? k : at[c];
  }
}

// p[c] += d[c] where the window's arg-max is cell k. Written as p + (d & mask) so that it vectorizes
// (a conditional add stays a branch); exact: dx starts at +0 and a sum that starts at +0 is never -0,
// so adding the +0 of a masked-out lane changes nothing, and a NaN in dy stays in its own cell.
void channel_scatter(const float* __restrict at, float k, const float* __restrict d, float* __restrict p, long C) {
  for (long c = 0; c < C; c++) {
    uint32_t bits;
    memcpy(&bits, &d[c], 4);
    bits &= at[c] == k ? 0xffffffffu : 0u;
    float add;
    memcpy(&add, &bits, 4);
    p[c] += add;
  }
}

inline long lmin(long a, long b) { return a < b ? a : b; }

}  // namespace

void maxpool(const ConvGeom& g, const float* x, float* y, int threads) {
  const long C = g.cin;
  const float ninf = -__builtin_inff();
  auto body = [&](long n) {
    for (long oh = 0; oh < g.oh; oh++)
      for (long ow = 0; ow < g.ow; ow++) {
        float* out = y + ((n * g.oh + oh) * g.ow + ow) * C;
        for (long c = 0; c < C; c++) out[c] = ninf;
        const long h0 = oh * g.sh - g.pt, w0 = ow * g.sw - g.pl;
        // `same` padding never picks a padded cell: padded cells are skipped, not zeros
        for (long ih = lmax(h0, 0); ih < lmin(h0 + g.kh, g.h); ih++)
          for (long iw = lmax(w0, 0); iw < lmin(w0 + g.kw, g.w); iw++) {
            const float* in = x + ((n * g.h + ih) * g.w + iw) * C;
            for (long c = 0; c < C; c++) out[c] = (in[c] > out[c]) | (in[c] != in[c]) ? in[c] : out[c];
          }
      }
  };
  parallel_images(g.n, g.oh * g.ow * C * g.kh * g.kw, threads, body);
}

void maxpool_grad(const ConvGeom& g, const float* x, const float* dy, float* dx, int threads) {
  const long C = g.cin;
  auto body = [&](long n) {
    float* o = dx + n * g.h * g.w * C;
    const float* xn = x + n * g.h * g.w * C;
    memset(o, 0, g.h * g.w * C * sizeof(float));
    // per window: the arg-max of each channel as a float cell index (the first maximal cell, NaN
    // winning, as the reference), then dy added at that cell: selects on floats, no index arrays,
    // so both passes vectorize over channels
    float* best = (float*)malloc(2 * C * sizeof(float));
    if (!best) abort();
    float* at = best + C;
    for (long oh = 0; oh < g.oh; oh++)
      for (long ow = 0; ow < g.ow; ow++) {
        const long h0 = oh * g.sh - g.pt, w0 = ow * g.sw - g.pl;
        const long hb = lmax(h0, 0), he = lmin(h0 + g.kh, g.h), wb = lmax(w0, 0), we = lmin(w0 + g.kw, g.w);
        if (hb >= he || wb >= we) continue;
        const float* first = xn + (hb * g.w + wb) * C;
        for (long c = 0; c < C; c++) { best[c] = first[c]; at[c] = 0.0f; }
        float k = 0.0f;
        for (long ih = hb; ih < he; ih++)
          for (long iw = wb; iw < we; iw++, k += 1.0f) channel_argmax(xn + (ih * g.w + iw) * C, best, at, k, C);
        const float* d = dy + ((n * g.oh + oh) * g.ow + ow) * C;
        k = 0.0f;
        for (long ih = hb; ih < he; ih++)
          for (long iw = wb; iw < we; iw++, k += 1.0f) channel_scatter(at, k, d, o + (ih * g.w + iw) * C, C);
      }
    free(best);
  };
  parallel_images(g.n, g.oh * g.ow * C * g.kh * g.kw, threads, body);
}

void avgpool(const ConvGeom& g, const float* x, float* y, int threads) {
  const long C = g.cin;
  auto body = [&](long n) {
    for (long oh = 0; oh < g.oh; oh++)
      for (long ow = 0; ow < g.ow; ow++) {
        float* out = y + ((n * g.oh + oh) * g.ow + ow) * C;
        for (long c = 0; c < C; c++) out[c] = 0.0f;
        const long h0 = oh * g.sh - g.pt, w0 = ow * g.sw - g.pl;
        const long hb = lmax(h0, 0), he = lmin(h0 + g.kh, g.h), wb = lmax(w0, 0), we = lmin(w0 + g.kw, g.w);
        for (long ih = hb; ih < he; ih++)
          for (long iw = wb; iw < we; iw++) {
            const float* in = x + ((n * g.h + ih) * g.w + iw) * C;
            for (long c = 0; c < C; c++) out[c] += in[c];
          }
        // `same` padding averages over the valid cells only
        const long count = (he - hb) * (we - wb);
        const float inv = count > 0 ? 1.0f / (float)count : 0.0f;
        for (long c = 0; c < C; c++) out[c] *= inv;
      }
  };
  parallel_images(g.n, g.oh * g.ow * C * g.kh * g.kw, threads, body);
}

void avgpool_grad(const ConvGeom& g, const float* dy, float* dx, int threads) {
  const long C = g.cin;
  auto body = [&](long n) {
    float* o = dx + n * g.h * g.w * C;
    memset(o, 0, g.h * g.w * C * sizeof(float));
    for (long oh = 0; oh < g.oh; oh++)
      for (long ow = 0; ow < g.ow; ow++) {
        const long h0 = oh * g.sh - g.pt, w0 = ow * g.sw - g.pl;
        const long hb = lmax(h0, 0), he = lmin(h0 + g.kh, g.h), wb = lmax(w0, 0), we = lmin(w0 + g.kw, g.w);
        const long count = (he - hb) * (we - wb);
        if (count <= 0) continue;
        const float inv = 1.0f / (float)count;
        const float* d = dy + ((n * g.oh + oh) * g.ow + ow) * C;
        for (long ih = hb; ih < he; ih++)
          for (long iw = wb; iw < we; iw++) {
            float* p = o + (ih * g.w + iw) * C;
            for (long c = 0; c < C; c++) p[c] += d[c] * inv;
          }
      }
  };
  parallel_images(g.n, g.oh * g.ow * C * g.kh * g.kw, threads, body);
}

namespace {

struct UnaryJob {
  int op;
  const float* x;
  float* y;
  long n;
  float p0, p1;
};

void unary_task(void* p, int tid, int nt) {
  const UnaryJob& j = *(const UnaryJob*)p;
  long b, e;
  split_range(j.n, nt, tid, &b, &e);
  isa().unary(j.op, j.x + b, j.y + b, e - b, j.p0, j.p1);
}

}  // namespace

void unary(int op, const float* x, float* y, long n, float p0, float p1, int threads) {
  UnaryJob job = {op, x, y, n, p0, p1};
  parallel_run(threads_for(n, threads), unary_task, &job);
}

namespace {

struct BinaryJob {
  int op, rank;
  const long* shape;
  const float* a;
  const long* as;
  const float* b;
  const long* bs;
  float* y;
  long rows, inner;
};

// rows of the innermost dimension [r0, r1)
void binary_rows(const BinaryJob& j, long r0, long r1) {
  const Isa& I = isa();
  const int r = j.rank;
  const long sa = j.as[r - 1], sb = j.bs[r - 1];
  const bool simple = (sa == 0 || sa == 1) && (sb == 0 || sb == 1);
  for (long row = r0; row < r1; row++) {
    long offa = 0, offb = 0, rem = row;
    for (int d = r - 2; d >= 0; d--) {
      const long idx = rem % j.shape[d];
      rem /= j.shape[d];
      offa += idx * j.as[d];
      offb += idx * j.bs[d];
    }
    float* y = j.y + row * j.inner;
    if (simple) {
      I.binary(j.op, j.a + offa, sa, j.b + offb, sb, y, j.inner);
    } else {
      for (long i = 0; i < j.inner; i++) {
        float t;
        I.binary(j.op, j.a + offa + i * sa, 0, j.b + offb + i * sb, 0, &t, 1);
        y[i] = t;
      }
    }
  }
}

void binary_task(void* p, int tid, int nt) {
  const BinaryJob& j = *(const BinaryJob*)p;
  long b, e;
  split_range(j.rows, nt, tid, &b, &e);
  binary_rows(j, b, e);
}

}  // namespace

void binary(int op, int rank, const long* shape, const float* a, const long* as, const float* b, const long* bs,
            float* y, int threads) {
  long total = 1;
  for (int d = 0; d < rank; d++) total *= shape[d];
  if (total == 0) return;
  if (rank == 0) {
    isa().binary(op, a, 0, b, 0, y, 1);
    return;
  }
  BinaryJob job = {op, rank, shape, a, as, b, bs, y, total / shape[rank - 1], shape[rank - 1]};
  int t = threads_for(total, threads);
  if (t > job.rows) t = (int)job.rows;
  parallel_run(t, binary_task, &job);
}

namespace {

struct ReduceJob {
  int op;
  const float* x;
  float* y;
  long outer, n, inner;
};

void reduce_task(void* p, int tid, int nt) {
  const ReduceJob& j = *(const ReduceJob*)p;
  const Isa& I = isa();
  if (j.inner == 1) {
    long b, e;
    split_range(j.outer, nt, tid, &b, &e);
    I.reduce_rows(j.op, j.x + b * j.n, j.y + b, e - b, j.n);
    return;
  }
  // split over (outer, inner-block) pairs
  const long blk = 1024;
  const long iblocks = (j.inner + blk - 1) / blk;
  long b, e;
  split_range(j.outer * iblocks, nt, tid, &b, &e);
  for (long t = b; t < e; t++) {
    const long o = t / iblocks, i0 = (t % iblocks) * blk, len = j.inner - i0 < blk ? j.inner - i0 : blk;
    float* acc = j.y + o * j.inner + i0;
    const float* xo = j.x + o * j.n * j.inner + i0;
    memcpy(acc, xo, len * sizeof(float));
    for (long k = 1; k < j.n; k++) I.reduce_accumulate(j.op, xo + k * j.inner, acc, len);
    if (j.op == KT_R_MEAN) {
      const float inv = 1.0f / (float)j.n;
      for (long i = 0; i < len; i++) acc[i] *= inv;
    }
  }
}

}  // namespace

void reduce(int op, const float* x, float* y, long outer, long n, long inner, int threads) {
  if (outer * inner == 0) return;
  if (n == 0) {
    // an empty reduction: the identity (sum 0, mean NaN, max -inf, min inf), as NumPy/the reference
    const float v = op == 0 ? 0.0f : op == 1 ? __builtin_nanf("") : op == 2 ? -__builtin_inff() : __builtin_inff();
    for (long i = 0; i < outer * inner; i++) y[i] = v;
    return;
  }
  ReduceJob job = {op, x, y, outer, n, inner};
  parallel_run(threads_for(outer * n * inner, threads), reduce_task, &job);
}

namespace {

struct SoftmaxJob {
  const float* x;
  float* y;
  long outer, n, inner;
  bool log;
};

void softmax_task(void* p, int tid, int nt) {
  const SoftmaxJob& j = *(const SoftmaxJob*)p;
  const Isa& I = isa();
  if (j.inner == 1) {
    long b, e;
    split_range(j.outer, nt, tid, &b, &e);
    I.softmax_rows(j.x + b * j.n, j.y + b * j.n, e - b, j.n, j.log);
    return;
  }
  // strided axis: gather each line into a contiguous buffer
  long b, e;
  split_range(j.outer * j.inner, nt, tid, &b, &e);
  float* buf = (float*)malloc(2 * j.n * sizeof(float));
  if (!buf) abort();
  for (long t = b; t < e; t++) {
    const long o = t / j.inner, i = t % j.inner;
    const float* xs = j.x + o * j.n * j.inner + i;
    for (long k = 0; k < j.n; k++) buf[k] = xs[k * j.inner];
    I.softmax_rows(buf, buf + j.n, 1, j.n, j.log);
    float* ys = j.y + o * j.n * j.inner + i;
    for (long k = 0; k < j.n; k++) ys[k * j.inner] = buf[j.n + k];
  }
  free(buf);
}

}  // namespace

void softmax(const float* x, float* y, long outer, long n, long inner, bool log, int threads) {
  if (outer * n * inner == 0) return;
  SoftmaxJob job = {x, y, outer, n, inner, log};
  parallel_run(threads_for(outer * n * inner * 8, threads), softmax_task, &job);
}

namespace {

struct ActGradJob {
  int act;
  const float *dy, *y;
  float* dz;
  long n;
};

void act_grad_task(void* p, int tid, int nt) {
  const ActGradJob& j = *(const ActGradJob*)p;
  long b, e;
  split_range(j.n, nt, tid, &b, &e);
  isa().act_grad(j.act, j.dy + b, j.y + b, j.dz + b, e - b);
}

// rows of a recurrent cell, split over threads when there is enough work
struct CellJob {
  long batch, u;
  const float *z, *h, *c, *m;
  float *h_out, *c_out, *gates;
  bool lstm;
};

void cell_task(void* p, int tid, int nt) {
  const CellJob& j = *(const CellJob*)p;
  long b, e;
  split_range(j.batch, nt, tid, &b, &e);
  if (e <= b) return;
  if (j.lstm)
    isa().lstm_cell(j.gates + b * 4 * j.u, j.c + b * j.u, j.h_out + b * j.u, j.c_out + b * j.u, e - b, j.u);
  else
    isa().gru_cell(j.z + b * 3 * j.u, j.m + b * 3 * j.u, j.h + b * j.u, j.h_out + b * j.u, j.gates + b * 4 * j.u, e - b, j.u);
}

void run_cells(CellJob& job, int threads) {
  // a sigmoid or tanh is ~20 flops: 8 "elements" of elementwise work per gate value
  int t = threads_for(job.batch * job.u * 4 * 8, threads);
  if (t > job.batch) t = (int)job.batch;
  parallel_run(t < 1 ? 1 : t, cell_task, &job);
}

}  // namespace

void act_grad(int act, const float* dy, const float* y, float* dz, long n, int threads) {
  if (n == 0) return;
  ActGradJob job = {act, dy, y, dz, n};
  parallel_run(threads_for(n, threads), act_grad_task, &job);
}

void lstm_step(long batch, long u, const float* z, const float* h, const float* c, const float* w, float* h_out,
               float* c_out, float* gates, int threads) {
  if (batch == 0 || u == 0) return;
  // a = z + h @ W, accumulated into the gates buffer, then the cell in place
  memcpy(gates, z, batch * 4 * u * sizeof(float));
  gemm(batch, 4 * u, u, MatView{h, u, 1}, MatView{w, 4 * u, 1}, gates, 4 * u, true, threads);
  CellJob job = {batch, u, z, h, c, nullptr, h_out, c_out, gates, true};
  run_cells(job, threads);
}

void gru_step(long batch, long u, const float* z, const float* h, const float* w, const float* rb, float* h_out,
              float* reserve, int threads) {
  if (batch == 0 || u == 0) return;
  const long g3 = 3 * u;
  float* m = (float*)malloc(batch * g3 * sizeof(float));
  if (!m) abort();
  for (long r = 0; r < batch; r++) memcpy(m + r * g3, rb, g3 * sizeof(float));
  gemm(batch, g3, u, MatView{h, u, 1}, MatView{w, g3, 1}, m, g3, true, threads);
  CellJob job = {batch, u, z, h, nullptr, m, h_out, nullptr, reserve, false};
  run_cells(job, threads);
  free(m);
}

namespace {

struct TransposeJob {
  int rank;          // of the output index space without its last axis
  long oshape[16];   // output shape
  long istride[16];  // input element stride for each output axis
  long inner;        // output's last axis length
  long inner_stride; // input stride along it (1: contiguous runs)
  const float* x;
  float* y;
  long rows;         // product of oshape[0..rank)
};

void transpose_rows(const TransposeJob& j, long r0, long r1) {
  for (long row = r0; row < r1; row++) {
    long off = 0, rem = row;
    for (int d = j.rank - 1; d >= 0; d--) {
      off += (rem % j.oshape[d]) * j.istride[d];
      rem /= j.oshape[d];
    }
    float* out = j.y + row * j.inner;
    const float* in = j.x + off;
    if (j.inner_stride == 1) memcpy(out, in, j.inner * sizeof(float));
    else for (long i = 0; i < j.inner; i++) out[i] = in[i * j.inner_stride];
  }
}

void transpose_task(void* p, int tid, int nt) {
  const TransposeJob& j = *(const TransposeJob*)p;
  long b, e;
  split_range(j.rows, nt, tid, &b, &e);
  transpose_rows(j, b, e);
}

}  // namespace

void transpose(int rank, const long* shape, const long* perm, const float* x, float* y, int threads) {
  long total = 1;
  for (int d = 0; d < rank; d++) total *= shape[d];
  if (total == 0) return;
  if (rank == 0) { y[0] = x[0]; return; }
  long xstride[16];
  xstride[rank - 1] = 1;
  for (int d = rank - 2; d >= 0; d--) xstride[d] = xstride[d + 1] * shape[d + 1];
  TransposeJob job;
  job.rank = rank - 1;
  job.rows = 1;
  for (int d = 0; d < rank - 1; d++) {
    job.oshape[d] = shape[perm[d]];
    job.istride[d] = xstride[perm[d]];
    job.rows *= job.oshape[d];
  }
  job.inner = shape[perm[rank - 1]];
  job.inner_stride = xstride[perm[rank - 1]];
  job.x = x;
  job.y = y;
  int t = threads_for(total, threads);
  if (t > job.rows) t = (int)job.rows;
  parallel_run(t < 1 ? 1 : t, transpose_task, &job);
}

}  // namespace kt
