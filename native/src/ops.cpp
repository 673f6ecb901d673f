// The threaded drivers of pooling (NHWC; the loops, vectorized over channels, are the active
// instruction set's: pool_impl.inc) and of the elementwise, reduction and softmax loops of the
// active instruction set.
#include "ops.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vector>

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

PoolGeom pool_geom(const ConvGeom& g) { return PoolGeom{g.h, g.w, g.cin, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, 0}; }

}  // namespace

// The loops are the instruction set's (pool_impl.inc), one image per call, images split over threads.
void maxpool(const ConvGeom& g, const float* x, float* y, int threads) {
  const PoolGeom pg = pool_geom(g);
  const Isa& s = isa();
  auto body = [&](long n) { s.maxpool(&pg, x + n * g.h * g.w * g.cin, y + n * g.oh * g.ow * g.cin); };
  parallel_images(g.n, g.oh * g.ow * g.cin * g.kh * g.kw, threads, body);
}

void maxpool_grad(const ConvGeom& g, const float* x, const float* dy, float* dx, int threads, bool relu) {
  PoolGeom pg = pool_geom(g);
  pg.relu = relu;
  const Isa& s = isa();
  const long in = g.h * g.w * g.cin, out = g.oh * g.ow * g.cin;
  auto body = [&](long n) { s.maxpool_grad(&pg, x + n * in, dy + n * out, dx + n * in); };
  parallel_images(g.n, out * g.kh * g.kw, threads, body);
}

void avgpool(const ConvGeom& g, const float* x, float* y, int threads) {
  const PoolGeom pg = pool_geom(g);
  const Isa& s = isa();
  auto body = [&](long n) { s.avgpool(&pg, x + n * g.h * g.w * g.cin, y + n * g.oh * g.ow * g.cin); };
  parallel_images(g.n, g.oh * g.ow * g.cin * g.kh * g.kw, threads, body);
}

void avgpool_grad(const ConvGeom& g, const float* dy, float* dx, int threads) {
  const PoolGeom pg = pool_geom(g);
  const Isa& s = isa();
  const long in = g.h * g.w * g.cin, out = g.oh * g.ow * g.cin;
  auto body = [&](long n) { s.avgpool_grad(&pg, dy + n * out, dx + n * in); };
  parallel_images(g.n, out * g.kh * g.kw, threads, body);
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

// one row (operands of one shape, or one a scalar: the whole product is the innermost dimension),
// split along it: elementwise, so the same values on any number of threads
void binary_row_task(void* p, int tid, int nt) {
  const BinaryJob& j = *(const BinaryJob*)p;
  const long sa = j.as[j.rank - 1], sb = j.bs[j.rank - 1];
  long b, e;
  split_range(j.inner, nt, tid, &b, &e);
  if (e > b) isa().binary(j.op, j.a + b * sa, sa, j.b + b * sb, sb, j.y + b, e - b);
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
  const long sa = as[rank - 1], sb = bs[rank - 1];
  if (job.rows == 1 && t > 1 && (sa == 0 || sa == 1) && (sb == 0 || sb == 1)) {
    parallel_run(t, binary_row_task, &job);
    return;
  }
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

}  // namespace

void act_grad(int act, const float* dy, const float* y, float* dz, long n, int threads) {
  if (n == 0) return;
  ActGradJob job = {act, dy, y, dz, n};
  parallel_run(threads_for(n, threads), act_grad_task, &job);
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


// The crossentropy fusion of a plan (src/plan/patterns.ts): the composite's operations in its order,
// its sums (over rows) and its logarithm the active instruction set's Sum and Log, so the values are
// those of the kernels it stands for.
void crossentropy_probs(const float* target, const float* p, float* loss, long rows, long n, double eps) {
  const Isa& I = isa();
  const float lo = (float)eps, hi = (float)(1.0 - eps);
  std::vector<float> s(rows + 1), c(rows * n + 1), l(rows * n + 1);
  I.reduce_rows(KT_R_SUM, p, s.data(), rows, n);
  for (long r = 0; r < rows; r++)
    for (long j = 0; j < n; j++) {
      const float q = p[r * n + j] / s[r];
      c[r * n + j] = q < lo ? lo : (q > hi ? hi : q);
    }
  I.unary(KT_U_LOG, c.data(), l.data(), rows * n, 0.0f, 0.0f);
  for (long i = 0; i < rows * n; i++) c[i] = target[i] * l[i];
  I.reduce_rows(KT_R_SUM, c.data(), loss, rows, n);
  for (long r = 0; r < rows; r++) loss[r] = -loss[r];
}

void softmax_crossentropy_grad(const float* target, const float* p, const float* dy, float* dx, long rows, long n,
                               double eps) {
  const Isa& I = isa();
  const float lo = (float)eps, hi = (float)(1.0 - eps);
  std::vector<float> s(rows + 1), w(rows + 1), v(rows * n + 1);
  I.reduce_rows(KT_R_SUM, p, s.data(), rows, n);
  // dq: the gradient at p / s, zero where the clip held it (into dx); v = -(dq * p) / s^2
  for (long r = 0; r < rows; r++) {
    const float sr = s[r], s2 = sr * sr, dm = -dy[r];
    for (long j = 0; j < n; j++) {
      const long i = r * n + j;
      const float q = p[i] / sr;
      const float c = q < lo ? lo : (q > hi ? hi : q);
      const float dl = dm * target[i];
      const float dq = (q < lo) | (q > hi) ? 0.0f : dl / c;
      dx[i] = dq;
      const float t = dq * p[i];
      v[i] = -(t / s2);
    }
  }
  I.reduce_rows(KT_R_SUM, v.data(), w.data(), rows, n);
  // dp = dq / s + w (into dx), then through the softmax: p * (dp - sum(dp * p))
  for (long r = 0; r < rows; r++)
    for (long j = 0; j < n; j++) {
      const long i = r * n + j;
      const float dp = dx[i] / s[r] + w[r];
      dx[i] = dp;
      v[i] = dp * p[i];
    }
  I.reduce_rows(KT_R_SUM, v.data(), w.data(), rows, n);
  for (long r = 0; r < rows; r++)
    for (long j = 0; j < n; j++) dx[r * n + j] = p[r * n + j] * (dx[r * n + j] - w[r]);
}

// MulReluGradSum: dz = (y > 0 ? a * b : +0), as Mul then ActivationGrad relu; db = the column sums of
// dz, row after row from row 0 as Sum over the leading axes adds them. Threads take column ranges.
namespace {

struct MulReluGradSumJob {
  const float *a, *b, *y;
  float *dz, *db;
  long rows, n;
};

// y > 0 ? v : +0, without a branch (the compiler keeps a branch for the select, mispredicted on a relu's zeros)
inline float relu_masked(float v, float y) {
  uint32_t bits;
  memcpy(&bits, &v, 4);
  bits &= -(uint32_t)(y > 0.0f);
  memcpy(&v, &bits, 4);
  return v;
}

// one row's columns [0, len): restrict-qualified so that the loops vectorize
void mul_relu_grad_sum_row(const float* __restrict a, const float* __restrict b, const float* __restrict y,
                           float* __restrict dz, float* __restrict db, long len, bool first) {
  if (first) {
    for (long c = 0; c < len; c++) {
      const float v = relu_masked(a[c] * b[c], y[c]);
      dz[c] = v;
      db[c] = v;
    }
  } else {
    for (long c = 0; c < len; c++) {
      const float v = relu_masked(a[c] * b[c], y[c]);
      dz[c] = v;
      db[c] += v;
    }
  }
}

constexpr long kSplitMulReluElems = 1L << 19;

void mul_relu_grad_sum_task(void* p, int tid, int nt) {
  const MulReluGradSumJob& j = *(const MulReluGradSumJob*)p;
  long c0, c1;
  split_range(j.n, nt, tid, &c0, &c1);
  for (long r = 0; r < j.rows; r++) {
    const long o = r * j.n + c0;
    mul_relu_grad_sum_row(j.a + o, j.b + o, j.y + o, j.dz + o, j.db + c0, c1 - c0, r == 0);
  }
}

}  // namespace

void mul_relu_grad_sum(const float* a, const float* b, const float* y, float* dz, float* db, long rows, long n,
                       int threads) {
  if (n == 0) return;
  if (rows == 0) {
    for (long c = 0; c < n; c++) db[c] = 0.0f;
    return;
  }
  MulReluGradSumJob job = {a, b, y, dz, db, rows, n};
  // one thread up to a few hundred thousand elements: a Dense layer's gradient (128 x 512, ~35 us)
  // took longer split over two threads than on one (the worker's wake-up and the columns' split of
  // each row) in the seed MLP's step
  int t = rows * n >= kSplitMulReluElems ? threads : 1;
  if (t > n / 16) t = n / 16 > 1 ? (int)(n / 16) : 1;
  if (t == 1) mul_relu_grad_sum_task(&job, 0, 1);
  else parallel_run(t, mul_relu_grad_sum_task, &job);
}

// ArgMaxMatch: the ArgMax kernel's index (the first maximum; a NaN wins, the first one) of a's row
// and of b's, compared
namespace {

long first_arg_max(const float* v, long n) {
  float best = v[0];
  long bi = 0;
  for (long k = 1; k < n; k++) {
    const float x = v[k];
    // selects, not a branch: which element wins is data (a softmax's rows), mispredicted often
    const bool take = (best == best) & ((x > best) | (x != x));
    best = take ? x : best;
    bi = take ? k : bi;
  }
  return bi;
}

}  // namespace

void arg_max_match(const float* a, const float* b, float* match, long rows, long n) {
  for (long r = 0; r < rows; r++) match[r] = first_arg_max(a + r * n, n) == first_arg_max(b + r * n, n) ? 1.0f : 0.0f;
}

}  // namespace kt
