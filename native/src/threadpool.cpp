#include "threadpool.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "../include/keras_native.h"

#include <chrono>

namespace kt {
namespace {

// Spin this long before sleeping on the condition variable: enough to catch back-to-back kernels
// without waking a sleeping thread, short enough not to take a core another process needs.
// The spin has no PAUSE instruction: under KVM a PAUSE loop triggers pause-loop exits that
// deschedule the virtual CPU, and a wake-up then costs ~200 us (measured on this machine).
constexpr long kSpinNs = 50000;
// A worker that finished a job spins this long for the next one, renewed by every kernel that starts
// meanwhile (pool_hint): the one-thread kernels and the JavaScript between two parallel kernels of a
// training step (hundreds of us in all) would otherwise put it to sleep, and the next big product
// would wait for a wake-up (20-45 us measured here, under KVM, when the other core is busy). 200 us
// covers the JavaScript between two steps of the seed MLP (~175 us without a kernel). Bounded: with
// no kernel for this long it sleeps, and an idle process burns no core. Every few hundred polls the
// spin yields the core (sched_yield, a plain system call, no VM exit): with nothing else runnable
// there it returns at once (~160 ns here), but when other processes hold the other cores and the
// calling thread waits for this one, a spin that kept the core would take the caller's time: the seed
// MLP's training at 2 threads on this 2-core machine, with other processes keeping the load at ~2.5,
// ran at 0.6x its one-thread speed without the yield (5.6 ms a step against 3.4), 0.98x with it.
constexpr long kWorkerSpinNs = 200000;
// A hint renews the spin only within this long of the last parallel job: a process whose kernels are
// all small (one thread) keeps its workers asleep.
constexpr long kHintWindowNs = 20000000;

long now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

template <class Pred>
bool spin_until(Pred done) {
  auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    for (int i = 0; i < 256; i++) {
      if (done()) return true;
      __asm__ volatile("" ::: "memory");
    }
    sched_yield();  // a worker that shares this core (a busy machine) runs now, see kWorkerSpinNs
    if (std::chrono::steady_clock::now() - t0 > std::chrono::nanoseconds(kSpinNs)) return done();
  }
}

// Work is handed out as chunks claimed from a shared counter, by the caller and the workers alike:
// a worker that another process keeps off its core simply claims nothing, and the caller does its
// chunks, so a busy machine degrades a kernel to one thread's speed instead of stalling it.
class Pool {
 public:
  explicit Pool(int n) : size_(n < 1 ? 1 : n) {
    for (int t = 1; t < size_; t++) workers_.emplace_back([this] { loop(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_start_.notify_all();
    for (auto& w : workers_) w.join();
  }
  int size() const { return size_; }

  // a kernel is starting: a worker waiting for work keeps (or starts) spinning, see kWorkerSpinNs
  void hint() {
    const long t = now_ns();
    if (t - last_job_ns_.load(std::memory_order_relaxed) > kHintWindowNs) return;
    poke_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lk(mu_);
      cv_start_.notify_all();
    }
  }

  // every worker is asleep on the condition variable (a job would have to wake one)
  bool all_asleep() const { return sleepers_.load(std::memory_order_seq_cst) >= size_ - 1; }

  // wake: notify sleeping workers (parallel_run); else only the spinning ones see the job
  void run(int nchunks, TaskFn fn, void* ctx, bool wake) {
    unsigned long gen;
    last_job_ns_.store(now_ns(), std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = fn;
      ctx_ = ctx;
      nchunks_ = nchunks;
      done_.store(0, std::memory_order_relaxed);
      gen = generation_.load(std::memory_order_relaxed) + 1;
      // the claim counter carries the generation so a late worker cannot claim a later job's chunk;
      // chunk 0 is the caller's, taken before any worker sees the job
      next_.store(gen << 32 | 1, std::memory_order_relaxed);
      generation_.store(gen, std::memory_order_release);
    }
    if (wake) cv_start_.notify_all();
    // The caller runs chunk 0 and a spinning worker the next: with two threads the same half of every
    // job runs on the same core each time, so the data a job reads (an elementwise kernel's operands,
    // an optimizer's variable and slots, written there by the last job of that shape) stays in that
    // core's L2 instead of crossing to the other core's when the claims race the other way (an
    // RMSprop update of 16,384 elements, hot: 1.16-1.48x faster on 2 threads than on 1 while they
    // raced, 1.49-1.54x with chunk 0 the caller's; 5 pairs of runs, another process on the machine).
    fn(ctx, 0, nchunks);
    done_.fetch_add(1, std::memory_order_acq_rel);
    work(gen, fn, ctx, nchunks);
    auto finished = [&] { return done_.load(std::memory_order_acquire) == nchunks; };
    if (!spin_until(finished)) {
      std::unique_lock<std::mutex> lk(mu_);
      cv_done_.wait(lk, finished);
    }
  }

 private:
  // claims and runs chunks of job `gen` until none is left
  void work(unsigned long gen, TaskFn fn, void* ctx, int nchunks) {
    for (;;) {
      unsigned long v = next_.load(std::memory_order_acquire);
      int chunk;
      do {
        if ((v >> 32) != gen) return;
        chunk = (int)(v & 0xffffffffUL);
        if (chunk >= nchunks) return;
      } while (!next_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel));
      fn(ctx, chunk, nchunks);
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == nchunks) {
        std::lock_guard<std::mutex> lk(mu_);
        cv_done_.notify_one();
      }
    }
  }

  void loop() {
    unsigned long seen = 0;
    for (;;) {
      // spin until a job comes, for kWorkerSpinNs after the last job or hint, then sleep until a job
      // or a hint comes
      unsigned long poke = poke_.load(std::memory_order_acquire);
      for (;;) {
        long t0 = now_ns();
        bool job = false;
        while (!(job = generation_.load(std::memory_order_acquire) != seen)) {
          for (int i = 0; i < 256; i++) __asm__ volatile("" ::: "memory");
          sched_yield();
          const unsigned long p = poke_.load(std::memory_order_acquire);
          if (p != poke) {
            poke = p;
            t0 = now_ns();
          } else if (now_ns() - t0 > kWorkerSpinNs) {
            break;
          }
        }
        if (job) break;
        std::unique_lock<std::mutex> lk(mu_);
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        cv_start_.wait(lk, [&] {
          return generation_.load(std::memory_order_acquire) != seen || stop_ ||
                 poke_.load(std::memory_order_seq_cst) != poke;
        });
        sleepers_.fetch_sub(1, std::memory_order_seq_cst);
        if (stop_) return;
        poke = poke_.load(std::memory_order_acquire);
      }
      TaskFn fn;
      void* ctx;
      int nchunks;
      {
        std::unique_lock<std::mutex> lk(mu_);
        if (stop_) return;
        seen = generation_.load(std::memory_order_acquire);
        fn = fn_;
        ctx = ctx_;
        nchunks = nchunks_;
      }
      work(seen, fn, ctx, nchunks);
    }
  }

  const int size_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_start_, cv_done_;
  std::atomic<unsigned long> generation_{0};
  std::atomic<unsigned long> next_{0};
  std::atomic<int> done_{0};
  std::atomic<unsigned long> poke_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<long> last_job_ns_{-kHintWindowNs - 1};
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int nchunks_ = 0;
  bool stop_ = false;
};

std::mutex g_pool_mu;  // held for the whole of a parallel_run, and to resize the pool
Pool* g_pool = nullptr;
int g_requested = 0;   // 0: the default

// Physical cores among the CPUs this process may run on (SMT siblings share one core's FMA units,
// so a GEMM gains nothing from them).
int physical_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int logical = 0;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) logical = CPU_COUNT(&set);
  if (logical <= 0) {
    unsigned hc = std::thread::hardware_concurrency();
    return hc ? (int)hc : 1;
  }
  std::vector<long> seen;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
    if (!CPU_ISSET(cpu, &set)) continue;
    char path[128];
    long pkg = -1, core = -1;
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
    if (FILE* f = fopen(path, "r")) { if (fscanf(f, "%ld", &core) != 1) core = -1; fclose(f); }
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
    if (FILE* f = fopen(path, "r")) { if (fscanf(f, "%ld", &pkg) != 1) pkg = -1; fclose(f); }
    if (core < 0) return logical;  // no topology information: count every CPU
    long key = pkg * 65536 + core;
    bool dup = false;
    for (long s : seen) dup = dup || s == key;
    if (!dup) seen.push_back(key);
  }
  return seen.empty() ? logical : (int)seen.size();
}

int default_threads() {
  const char* env = getenv("KERAS_NUM_THREADS");
  if (env && *env) {
    int n = atoi(env);
    if (n >= 1) return n > 256 ? 256 : n;
  }
  int n = physical_cores();
  return n < 1 ? 1 : (n > 256 ? 256 : n);
}

// default_threads(), computed once (it reads the environment and, without KERAS_NUM_THREADS, a
// topology file per CPU: ~15 us, which every kernel paid through num_threads() before this cache);
// kt_set_num_threads(0) computes it again. 0: not yet.
int g_default = 0;

Pool* pool_locked() {
  if (g_requested <= 0 && g_default <= 0) g_default = default_threads();
  int want = g_requested > 0 ? g_requested : g_default;
  if (!g_pool || g_pool->size() != want) {
    delete g_pool;
    g_pool = new Pool(want);
  }
  return g_pool;
}

}  // namespace

namespace {

void run_chunks(int chunks, TaskFn fn, void* ctx, bool wake) {
  if (chunks <= 1) {
    fn(ctx, 0, 1);
    return;
  }
  std::unique_lock<std::mutex> lk(g_pool_mu, std::try_to_lock);
  Pool* p = lk.owns_lock() ? pool_locked() : nullptr;
  if (!p || p->size() <= 1 || (!wake && p->all_asleep())) {
    // no pool to share (one thread, a re-entrant call, or only sleeping workers for a short job): the
    // same chunks, in order, here
    for (int c = 0; c < chunks; c++) fn(ctx, c, chunks);
    return;
  }
  p->run(chunks, fn, ctx, wake);
}

}  // namespace

void parallel_run(int chunks, TaskFn fn, void* ctx) { run_chunks(chunks, fn, ctx, true); }

void parallel_run_awake(int chunks, TaskFn fn, void* ctx) { run_chunks(chunks, fn, ctx, false); }

void pool_hint() {
  std::unique_lock<std::mutex> lk(g_pool_mu, std::try_to_lock);
  if (lk.owns_lock() && g_pool && g_pool->size() > 1) g_pool->hint();
}

int num_threads() {
  std::lock_guard<std::mutex> lk(g_pool_mu);
  return pool_locked()->size();
}

}  // namespace kt

extern "C" void kt_set_num_threads(int n) {
  std::lock_guard<std::mutex> lk(kt::g_pool_mu);
  kt::g_requested = n < 0 ? 0 : (n > 256 ? 256 : n);
  if (kt::g_requested == 0) kt::g_default = 0;  // the default again: KERAS_NUM_THREADS read anew
  kt::pool_locked();
}

extern "C" int kt_get_num_threads(void) { return kt::num_threads(); }

extern "C" int kt_default_num_threads(void) { return kt::default_threads(); }
