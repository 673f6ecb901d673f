// Counter-based random draws, bit-identical to src/tensor/random.ts: Philox-4x32-10 (Salmon et al.,
// 2011) of the counter (i >> 1, stream, 0, 0) under the key (k0, k1 ^ stream * 0x9e3779b1), two
// uniforms per call, each (r_hi * 2^32 + (r_lo & 0xfffff000)) / 2^64 (52 bits, exact in a double),
// compared with keepProb exactly (as an integer compare, see Threshold).
#include <math.h>
#include <stdint.h>

#include "ops.h"
#include "threadpool.h"

namespace kt {
namespace {

// Pairs of elements below which a draw stays on one thread.
constexpr long kParallelPairs = 1L << 14;

inline uint32_t mulhilo(uint32_t a, uint32_t b, uint32_t* hi) {
  const uint64_t p = (uint64_t)a * (uint64_t)b;
  *hi = (uint32_t)(p >> 32);
  return (uint32_t)p;
}

inline void philox4x32_10(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                          uint32_t out[4]) {
  uint32_t x0 = c0, x1 = c1, x2 = c2, x3 = c3;
  for (int r = 0; r < 10; r++) {
    uint32_t hi0, hi1;
    const uint32_t lo0 = mulhilo(0xd2511f53u, x0, &hi0);
    const uint32_t lo1 = mulhilo(0xcd9e8d57u, x2, &hi1);
    const uint32_t n0 = hi1 ^ x1 ^ k0;
    const uint32_t n2 = hi0 ^ x3 ^ k1;
    x0 = n0;
    x1 = lo1;
    x2 = n2;
    x3 = lo0;
    k0 += 0x9e3779b9u;
    k1 += 0xbb67ae85u;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

// The 52 random bits of a uniform, scaled by 2^64: the uniform is bits * 2^-64, exact in a double.
inline uint64_t bits52(uint32_t hi, uint32_t lo) { return ((uint64_t)hi << 32) | (uint64_t)(lo & 0xfffff000u); }

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

inline float keep_bit(uint64_t bits, const Threshold& th) { return (float)((bits < th.t) | th.all); }

struct MaskJob {
  float* y;
  long n;
  Threshold th;
  uint32_t k0, k1, stream;
};

// kLanes Philox calls side by side, round by round: independent multiply chains the CPU overlaps
// (and the compiler may vectorize); each lane's result is exactly that of philox4x32_10.
constexpr int kLanes = 8;

void philox_lanes(uint32_t k0, uint32_t k1, uint32_t first, uint32_t c1, uint32_t out[4][kLanes]) {
  uint32_t x0[kLanes], x1[kLanes], x2[kLanes], x3[kLanes];
  for (int l = 0; l < kLanes; l++) {
    x0[l] = first + (uint32_t)l;
    x1[l] = c1;
    x2[l] = 0;
    x3[l] = 0;
  }
  for (int r = 0; r < 10; r++) {
    for (int l = 0; l < kLanes; l++) {
      const uint64_t p0 = (uint64_t)0xd2511f53u * x0[l];
      const uint64_t p1 = (uint64_t)0xcd9e8d57u * x2[l];
      const uint32_t n0 = (uint32_t)(p1 >> 32) ^ x1[l] ^ k0;
      const uint32_t n2 = (uint32_t)(p0 >> 32) ^ x3[l] ^ k1;
      x0[l] = n0;
      x1[l] = (uint32_t)p1;
      x2[l] = n2;
      x3[l] = (uint32_t)p0;
    }
    k0 += 0x9e3779b9u;
    k1 += 0xbb67ae85u;
  }
  for (int l = 0; l < kLanes; l++) {
    out[0][l] = x0[l];
    out[1][l] = x1[l];
    out[2][l] = x2[l];
    out[3][l] = x3[l];
  }
}

void mask_range(const MaskJob& j, long pb, long pe) {
  long p = pb;
  uint32_t o[4][kLanes];
  for (; p + kLanes <= pe; p += kLanes) {
    philox_lanes(j.k0, j.k1, (uint32_t)p, j.stream, o);
    for (int l = 0; l < kLanes; l++) {
      const long i = 2 * (p + l);
      j.y[i] = keep_bit(bits52(o[0][l], o[1][l]), j.th);
      if (i + 1 < j.n) j.y[i + 1] = keep_bit(bits52(o[2][l], o[3][l]), j.th);
    }
  }
  uint32_t r[4];
  for (; p < pe; p++) {
    philox4x32_10(j.k0, j.k1, (uint32_t)p, j.stream, 0, 0, r);
    const long i = 2 * p;
    j.y[i] = keep_bit(bits52(r[0], r[1]), j.th);
    if (i + 1 < j.n) j.y[i + 1] = keep_bit(bits52(r[2], r[3]), j.th);
  }
}

}  // namespace

void bernoulli_mask(float* y, long n, double keep_prob, uint32_t k0, uint32_t k1, uint32_t stream, int threads) {
  MaskJob job = {y, n, threshold_of(keep_prob), k0, k1 ^ (uint32_t)(stream * 0x9e3779b1u), stream};
  const long pairs = (n + 1) / 2;
  int t = pairs >= kParallelPairs ? threads : 1;
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
  parallel_run(t, task, &ctx);
}

}  // namespace kt
