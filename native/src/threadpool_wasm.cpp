// The thread pool of the threaded WebAssembly builds (scripts/build-wasm.mjs, "-mt" variants: atomics,
// bulk memory, one shared WebAssembly.Memory). The workers are JavaScript threads (worker_threads in
// Node, Web Workers in a page: src/platform/*/wasm.ts) that each instantiate the module over the same
// memory, take their own stack and thread-local block (kt_thread_alloc), and call kt_worker_loop(),
// which never returns. The native pool's semantics (threadpool.cpp): a job's chunks are claimed from
// one shared counter by the caller and the workers alike, so a worker that is late or kept off its core
// claims nothing and the caller does the chunks; idle workers sleep in memory.atomic.wait32 after a
// short bounded spin. The calling thread waits the same way for the last chunks, except where the
// engine forbids it to block (a page's main thread: kt_set_main_can_wait(0)), where it polls.
#if defined(__wasm__)
#include <stdint.h>
#include <stdlib.h>

#include "../include/keras_native.h"
#include "threadpool.h"

#define KT_EXPORT(name) extern "C" __attribute__((export_name(#name))) __attribute__((used))

namespace kt {
namespace {

constexpr int kSeq = __ATOMIC_SEQ_CST;
// loads of a flag before sleeping on it: a few microseconds, enough to catch back-to-back kernels
constexpr int kSpins = 4096;

struct alignas(64) Job {
  int gen;            // bumped for every job; idle workers sleep on it
  int done;           // chunks finished in the current job; the caller sleeps on it
  uint64_t next;      // gen << 32 | next chunk to claim
  TaskFn fn;
  void* ctx;
  int nchunks;
  int busy;           // a parallel_run holds the pool
  int stop;
};
Job g_job;
int g_threads = 1;          // threads one parallel_run uses (set by the JavaScript side)
int g_main_can_wait = 1;
uint32_t g_worker_chunks = 0;  // chunks run by workers (benchmarks, tests)

inline int load(const int* p) { return __atomic_load_n(p, kSeq); }

// waits while *p == v: a bounded spin, then sleep (or poll where this thread may not block)
void wait_while(int* p, int v, bool can_block) {
  for (int i = 0; i < kSpins; i++)
    if (load(p) != v) return;
  while (load(p) == v) {
    if (can_block) __builtin_wasm_memory_atomic_wait32(p, v, -1);
  }
}

// claims and runs chunks of job `gen` until none is left
void work(int gen, bool worker) {
  const TaskFn fn = __atomic_load_n(&g_job.fn, kSeq);
  void* const ctx = __atomic_load_n(&g_job.ctx, kSeq);
  const int nchunks = load(&g_job.nchunks);
  // (a stale fn/ctx/nchunks cannot be used: the claim below succeeds only while job `gen` is
  // unfinished, and the caller writes the next job's fields only after this one has finished)
  for (;;) {
    uint64_t v = __atomic_load_n(&g_job.next, kSeq);
    int chunk;
    do {
      if ((int)(v >> 32) != gen) return;
      chunk = (int)(v & 0xffffffffu);
      if (chunk >= nchunks) return;
    } while (!__atomic_compare_exchange_n(&g_job.next, &v, v + 1, true, kSeq, kSeq));
    fn(ctx, chunk, nchunks);
    if (worker) __atomic_fetch_add(&g_worker_chunks, 1u, kSeq);
    if (__atomic_add_fetch(&g_job.done, 1, kSeq) == nchunks) __builtin_wasm_memory_atomic_notify(&g_job.done, 1);
  }
}

void serial(int chunks, TaskFn fn, void* ctx) {
  for (int c = 0; c < chunks; c++) fn(ctx, c, chunks);
}

}  // namespace

void parallel_run(int chunks, TaskFn fn, void* ctx) {
  if (chunks <= 1) {
    fn(ctx, 0, 1);
    return;
  }
  int expected = 0;
  // one job at a time; a call from inside a chunk runs its chunks here, in order
  if (load(&g_threads) <= 1 || !__atomic_compare_exchange_n(&g_job.busy, &expected, 1, false, kSeq, kSeq)) {
    serial(chunks, fn, ctx);
    return;
  }
  const int gen = load(&g_job.gen) + 1;
  __atomic_store_n(&g_job.fn, fn, kSeq);
  __atomic_store_n(&g_job.ctx, ctx, kSeq);
  __atomic_store_n(&g_job.nchunks, chunks, kSeq);
  __atomic_store_n(&g_job.done, 0, kSeq);
  __atomic_store_n(&g_job.next, (uint64_t)(uint32_t)gen << 32, kSeq);
  __atomic_store_n(&g_job.gen, gen, kSeq);
  __builtin_wasm_memory_atomic_notify(&g_job.gen, (unsigned)-1);
  work(gen, false);
  for (int d; (d = load(&g_job.done)) != chunks;) wait_while(&g_job.done, d, load(&g_main_can_wait) != 0);
  __atomic_store_n(&g_job.busy, 0, kSeq);
}

// the workers do not say whether they sleep: a short job is handed out as any other (a notify with
// no sleeping waiter costs little)
void parallel_run_awake(int chunks, TaskFn fn, void* ctx) { parallel_run(chunks, fn, ctx); }

void pool_hint() {}

int num_threads() { return load(&g_threads); }

}  // namespace kt

using kt::g_job;

extern "C" void kt_set_num_threads(int n) { __atomic_store_n(&kt::g_threads, n < 1 ? 1 : (n > 256 ? 256 : n), kt::kSeq); }
extern "C" int kt_get_num_threads(void) { return kt::load(&kt::g_threads); }
// the JavaScript side knows the cores and KERAS_NUM_THREADS, and sets the count it started workers for
extern "C" int kt_default_num_threads(void) { return kt::load(&kt::g_threads); }

KT_EXPORT(kt_set_threads) void kt_set_threads(int n) { kt_set_num_threads(n); }
KT_EXPORT(kt_get_threads) int kt_get_threads(void) { return kt_get_num_threads(); }
KT_EXPORT(kt_set_main_can_wait) void kt_set_main_can_wait(int yes) { __atomic_store_n(&kt::g_main_can_wait, yes, kt::kSeq); }
KT_EXPORT(kt_worker_chunks) uint32_t kt_worker_chunks(void) { return __atomic_load_n(&kt::g_worker_chunks, kt::kSeq); }

// A worker's stack (`stack_bytes`, 16-aligned; its top is returned, 0 when out of memory) and
// thread-local block (then at kt_thread_tls()), allocated by the calling thread before the worker starts.
namespace {
uintptr_t g_last_tls = 0;
}
KT_EXPORT(kt_thread_alloc) uintptr_t kt_thread_alloc(int stack_bytes) {
  char* stack = (char*)aligned_alloc(16, (size_t)stack_bytes);
  const size_t tls_size = __builtin_wasm_tls_size(), tls_align = __builtin_wasm_tls_align();
  void* tls = aligned_alloc(tls_align < 16 ? 16 : tls_align, ((tls_size ? tls_size : 1) + 15) & ~(size_t)15);
  if (!stack || !tls) {
    free(stack);
    free(tls);
    return 0;
  }
  g_last_tls = (uintptr_t)tls;
  return (uintptr_t)(stack + stack_bytes);
}
KT_EXPORT(kt_thread_tls) uintptr_t kt_thread_tls(void) { return g_last_tls; }

// A worker's life: sleeps until a job comes, takes its share of the chunks, and again; returns when
// kt_stop_workers() is called.
KT_EXPORT(kt_worker_loop) void kt_worker_loop(void) {
  int seen = kt::load(&g_job.gen);
  for (;;) {
    kt::wait_while(&g_job.gen, seen, true);
    seen = kt::load(&g_job.gen);
    if (kt::load(&g_job.stop)) return;
    kt::work(seen, true);
  }
}

KT_EXPORT(kt_stop_workers) void kt_stop_workers(void) {
  __atomic_store_n(&g_job.stop, 1, kt::kSeq);
  __atomic_add_fetch(&g_job.gen, 1, kt::kSeq);
  __builtin_wasm_memory_atomic_notify(&g_job.gen, (unsigned)-1);
}

#endif
