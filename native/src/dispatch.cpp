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
//   KT_OPTIMIZER_UPDATE  bufs w, g, slots[s], w', slots'[s]   [rule, n, p0, p1, p2, p3] (p any doubles)
//                  rule (kt_optimizer_rule) and p: SGD [lr, momentum, nesterov, -] (s = momentum != 0),
//                  RMSprop [lr, rho, momentum, epsilon] (s = 1 + (momentum > 0)), Adam [alpha, beta1,
//                  beta2, epsilon] (s = 2), Adadelta [lr, rho, epsilon, -] (s = 2); every buffer n floats;
//                  w' may be w and slots'[k] slots[k] (in place), else an output overlaps no other buffer
//
//   KT_LSTM_STEP_GRAD  bufs dh, dc, dGates, gates, cNew, c, da, dcPrev   [batch, u]   dh dc cNew c dcPrev
//                                [b, u], dGates gates da [b, 4u]
//   KT_GRU_STEP_GRAD   bufs dh, dReserve, reserve, h, dz, dm, dhDirect   [batch, u]   dh h dhDirect [b, u],
//                                dReserve reserve [b, 4u], dz dm [b, 3u]
//   KT_GATHER      bufs x, indices, y     [outer, n, inner, m]   x [outer, n, inner], y [outer, m, inner];
//                                indices holds m int32 (bit patterns in the float buffer), each in [0, n)
//   KT_SCATTER_ADD bufs indices, updates, y   [outer, n, inner, m]   y [outer, n, inner] = 0, then
//                                y[o, indices[k], :] += updates[o, k, :]; indices as KT_GATHER's
//   KT_CONCAT      bufs x_0 .. x_{k-1}, y   [outer, k, rowTotal, offset, rows_0 .. rows_{k-1}]
//                                x_p [outer, rows_p] (rows_p = x_p's length on the axis * inner) go side by
//                                side into columns offset .. offset + sum rows of y [outer, rowTotal]
//                                (several calls fill one y when there are more pieces than buffers)
//   KT_SPLIT       bufs x, y_0 .. y_{k-1}   as KT_CONCAT, the other way
//   KT_LSTM_SEQUENCE   bufs z, h0, c0, w, [mask], [rmask], y, h, c, gates, cs, hs
//                  [batch, T, u, goBackwards, zeroOutputForMask, hasMask(, hasRecurrentMask)]   z [b, T, 4u],
//                  h0 c0 h c [b, u], w [u, 4u], mask [b, T] (0/1 floats, present when hasMask), rmask [b, 4u]
//                  (per-gate recurrent dropout masks, present when the optional 7th attribute is 1),
//                  y [b, T, u], gates [T, b, 4u], cs hs [T, b, u]
//   KT_LSTM_SEQUENCE_GRAD  bufs dy, dh, dc, dGates, dCs, dHs, gates, cs, hs, h0, c0, w, [mask], [rmask], dz, dh0, dc0, dw
//                  same attributes; dy [b, T, u], dh dc h0 c0 dh0 dc0 [b, u], dGates gates [T, b, 4u],
//                  dCs dHs cs hs [T, b, u], w dw [u, 4u], dz [b, T, 4u]
//   KT_GRU_SEQUENCE    bufs z, h0, w, rb, [mask], y, h, reserve, hs   attributes as KT_LSTM_SEQUENCE;
//                  z [b, T, 3u], h0 h [b, u], w [u, 3u], rb [3u], y [b, T, u], reserve [T, b, 4u], hs [T, b, u]
//   KT_GRU_SEQUENCE_GRAD   bufs dy, dh, dReserve, dHs, reserve, hs, h0, w, [mask], dz, dh0, dw, db   same
//                  attributes; dReserve as reserve, dHs as hs, dz [b, T, 3u], dw [u, 3u], db [3u]
//
// Threads: every kernel uses the pool (kt_set_num_threads).
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

int run_optimizer_update(const Args& a) {
  long rule, n;
  if (a.nattrs != 6) return fail(a, "expected 6 attributes, received %d", a.nattrs);
  if (!get_int(a, 0, &rule) || !get_int(a, 1, &n)) return 1;
  if (rule >= KT_OPT_COUNT) return fail(a, "unknown update rule %ld", rule);
  const double* p = a.attrs + 2;
  const int s = optimizer_slots((int)rule, p);
  if (!nbufs_is(a, 3 + 2 * s)) return 1;
  static const char* const names[] = {"variable", "gradient", "slot 0", "slot 1", "output variable", "output slot 0",
                                      "output slot 1"};
  for (int i = 0; i < 3 + 2 * s; i++) {
    const int name = i < 2 + s ? i : 4 + (i - 2 - s);
    if (!need(a, i, n, names[name])) return 1;
  }
  // an output is updated in place (the very buffer of its input: the variable, or its slot) or
  // overlaps no other buffer; the loops read each buffer through one restrict pointer
  for (int k = 0; k < 1 + s; k++) {
    const int o = 2 + s + k, own = k == 0 ? 0 : k + 1;
    const uintptr_t o0 = (uintptr_t)a.bufs[o], o1 = o0 + (uintptr_t)n * sizeof(float);
    for (int i = 0; i < 3 + 2 * s; i++) {
      if (i == o || (i == own && a.bufs[i] == a.bufs[o])) continue;
      const uintptr_t b0 = (uintptr_t)a.bufs[i], b1 = b0 + (uintptr_t)n * sizeof(float);
      if (n > 0 && b0 < o1 && o0 < b1) {
        return fail(a, "%s shares memory with %s (only its own input may be updated in place)", names[4 + k],
                    names[i < 2 + s ? i : 4 + (i - 2 - s)]);
      }
    }
  }
  optimizer_update((int)rule, n, p, a.bufs, a.bufs + 2 + s, num_threads());
  return 0;
}

int run_recurrent_grad(const Args& a, bool lstm) {
  long b, u;
  if (!nbufs_is(a, lstm ? 8 : 7) || !get_int(a, 0, &b) || !get_int(a, 1, &u)) return 1;
  if (a.nattrs != 2) return fail(a, "expected 2 attributes, received %d", a.nattrs);
  long bu = b, b3 = b, b4 = b;
  if (!mul(a, &bu, u) || !mul(a, &b3, 3) || !mul(a, &b3, u) || !mul(a, &b4, 4) || !mul(a, &b4, u)) return 1;
  if (lstm) {
    if (!need(a, 0, bu, "dh") || !need(a, 1, bu, "dc") || !need(a, 2, b4, "dGates") || !need(a, 3, b4, "gates") ||
        !need(a, 4, bu, "cNew") || !need(a, 5, bu, "c") || !need(a, 6, b4, "da") || !need(a, 7, bu, "dcPrev"))
      return 1;
    lstm_step_grad(b, u, a.bufs[0], a.bufs[1], a.bufs[2], a.bufs[3], a.bufs[4], a.bufs[5], a.bufs[6], a.bufs[7],
                   num_threads());
  } else {
    if (!need(a, 0, bu, "dh") || !need(a, 1, b4, "dReserve") || !need(a, 2, b4, "reserve") || !need(a, 3, bu, "h") ||
        !need(a, 4, b3, "dz") || !need(a, 5, b3, "dm") || !need(a, 6, bu, "dhDirect"))
      return 1;
    gru_step_grad(b, u, a.bufs[0], a.bufs[1], a.bufs[2], a.bufs[3], a.bufs[4], a.bufs[5], a.bufs[6], num_threads());
  }
  return 0;
}

// the whole-sequence LSTM and its backward pass: sizes from [batch, T, u, goBackwards, zeroOutputForMask, hasMask]
int run_lstm_sequence(const Args& a, bool grad) {
  long b, T, u, back, zero, has_mask, has_rmask = 0;
  if (a.nattrs != 6 && a.nattrs != 7) return fail(a, "expected 6 or 7 attributes, received %d", a.nattrs);
  if (!get_int(a, 0, &b) || !get_int(a, 1, &T) || !get_int(a, 2, &u) || !get_int(a, 3, &back) ||
      !get_int(a, 4, &zero) || !get_int(a, 5, &has_mask) || (a.nattrs == 7 && !get_int(a, 6, &has_rmask)))
    return 1;
  if (back > 1 || zero > 1 || has_mask > 1 || has_rmask > 1)
    return fail(a, "goBackwards, zeroOutputForMask, hasMask and hasRecurrentMask must be 0 or 1");
  const int nin = (grad ? 12 : 4) + (int)has_mask + (int)has_rmask;
  if (!nbufs_is(a, nin + (grad ? 4 : 6))) return 1;
  long bu = b, bt = b, btu = b, btg = b, ug = u;
  if (!mul(a, &bu, u) || !mul(a, &bt, T) || !mul(a, &btu, T) || !mul(a, &btu, u) || !mul(a, &btg, T) ||
      !mul(a, &btg, 4) || !mul(a, &btg, u) || !mul(a, &ug, 4) || !mul(a, &ug, u))
    return 1;
  float* const* p = a.bufs;
  const int mi = (grad ? 12 : 4);  // the mask's buffer, then the recurrent mask's
  const float* mask = has_mask ? p[mi] : nullptr;
  if (has_mask && !need(a, mi, bt, "mask")) return 1;
  const float* rmask = has_rmask ? p[mi + has_mask] : nullptr;
  long bg = b;
  if (has_rmask && (!mul(a, &bg, 4) || !mul(a, &bg, u) || !need(a, mi + (int)has_mask, bg, "recurrentMask"))) return 1;
  const int o = nin;  // first output buffer
  if (!grad) {
    if (!need(a, 0, btg, "z") || !need(a, 1, bu, "h0") || !need(a, 2, bu, "c0") || !need(a, 3, ug, "recurrentKernel") ||
        !need(a, o, btu, "y") || !need(a, o + 1, bu, "h") || !need(a, o + 2, bu, "c") || !need(a, o + 3, btg, "gates") ||
        !need(a, o + 4, btu, "cs") || !need(a, o + 5, btu, "hs"))
      return 1;
    lstm_sequence(b, T, u, back != 0, zero != 0, p[0], p[1], p[2], p[3], mask, rmask, p[o], p[o + 1], p[o + 2], p[o + 3],
                  p[o + 4], p[o + 5], num_threads());
  } else {
    if (!need(a, 0, btu, "dy") || !need(a, 1, bu, "dh") || !need(a, 2, bu, "dc") || !need(a, 3, btg, "dGates") ||
        !need(a, 4, btu, "dCs") || !need(a, 5, btu, "dHs") || !need(a, 6, btg, "gates") || !need(a, 7, btu, "cs") ||
        !need(a, 8, btu, "hs") || !need(a, 9, bu, "h0") || !need(a, 10, bu, "c0") || !need(a, 11, ug, "recurrentKernel") ||
        !need(a, o, btg, "dz") || !need(a, o + 1, bu, "dh0") || !need(a, o + 2, bu, "dc0") ||
        !need(a, o + 3, ug, "dRecurrentKernel"))
      return 1;
    lstm_sequence_grad(b, T, u, back != 0, zero != 0, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
                       p[11], mask, rmask, p[o], p[o + 1], p[o + 2], p[o + 3], num_threads());
  }
  return 0;
}

int run_gru_sequence(const Args& a, bool grad) {
  long b, T, u, back, zero, has_mask;
  if (a.nattrs != 6) return fail(a, "expected 6 attributes, received %d", a.nattrs);
  if (!get_int(a, 0, &b) || !get_int(a, 1, &T) || !get_int(a, 2, &u) || !get_int(a, 3, &back) ||
      !get_int(a, 4, &zero) || !get_int(a, 5, &has_mask))
    return 1;
  if (back > 1 || zero > 1 || has_mask > 1) return fail(a, "goBackwards, zeroOutputForMask and hasMask must be 0 or 1");
  const int nin = (grad ? 8 : 4) + (int)has_mask;
  if (!nbufs_is(a, nin + 4)) return 1;
  long bu = b, bt = b, btu = b, btg = b, btz = b, ug = u, g3 = u;
  if (!mul(a, &bu, u) || !mul(a, &bt, T) || !mul(a, &btu, T) || !mul(a, &btu, u) || !mul(a, &btg, T) ||
      !mul(a, &btg, 4) || !mul(a, &btg, u) || !mul(a, &btz, T) || !mul(a, &btz, 3) || !mul(a, &btz, u) ||
      !mul(a, &ug, 3) || !mul(a, &ug, u) || !mul(a, &g3, 3))
    return 1;
  float* const* p = a.bufs;
  const float* mask = has_mask ? p[nin - 1] : nullptr;
  if (has_mask && !need(a, nin - 1, bt, "mask")) return 1;
  const int o = nin;
  if (!grad) {
    if (!need(a, 0, btz, "z") || !need(a, 1, bu, "h0") || !need(a, 2, ug, "recurrentKernel") ||
        !need(a, 3, g3, "recurrentBias") || !need(a, o, btu, "y") || !need(a, o + 1, bu, "h") ||
        !need(a, o + 2, btg, "reserve") || !need(a, o + 3, btu, "hs"))
      return 1;
    gru_sequence(b, T, u, back != 0, zero != 0, p[0], p[1], p[2], p[3], mask, p[o], p[o + 1], p[o + 2], p[o + 3],
                 num_threads());
  } else {
    if (!need(a, 0, btu, "dy") || !need(a, 1, bu, "dh") || !need(a, 2, btg, "dReserve") || !need(a, 3, btu, "dHs") ||
        !need(a, 4, btg, "reserve") || !need(a, 5, btu, "hs") || !need(a, 6, bu, "h0") ||
        !need(a, 7, ug, "recurrentKernel") || !need(a, o, btz, "dz") || !need(a, o + 1, bu, "dh0") ||
        !need(a, o + 2, ug, "dRecurrentKernel") || !need(a, o + 3, g3, "dRecurrentBias"))
      return 1;
    gru_sequence_grad(b, T, u, back != 0, zero != 0, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], mask, p[o],
                      p[o + 1], p[o + 2], p[o + 3], num_threads());
  }
  return 0;
}

// Gather and ScatterAdd: sizes, then every index value against [0, n) before any element moves
int run_indexed(const Args& a, bool gather_kernel) {
  long outer, n, inner, m;
  if (!nbufs_is(a, 3) || !get_int(a, 0, &outer) || !get_int(a, 1, &n) || !get_int(a, 2, &inner) || !get_int(a, 3, &m))
    return 1;
  if (a.nattrs != 4) return fail(a, "expected 4 attributes, received %d", a.nattrs);
  long full = outer, picked = outer;
  if (!mul(a, &full, n) || !mul(a, &full, inner) || !mul(a, &picked, m) || !mul(a, &picked, inner)) return 1;
  const int ib = gather_kernel ? 1 : 0;
  if (!need(a, ib, m, "indices")) return 1;
  if (gather_kernel ? !need(a, 0, full, "x") || !need(a, 2, picked, "y")
                    : !need(a, 1, picked, "updates") || !need(a, 2, full, "y"))
    return 1;
  const float* idx = a.bufs[ib];
  // indices are read only where they address something (outer and inner > 0)
  if (outer > 0 && inner > 0) {
    for (long k = 0; k < m; k++) {
      int32_t v;
      memcpy(&v, idx + k, 4);
      if (v < 0 || (long)v >= n)
        return fail(a, "index %d at position %ld is out of range; expected indices in [0, %ld)", (int)v, k, n);
    }
  }
  if (gather_kernel)
    gather(a.bufs[0], idx, a.bufs[2], outer, n, inner, m, num_threads());
  else
    scatter_add(idx, a.bufs[1], a.bufs[2], outer, n, inner, m, num_threads());
  return 0;
}

int run_concat_split(const Args& a, bool join) {
  long outer, k, row_total, offset;
  if (!get_int(a, 0, &outer) || !get_int(a, 1, &k) || !get_int(a, 2, &row_total) || !get_int(a, 3, &offset)) return 1;
  if (k < 1 || a.nbufs != k + 1) return fail(a, "expected %ld pieces and one whole (%ld buffers), received %d", k, k + 1, a.nbufs);
  if (a.nattrs != 4 + k) return fail(a, "expected %ld attributes, received %d", 4 + k, a.nattrs);
  std::vector<long> rows(k);
  std::vector<float*> pieces(k);
  long end = offset;
  const int whole = join ? (int)k : 0;
  for (long p = 0; p < k; p++) {
    const int buf = join ? (int)p : (int)p + 1;
    long r, elems = outer;
    if (!get_int(a, 4 + p, &r) || !mul(a, &elems, r)) return 1;
    if (!need(a, buf, elems, join ? "x" : "y")) return 1;
    end += r;
    if (end > kMaxElems) return fail(a, "sizes overflow");
    rows[p] = r;
    pieces[p] = a.bufs[buf];
  }
  if (end > row_total) return fail(a, "the pieces end at column %ld of rows of %ld", end, row_total);
  long all = outer;
  if (!mul(a, &all, row_total) || !need(a, whole, all, join ? "y" : "x")) return 1;
  if (outer == 0 || end == offset) return 0;
  concat_split(join, pieces.data(), rows.data(), k, a.bufs[whole] + offset, outer, row_total, num_threads());
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
    case KT_OPTIMIZER_UPDATE: return "native OptimizerUpdate";
    case KT_LSTM_STEP_GRAD: return "native LSTMStepGrad";
    case KT_GRU_STEP_GRAD: return "native GRUStepGrad";
    case KT_GATHER: return "native Gather";
    case KT_SCATTER_ADD: return "native ScatterAdd";
    case KT_CONCAT: return "native Concat";
    case KT_SPLIT: return "native Split";
    case KT_LSTM_SEQUENCE: return "native LSTMSequence";
    case KT_LSTM_SEQUENCE_GRAD: return "native LSTMSequenceGrad";
    case KT_GRU_SEQUENCE: return "native GRUSequence";
    case KT_GRU_SEQUENCE_GRAD: return "native GRUSequenceGrad";
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
    case KT_OPTIMIZER_UPDATE: return run_optimizer_update(a);
    case KT_LSTM_STEP_GRAD: return run_recurrent_grad(a, true);
    case KT_GRU_STEP_GRAD: return run_recurrent_grad(a, false);
    case KT_GATHER: return run_indexed(a, true);
    case KT_SCATTER_ADD: return run_indexed(a, false);
    case KT_CONCAT: return run_concat_split(a, true);
    case KT_SPLIT: return run_concat_split(a, false);
    case KT_LSTM_SEQUENCE: return run_lstm_sequence(a, false);
    case KT_LSTM_SEQUENCE_GRAD: return run_lstm_sequence(a, true);
    case KT_GRU_SEQUENCE: return run_gru_sequence(a, false);
    case KT_GRU_SEQUENCE_GRAD: return run_gru_sequence(a, true);
    default: return fail(a, "unknown kernel id %d", kernel);
  }
}
