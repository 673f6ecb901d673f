// A persistent pool of worker threads. The calling thread takes part as worker 0. Workers sleep on a
// condition variable after a short spin, so a core taken by another process never stalls a barrier.
#pragma once

namespace kt {

using TaskFn = void (*)(void* ctx, int tid, int nthreads);

// Runs fn(ctx, t, n) for t in [0, n), n = min(want, pool size), and returns when all have finished.
// Re-entrant calls (a second JS thread, say) run on the calling thread alone.
void parallel_run(int want, TaskFn fn, void* ctx);

// Threads available to one parallel_run.
int num_threads();

// Splits [0, n) into `parts` nearly equal contiguous ranges; returns range `i` in [*b, *e).
inline void split_range(long n, int parts, int i, long* b, long* e) {
  long q = n / parts, r = n % parts;
  *b = i * q + (i < r ? i : r);
  *e = *b + q + (i < r ? 1 : 0);
}

}  // namespace kt
