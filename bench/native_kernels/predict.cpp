// The seed MLP's `predict` forward pass without Node: its three Dense layers (784-512-512-10, batch
// 128) as the predict plan runs them, FusedDensePacked each (weights packed once, bias and relu on the
// stored tiles), then the softmax, one thread, each layer into its own output buffer. Wall time per
// forward pass (and per layer): best and median of REPS (default 2000) passes.
//   BENCH=predict sh bench/native_kernels/run.sh [SRC_DIR]      (an idle machine, or under chrt -f 10)
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench_util.h"
#include "gemm.h"
#include "isa.h"

extern "C" void kt_set_num_threads(int n);
using namespace kt;

static double now() { return bench::seconds(); }
static std::vector<float> rnd(long n) { return bench::rnd(n, 0.1f); }

int main() {
  kt_set_num_threads(1);
  const int reps = getenv("REPS") ? atoi(getenv("REPS")) : 2000;
  const long batch = 128, dims[] = {784, 512, 512, 10};
  const int acts[] = {1, 1, 0};  // relu, relu, linear (the softmax after it)
  std::vector<float> x = rnd(batch * dims[0]);
  std::vector<std::vector<float>> packed, bias, y;
  for (int l = 0; l < 3; l++) {
    const long k = dims[l], n = dims[l + 1];
    std::vector<float> w = rnd(k * n);
    packed.emplace_back(packed_b_buffer_floats(k, n));
    pack_b_to_buffer(k, n, MatView{w.data(), n, 1}, packed.back().data());
    bias.push_back(rnd(n));
    y.emplace_back(batch * n);
  }
  std::vector<float> probs(batch * dims[3]);
  std::vector<double> total, layer[4];
  for (int r = 0; r < reps; r++) {
    const float* in = x.data();
    const double t0 = now();
    double t = t0;
    for (int l = 0; l < 3; l++) {
      const long k = dims[l], n = dims[l + 1];
      const float* bp = packed_b_in_buffer(k, n, packed[l].data());
      Epilogue ep{bias[l].data(), acts[l]};
      gemm_packed_b(batch, n, k, MatView{in, k, 1}, bp, y[l].data(), n, false, 1, &ep);
      const double t1 = now();
      layer[l].push_back(t1 - t);
      t = t1;
      in = y[l].data();
    }
    isa().softmax_rows(y[2].data(), probs.data(), batch, dims[3], 0);
    const double t1 = now();
    layer[3].push_back(t1 - t);
    total.push_back(t1 - t0);
  }
  auto report = [](const char* name, std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    printf("| %s | %.1f | %.1f |\n", name, v[0] * 1e6, v[v.size() / 2] * 1e6);
  };
  printf("| seed MLP predict, batch 128, 1 thread (%d passes) | best us | median us |\n|---|---|---|\n", reps);
  report("Dense 784->512 relu (128x784x512, packed)", layer[0]);
  report("Dense 512->512 relu (128x512x512, packed)", layer[1]);
  report("Dense 512->10 (128x512x10, packed)", layer[2]);
  report("softmax 128x10", layer[3]);
  report("forward pass", total);
}
