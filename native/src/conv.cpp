// Convolution as im2col + GEMM in NHWC: the column matrix of a chunk of output pixels is
// [pixels, kh * kw * cin], the filter [kh * kw * cin, cout] is Keras's layout as is, and the product
// is the NHWC output. Chunks bound the column buffer so it stays in cache.
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "ops.h"
#include "threadpool.h"

namespace kt {
namespace {

// floats of column buffer per chunk (4 MiB)
constexpr long kColBudget = 1L << 20;

bool is_pointwise(const ConvGeom& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == g.h && g.ow == g.w;
}

// columns of output pixels [r0, r1) (pixel = (n, oh, ow) flattened) into cols[(r - r0) * K + ...]
void im2col_rows(const ConvGeom& g, const float* x, long r0, long r1, float* cols) {
  const long K = g.kh * g.kw * g.cin;
  for (long r = r0; r < r1; r++) {
    const long ow = r % g.ow, t = r / g.ow, oh = t % g.oh, n = t / g.oh;
    float* dst = cols + (r - r0) * K;
    for (long i = 0; i < g.kh; i++) {
      const long ih = oh * g.sh - g.pt + i * g.dh;
      for (long j = 0; j < g.kw; j++, dst += g.cin) {
        const long iw = ow * g.sw - g.pl + j * g.dw;
        if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) memset(dst, 0, g.cin * sizeof(float));
        else memcpy(dst, x + ((n * g.h + ih) * g.w + iw) * g.cin, g.cin * sizeof(float));
      }
    }
  }
}

struct Im2colJob {
  const ConvGeom* g;
  const float* x;
  long r0, r1;
  float* cols;
};

void im2col_task(void* p, int tid, int nt) {
  const Im2colJob& j = *(const Im2colJob*)p;
  long b, e;
  split_range(j.r1 - j.r0, nt, tid, &b, &e);
  const long K = j.g->kh * j.g->kw * j.g->cin;
  im2col_rows(*j.g, j.x, j.r0 + b, j.r0 + e, j.cols + b * K);
}

void im2col(const ConvGeom& g, const float* x, long r0, long r1, float* cols, int threads) {
  Im2colJob job = {&g, x, r0, r1, cols};
  const long K = g.kh * g.kw * g.cin;
  int t = (r1 - r0) * K >= 65536 ? threads : 1;
  parallel_run(t, im2col_task, &job);
}

// dx[pixel's receptive field] += cols rows; rows [r0, r1) must lie in images no other thread touches
void col2im_rows(const ConvGeom& g, const float* cols, long r0, long r1, float* dx) {
  const long K = g.kh * g.kw * g.cin;
  for (long r = r0; r < r1; r++) {
    const long ow = r % g.ow, t = r / g.ow, oh = t % g.oh, n = t / g.oh;
    const float* src = cols + (r - r0) * K;
    for (long i = 0; i < g.kh; i++) {
      const long ih = oh * g.sh - g.pt + i * g.dh;
      for (long j = 0; j < g.kw; j++, src += g.cin) {
        const long iw = ow * g.sw - g.pl + j * g.dw;
        if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
        float* d = dx + ((n * g.h + ih) * g.w + iw) * g.cin;
        for (long c = 0; c < g.cin; c++) d[c] += src[c];
      }
    }
  }
}

struct Col2imJob {
  const ConvGeom* g;
  const float* cols;
  long img0, img1;  // whole images
  float* dx;
};

void col2im_task(void* p, int tid, int nt) {
  const Col2imJob& j = *(const Col2imJob*)p;
  long b, e;
  split_range(j.img1 - j.img0, nt, tid, &b, &e);
  const long per = j.g->oh * j.g->ow, K = j.g->kh * j.g->kw * j.g->cin;
  const long r0 = (j.img0 + b) * per, r1 = (j.img0 + e) * per;
  col2im_rows(*j.g, j.cols + (r0 - j.img0 * per) * K, r0, r1, j.dx);
}

float* scratch(long floats) {
  // one buffer per call: these calls are large, and a fresh buffer keeps the code re-entrant
  size_t bytes = ((size_t)floats * sizeof(float) + 63) & ~(size_t)63;
  float* p = (float*)aligned_alloc(64, bytes ? bytes : 64);
  if (!p) abort();
  return p;
}

// rows per chunk: a multiple of whole images when one image fits the budget, else part of one image
long chunk_rows(const ConvGeom& g, long K, bool whole_images) {
  const long per = g.oh * g.ow;
  long rows = kColBudget / (K > 0 ? K : 1);
  if (rows < 64) rows = 64;
  if (whole_images && rows >= per) rows = (rows / per) * per;
  else if (whole_images) rows = rows < per ? rows : per;
  return rows;
}

}  // namespace

void conv2d(const ConvGeom& g, const float* x, const float* f, float* y, int threads, const Epilogue* ep) {
  const long R = g.n * g.oh * g.ow, K = g.kh * g.kw * g.cin;
  if (R == 0 || g.cout == 0) return;
  MatView fw = {f, g.cout, 1};
  if (is_pointwise(g)) {
    gemm(R, g.cout, K, MatView{x, K, 1}, fw, y, g.cout, false, threads, ep);
    return;
  }
  const long rows = chunk_rows(g, K, false);
  float* cols = scratch((rows < R ? rows : R) * K);
  for (long r0 = 0; r0 < R; r0 += rows) {
    const long r1 = r0 + rows < R ? r0 + rows : R;
    im2col(g, x, r0, r1, cols, threads);
    gemm(r1 - r0, g.cout, K, MatView{cols, K, 1}, fw, y + r0 * g.cout, g.cout, false, threads, ep);
  }
  free(cols);
}

void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* f, float* dx, int threads) {
  const long R = g.n * g.oh * g.ow, K = g.kh * g.kw * g.cin;
  const long nx = g.n * g.h * g.w * g.cin;
  // d cols = dy [R, cout] x filter^T [cout, K]
  MatView ft = {f, 1, g.cout};
  if (is_pointwise(g)) {
    gemm(R, K, g.cout, MatView{dy, g.cout, 1}, ft, dx, K, false, threads);
    return;
  }
  memset(dx, 0, nx * sizeof(float));
  if (R == 0) return;
  const long per = g.oh * g.ow;
  const long rows = chunk_rows(g, K, true);
  float* cols = scratch((rows < R ? rows : R) * K);
  for (long r0 = 0; r0 < R; r0 += rows) {
    const long r1 = r0 + rows < R ? r0 + rows : R;
    gemm(r1 - r0, K, g.cout, MatView{dy + r0 * g.cout, g.cout, 1}, ft, cols, K, false, threads);
    if (r0 % per == 0 && r1 % per == 0 && r1 - r0 > per) {
      Col2imJob job = {&g, cols, r0 / per, r1 / per, dx};
      parallel_run(threads, col2im_task, &job);
    } else {
      col2im_rows(g, cols, r0, r1, dx);
    }
  }
  free(cols);
}

void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* df, int threads) {
  const long R = g.n * g.oh * g.ow, K = g.kh * g.kw * g.cin;
  // d filter [K, cout] = cols^T [K, R] x dy [R, cout], summed over chunks of R
  if (R == 0) {
    memset(df, 0, K * g.cout * sizeof(float));
    return;
  }
  if (is_pointwise(g)) {
    gemm(K, g.cout, R, MatView{x, 1, K}, MatView{dy, g.cout, 1}, df, g.cout, false, threads);
    return;
  }
  const long rows = chunk_rows(g, K, false);
  float* cols = scratch((rows < R ? rows : R) * K);
  for (long r0 = 0; r0 < R; r0 += rows) {
    const long r1 = r0 + rows < R ? r0 + rows : R;
    im2col(g, x, r0, r1, cols, threads);
    gemm(K, g.cout, r1 - r0, MatView{cols, 1, K}, MatView{dy + r0 * g.cout, g.cout, 1}, df, g.cout, r0 > 0,
         threads);
  }
  free(cols);
}

}  // namespace kt
