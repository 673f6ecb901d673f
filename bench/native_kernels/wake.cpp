// The thread pool's hand-over: how long after parallel_run starts the second of two chunks begins,
// after a gap of GAP us in which small kernels start every 10 us (each with kt_run's pool_hint).
// A worker that slept costs its wake-up; one kept spinning by the hints starts within a microsecond.
// Built and run by: BENCH=wake sh bench/native_kernels/run.sh  (an idle machine, or under chrt -f)
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "bench_util.h"
#include "threadpool.h"

extern "C" void kt_set_num_threads(int n);

static double now() { return bench::seconds() * 1e6; }  // microseconds
static void busy(double us, bool hint) {
  const double t0 = now();
  double last = t0;
  while (now() - t0 < us)
    if (hint && now() - last > 10) {
      kt::pool_hint();
      last = now();
    }
}
struct Ctx {
  double start[2];
};

int main() {
  kt_set_num_threads(2);
  for (int hint = 0; hint <= 1; hint++)
    for (double gap : {5.0, 30.0, 200.0, 1000.0}) {
      std::vector<double> lat;
      for (int r = 0; r < 60; r++) {
        busy(gap, hint);
        Ctx c;
        const double t0 = now();
        kt::parallel_run(
            2,
            [](void* p, int tid, int) {
              ((Ctx*)p)->start[tid] = now();
              const double t = now();
              while (now() - t < 100) {
              }
            },
            &c);
        lat.push_back(std::max(c.start[0], c.start[1]) - t0);
      }
      std::sort(lat.begin(), lat.end());
      printf("gap %5.0f us, %s: the second chunk starts after median %6.1f us, p90 %6.1f us (100: the caller ran both)\n",
             gap, hint ? "kernels every 10 us" : "no kernel         ", lat[lat.size() / 2], lat[lat.size() * 9 / 10]);
    }
}
