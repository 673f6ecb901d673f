// What the kernel benchmarks share: a clock and random inputs.
#pragma once

#include <time.h>

#include <cstdlib>
#include <vector>

namespace bench {

// Seconds on `clock`: CLOCK_MONOTONIC (wall time) or CLOCK_THREAD_CPUTIME_ID (the calling thread's CPU
// time, robust on a busy machine).
inline double seconds(clockid_t clock = CLOCK_MONOTONIC) {
  timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// n values uniform in [-scale / 2, scale / 2] from rand() (the same sequence on every run).
inline std::vector<float> rnd(long n, float scale = 1.0f) {
  std::vector<float> v(n);
  for (auto& x : v) x = (rand() / (float)RAND_MAX - 0.5f) * scale;
  return v;
}

}  // namespace bench
