// A persistent pool of worker threads. The calling thread takes part as worker 0. Workers sleep on a
// condition variable after a short spin, so a core taken by another process never stalls a barrier.
#pragma once

#if defined(__SSE2__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

namespace kt {

using TaskFn = void (*)(void* ctx, int tid, int nthreads);

// Runs fn(ctx, c, chunks) for every chunk c in [0, chunks) and returns when all have finished. The
// calling thread and the pool's workers claim chunks as they come free, so a worker held off its
// core by another process costs at most the chunk it holds. A chunk's result must not depend on
// which thread runs it (results are identical for any thread count). Re-entrant calls (a second JS
// thread, say) run every chunk on the calling thread.
void parallel_run(int chunks, TaskFn fn, void* ctx);

// A kernel is starting (called by kt_run for every kernel): workers that ran a parallel job lately
// keep spinning a bounded time instead of going to sleep, so the next parallel kernel of the same
// step does not wait for a wake-up. Cheap; a no-op where there is no pool.
void pool_hint();

// Threads available to one parallel_run.
int num_threads();

// Subnormal floats flushed to zero (results written as zero, inputs read as zero) in this scope, on
// this thread; the previous mode comes back at its end (JavaScript's own arithmetic keeps IEEE
// subnormals). The optimizer updates run under it, as TensorFlow runs its CPU kernels: a running
// average that decays towards zero (RMSprop's, Adam's slots where a gradient stays 0) reaches
// subnormal values after ~800 steps, and x86 then computes the whole update ~40x slower. x86 only.
#if defined(__SSE2__) || defined(_M_X64)
struct FlushSubnormals {
  unsigned saved = _mm_getcsr();
  FlushSubnormals() { _mm_setcsr(saved | 0x8040u); }  // FTZ (bit 15) and DAZ (bit 6)
  ~FlushSubnormals() { _mm_setcsr(saved); }
  FlushSubnormals(const FlushSubnormals&) = delete;
  FlushSubnormals& operator=(const FlushSubnormals&) = delete;
};
#else
struct FlushSubnormals {};
#endif

// Splits [0, n) into `parts` nearly equal contiguous ranges; returns range `i` in [*b, *e).
inline void split_range(long n, int parts, int i, long* b, long* e) {
  long q = n / parts, r = n % parts;
  *b = i * q + (i < r ? i : r);
  *e = *b + q + (i < r ? 1 : 0);
}

}  // namespace kt
