// The thread pool of a single-threaded build (the WebAssembly module, scripts/build-wasm.mjs): every
// chunk runs in order on the calling thread; the results are the same as with any thread count.
#include "../include/keras_native.h"
#include "threadpool.h"

namespace kt {

void parallel_run(int chunks, TaskFn fn, void* ctx) {
  if (chunks <= 1) {
    fn(ctx, 0, 1);
    return;
  }
  for (int c = 0; c < chunks; c++) fn(ctx, c, chunks);
}

void parallel_run_awake(int chunks, TaskFn fn, void* ctx) { parallel_run(chunks, fn, ctx); }

void pool_hint() {}

int num_threads() { return 1; }

}  // namespace kt

extern "C" void kt_set_num_threads(int n) { (void)n; }
extern "C" int kt_get_num_threads(void) { return 1; }
extern "C" int kt_default_num_threads(void) { return 1; }
