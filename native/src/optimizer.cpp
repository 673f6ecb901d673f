// Fused optimizer updates (KT_OPTIMIZER_UPDATE): one pass over a variable, its gradient and its
// slots, writing the new variable and slots to separate output buffers. Each formula is the
// composite ops of src/optimizers/*.ts in the same order, every intermediate a float, so the result
// equals the composite path's bit for bit: plain loops that g++ -O3 vectorizes for the target's
// baseline (SSE2 on x86-64; these loops are bound by memory, not arithmetic), with contraction into
// FMA turned off where the target would otherwise do it (aarch64), since a fused a*b+c rounds once.
// Arguments are validated by dispatch.cpp before these run.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "../include/keras_native.h"
#include "ops.h"
#include "threadpool.h"

namespace kt {
namespace {

// below this many elements one thread does the whole update (as the elementwise ops in ops.cpp)
constexpr long kParallelElems = 1L << 16;

struct UpdateJob {
  long n;
  const float* in[4];  // variable, gradient, slots
  float* out[3];       // variable', slots'
  float s[5];          // the rule's scalars, rounded to float as the composite ops round them
  int rule;
  bool momentum;       // SGD and RMSprop: the momentum slot is present
  bool nesterov;
};

// s = lr, momentum
void sgd(const UpdateJob& j, long b, long e) {
  const float* __restrict w = j.in[0];
  const float* __restrict g = j.in[1];
  float* __restrict w2 = j.out[0];
  const float lr = j.s[0], mu = j.s[1];
  if (!j.momentum) {
    for (long i = b; i < e; i++) w2[i] = w[i] - g[i] * lr;
    return;
  }
  const float* __restrict m = j.in[2];
  float* __restrict m2 = j.out[1];
  if (j.nesterov) {
    for (long i = b; i < e; i++) {
      const float step = g[i] * lr;
      const float mi = m[i] * mu - step;
      m2[i] = mi;
      w2[i] = w[i] + (mi * mu - step);
    }
  } else {
    for (long i = b; i < e; i++) {
      const float mi = m[i] * mu - g[i] * lr;
      m2[i] = mi;
      w2[i] = w[i] + mi;
    }
  }
}

// restrict on parameters (not on locals loaded from a struct) lets g++ vectorize loops with this
// many streams without run-time alias checks
void rmsprop_momentum(const float* __restrict w, const float* __restrict g, const float* __restrict v,
                      const float* __restrict m, float* __restrict w2, float* __restrict v2, float* __restrict m2,
                      long n, float lr, float rho, float rho1, float eps, float mu) {
  for (long i = 0; i < n; i++) {
    const float gi = g[i];
    const float vi = v[i] * rho + (gi * gi) * rho1;
    v2[i] = vi;
    const float mi = m[i] * mu + (gi * lr) / __builtin_sqrtf(vi + eps);
    m2[i] = mi;
    w2[i] = w[i] - mi;
  }
}

// s = lr, rho, 1 - rho, epsilon, momentum
void rmsprop(const UpdateJob& j, long b, long e) {
  const float* __restrict w = j.in[0];
  const float* __restrict g = j.in[1];
  const float* __restrict v = j.in[2];
  float* __restrict w2 = j.out[0];
  float* __restrict v2 = j.out[1];
  const float lr = j.s[0], rho = j.s[1], rho1 = j.s[2], eps = j.s[3], mu = j.s[4];
  if (!j.momentum) {
    for (long i = b; i < e; i++) {
      const float gi = g[i];
      const float vi = v[i] * rho + (gi * gi) * rho1;
      v2[i] = vi;
      w2[i] = w[i] - (gi * lr) / __builtin_sqrtf(vi + eps);
    }
    return;
  }
  rmsprop_momentum(w + b, g + b, v + b, j.in[3] + b, w2 + b, v2 + b, j.out[2] + b, e - b, lr, rho, rho1, eps, mu);
}

// s = alpha, 1 - beta1, 1 - beta2, epsilon
void adam_loop(const float* __restrict w, const float* __restrict g, const float* __restrict m,
               const float* __restrict v, float* __restrict w2, float* __restrict m2, float* __restrict v2, long n,
               float alpha, float b1, float b2, float eps) {
  for (long i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] + (gi - m[i]) * b1;
    const float vi = v[i] + (gi * gi - v[i]) * b2;
    m2[i] = mi;
    v2[i] = vi;
    w2[i] = w[i] - (mi * alpha) / (__builtin_sqrtf(vi) + eps);
  }
}

void adam(const UpdateJob& j, long b, long e) {
  adam_loop(j.in[0] + b, j.in[1] + b, j.in[2] + b, j.in[3] + b, j.out[0] + b, j.out[1] + b, j.out[2] + b, e - b,
            j.s[0], j.s[1], j.s[2], j.s[3]);
}

// s = lr, rho, 1 - rho, epsilon
void adadelta_loop(const float* __restrict w, const float* __restrict g, const float* __restrict eg,
                   const float* __restrict ed, float* __restrict w2, float* __restrict eg2, float* __restrict ed2,
                   long n, float lr, float rho, float rho1, float eps) {
  for (long i = 0; i < n; i++) {
    const float gi = g[i];
    const float egi = eg[i] * rho + (gi * gi) * rho1;
    eg2[i] = egi;
    const float delta = -((__builtin_sqrtf(ed[i] + eps) * gi) / __builtin_sqrtf(egi + eps));
    ed2[i] = ed[i] * rho + (delta * delta) * rho1;
    w2[i] = w[i] + delta * lr;
  }
}

void adadelta(const UpdateJob& j, long b, long e) {
  adadelta_loop(j.in[0] + b, j.in[1] + b, j.in[2] + b, j.in[3] + b, j.out[0] + b, j.out[1] + b, j.out[2] + b, e - b,
                j.s[0], j.s[1], j.s[2], j.s[3]);
}

void run_range(const UpdateJob& j, long b, long e) {
  switch (j.rule) {
    case KT_OPT_SGD: sgd(j, b, e); break;
    case KT_OPT_RMSPROP: rmsprop(j, b, e); break;
    case KT_OPT_ADAM: adam(j, b, e); break;
    default: adadelta(j, b, e); break;
  }
}

}  // namespace

int optimizer_slots(int rule, const double* p) {
  switch (rule) {
    case KT_OPT_SGD: return p[1] != 0 ? 1 : 0;
    case KT_OPT_RMSPROP: return p[2] > 0 ? 2 : 1;
    default: return 2;
  }
}

void optimizer_update(int rule, long n, const double* p, const float* const* in, float* const* out, int threads) {
  UpdateJob j = {};
  j.n = n;
  j.rule = rule;
  const int slots = optimizer_slots(rule, p);
  for (int k = 0; k < 2 + slots; k++) j.in[k] = in[k];
  for (int k = 0; k < 1 + slots; k++) j.out[k] = out[k];
  j.momentum = slots > (rule == KT_OPT_RMSPROP ? 1 : 0);
  // scalars as the composite ops make them: the double (1 - rho, say) computed first, then rounded
  switch (rule) {
    case KT_OPT_SGD:
      j.s[0] = (float)p[0];
      j.s[1] = (float)p[1];
      j.nesterov = p[2] != 0;
      break;
    case KT_OPT_RMSPROP:
      j.s[0] = (float)p[0];
      j.s[1] = (float)p[1];
      j.s[2] = (float)(1.0 - p[1]);
      j.s[3] = (float)p[3];
      j.s[4] = (float)p[2];
      break;
    case KT_OPT_ADAM:
      j.s[0] = (float)p[0];
      j.s[1] = (float)(1.0 - p[1]);
      j.s[2] = (float)(1.0 - p[2]);
      j.s[3] = (float)p[3];
      break;
    default:
      j.s[0] = (float)p[0];
      j.s[1] = (float)p[1];
      j.s[2] = (float)(1.0 - p[1]);
      j.s[3] = (float)p[2];
      break;
  }
  int t = n >= kParallelElems ? threads : 1;
  if (t < 1) t = 1;
  if (t == 1) {
    run_range(j, 0, n);
    return;
  }
  auto task = [](void* ctx, int c, int chunks) {
    const UpdateJob& job = *(const UpdateJob*)ctx;
    long b, e;
    split_range(job.n, chunks, c, &b, &e);
    run_range(job, b, e);
  };
  parallel_run(t, task, &j);
}

}  // namespace kt
