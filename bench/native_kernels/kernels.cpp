// The native kernels without Node: GEMM at the seed models' shapes (forward, both backward products,
// predict batches), the seed CNN's second convolution (forward, input gradient) and first one, and
// the seed LSTM's sequence kernel against its recurrent GEMMs alone. Best of repeated runs, 1 thread,
// thread CPU time (robust on a shared machine). Built and run by run.sh (the same flags as the addon).
#include <time.h>

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

static double cpu() { return bench::seconds(CLOCK_THREAD_CPUTIME_ID); }
using bench::rnd;
template <class F>
static double best(int reps, F f) {
  double b = 1e9;
  for (int r = 0; r < reps; r++) {
    double t0 = cpu();
    f();
    b = std::min(b, cpu() - t0);
  }
  return b;
}

int main() {
  kt_set_num_threads(1);
  printf("| product m x k x n | transposes | us | GFLOP/s |\n|---|---|---|---|\n");
  struct S { long m, k, n; int ta, tb; };
  const S shapes[] = {{128, 784, 512, 0, 0}, {128, 512, 512, 0, 0}, {128, 512, 10, 0, 0}, {1, 784, 512, 0, 0},
                      {32, 256, 512, 0, 0},  {128, 512, 784, 0, 1}, {784, 128, 512, 1, 0}, {512, 128, 512, 1, 0},
                      {128, 9216, 128, 0, 0}, {2560, 128, 512, 0, 0}};
  for (const S& s : shapes) {
    auto A = rnd(s.m * s.k), B = rnd(s.k * s.n);
    std::vector<float> C(s.m * s.n);
    const long ars = s.ta ? 1 : s.k, acs = s.ta ? s.m : 1, brs = s.tb ? 1 : s.n, bcs = s.tb ? s.k : 1;
    const double t = best(s.m * s.n * s.k > 40000000 ? 20 : 200, [&] {
      gemm(s.m, s.n, s.k, MatView{A.data(), ars, acs}, MatView{B.data(), brs, bcs}, C.data(), s.n, false, 1);
    });
    printf("| %ldx%ldx%ld | %s%s | %.1f | %.1f |\n", s.m, s.k, s.n, s.ta ? "A^T " : "", s.tb ? "B^T" : "", t * 1e6,
           2.0 * s.m * s.n * s.k / t / 1e9);
  }

  printf("\n| convolution | ms | GFLOP/s |\n|---|---|---|\n");
  for (int layer = 1; layer <= 2; layer++) {
    ConvGeom g{};
    g.n = 128, g.kh = g.kw = 3, g.sh = g.sw = g.dh = g.dw = 1;
    if (layer == 1) g.h = g.w = 28, g.cin = 1, g.oh = g.ow = 26, g.cout = 32;
    else g.h = g.w = 26, g.cin = 32, g.oh = g.ow = 24, g.cout = 64;
    auto x = rnd(g.n * g.h * g.w * g.cin), f = rnd(9 * g.cin * g.cout), bias = rnd(g.cout);
    std::vector<float> y(g.n * g.oh * g.ow * g.cout), dx(x.size());
    const double flops = 2.0 * g.n * g.oh * g.ow * g.cout * 9 * g.cin;
    Epilogue ep{bias.data(), 1};
    double t = best(15, [&] { conv2d(g, x.data(), f.data(), y.data(), 1, &ep); });
    printf("| conv%d FusedConv2D relu | %.2f | %.1f |\n", layer, t * 1e3, flops / t / 1e9);
    if (layer == 1) {
      t = best(10, [&] { conv2d_backprop_filter(g, x.data(), y.data(), f.data(), 1); });
      printf("| conv1 Conv2DBackpropFilter | %.2f | %.1f |\n", t * 1e3, flops / t / 1e9);
      continue;
    }
    {
      // the plan's FusedConv2DMaxPool (each image pooled while in cache) against the two kernels
      ConvGeom pc{};
      pc.n = g.n, pc.h = g.oh, pc.w = g.ow, pc.cin = pc.cout = g.cout, pc.oh = g.oh / 2, pc.ow = g.ow / 2;
      pc.kh = pc.kw = pc.sh = pc.sw = 2, pc.dh = pc.dw = 1;
      PoolGeom pg{g.oh, g.ow, g.cout, g.oh / 2, g.ow / 2, 2, 2, 2, 2, 0, 0, 0};
      std::vector<float> pooled(g.n * pc.oh * pc.ow * g.cout);
      t = best(10, [&] { conv2d(g, x.data(), f.data(), y.data(), 1, &ep); maxpool(pc, y.data(), pooled.data(), 1); });
      printf("| conv%d FusedConv2D relu, then MaxPool 2x2 | %.2f | %.1f |\n", layer, t * 1e3, flops / t / 1e9);
      t = best(10, [&] { conv2d(g, x.data(), f.data(), y.data(), 1, &ep, &pg, pooled.data()); });
      printf("| conv%d FusedConv2DMaxPool | %.2f | %.1f |\n", layer, t * 1e3, flops / t / 1e9);
    }
    t = best(10, [&] { conv2d_backprop_input(g, y.data(), f.data(), dx.data(), 1); });
    printf("| conv%d Conv2DBackpropInput | %.2f | %.1f |\n", layer, t * 1e3, flops / t / 1e9);
    t = best(10, [&] { conv2d_backprop_filter(g, x.data(), y.data(), f.data(), 1); });
    printf("| conv%d Conv2DBackpropFilter | %.2f | %.1f |\n", layer, t * 1e3, flops / t / 1e9);
  }

  const long b = 32, T = 80, u = 128, g4 = 4 * u;
  auto z = rnd(b * T * g4), w = rnd(u * g4, 0.2f), h0 = rnd(b * u), c0 = rnd(b * u);
  std::vector<float> y(b * T * u), h(b * u), c(b * u), gates(T * b * g4), cs(T * b * u), hs(T * b * u);
  const double seq = best(30, [&] {
    lstm_sequence(b, T, u, false, false, z.data(), h0.data(), c0.data(), w.data(), nullptr, nullptr, y.data(), h.data(),
                  c.data(), gates.data(), cs.data(), hs.data(), 1);
  });
  PackedB wp(u, g4, MatView{w.data(), g4, 1});
  std::vector<float> acc(b * g4);
  const double gemms = best(30, [&] {
    for (long t = 0; t < T; t++)
      gemm_packed_b(b, g4, u, MatView{hs.data() + t * b * u, u, 1}, wp.data(), acc.data(), g4, true, 1);
  });
  printf("\nLSTMSequence 32x80x128: %.2f ms; its 80 recurrent GEMMs 32x128x512 alone: %.2f ms (%.1f GFLOP/s)\n",
         seq * 1e3, gemms * 1e3, 2.0 * b * u * g4 * T / gemms / 1e9);
}
