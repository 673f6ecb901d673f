// A persistent pool of worker threads. The calling thread takes part as worker 0. Workers sleep on a
// condition variable after a short spin, so a core taken by another process never stalls a barrier.
#pragma once

namespace kt {

using TaskFn = void (*)(void* ctx, int tid, int nthreads);

// Runs fn(ctx, c, chunks) for every chunk c in [0, chunks) and returns when all have finished. The
// calling thread and the pool's workers claim chunks as they come free, so a worker held off its
// core by another process costs at most the chunk it holds. A chunk's result must not depend on
// which thread runs it (results are identical for any thread count). Re-entrant calls (a second JS
// thread, say) run every chunk on the calling thread.
void parallel_run(int chunks, TaskFn fn, void* ctx);

// As parallel_run, for a job too short to be worth waking a sleeping worker (a wake-up takes 20-45 us
// here, under KVM, and costs the caller a system call): the workers that are awake (spinning after a
// recent job, see pool_hint) take chunks as parallel_run's do; when every worker sleeps, the chunks
// run in order on the calling thread and none is woken. The same results either way.
void parallel_run_awake(int chunks, TaskFn fn, void* ctx);

// A kernel is starting (called by kt_run for every kernel): workers that ran a parallel job lately
// keep spinning a bounded time instead of going to sleep, so the next parallel kernel of the same
// step does not wait for a wake-up. Cheap; a no-op where there is no pool.
void pool_hint();

// Threads available to one parallel_run.
int num_threads();

// Splits [0, n) into `parts` nearly equal contiguous ranges; returns range `i` in [*b, *e).
inline void split_range(long n, int parts, int i, long* b, long* e) {
  long q = n / parts, r = n % parts;
  *b = i * q + (i < r ? i : r);
  *e = *b + q + (i < r ? 1 : 0);
}

}  // namespace kt
