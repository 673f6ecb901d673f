// Counter-based random draws, bit-identical to src/tensor/random.ts: Philox-4x32-10 (Salmon et al.,
// 2011) of the counter (i >> 1, stream, 0, 0) under the key (k0, k1 ^ stream * 0x9e3779b1), two
// uniforms per call, each (r_hi * 2^32 + (r_lo & 0xfffff000)) / 2^64 (52 bits, exact in a double),
// compared with keepProb exactly (as an integer compare, see Threshold); a kept element is `scale`
// (1, or dropout's 1 / keepProb in float32), a dropped one 0.
#include <math.h>
#include <stdint.h>

#include "../include/keras_native.h"
#include "isa.h"
#include "ops.h"
#include "threadpool.h"

namespace kt {
namespace {

// Pairs of elements from which a draw is split over the pool's threads, sleeping workers woken; from
// kAwakePairs over the workers that are awake only (parallel_run_awake). bench/threads.ts measures both.
constexpr long kParallelPairs = 1L << 14;
constexpr long kAwakePairs = 1L << 11;

// bits * 2^-64 < keep (as reals, both exact) <=> bits < ceil(keep * 2^64) for integer bits: the test
// JavaScript does on doubles, as one branch-free integer compare. `all` when keep >= 1.
struct Threshold {
  uint64_t t;
  bool all;
};

Threshold threshold_of(double keep) {
  if (!(keep > 0)) return {0, false};
  if (keep >= 1) return {0, true};
  // keep * 2^64 is exact (a power-of-two scale) and below 2^64, so its ceiling fits a uint64
  return {(uint64_t)ceil(keep * 0x1p64), false};
}

// Pairs drawn at a time by BernoulliMaskMul before the product reads them back (16 KiB of mask and
// of x: the mask is multiplied while it is in L1)
constexpr long kMulBlockPairs = 2048;

struct MaskJob {
  float* y;
  const float* x;  // BernoulliMaskMul: the factor; null for a plain mask
  float* xy;       // BernoulliMaskMul: x * mask
  long n;
  float v;  // the value of a kept element
  Threshold th;
  uint32_t k0, k1, stream;
};

// Philox in the SIMD lanes of the active instruction set (philox_impl.inc).
// With x: each block of pairs drawn, then x * mask over its elements (the Binary kernel's Mul).
void mask_range(const MaskJob& j, long pb, long pe) {
  const Isa& I = isa();
  if (!j.x) {
    I.philox_mask(j.y, j.n, pb, pe, j.k0, j.k1, j.stream, j.th.t, j.th.all ? 1 : 0, j.v);
    return;
  }
  for (long b = pb; b < pe; b += kMulBlockPairs) {
    const long e = b + kMulBlockPairs < pe ? b + kMulBlockPairs : pe;
    I.philox_mask(j.y, j.n, b, e, j.k0, j.k1, j.stream, j.th.t, j.th.all ? 1 : 0, j.v);
    const long i0 = 2 * b, i1 = 2 * e < j.n ? 2 * e : j.n;
    I.binary(KT_B_MUL, j.x + i0, 1, j.y + i0, 1, j.xy + i0, i1 - i0);
  }
}

void run_mask(MaskJob& job, int threads) {
  const long n = job.n;
  const long pairs = (n + 1) / 2;
  int t = pairs >= kAwakePairs ? threads : 1;
  if (t < 1) t = 1;
  if (t == 1) {
    mask_range(job, 0, pairs);
    return;
  }
  struct Ctx {
    MaskJob* job;
    long pairs;
  } ctx = {&job, pairs};
  auto task = [](void* p, int tid, int nt) {
    Ctx& c = *(Ctx*)p;
    long b, e;
    split_range(c.pairs, nt, tid, &b, &e);
    mask_range(*c.job, b, e);
  };
  if (pairs >= kParallelPairs) parallel_run(t, task, &ctx);
  else parallel_run_awake(t, task, &ctx);
}

}  // namespace

void bernoulli_mask(float* y, long n, double keep_prob, float scale, uint32_t k0, uint32_t k1, uint32_t stream, int threads) {
  MaskJob job = {y, nullptr, nullptr, n, scale, threshold_of(keep_prob), k0, k1 ^ (uint32_t)(stream * 0x9e3779b1u), stream};
  run_mask(job, threads);
}

void bernoulli_mask_mul(const float* x, float* xy, float* mask, long n, double keep_prob, float scale, uint32_t k0, uint32_t k1,
                        uint32_t stream, int threads) {
  MaskJob job = {mask, x, xy, n, scale, threshold_of(keep_prob), k0, k1 ^ (uint32_t)(stream * 0x9e3779b1u), stream};
  run_mask(job, threads);
}

}  // namespace kt
