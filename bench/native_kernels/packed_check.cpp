// gemm_packed_b (a right-hand side packed once: tiles summed over all k blocks in one microkernel call
// where the ISA has gemm_ukernel_ax_kblocks) against gemm (B packed per call, C stored after every k
// block): the same bits over random shapes (1, 2, 3 and more k blocks, ragged tiles), with and without
// accumulation into C, with each epilogue, on 1 and 2 threads. Prints the shapes that differ.
//   BENCH=packed_check sh bench/native_kernels/run.sh [SRC_DIR]      (N=shapes, default 1500)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "bench_util.h"
#include "../include/keras_native.h"
#include "gemm.h"
#include "isa.h"

extern "C" void kt_set_num_threads(int n);
using namespace kt;

using bench::rnd;

int main() {
  const int shapes = getenv("N") ? atoi(getenv("N")) : 1500;
  const int acts[] = {KT_ACT_LINEAR, KT_ACT_RELU, KT_ACT_TANH};
  srand(20261204);
  long diffs = 0, runs = 0;
  for (int s = 0; s < shapes; s++) {
    // k up to 5 blocks of 384; m and n with partial tiles (12 x 32 on AVX-512)
    const long m = 1 + rand() % 300, k = 1 + rand() % 1900, n = 1 + rand() % 200;
    auto a = rnd(m * k), b = rnd(k * n), bias = rnd(n), c0 = rnd(m * n);
    std::vector<float> buf(packed_b_buffer_floats(k, n));
    pack_b_to_buffer(k, n, MatView{b.data(), n, 1}, buf.data());
    const float* bp = packed_b_in_buffer(k, n, buf.data());
    for (int threads = 1; threads <= 2; threads++) {
      kt_set_num_threads(threads);
      for (int accumulate = 0; accumulate <= 1; accumulate++)
        for (int e = -1; e < 3; e++) {
          Epilogue ep{s % 2 ? bias.data() : nullptr, e < 0 ? KT_ACT_LINEAR : acts[e]};
          std::vector<float> want = c0, got = c0;
          gemm(m, n, k, MatView{a.data(), k, 1}, MatView{b.data(), n, 1}, want.data(), n, accumulate, threads,
               e < 0 ? nullptr : &ep);
          gemm_packed_b(m, n, k, MatView{a.data(), k, 1}, bp, got.data(), n, accumulate, threads, e < 0 ? nullptr : &ep);
          runs++;
          if (memcmp(want.data(), got.data(), want.size() * sizeof(float))) {
            diffs++;
            if (diffs <= 20)
              printf("differs: %ldx%ldx%ld, %d threads, accumulate %d, epilogue %d\n", m, k, n, threads, accumulate, e);
          }
        }
    }
  }
  printf("%s: %d shapes, %ld products, %ld differ\n", isa().name, shapes, runs, diffs);
  return diffs ? 1 : 0;
}
