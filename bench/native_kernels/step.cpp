// The GEMMs of one training step of the seed MLP (784-512-512-10, batch 128) and of the seed CNN's
// dense layer (128x9216x128), in the step's order, each on its own buffers as in the step: forward
// (x W + b, relu), dW = x^T dy (k = the batch), dx = dy W^T. Wall time per product (best of STEPS
// steps, default 200) on 1 and 2 threads (THREADS=1: one only; CPU=1 with it: thread CPU time), with
// a gap of GAP_US (default 20) between products in which small kernels start every 10 us (each with
// kt_run's pool_hint), as the JavaScript and one-thread kernels of a step do.
//   BENCH=step sh bench/native_kernels/run.sh [SRC_DIR]      (an idle machine, or under chrt -f 10)
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench_util.h"
#include "gemm.h"

// weak: the bench also builds against a native/src from before pool_hint (run.sh SRC_DIR)
namespace kt {
void pool_hint() __attribute__((weak));
}

extern "C" void kt_set_num_threads(int n);
using namespace kt;

static double now() { return bench::seconds(); }
// THREADS=1 CPU=1: the calling thread's CPU time instead of wall time (robust on a busy machine)
static bool g_cpu = false;
static double clk() { return bench::seconds(g_cpu ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC); }
// the gap between two products: small kernels (each starting with kt_run's pool_hint) every 10 us
static void busy(double us) {
  const double t0 = now();
  double last = t0;
  while ((now() - t0) * 1e6 < us) {
    if ((now() - last) * 1e6 >= 10) {
      if (kt::pool_hint) kt::pool_hint();
      last = now();
    }
  }
}
using bench::rnd;

struct G {
  const char* name;
  long m, k, n;
  int ta, tb, ep;
};

int main(int argc, char** argv) {
  const double gap = getenv("GAP_US") ? atof(getenv("GAP_US")) : 20.0;
  const int steps = getenv("STEPS") ? atoi(getenv("STEPS")) : 200;
  g_cpu = getenv("CPU") && atoi(getenv("CPU"));
  const int th0 = getenv("THREADS") ? atoi(getenv("THREADS")) : 1, th1 = getenv("THREADS") ? th0 : 2;
  (void)argc;
  (void)argv;
  const G mlp[] = {{"fwd1 128x784x512", 128, 784, 512, 0, 0, 1},  {"fwd2 128x512x512", 128, 512, 512, 0, 0, 1},
                   {"fwd3 128x512x10", 128, 512, 10, 0, 0, 0},    {"dW3 512x128x10 A^T", 512, 128, 10, 1, 0, 0},
                   {"dx2 128x10x512 B^T", 128, 10, 512, 0, 1, 0}, {"dW2 512x128x512 A^T", 512, 128, 512, 1, 0, 0},
                   {"dx1 128x512x512 B^T", 128, 512, 512, 0, 1, 0}, {"dW1 784x128x512 A^T", 784, 128, 512, 1, 0, 0}};
  const G cnn[] = {{"cnn fwd 128x9216x128", 128, 9216, 128, 0, 0, 1},
                   {"cnn dW 9216x128x128 A^T", 9216, 128, 128, 1, 0, 0},
                   {"cnn dx 128x128x9216 B^T", 128, 128, 9216, 0, 1, 0}};
  for (int set = 0; set < 2; set++) {
    const G* gs = set ? cnn : mlp;
    const int ng = set ? 3 : 8;
    std::vector<std::vector<float>> A, B, C;
    std::vector<float> bias = rnd(9216);
    for (int i = 0; i < ng; i++) {
      A.push_back(rnd(gs[i].m * gs[i].k));
      B.push_back(rnd(gs[i].k * gs[i].n));
      C.push_back(std::vector<float>(gs[i].m * gs[i].n));
    }
    double best[2][8] = {}, tot[2] = {};
    for (int th = th0; th <= th1; th++) {
      kt_set_num_threads(th);
      std::vector<double> bt(ng, 1e9);
      double bs = 1e9;
      const int reps = set ? steps / 10 + 2 : steps;
      for (int s = 0; s < reps; s++) {
        double st = 0;
        for (int i = 0; i < ng; i++) {
          const G& g = gs[i];
          busy(gap);
          const long ars = g.ta ? 1 : g.k, acs = g.ta ? g.m : 1, brs = g.tb ? 1 : g.n, bcs = g.tb ? g.k : 1;
          Epilogue ep{bias.data(), 1};
          const double t0 = clk();
          gemm(g.m, g.n, g.k, MatView{A[i].data(), ars, acs}, MatView{B[i].data(), brs, bcs}, C[i].data(), g.n, false,
               th, g.ep ? &ep : nullptr);
          const double t = clk() - t0;
          st += t;
          bt[i] = std::min(bt[i], t);
        }
        bs = std::min(bs, st);
      }
      for (int i = 0; i < ng; i++) best[th - 1][i] = bt[i];
      tot[th - 1] = bs;
    }
    printf("| %s (gap %.0f us) | 1T us | GFLOP/s | 2T us | GFLOP/s | 2T/1T |\n|---|---|---|---|---|---|\n",
           set ? "CNN dense" : "MLP step", gap);
    double fl = 0;
    for (int i = 0; i < ng; i++) {
      const double f = 2.0 * gs[i].m * gs[i].n * gs[i].k;
      fl += f;
      printf("| %s | %.0f | %.0f | %.0f | %.0f | %.2fx |\n", gs[i].name, best[0][i] * 1e6, f / best[0][i] / 1e9,
             best[1][i] * 1e6, f / best[1][i] / 1e9, best[0][i] / best[1][i]);
    }
    printf("| all (best step) | %.0f | %.0f | %.0f | %.0f | %.2fx |\n\n", tot[0] * 1e6, fl / tot[0] / 1e9, tot[1] * 1e6,
           fl / tot[1] / 1e9, tot[0] / tot[1]);
  }
}
