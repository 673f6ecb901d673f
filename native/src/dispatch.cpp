// kt_run: the one entry into the kernels. Reads the attributes of each kernel, checks that every
// buffer holds at least the elements the attributes imply (with overflow-checked arithmetic), then
// runs the kernel. Attribute layouts (all numbers, as doubles holding integers unless noted):
//
//   KT_GEMM        bufs a, b, c   [batch, m, n, k, transA, transB, accumulate, aStride, bStride, explicit,
//                                  (explicit: batch offsets of a, then batch offsets of b)]
//                  a holds each [m, k] matrix ([k, m] when transA), b each [k, n] ([n, k] when transB),
//                  matrix t of a starts at t * aStride (or its explicit offset); c is [batch, m, n].
//   KT_CONV2D      bufs x, filter, y        geometry (15): n h w cin oh ow cout kh kw sh sw dh dw padTop padLeft
//   KT_CONV2D_BACKPROP_INPUT   bufs dy, filter, dx   same geometry
//   KT_CONV2D_BACKPROP_FILTER  bufs x, dy, dfilter   same geometry
//   KT_MAXPOOL / KT_AVGPOOL    bufs x, y             geometry (12): n h w c oh ow ph pw sh sw padTop padLeft
//   KT_MAXPOOL_GRAD            bufs x, dy, dx        same
//   KT_AVGPOOL_GRAD            bufs dy, dx           same
//   KT_UNARY       bufs x, y      [op, p0, p1] (p0, p1 any floats: alpha, clip bounds)
//   KT_BINARY      bufs a, b, y   [op, rank, shape[rank], aStrides[rank], bStrides[rank]]
//   KT_REDUCE      bufs x, y      [op, outer, n, inner]   reduces the middle axis of [outer, n, inner]
//   KT_SOFTMAX     bufs x, y      [log, outer, n, inner]  along the middle axis
//   KT_FUSED_DENSE   bufs x, w, bias, y   [m, k, n, act]      y[m, n] = act(x[m, k] @ w[k, n] + bias[n])
//   KT_FUSED_CONV2D  bufs x, f, bias, y   conv geometry (15), act   y = act(conv2d(x, f) + bias[cout])
//   KT_ACT_GRAD      bufs dy, y, dz       [act]               dz = dy * f'(x) from y = f(x)
//   KT_LSTM_STEP     bufs z, h, c, w, h', c', gates   [batch, u]   z [b, 4u], h c h' c' [b, u], w [u, 4u],
//                                                                  gates [b, 4u] (Keras order i, f, c, o)
//   KT_GRU_STEP      bufs z, h, w, rb, h', reserve    [batch, u]   z [b, 3u], h h' [b, u], w [u, 3u],
//                                                                  rb [3u], reserve [b, 4u]
//   KT_TRANSPOSE     bufs x, y            [rank, shape[rank], perm[rank]]   y's axis d is x's axis perm[d]
//   KT_BERNOULLI_MASK  bufs y   [n, keepProb (any double), k0, k1, stream]   y[i] = 1 if uniform i of the
//                                Philox stream under key (k0, k1) (uint32 each) < keepProb, else 0
//
// Threads: every kernel uses the pool (kt_set_num_threads).
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include <vector>

#include "../include/keras_native.h"
#include "gemm.h"
#include "ops.h"
#include "threadpool.h"

namespace kt {
namespace {

// Largest element count we accept for any one buffer or product (2^52: exact in a double).
constexpr long kMaxElems = 1L << 52;

struct Args {
  float* const* bufs;
  const int64_t* lens;
  int nbufs;
  const double* attrs;
  int nattrs;
  char* err;
  size_t errlen;
  const char* kernel;
};

int fail(const Args& a, const char* fmt, ...) {
  if (a.err && a.errlen) {
    int used = snprintf(a.err, a.errlen, "%s: ", a.kernel);
    if (used < 0) used = 0;
    if ((size_t)used < a.errlen) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(a.err + used, a.errlen - used, fmt, ap);
      va_end(ap);
    }
  }
  return 1;
}

// attribute i as a non-negative integer, or -1 (with the error written) when it is not one
bool get_int(const Args& a, int i, long* out) {
  if (i >= a.nattrs) return fail(a, "expected at least %d attributes, received %d", i + 1, a.nattrs), false;
  const double v = a.attrs[i];
  if (!(v >= 0 && v <= (double)kMaxElems) || v != floor(v))
    return fail(a, "attribute %d must be a non-negative integer, received %g", i, v), false;
  *out = (long)v;
  return true;
}

// *acc *= v without passing kMaxElems
bool mul(const Args& a, long* acc, long v) {
  if (v != 0 && *acc > kMaxElems / v) return fail(a, "sizes overflow"), false;
  *acc *= v;
  return true;
}

bool need(const Args& a, int buf, long elems, const char* what) {
  if (a.lens[buf] < elems)
    return fail(a, "buffer %d (%s) holds %lld elements, the attributes need %ld", buf, what,
                (long long)a.lens[buf], elems), false;
  return true;
}

bool nbufs_is(const Args& a, int n) {
  if (a.nbufs != n) return fail(a, "expected %d buffers, received %d", n, a.nbufs), false;
  return true;
}

int run_gemm(const Args& a) {
  long batch, m, n, k, ta, tb, acc, as, bs, expl;
  if (!nbufs_is(a, 3)) return 1;
  if (!get_int(a, 0, &batch) || !get_int(a, 1, &m) || !get_int(a, 2, &n) || !get_int(a, 3, &k) ||
      !get_int(a, 4, &ta) || !get_int(a, 5, &tb) || !get_int(a, 6, &acc) || !get_int(a, 7, &as) ||
      !get_int(a, 8, &bs) || !get_int(a, 9, &expl))
    return 1;
  long mk = m, kn = k, mn = m, cn = batch;
  if (!mul(a, &mk, k) || !mul(a, &kn, n) || !mul(a, &mn, n) || !mul(a, &cn, mn)) return 1;
  if (!need(a, 2, cn, "c")) return 1;
  std::vector<long> aoff(batch), boff(batch);
  if (expl) {
    if (a.nattrs != 10 + 2 * batch) return fail(a, "expected %ld attributes, received %d", 10 + 2 * batch, a.nattrs);
    for (long t = 0; t < batch; t++)
      if (!get_int(a, 10 + t, &aoff[t]) || !get_int(a, 10 + batch + t, &boff[t])) return 1;
  } else {
    for (long t = 0; t < batch; t++) {
      aoff[t] = t * as;  // both < 2^52 * batch: checked below through the last offset
      boff[t] = t * bs;
    }
    long last = batch > 0 ? batch - 1 : 0, la = last, lb = last;
    if (!mul(a, &la, as) || !mul(a, &lb, bs)) return 1;
  }
  for (long t = 0; t < batch; t++) {
    if (mk > 0 && !need(a, 0, aoff[t] + mk, "a")) return 1;
    if (kn > 0 && !need(a, 1, boff[t] + kn, "b")) return 1;
  }
  const float* A = a.bufs[0];
  const float* B = a.bufs[1];
  float* C = a.bufs[2];
  // views: A(i, p) and B(p, j) under the transpose flags
  const long ars = ta ? 1 : k, acs = ta ? m : 1;
  const long brs = tb ? 1 : n, bcs = tb ? k : 1;
  const int T = num_threads();
  if (batch > 1 && gemm_threads(m, n, k, T) < T) {
    // many small products: one thread per batch range
    struct Job {
      const float *A, *B;
      float* C;
      const long *aoff, *boff;
      long batch, m, n, k, ars, acs, brs, bcs;
      bool acc;
    } job = {A, B, C, aoff.data(), boff.data(), batch, m, n, k, ars, acs, brs, bcs, acc != 0};
    auto task = [](void* p, int tid, int nt) {
      const Job& j = *(const Job*)p;
      long b, e;
      split_range(j.batch, nt, tid, &b, &e);
      for (long t = b; t < e; t++)
        gemm_serial(j.m, j.n, j.k, MatView{j.A + j.aoff[t], j.ars, j.acs}, MatView{j.B + j.boff[t], j.brs, j.bcs},
                    j.C + t * j.m * j.n, j.n, j.acc);
    };
    double work = (double)batch * m * n * k;
    int t = work >= 1048576.0 ? T : 1;
    if (t > batch) t = (int)batch;
    parallel_run(t, task, &job);
    return 0;
  }
  for (long t = 0; t < batch; t++)
    gemm(m, n, k, MatView{A + aoff[t], ars, acs}, MatView{B + boff[t], brs, bcs}, C + t * mn, n, acc != 0, T);
  return 0;
}

bool read_geom(const Args& a, bool conv, ConvGeom* g) {
  long v[15];
  const int count = conv ? 15 : 12;
  for (int i = 0; i < count; i++)
    if (!get_int(a, i, &v[i])) return false;
  if (conv) {
    *g = ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  } else {
    // pooling: cout = cin = c, window ph x pw, no dilation
    *g = ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[3], v[6], v[7], v[8], v[9], 1, 1, v[10], v[11]};
  }
  if (g->sh < 1 || g->sw < 1 || g->dh < 1 || g->dw < 1) return fail(a, "strides and dilations must be >= 1"), false;
  if (g->kh < 1 || g->kw < 1) return fail(a, "the window must be at least 1 x 1"), false;
  // padding is bounded by the window so the index arithmetic below cannot overflow
  if (g->pt >= g->kh * g->dh || g->pl >= g->kw * g->dw) return fail(a, "padding must be smaller than the window"), false;
  return true;
}

bool sizes(const Args& a, const ConvGeom& g, long* nx, long* nf, long* ny) {
  *nx = g.n; *nf = g.kh; *ny = g.n;
  return mul(a, nx, g.h) && mul(a, nx, g.w) && mul(a, nx, g.cin) && mul(a, nf, g.kw) && mul(a, nf, g.cin) &&
         mul(a, nf, g.cout) && mul(a, ny, g.oh) && mul(a, ny, g.ow) && mul(a, ny, g.cout) &&
         // the strided window of the last output must stay within reach of an int64
         g.oh <= kMaxElems / g.sh && g.ow <= kMaxElems / g.sw;
}

int run_conv(const Args& a, int kernel) {
  ConvGeom g;
  long nx, nf, ny;
  if (!nbufs_is(a, 3) || !read_geom(a, true, &g) || !sizes(a, g, &nx, &nf, &ny)) return 1;
  const int T = num_threads();
  switch (kernel) {
    case KT_CONV2D:
      if (!need(a, 0, nx, "x") || !need(a, 1, nf, "filter") || !need(a, 2, ny, "y")) return 1;
      conv2d(g, a.bufs[0], a.bufs[1], a.bufs[2], T);
      break;
    case KT_CONV2D_BACKPROP_INPUT:
      if (!need(a, 0, ny, "dy") || !need(a, 1, nf, "filter") || !need(a, 2, nx, "dx")) return 1;
      conv2d_backprop_input(g, a.bufs[0], a.bufs[1], a.bufs[2], T);
      break;
    default:
      if (!need(a, 0, nx, "x") || !need(a, 1, ny, "dy") || !need(a, 2, nf, "dfilter")) return 1;
      conv2d_backprop_filter(g, a.bufs[0], a.bufs[1], a.bufs[2], T);
      break;
  }
  return 0;
}

int run_pool(const Args& a, int kernel) {
  ConvGeom g;
  long nx, nf, ny;
  const int nb = kernel == KT_MAXPOOL_GRAD ? 3 : 2;
  if (!nbufs_is(a, nb) || !read_geom(a, false, &g) || !sizes(a, g, &nx, &nf, &ny)) return 1;
  const int T = num_threads();
  switch (kernel) {
    case KT_MAXPOOL:
    case KT_AVGPOOL:
      if (!need(a, 0, nx, "x") || !need(a, 1, ny, "y")) return 1;
      (kernel == KT_MAXPOOL ? maxpool : avgpool)(g, a.bufs[0], a.bufs[1], T);
      break;
    case KT_MAXPOOL_GRAD:
      if (!need(a, 0, nx, "x") || !need(a, 1, ny, "dy") || !need(a, 2, nx, "dx")) return 1;
      maxpool_grad(g, a.bufs[0], a.bufs[1], a.bufs[2], T);
      break;
    default:
      if (!need(a, 0, ny, "dy") || !need(a, 1, nx, "dx")) return 1;
      avgpool_grad(g, a.bufs[0], a.bufs[1], T);
      break;
  }
  return 0;
}

int run_unary(const Args& a) {
  long op;
  if (!nbufs_is(a, 2) || !get_int(a, 0, &op)) return 1;
  if (op >= KT_U_COUNT) return fail(a, "unknown unary op %ld", op);
  if (a.nattrs != 3) return fail(a, "expected 3 attributes, received %d", a.nattrs);
  if (a.lens[0] != a.lens[1]) return fail(a, "x holds %lld elements but y %lld", (long long)a.lens[0], (long long)a.lens[1]);
  unary((int)op, a.bufs[0], a.bufs[1], (long)a.lens[0], (float)a.attrs[1], (float)a.attrs[2], num_threads());
  return 0;
}

int run_binary(const Args& a) {
  long op, rank;
  if (!nbufs_is(a, 3) || !get_int(a, 0, &op) || !get_int(a, 1, &rank)) return 1;
  if (op >= KT_B_COUNT) return fail(a, "unknown binary op %ld", op);
  if (rank > 16) return fail(a, "rank %ld is above 16", rank);
  if (a.nattrs != 2 + 3 * rank) return fail(a, "expected %ld attributes, received %d", 2 + 3 * rank, a.nattrs);
  long shape[16], as[16], bs[16], total = 1, amax = 0, bmax = 0;
  for (int d = 0; d < rank; d++) {
    if (!get_int(a, 2 + d, &shape[d]) || !get_int(a, 2 + rank + d, &as[d]) || !get_int(a, 2 + 2 * rank + d, &bs[d]))
      return 1;
    if (!mul(a, &total, shape[d])) return 1;
  }
  if (total > 0) {
    // the largest index each operand is read at
    for (int d = 0; d < rank; d++) {
      long ta = shape[d] - 1, tb = shape[d] - 1;
      if (!mul(a, &ta, as[d]) || !mul(a, &tb, bs[d])) return 1;
      amax += ta;
      bmax += tb;
      if (amax > kMaxElems || bmax > kMaxElems) return fail(a, "sizes overflow");
    }
    if (!need(a, 0, amax + 1, "a") || !need(a, 1, bmax + 1, "b")) return 1;
  }
  if (!need(a, 2, total, "y")) return 1;
  binary((int)op, (int)rank, shape, a.bufs[0], as, a.bufs[1], bs, a.bufs[2], num_threads());
  return 0;
}

int run_reduce(const Args& a, bool softmax_kernel) {
  long op, outer, n, inner;
  if (!nbufs_is(a, 2) || !get_int(a, 0, &op) || !get_int(a, 1, &outer) || !get_int(a, 2, &n) || !get_int(a, 3, &inner))
    return 1;
  long nx = outer, ny = outer;
  if (!mul(a, &nx, n) || !mul(a, &nx, inner) || !mul(a, &ny, inner)) return 1;
  if (softmax_kernel) {
    if (op > 1) return fail(a, "the log flag must be 0 or 1");
    if (!need(a, 0, nx, "x") || !need(a, 1, nx, "y")) return 1;
    softmax(a.bufs[0], a.bufs[1], outer, n, inner, op == 1, num_threads());
  } else {
    if (op >= KT_R_COUNT) return fail(a, "unknown reduction %ld", op);
    if (!need(a, 0, nx, "x") || !need(a, 1, ny, "y")) return 1;
    reduce((int)op, a.bufs[0], a.bufs[1], outer, n, inner, num_threads());
  }
  return 0;
}

bool get_act(const Args& a, int i, long* act) {
  if (!get_int(a, i, act)) return false;
  if (*act >= KT_ACT_COUNT) return fail(a, "unknown activation %ld", *act), false;
  return true;
}

int run_fused_dense(const Args& a) {
  long m, k, n, act;
  if (!nbufs_is(a, 4) || !get_int(a, 0, &m) || !get_int(a, 1, &k) || !get_int(a, 2, &n) || !get_act(a, 3, &act))
    return 1;
  if (a.nattrs != 4) return fail(a, "expected 4 attributes, received %d", a.nattrs);
  long mk = m, kn = k, mn = m;
  if (!mul(a, &mk, k) || !mul(a, &kn, n) || !mul(a, &mn, n)) return 1;
  if (!need(a, 0, mk, "x") || !need(a, 1, kn, "kernel") || !need(a, 2, n, "bias") || !need(a, 3, mn, "y")) return 1;
  Epilogue ep = {a.bufs[2], (int)act};
  gemm(m, n, k, MatView{a.bufs[0], k, 1}, MatView{a.bufs[1], n, 1}, a.bufs[3], n, false, num_threads(), &ep);
  return 0;
}

int run_fused_conv(const Args& a) {
  ConvGeom g;
  long nx, nf, ny, act;
  if (!nbufs_is(a, 4) || !read_geom(a, true, &g) || !sizes(a, g, &nx, &nf, &ny) || !get_act(a, 15, &act)) return 1;
  if (a.nattrs != 16) return fail(a, "expected 16 attributes, received %d", a.nattrs);
  if (!need(a, 0, nx, "x") || !need(a, 1, nf, "filter") || !need(a, 2, g.cout, "bias") || !need(a, 3, ny, "y")) return 1;
  Epilogue ep = {a.bufs[2], (int)act};
  conv2d(g, a.bufs[0], a.bufs[1], a.bufs[3], num_threads(), &ep);
  return 0;
}

int run_act_grad(const Args& a) {
  long act;
  if (!nbufs_is(a, 3) || !get_act(a, 0, &act)) return 1;
  if (a.nattrs != 1) return fail(a, "expected 1 attribute, received %d", a.nattrs);
  if (a.lens[0] != a.lens[1] || a.lens[0] != a.lens[2])
    return fail(a, "dy, y and dz must have the same length, received %lld, %lld, %lld", (long long)a.lens[0],
                (long long)a.lens[1], (long long)a.lens[2]);
  act_grad((int)act, a.bufs[0], a.bufs[1], a.bufs[2], (long)a.lens[0], num_threads());
  return 0;
}

int run_recurrent(const Args& a, bool lstm) {
  long b, u;
  if (!nbufs_is(a, lstm ? 7 : 6) || !get_int(a, 0, &b) || !get_int(a, 1, &u)) return 1;
  if (a.nattrs != 2) return fail(a, "expected 2 attributes, received %d", a.nattrs);
  long bu = b, g = lstm ? 4 : 3, bg = b, ug = u, b4 = b;
  if (!mul(a, &bu, u) || !mul(a, &bg, g) || !mul(a, &bg, u) || !mul(a, &ug, g) || !mul(a, &ug, u) || !mul(a, &b4, 4) ||
      !mul(a, &b4, u))
    return 1;
  if (lstm) {
    if (!need(a, 0, bg, "z") || !need(a, 1, bu, "h") || !need(a, 2, bu, "c") || !need(a, 3, ug, "recurrentKernel") ||
        !need(a, 4, bu, "h'") || !need(a, 5, bu, "c'") || !need(a, 6, b4, "gates"))
      return 1;
    lstm_step(b, u, a.bufs[0], a.bufs[1], a.bufs[2], a.bufs[3], a.bufs[4], a.bufs[5], a.bufs[6], num_threads());
  } else {
    if (!need(a, 0, bg, "z") || !need(a, 1, bu, "h") || !need(a, 2, ug, "recurrentKernel") ||
        !need(a, 3, g * u, "recurrentBias") || !need(a, 4, bu, "h'") || !need(a, 5, b4, "reserve"))
      return 1;
    gru_step(b, u, a.bufs[0], a.bufs[1], a.bufs[2], a.bufs[3], a.bufs[4], a.bufs[5], num_threads());
  }
  return 0;
}

int run_transpose(const Args& a) {
  long rank;
  if (!nbufs_is(a, 2) || !get_int(a, 0, &rank)) return 1;
  if (rank > 16) return fail(a, "rank %ld is above 16", rank);
  if (a.nattrs != 1 + 2 * rank) return fail(a, "expected %ld attributes, received %d", 1 + 2 * rank, a.nattrs);
  long shape[16], perm[16], total = 1;
  bool seen[16] = {false};
  for (int d = 0; d < rank; d++) {
    if (!get_int(a, 1 + d, &shape[d]) || !get_int(a, 1 + rank + d, &perm[d])) return 1;
    if (perm[d] >= rank || seen[perm[d]]) return fail(a, "perm is not a permutation of the %ld axes", rank);
    seen[perm[d]] = true;
    if (!mul(a, &total, shape[d])) return 1;
  }
  if (!need(a, 0, total, "x") || !need(a, 1, total, "y")) return 1;
  transpose((int)rank, shape, perm, a.bufs[0], a.bufs[1], num_threads());
  return 0;
}

int run_bernoulli_mask(const Args& a) {
  long n, k0, k1, stream;
  if (!nbufs_is(a, 1)) return 1;
  if (a.nattrs != 5) return fail(a, "expected 5 attributes, received %d", a.nattrs);
  if (!get_int(a, 0, &n) || !get_int(a, 2, &k0) || !get_int(a, 3, &k1) || !get_int(a, 4, &stream)) return 1;
  if (k0 > 0xffffffffL || k1 > 0xffffffffL || stream > 0xffffffffL)
    return fail(a, "key words and stream must be unsigned 32-bit integers");
  const double keep = a.attrs[1];
  if (keep != keep) return fail(a, "keepProb is NaN");
  if (!need(a, 0, n, "y")) return 1;
  bernoulli_mask(a.bufs[0], n, keep, (uint32_t)k0, (uint32_t)k1, (uint32_t)stream, num_threads());
  return 0;
}

const char* kernel_name(int k) {
  switch (k) {
    case KT_GEMM: return "native MatMul";
    case KT_CONV2D: return "native Conv2D";
    case KT_CONV2D_BACKPROP_INPUT: return "native Conv2DBackpropInput";
    case KT_CONV2D_BACKPROP_FILTER: return "native Conv2DBackpropFilter";
    case KT_MAXPOOL: return "native MaxPool";
    case KT_MAXPOOL_GRAD: return "native MaxPoolGrad";
    case KT_AVGPOOL: return "native AvgPool";
    case KT_AVGPOOL_GRAD: return "native AvgPoolGrad";
    case KT_UNARY: return "native unary";
    case KT_BINARY: return "native binary";
    case KT_REDUCE: return "native reduce";
    case KT_SOFTMAX: return "native softmax";
    case KT_FUSED_DENSE: return "native FusedDense";
    case KT_FUSED_CONV2D: return "native FusedConv2D";
    case KT_ACT_GRAD: return "native ActivationGrad";
    case KT_LSTM_STEP: return "native LSTMStep";
    case KT_GRU_STEP: return "native GRUStep";
    case KT_TRANSPOSE: return "native Transpose";
    case KT_BERNOULLI_MASK: return "native BernoulliMask";
    default: return "native";
  }
}

}  // namespace
}  // namespace kt

extern "C" int kt_run(int kernel, float* const* bufs, const int64_t* lens, int nbufs, const double* attrs, int nattrs,
                      char* err, size_t errlen) {
  using namespace kt;
  Args a = {bufs, lens, nbufs, attrs, nattrs, err, errlen, kernel_name(kernel)};
  if (nbufs < 0 || nattrs < 0 || (nbufs > 0 && (!bufs || !lens)) || (nattrs > 0 && !attrs))
    return fail(a, "invalid arguments");
  for (int i = 0; i < nbufs; i++)
    if (lens[i] < 0 || (lens[i] > 0 && !bufs[i])) return fail(a, "buffer %d is invalid", i);
  switch (kernel) {
    case KT_GEMM: return run_gemm(a);
    case KT_CONV2D:
    case KT_CONV2D_BACKPROP_INPUT:
    case KT_CONV2D_BACKPROP_FILTER: return run_conv(a, kernel);
    case KT_MAXPOOL:
    case KT_MAXPOOL_GRAD:
    case KT_AVGPOOL:
    case KT_AVGPOOL_GRAD: return run_pool(a, kernel);
    case KT_UNARY: return run_unary(a);
    case KT_BINARY: return run_binary(a);
    case KT_REDUCE: return run_reduce(a, false);
    case KT_SOFTMAX: return run_reduce(a, true);
    case KT_FUSED_DENSE: return run_fused_dense(a);
    case KT_FUSED_CONV2D: return run_fused_conv(a);
    case KT_ACT_GRAD: return run_act_grad(a);
    case KT_LSTM_STEP: return run_recurrent(a, true);
    case KT_GRU_STEP: return run_recurrent(a, false);
    case KT_TRANSPOSE: return run_transpose(a);
    case KT_BERNOULLI_MASK: return run_bernoulli_mask(a);
    default: return fail(a, "unknown kernel id %d", kernel);
  }
}
