// Fused optimizer updates (KT_OPTIMIZER_UPDATE): one pass over a variable, its gradient and its
// slots, writing the new variable and slots. Each formula is the composite ops of
// src/optimizers/*.ts in the same order, every intermediate a float, so the result equals the
// composite path's bit for bit: plain loops that g++ -O3 vectorizes for the target's baseline (SSE2
// on x86-64; these loops are bound by memory, not arithmetic), with contraction into FMA turned off
// where the target would otherwise do it (aarch64), since a fused a*b+c rounds once.
// Arguments are validated by dispatch.cpp before these run.
//
// In place: each output (the variable, slot k) is either its own input's buffer or a buffer that
// overlaps no other (dispatch.cpp checks). Per index every loop reads the variable and slots before
// writing them and reads no other index, so an update in place gives the same values. Each loop is
// instantiated per combination of in-place streams (bit k of M: output k is its input): an in-place
// stream is read through its output pointer, so every buffer is reached through exactly one
// __restrict pointer, as restrict requires, and the loops still vectorize without alias checks.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "../include/keras_native.h"
#include "ops.h"
#include "threadpool.h"

#if defined(__SSE2__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

namespace kt {
namespace {

// Subnormal floats flushed to zero (results written as zero, inputs read as zero) in this scope, on
// this thread; the previous mode comes back at its end (JavaScript's own arithmetic keeps IEEE
// subnormals). The updates run under it, as TensorFlow runs its CPU kernels: a running
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

// From this many elements the update is split over the pool's threads, sleeping workers woken (as the
// elementwise ops in ops.cpp); from kAwakeElems over the workers that are awake only
// (parallel_run_awake: a wake-up would take longer than the update). bench/threads.ts measures both.
constexpr long kParallelElems = 1L << 16;
constexpr long kAwakeElems = 1L << 13;

struct UpdateJob {
  long n;
  const float* in[4];  // variable, gradient, slots
  float* out[3];       // variable', slots'
  float s[5];          // the rule's scalars, rounded to float as the composite ops round them
  int rule;
  int mask;            // bit k: out[k] is its input's buffer (variable: in[0], slot k - 1: in[k + 1])
  bool momentum;       // SGD and RMSprop: the momentum slot is present
  bool nesterov;
};

// The input of stream `bit`: its output pointer when that stream is updated in place.
#define KT_IN(M, bit, in, out) (((M) & (bit)) ? (const float*)(out) : (in))

// s = lr
template <int M>
void sgd_plain(const float* __restrict w_, const float* __restrict g, float* __restrict w2, long n, float lr) {
  const float* w = KT_IN(M, 1, w_, w2);
  for (long i = 0; i < n; i++) w2[i] = w[i] - g[i] * lr;
}

// s = lr, momentum
template <int M>
void sgd_momentum(const float* __restrict w_, const float* __restrict g, const float* __restrict m_,
                  float* __restrict w2, float* __restrict m2, long n, float lr, float mu, bool nesterov) {
  const float* w = KT_IN(M, 1, w_, w2);
  const float* m = KT_IN(M, 2, m_, m2);
  if (nesterov) {
    for (long i = 0; i < n; i++) {
      const float step = g[i] * lr;
      const float mi = m[i] * mu - step;
      m2[i] = mi;
      w2[i] = w[i] + (mi * mu - step);
    }
  } else {
    for (long i = 0; i < n; i++) {
      const float mi = m[i] * mu - g[i] * lr;
      m2[i] = mi;
      w2[i] = w[i] + mi;
    }
  }
}

// s = lr, rho, 1 - rho, epsilon
template <int M>
void rmsprop_plain(const float* __restrict w_, const float* __restrict g, const float* __restrict v_,
                   float* __restrict w2, float* __restrict v2, long n, float lr, float rho, float rho1, float eps) {
  const float* w = KT_IN(M, 1, w_, w2);
  const float* v = KT_IN(M, 2, v_, v2);
  for (long i = 0; i < n; i++) {
    const float gi = g[i];
    const float vi = v[i] * rho + (gi * gi) * rho1;
    v2[i] = vi;
    w2[i] = w[i] - (gi * lr) / __builtin_sqrtf(vi + eps);
  }
}

// s = lr, rho, 1 - rho, epsilon, momentum
template <int M>
void rmsprop_momentum(const float* __restrict w_, const float* __restrict g, const float* __restrict v_,
                      const float* __restrict m_, float* __restrict w2, float* __restrict v2, float* __restrict m2,
                      long n, float lr, float rho, float rho1, float eps, float mu) {
  const float* w = KT_IN(M, 1, w_, w2);
  const float* v = KT_IN(M, 2, v_, v2);
  const float* m = KT_IN(M, 4, m_, m2);
  for (long i = 0; i < n; i++) {
    const float gi = g[i];
    const float vi = v[i] * rho + (gi * gi) * rho1;
    v2[i] = vi;
    const float mi = m[i] * mu + (gi * lr) / __builtin_sqrtf(vi + eps);
    m2[i] = mi;
    w2[i] = w[i] - mi;
  }
}

// s = alpha, 1 - beta1, 1 - beta2, epsilon
template <int M>
void adam_loop(const float* __restrict w_, const float* __restrict g, const float* __restrict m_,
               const float* __restrict v_, float* __restrict w2, float* __restrict m2, float* __restrict v2, long n,
               float alpha, float b1, float b2, float eps) {
  const float* w = KT_IN(M, 1, w_, w2);
  const float* m = KT_IN(M, 2, m_, m2);
  const float* v = KT_IN(M, 4, v_, v2);
  for (long i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] + (gi - m[i]) * b1;
    const float vi = v[i] + (gi * gi - v[i]) * b2;
    m2[i] = mi;
    v2[i] = vi;
    w2[i] = w[i] - (mi * alpha) / (__builtin_sqrtf(vi) + eps);
  }
}

// s = lr, rho, 1 - rho, epsilon
template <int M>
void adadelta_loop(const float* __restrict w_, const float* __restrict g, const float* __restrict eg_,
                   const float* __restrict ed_, float* __restrict w2, float* __restrict eg2, float* __restrict ed2,
                   long n, float lr, float rho, float rho1, float eps) {
  const float* w = KT_IN(M, 1, w_, w2);
  const float* eg = KT_IN(M, 2, eg_, eg2);
  const float* ed = KT_IN(M, 4, ed_, ed2);
  for (long i = 0; i < n; i++) {
    const float gi = g[i];
    const float egi = eg[i] * rho + (gi * gi) * rho1;
    eg2[i] = egi;
    const float edi = ed[i];
    const float delta = -((__builtin_sqrtf(edi + eps) * gi) / __builtin_sqrtf(egi + eps));
    ed2[i] = edi * rho + (delta * delta) * rho1;
    w2[i] = w[i] + delta * lr;
  }
}

#undef KT_IN

// one instantiation per combination of in-place streams, indexed by the mask
template <typename F, F... fs>
struct Table {
  static constexpr F at[sizeof...(fs)] = {fs...};
};
using Fn1 = decltype(&sgd_plain<0>);
using Fn2 = decltype(&sgd_momentum<0>);
using Fn3 = decltype(&rmsprop_plain<0>);
using Fn4 = decltype(&rmsprop_momentum<0>);
using Fn5 = decltype(&adam_loop<0>);
using Fn6 = decltype(&adadelta_loop<0>);
using SgdPlain = Table<Fn1, sgd_plain<0>, sgd_plain<1>>;
using SgdMomentum = Table<Fn2, sgd_momentum<0>, sgd_momentum<1>, sgd_momentum<2>, sgd_momentum<3>>;
using RmsPlain = Table<Fn3, rmsprop_plain<0>, rmsprop_plain<1>, rmsprop_plain<2>, rmsprop_plain<3>>;
using RmsMomentum = Table<Fn4, rmsprop_momentum<0>, rmsprop_momentum<1>, rmsprop_momentum<2>, rmsprop_momentum<3>,
                          rmsprop_momentum<4>, rmsprop_momentum<5>, rmsprop_momentum<6>, rmsprop_momentum<7>>;
using Adam = Table<Fn5, adam_loop<0>, adam_loop<1>, adam_loop<2>, adam_loop<3>, adam_loop<4>, adam_loop<5>,
                   adam_loop<6>, adam_loop<7>>;
using Adadelta = Table<Fn6, adadelta_loop<0>, adadelta_loop<1>, adadelta_loop<2>, adadelta_loop<3>,
                       adadelta_loop<4>, adadelta_loop<5>, adadelta_loop<6>, adadelta_loop<7>>;

void run_range(const UpdateJob& j, long b, long e) {
  FlushSubnormals flush;  // on whichever thread runs this chunk
  const float* const* in = j.in;
  float* const* out = j.out;
  const long n = e - b;
  const int k = j.mask;
  switch (j.rule) {
    case KT_OPT_SGD:
      if (!j.momentum) SgdPlain::at[k](in[0] + b, in[1] + b, out[0] + b, n, j.s[0]);
      else SgdMomentum::at[k](in[0] + b, in[1] + b, in[2] + b, out[0] + b, out[1] + b, n, j.s[0], j.s[1], j.nesterov);
      break;
    case KT_OPT_RMSPROP:
      if (!j.momentum) RmsPlain::at[k](in[0] + b, in[1] + b, in[2] + b, out[0] + b, out[1] + b, n, j.s[0], j.s[1], j.s[2], j.s[3]);
      else RmsMomentum::at[k](in[0] + b, in[1] + b, in[2] + b, in[3] + b, out[0] + b, out[1] + b, out[2] + b, n,
                              j.s[0], j.s[1], j.s[2], j.s[3], j.s[4]);
      break;
    case KT_OPT_ADAM:
      Adam::at[k](in[0] + b, in[1] + b, in[2] + b, in[3] + b, out[0] + b, out[1] + b, out[2] + b, n, j.s[0], j.s[1],
                  j.s[2], j.s[3]);
      break;
    default:
      Adadelta::at[k](in[0] + b, in[1] + b, in[2] + b, in[3] + b, out[0] + b, out[1] + b, out[2] + b, n, j.s[0],
                      j.s[1], j.s[2], j.s[3]);
      break;
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
  for (int k = 0; k < 1 + slots; k++) {
    if (out[k] == in[k == 0 ? 0 : k + 1]) j.mask |= 1 << k;
  }
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
  int t = n >= kAwakeElems ? threads : 1;
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
  if (n >= kParallelElems) parallel_run(t, task, &j);
  else parallel_run_awake(t, task, &j);
}

}  // namespace kt
