// The seed CNN's first convolution (3x3x1 -> 32, 128 images, relu) alone, and as `predict` runs it: after
// the second convolution and its pooling (FusedConv2DMaxPool, pooled only) have read its 11 MB output.
// READ=1 (or TOUCH=1) reads (or writes) that output once more between the two, to tell the cases apart.
// Then the three kernels as one (conv2d_pair_pool, FusedConv2DPairPool: image by image, neither
// convolution's output stored) against the two calls. Median wall time of 40 passes, one thread.
//   BENCH=conv_chain sh bench/native_kernels/run.sh [SRC_DIR]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench_util.h"
#include "gemm.h"
#include "isa.h"
#include "ops.h"

extern "C" void kt_set_num_threads(int n);
using namespace kt;

int main() {
  kt_set_num_threads(1);
  ConvGeom g{}, g2{};
  g.n = 128, g.kh = g.kw = 3, g.sh = g.sw = g.dh = g.dw = 1, g.h = g.w = 28, g.cin = 1, g.oh = g.ow = 26, g.cout = 32;
  g2 = g, g2.h = g2.w = 26, g2.cin = 32, g2.oh = g2.ow = 24, g2.cout = 64;
  PoolGeom pg{24, 24, 64, 12, 12, 2, 2, 2, 2, 0, 0, 0};
  auto x = bench::rnd(128 * 28 * 28), f = bench::rnd(9 * 32), bias = bench::rnd(32), f2 = bench::rnd(9 * 32 * 64), b2 = bench::rnd(64);
  std::vector<float> y(128 * 26 * 26 * 32), pooled(128 * 12 * 12 * 64);
  Epilogue ep{bias.data(), 1}, ep2{b2.data(), 1};
  const bool touch = getenv("TOUCH"), read = getenv("READ");
  std::vector<double> alone, after, second;
  for (int r = 0; r < 40; r++) {
    const double t0 = bench::seconds();
    conv2d(g, x.data(), f.data(), y.data(), 1, &ep);
    alone.push_back(bench::seconds() - t0);
  }
  for (int r = 0; r < 40; r++) {
    const double t0 = bench::seconds();
    conv2d(g, x.data(), f.data(), y.data(), 1, &ep);
    const double t1 = bench::seconds();
    conv2d(g2, y.data(), f2.data(), nullptr, 1, &ep2, &pg, pooled.data());
    after.push_back(t1 - t0);
    second.push_back(bench::seconds() - t1);
    if (touch) for (size_t i = 0; i < y.size(); i += 16) y[i] = 0.0f;
    if (read) {
      volatile float s = 0;
      for (size_t i = 0; i < y.size(); i += 16) s = s + y[i];
    }
  }
  std::vector<double> two, pair;
  for (int r = 0; r < 40; r++) {
    const double t0 = bench::seconds();
    conv2d(g, x.data(), f.data(), y.data(), 1, &ep);
    conv2d(g2, y.data(), f2.data(), nullptr, 1, &ep2, &pg, pooled.data());
    const double t1 = bench::seconds();
    conv2d_pair_pool(g, x.data(), f.data(), &ep, g2, f2.data(), &ep2, &pg, pooled.data(), 1);
    two.push_back(t1 - t0);
    pair.push_back(bench::seconds() - t1);
  }
  auto median = [](std::vector<double>& v) { std::sort(v.begin(), v.end()); return v[v.size() / 2] * 1e3; };
  printf("conv1 alone %.3f ms; conv1 after conv2 + pool %.3f ms; conv2 + pool %.3f ms (median of 40)\n", median(alone), median(after),
         median(second));
  printf("conv1, then conv2 + pool: %.3f ms; the three image by image (conv2d_pair_pool): %.3f ms (median of 40)\n", median(two),
         median(pair));
}
