// kt_run: the one entry into the kernels. Reads the attributes of each kernel, checks that every
// buffer holds at least the elements the attributes imply (with overflow-checked arithmetic), then
// runs the kernel. Each kernel's buffers and attributes, by name and in order, are one row of the
// table in src/backends/compiled/abi.ts; the positions used here (KT_<KERNEL>_ATTR_<NAME>,
// KT_<KERNEL>_BUF_<NAME>) come from native/include/keras_abi.h, generated from that table.
//
// Threads: every kernel uses the pool (kt_set_num_threads).
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vector>

#include "../include/keras_native.h"
#include "attention.h"
#include "gemm.h"
#include "isa.h"
#include "ops.h"
#include "threadpool.h"

// the backend named in error messages: "native", or "wasm" in the WebAssembly build
#ifndef KT_BACKEND_NAME
#define KT_BACKEND_NAME "native"
#endif

namespace kt {
namespace {

// kernels that share a reader list the attributes they share at the same positions
static_assert(KT_SOFTMAX_ATTR_INNER == KT_REDUCE_ATTR_INNER && KT_SOFTMAX_ATTR_LOG == KT_REDUCE_ATTR_OP &&
                  KT_GRU_STEP_GRAD_ATTR_UNITS == KT_LSTM_STEP_GRAD_ATTR_UNITS &&
                  KT_SCATTER_ADD_ATTR_M == KT_GATHER_ATTR_M && KT_SPLIT_ATTR_OFFSET == KT_CONCAT_ATTR_OFFSET &&
                  KT_LSTM_SEQUENCE_GRAD_ATTR_HAS_RECURRENT_MASK == KT_LSTM_SEQUENCE_ATTR_HAS_RECURRENT_MASK &&
                  KT_LSTM_SEQUENCE_GRAD_NATTRS == KT_LSTM_SEQUENCE_ATTR_KEEP_RESERVE &&
                  KT_LSTM_SEQUENCE_NATTRS == KT_LSTM_SEQUENCE_ATTR_KEEP_RESERVE + 2 &&
                  KT_GRU_SEQUENCE_GRAD_NATTRS == KT_GRU_SEQUENCE_ATTR_KEEP_RESERVE &&
                  KT_GRU_SEQUENCE_NATTRS == KT_GRU_SEQUENCE_ATTR_KEEP_RESERVE + 2 &&
                  KT_GRU_SEQUENCE_ATTR_HAS_MASK == KT_LSTM_SEQUENCE_ATTR_HAS_MASK,
              "kernels read by one function keep their shared attributes at the same positions");

// Largest element count we accept for any one buffer or product: 2^52 (exact in a double) where long
// has 64 bits; 2^29 on wasm32 (2 GiB of floats, and the sum of two such counts still fits a long).
#if __SIZEOF_LONG__ >= 8
constexpr long kMaxElems = 1L << 52;
#else
constexpr long kMaxElems = 1L << 29;
#endif

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
    int used = snprintf(a.err, a.errlen, KT_BACKEND_NAME " %s: ", a.kernel);
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
  if (!nbufs_is(a, KT_MAT_MUL_NBUFS)) return 1;
  if (!get_int(a, KT_MAT_MUL_ATTR_BATCH, &batch) || !get_int(a, KT_MAT_MUL_ATTR_M, &m) ||
      !get_int(a, KT_MAT_MUL_ATTR_N, &n) || !get_int(a, KT_MAT_MUL_ATTR_K, &k) ||
      !get_int(a, KT_MAT_MUL_ATTR_TRANSPOSE_A, &ta) || !get_int(a, KT_MAT_MUL_ATTR_TRANSPOSE_B, &tb) ||
      !get_int(a, KT_MAT_MUL_ATTR_ACCUMULATE, &acc) || !get_int(a, KT_MAT_MUL_ATTR_A_STRIDE, &as) ||
      !get_int(a, KT_MAT_MUL_ATTR_B_STRIDE, &bs) || !get_int(a, KT_MAT_MUL_ATTR_EXPLICIT_OFFSETS, &expl))
    return 1;
  long mk = m, kn = k, mn = m, cn = batch;
  if (!mul(a, &mk, k) || !mul(a, &kn, n) || !mul(a, &mn, n) || !mul(a, &cn, mn)) return 1;
  if (!need(a, KT_MAT_MUL_BUF_C, cn, "c")) return 1;
  std::vector<long> aoff(batch), boff(batch);
  if (expl) {
    const int tail = KT_MAT_MUL_NATTRS;
    if (a.nattrs != tail + 2 * batch) return fail(a, "expected %ld attributes, received %d", tail + 2 * batch, a.nattrs);
    for (long t = 0; t < batch; t++)
      if (!get_int(a, tail + t, &aoff[t]) || !get_int(a, tail + batch + t, &boff[t])) return 1;
  } else {
    for (long t = 0; t < batch; t++) {
      aoff[t] = t * as;  // both < 2^52 * batch: checked below through the last offset
      boff[t] = t * bs;
    }
    long last = batch > 0 ? batch - 1 : 0, la = last, lb = last;
    if (!mul(a, &la, as) || !mul(a, &lb, bs)) return 1;
  }
  for (long t = 0; t < batch; t++) {
    if (mk > 0 && !need(a, KT_MAT_MUL_BUF_A, aoff[t] + mk, "a")) return 1;
    if (kn > 0 && !need(a, KT_MAT_MUL_BUF_B, boff[t] + kn, "b")) return 1;
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

// every convolution kernel lists the geometry first, in Conv2D's order; every pooling kernel in MaxPool's
static_assert(KT_FUSED_CONV2D_ATTR_PAD_LEFT == KT_CONV2D_ATTR_PAD_LEFT && KT_CONV2D_BACKPROP_INPUT_NATTRS == KT_CONV2D_NATTRS &&
                  KT_CONV2D_BACKPROP_FILTER_NATTRS == KT_CONV2D_NATTRS && KT_AVG_POOL_NATTRS == KT_MAX_POOL_NATTRS &&
                  KT_MAX_POOL_GRAD_NATTRS == KT_MAX_POOL_NATTRS && KT_AVG_POOL_GRAD_NATTRS == KT_MAX_POOL_NATTRS &&
                  KT_MAX_POOL_GRAD_RELU_NATTRS == KT_MAX_POOL_NATTRS &&
                  KT_CONV2D_BACKPROP_INPUT_RELU_NATTRS == KT_CONV2D_NATTRS,
              "convolution and pooling kernels share their geometry attributes");

// strides, dilations, window and padding of a geometry, each within what the kernels' index arithmetic takes
bool check_geom(const Args& a, const ConvGeom& g) {
  if (g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1) return fail(a, "strides and dilations must be >= 1"), false;
  if (g.kh < 1 || g.kw < 1) return fail(a, "the window must be at least 1 x 1"), false;
  // padding is bounded by the window so the index arithmetic below cannot overflow
  if (g.pt >= g.kh * g.dh || g.pl >= g.kw * g.dw) return fail(a, "padding must be smaller than the window"), false;
  return true;
}

bool read_geom(const Args& a, bool conv, ConvGeom* g) {
  if (conv) {
    long* const f[] = {&g->n, &g->h, &g->w, &g->cin, &g->oh, &g->ow, &g->cout, &g->kh, &g->kw, &g->sh, &g->sw,
                       &g->dh, &g->dw, &g->pt, &g->pl};
    const int at[] = {KT_CONV2D_ATTR_N, KT_CONV2D_ATTR_H, KT_CONV2D_ATTR_W, KT_CONV2D_ATTR_CIN, KT_CONV2D_ATTR_OH,
                      KT_CONV2D_ATTR_OW, KT_CONV2D_ATTR_COUT, KT_CONV2D_ATTR_KH, KT_CONV2D_ATTR_KW, KT_CONV2D_ATTR_SH,
                      KT_CONV2D_ATTR_SW, KT_CONV2D_ATTR_DH, KT_CONV2D_ATTR_DW, KT_CONV2D_ATTR_PAD_TOP,
                      KT_CONV2D_ATTR_PAD_LEFT};
    for (int i = 0; i < 15; i++)
      if (!get_int(a, at[i], f[i])) return false;
  } else {
    // pooling: cout = cin = c, window ph x pw, no dilation
    long* const f[] = {&g->n, &g->h, &g->w, &g->cin, &g->oh, &g->ow, &g->kh, &g->kw, &g->sh, &g->sw, &g->pt, &g->pl};
    const int at[] = {KT_MAX_POOL_ATTR_N, KT_MAX_POOL_ATTR_H, KT_MAX_POOL_ATTR_W, KT_MAX_POOL_ATTR_C,
                      KT_MAX_POOL_ATTR_OH, KT_MAX_POOL_ATTR_OW, KT_MAX_POOL_ATTR_PH, KT_MAX_POOL_ATTR_PW,
                      KT_MAX_POOL_ATTR_SH, KT_MAX_POOL_ATTR_SW, KT_MAX_POOL_ATTR_PAD_TOP, KT_MAX_POOL_ATTR_PAD_LEFT};
    for (int i = 0; i < 12; i++)
      if (!get_int(a, at[i], f[i])) return false;
    g->cout = g->cin;
    g->dh = g->dw = 1;
  }
  return check_geom(a, *g);
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
  const int nb = kernel == KT_CONV2D_BACKPROP_INPUT_RELU ? 4 : 3;
  if (!nbufs_is(a, nb) || !read_geom(a, true, &g) || !sizes(a, g, &nx, &nf, &ny)) return 1;
  const int T = num_threads();
  switch (kernel) {
    case KT_CONV2D_BACKPROP_INPUT_RELU:
      if (!need(a, 0, ny, "dy") || !need(a, 1, nf, "filter") || !need(a, 2, nx, "y") || !need(a, 3, nx, "dx")) return 1;
      conv2d_backprop_input(g, a.bufs[0], a.bufs[1], a.bufs[3], T, a.bufs[2]);
      break;
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
  const int nb = kernel == KT_MAX_POOL_GRAD || kernel == KT_MAX_POOL_GRAD_RELU ? 3 : 2;
  if (!nbufs_is(a, nb) || !read_geom(a, false, &g) || !sizes(a, g, &nx, &nf, &ny)) return 1;
  const int T = num_threads();
  switch (kernel) {
    case KT_MAX_POOL:
    case KT_AVG_POOL:
      if (!need(a, 0, nx, "x") || !need(a, 1, ny, "y")) return 1;
      (kernel == KT_MAX_POOL ? maxpool : avgpool)(g, a.bufs[0], a.bufs[1], T);
      break;
    case KT_MAX_POOL_GRAD:
    case KT_MAX_POOL_GRAD_RELU:
      if (!need(a, 0, nx, "x") || !need(a, 1, ny, "dy") || !need(a, 2, nx, "dx")) return 1;
      maxpool_grad(g, a.bufs[0], a.bufs[1], a.bufs[2], T, kernel == KT_MAX_POOL_GRAD_RELU);
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
  if (!nbufs_is(a, KT_UNARY_NBUFS) || !get_int(a, KT_UNARY_ATTR_OP, &op)) return 1;
  if (op >= KT_U_COUNT) return fail(a, "unknown unary op %ld", op);
  if (a.nattrs != KT_UNARY_NATTRS) return fail(a, "expected %d attributes, received %d", (int)KT_UNARY_NATTRS, a.nattrs);
  if (a.lens[0] != a.lens[1]) return fail(a, "x holds %lld elements but y %lld", (long long)a.lens[0], (long long)a.lens[1]);
  unary((int)op, a.bufs[0], a.bufs[1], (long)a.lens[0], (float)a.attrs[KT_UNARY_ATTR_P0], (float)a.attrs[KT_UNARY_ATTR_P1], num_threads());
  return 0;
}

int run_binary(const Args& a) {
  long op, rank;
  if (!nbufs_is(a, KT_BINARY_NBUFS) || !get_int(a, KT_BINARY_ATTR_OP, &op) || !get_int(a, KT_BINARY_ATTR_RANK, &rank)) return 1;
  if (op >= KT_B_COUNT) return fail(a, "unknown binary op %ld", op);
  if (rank > 16) return fail(a, "rank %ld is above 16", rank);
  const long t0 = KT_BINARY_NATTRS;  // the tail: shape[rank], then a's and b's strides
  if (a.nattrs != t0 + 3 * rank) return fail(a, "expected %ld attributes, received %d", t0 + 3 * rank, a.nattrs);
  long shape[16], as[16], bs[16], total = 1, amax = 0, bmax = 0;
  for (int d = 0; d < rank; d++) {
    if (!get_int(a, t0 + d, &shape[d]) || !get_int(a, t0 + rank + d, &as[d]) || !get_int(a, t0 + 2 * rank + d, &bs[d]))
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
    if (!need(a, KT_BINARY_BUF_A, amax + 1, "a") || !need(a, KT_BINARY_BUF_B, bmax + 1, "b")) return 1;
  }
  if (!need(a, KT_BINARY_BUF_Y, total, "y")) return 1;
  binary((int)op, (int)rank, shape, a.bufs[0], as, a.bufs[1], bs, a.bufs[2], num_threads());
  return 0;
}

int run_reduce(const Args& a, bool softmax_kernel) {
  long op, outer, n, inner;
  if (!nbufs_is(a, KT_REDUCE_NBUFS) || !get_int(a, KT_REDUCE_ATTR_OP, &op) || !get_int(a, KT_REDUCE_ATTR_OUTER, &outer) || !get_int(a, KT_REDUCE_ATTR_N, &n) || !get_int(a, KT_REDUCE_ATTR_INNER, &inner))
    return 1;
  long nx = outer, ny = outer;
  if (!mul(a, &nx, n) || !mul(a, &nx, inner) || !mul(a, &ny, inner)) return 1;
  if (softmax_kernel) {
    if (op > 1) return fail(a, "the log flag must be 0 or 1");
    if (!need(a, KT_REDUCE_BUF_X, nx, "x") || !need(a, KT_REDUCE_BUF_Y, nx, "y")) return 1;
    softmax(a.bufs[0], a.bufs[1], outer, n, inner, op == 1, num_threads());
  } else {
    if (op >= KT_R_COUNT) return fail(a, "unknown reduction %ld", op);
    if (!need(a, KT_REDUCE_BUF_X, nx, "x") || !need(a, KT_REDUCE_BUF_Y, ny, "y")) return 1;
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
  if (!nbufs_is(a, KT_FUSED_DENSE_NBUFS) || !get_int(a, KT_FUSED_DENSE_ATTR_M, &m) || !get_int(a, KT_FUSED_DENSE_ATTR_K, &k) || !get_int(a, KT_FUSED_DENSE_ATTR_N, &n) || !get_act(a, KT_FUSED_DENSE_ATTR_ACTIVATION, &act))
    return 1;
  if (a.nattrs != KT_FUSED_DENSE_NATTRS) return fail(a, "expected %d attributes, received %d", (int)KT_FUSED_DENSE_NATTRS, a.nattrs);
  long mk = m, kn = k, mn = m;
  if (!mul(a, &mk, k) || !mul(a, &kn, n) || !mul(a, &mn, n)) return 1;
  if (!need(a, KT_FUSED_DENSE_BUF_X, mk, "x") || !need(a, KT_FUSED_DENSE_BUF_KERNEL, kn, "kernel") || !need(a, KT_FUSED_DENSE_BUF_BIAS, n, "bias") || !need(a, KT_FUSED_DENSE_BUF_Y, mn, "y")) return 1;
  Epilogue ep = {a.bufs[2], (int)act};
  gemm(m, n, k, MatView{a.bufs[0], k, 1}, MatView{a.bufs[1], n, 1}, a.bufs[3], n, false, num_threads(), &ep);
  return 0;
}

int run_pack_dense(const Args& a) {
  long k, n;
  if (!nbufs_is(a, KT_PACK_DENSE_KERNEL_NBUFS) || !get_int(a, KT_PACK_DENSE_KERNEL_ATTR_K, &k) || !get_int(a, KT_PACK_DENSE_KERNEL_ATTR_N, &n))
    return 1;
  if (a.nattrs != KT_PACK_DENSE_KERNEL_NATTRS) return fail(a, "expected %d attributes, received %d", (int)KT_PACK_DENSE_KERNEL_NATTRS, a.nattrs);
  // the header holds k and n as floats
  if (k > (1L << 24) || n > (1L << 24)) return fail(a, "k and n must be at most 2^24, received k=%ld, n=%ld", k, n);
  long kn = k;
  if (!mul(a, &kn, n)) return 1;
  if (!need(a, KT_PACK_DENSE_KERNEL_BUF_KERNEL, kn, "kernel") || !need(a, KT_PACK_DENSE_KERNEL_BUF_PACKED, packed_b_buffer_floats(k, n), "packed")) return 1;
  pack_b_to_buffer(k, n, MatView{a.bufs[0], n, 1}, a.bufs[1]);
  return 0;
}

int run_fused_dense_packed(const Args& a) {
  long m, k, n, act;
  if (!nbufs_is(a, KT_FUSED_DENSE_PACKED_NBUFS) || !get_int(a, KT_FUSED_DENSE_PACKED_ATTR_M, &m) || !get_int(a, KT_FUSED_DENSE_PACKED_ATTR_K, &k) || !get_int(a, KT_FUSED_DENSE_PACKED_ATTR_N, &n) || !get_act(a, KT_FUSED_DENSE_PACKED_ATTR_ACTIVATION, &act))
    return 1;
  if (a.nattrs != KT_FUSED_DENSE_PACKED_NATTRS) return fail(a, "expected %d attributes, received %d", (int)KT_FUSED_DENSE_PACKED_NATTRS, a.nattrs);
  if (k > (1L << 24) || n > (1L << 24)) return fail(a, "k and n must be at most 2^24, received k=%ld, n=%ld", k, n);
  long mk = m, mn = m;
  if (!mul(a, &mk, k) || !mul(a, &mn, n)) return 1;
  if (!need(a, KT_FUSED_DENSE_PACKED_BUF_X, mk, "x") || !need(a, KT_FUSED_DENSE_PACKED_BUF_PACKED, packed_b_buffer_floats(k, n), "packed") || !need(a, KT_FUSED_DENSE_PACKED_BUF_BIAS, n, "bias") || !need(a, KT_FUSED_DENSE_PACKED_BUF_Y, mn, "y")) return 1;
  const float* bp = packed_b_in_buffer(k, n, a.bufs[1]);
  if (!bp) return fail(a, "packed holds no kernel packed by PackDenseKernel for k=%ld, n=%ld on this instruction set", k, n);
  Epilogue ep = {a.bufs[2], (int)act};
  gemm_packed_b(m, n, k, MatView{a.bufs[0], k, 1}, bp, a.bufs[3], n, false, num_threads(), &ep);
  return 0;
}

static_assert(KT_FUSED_CONV2D_MAX_POOL_ATTR_ACTIVATION == KT_FUSED_CONV2D_ATTR_ACTIVATION && KT_FUSED_CONV2D_MAX_POOL_BUF_Y == KT_FUSED_CONV2D_BUF_Y,
              "FusedConv2DMaxPool starts as FusedConv2D");

static_assert(KT_FUSED_CONV2D_POOL_ATTR_P_PAD_LEFT == KT_FUSED_CONV2D_MAX_POOL_ATTR_P_PAD_LEFT && KT_FUSED_CONV2D_POOL_NATTRS == KT_FUSED_CONV2D_MAX_POOL_NATTRS &&
              KT_FUSED_CONV2D_POOL_BUF_POOLED == KT_FUSED_CONV2D_BUF_Y,
              "FusedConv2DPool: FusedConv2DMaxPool's attributes, pooled where its y is");

// The max pool of a convolution's output (g: its geometry) from the 8 attributes from `first` on (poh,
// pow, ph, pw, psh, psw, pPadTop, pPadLeft), its output buffer `buf` checked to hold it
bool read_pool(const Args& a, const ConvGeom& g, int first, int buf, PoolGeom* pg) {
  *pg = {g.oh, g.ow, g.cout, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  long* const f[] = {&pg->oh, &pg->ow, &pg->kh, &pg->kw, &pg->sh, &pg->sw, &pg->pt, &pg->pl};
  for (int i = 0; i < 8; i++)
    if (!get_int(a, first + i, f[i])) return false;
  if (pg->sh < 1 || pg->sw < 1 || pg->kh < 1 || pg->kw < 1) return fail(a, "pool window and strides must be >= 1"), false;
  if (pg->pt >= pg->kh || pg->pl >= pg->kw) return fail(a, "pool padding must be smaller than the window"), false;
  if (pg->oh > kMaxElems / pg->sh || pg->ow > kMaxElems / pg->sw) return fail(a, "sizes overflow"), false;
  long np = g.n;
  return mul(a, &np, pg->oh) && mul(a, &np, pg->ow) && mul(a, &np, g.cout) && need(a, buf, np, "pooled");
}

static_assert(KT_FUSED_CONV2D_MAX_POOL_ATTR_P_PAD_LEFT == KT_FUSED_CONV2D_MAX_POOL_ATTR_POH + 7 &&
                  KT_FUSED_CONV2D_PAIR_POOL_ATTR_P_PAD_LEFT == KT_FUSED_CONV2D_PAIR_POOL_ATTR_POH + 7 &&
                  KT_FUSED_CONV2D_PAIR_POOL_ATTR_ACTIVATION == KT_FUSED_CONV2D_ATTR_ACTIVATION &&
                  KT_FUSED_CONV2D_PAIR_POOL_ATTR_ACTIVATION2 == KT_FUSED_CONV2D_PAIR_POOL_ATTR_OH2 + 11,
              "the pooling's attributes in a row; the pair starts as FusedConv2D, its second convolution's in a row");

// FusedConv2D, or with `pool` FusedConv2DMaxPool (its output max-pooled as well), or with `pooled_only`
// FusedConv2DPool (only the pooled output)
int run_fused_conv(const Args& a, bool pool, bool pooled_only = false) {
  ConvGeom g;
  long nx, nf, ny, act;
  const int nb = pooled_only ? KT_FUSED_CONV2D_POOL_NBUFS : pool ? KT_FUSED_CONV2D_MAX_POOL_NBUFS : KT_FUSED_CONV2D_NBUFS;
  const int na = pool ? KT_FUSED_CONV2D_MAX_POOL_NATTRS : KT_FUSED_CONV2D_NATTRS;
  if (!nbufs_is(a, nb) || !read_geom(a, true, &g) || !sizes(a, g, &nx, &nf, &ny) || !get_act(a, KT_FUSED_CONV2D_ATTR_ACTIVATION, &act)) return 1;
  if (a.nattrs != na) return fail(a, "expected %d attributes, received %d", na, a.nattrs);
  if (!need(a, KT_FUSED_CONV2D_BUF_X, nx, "x") || !need(a, KT_FUSED_CONV2D_BUF_FILTER, nf, "filter") || !need(a, KT_FUSED_CONV2D_BUF_BIAS, g.cout, "bias") || (!pooled_only && !need(a, KT_FUSED_CONV2D_BUF_Y, ny, "y"))) return 1;
  Epilogue ep = {a.bufs[2], (int)act};
  if (!pool) {
    conv2d(g, a.bufs[0], a.bufs[1], a.bufs[3], num_threads(), &ep);
    return 0;
  }
  PoolGeom pg;
  if (!read_pool(a, g, KT_FUSED_CONV2D_MAX_POOL_ATTR_POH, pooled_only ? KT_FUSED_CONV2D_POOL_BUF_POOLED : KT_FUSED_CONV2D_MAX_POOL_BUF_POOLED, &pg)) return 1;
  if (pooled_only) conv2d(g, a.bufs[0], a.bufs[1], nullptr, num_threads(), &ep, &pg, a.bufs[3]);
  else conv2d(g, a.bufs[0], a.bufs[1], a.bufs[3], num_threads(), &ep, &pg, a.bufs[4]);
  return 0;
}

// FusedConv2DPairPool: FusedConv2D, a second FusedConv2D of its output, and the max pool of that
int run_fused_conv_pair(const Args& a) {
  ConvGeom g0, g;
  long nx, nf0, ny0, nf, ny, act0, act;
  if (!nbufs_is(a, KT_FUSED_CONV2D_PAIR_POOL_NBUFS) || !read_geom(a, true, &g0) || !sizes(a, g0, &nx, &nf0, &ny0) ||
      !get_act(a, KT_FUSED_CONV2D_PAIR_POOL_ATTR_ACTIVATION, &act0) || !get_act(a, KT_FUSED_CONV2D_PAIR_POOL_ATTR_ACTIVATION2, &act))
    return 1;
  if (a.nattrs != KT_FUSED_CONV2D_PAIR_POOL_NATTRS) return fail(a, "expected %d attributes, received %d", (int)KT_FUSED_CONV2D_PAIR_POOL_NATTRS, a.nattrs);
  g = g0;
  g.h = g0.oh, g.w = g0.ow, g.cin = g0.cout;
  long* const f[] = {&g.oh, &g.ow, &g.cout, &g.kh, &g.kw, &g.sh, &g.sw, &g.dh, &g.dw, &g.pt, &g.pl};
  for (int i = 0; i < 11; i++)
    if (!get_int(a, KT_FUSED_CONV2D_PAIR_POOL_ATTR_OH2 + i, f[i])) return 1;
  if (!check_geom(a, g) || !sizes(a, g, &ny0, &nf, &ny)) return 1;
  PoolGeom pg;
  if (!need(a, KT_FUSED_CONV2D_PAIR_POOL_BUF_X, nx, "x") || !need(a, KT_FUSED_CONV2D_PAIR_POOL_BUF_FILTER0, nf0, "filter0") ||
      !need(a, KT_FUSED_CONV2D_PAIR_POOL_BUF_BIAS0, g0.cout, "bias0") || !need(a, KT_FUSED_CONV2D_PAIR_POOL_BUF_FILTER, nf, "filter") ||
      !need(a, KT_FUSED_CONV2D_PAIR_POOL_BUF_BIAS, g.cout, "bias") ||
      !read_pool(a, g, KT_FUSED_CONV2D_PAIR_POOL_ATTR_POH, KT_FUSED_CONV2D_PAIR_POOL_BUF_POOLED, &pg))
    return 1;
  Epilogue ep0 = {a.bufs[KT_FUSED_CONV2D_PAIR_POOL_BUF_BIAS0], (int)act0}, ep = {a.bufs[KT_FUSED_CONV2D_PAIR_POOL_BUF_BIAS], (int)act};
  conv2d_pair_pool(g0, a.bufs[0], a.bufs[1], &ep0, g, a.bufs[3], &ep, &pg, a.bufs[5], num_threads());
  return 0;
}

int run_act_grad(const Args& a) {
  long act;
  if (!nbufs_is(a, KT_ACTIVATION_GRAD_NBUFS) || !get_act(a, KT_ACTIVATION_GRAD_ATTR_ACTIVATION, &act)) return 1;
  if (a.nattrs != KT_ACTIVATION_GRAD_NATTRS) return fail(a, "expected %d attributes, received %d", (int)KT_ACTIVATION_GRAD_NATTRS, a.nattrs);
  if (a.lens[0] != a.lens[1] || a.lens[0] != a.lens[2])
    return fail(a, "dy, y and dz must have the same length, received %lld, %lld, %lld", (long long)a.lens[0],
                (long long)a.lens[1], (long long)a.lens[2]);
  act_grad((int)act, a.bufs[0], a.bufs[1], a.bufs[2], (long)a.lens[0], num_threads());
  return 0;
}

// a kernel over `rows` rows of `n` (attributes ar, an): its buffer and attribute counts checked,
// rows, n and rn = rows * n read; false (the error set) when anything is wrong
bool get_rows(const Args& a, int nbufs, int nattrs, int ar, int an, long* rows, long* n, long* rn) {
  if (!nbufs_is(a, nbufs) || !get_int(a, ar, rows) || !get_int(a, an, n)) return false;
  if (a.nattrs != nattrs) {
    fail(a, "expected %d attributes, received %d", nattrs, a.nattrs);
    return false;
  }
  *rn = *rows;
  return mul(a, rn, *n);
}

// CategoricalCrossentropyProbs (buffers target, output, loss) and SoftmaxCrossentropyGrad (target,
// output, dy, dx): the same attributes at the same positions
int run_crossentropy(const Args& a, bool grad) {
  static_assert(KT_SOFTMAX_CROSSENTROPY_GRAD_ATTR_ROWS == KT_CATEGORICAL_CROSSENTROPY_PROBS_ATTR_ROWS &&
                    KT_SOFTMAX_CROSSENTROPY_GRAD_ATTR_N == KT_CATEGORICAL_CROSSENTROPY_PROBS_ATTR_N &&
                    KT_SOFTMAX_CROSSENTROPY_GRAD_ATTR_EPSILON == KT_CATEGORICAL_CROSSENTROPY_PROBS_ATTR_EPSILON,
                "crossentropy kernels share their attributes");
  long rows, n, rn;
  if (!get_rows(a, grad ? KT_SOFTMAX_CROSSENTROPY_GRAD_NBUFS : KT_CATEGORICAL_CROSSENTROPY_PROBS_NBUFS, KT_CATEGORICAL_CROSSENTROPY_PROBS_NATTRS,
                KT_CATEGORICAL_CROSSENTROPY_PROBS_ATTR_ROWS, KT_CATEGORICAL_CROSSENTROPY_PROBS_ATTR_N, &rows, &n, &rn))
    return 1;
  const double eps = a.attrs[KT_CATEGORICAL_CROSSENTROPY_PROBS_ATTR_EPSILON];
  if (!(eps >= 0 && eps < 0.5)) return fail(a, "epsilon must lie in [0, 0.5), received %g", eps);
  if (!need(a, 0, rn, "target") || !need(a, 1, rn, "output")) return 1;
  if (grad) {
    if (!need(a, 2, rows, "dy") || !need(a, 3, rn, "dx")) return 1;
    softmax_crossentropy_grad(a.bufs[0], a.bufs[1], a.bufs[2], a.bufs[3], rows, n, eps);
  } else {
    if (!need(a, 2, rows, "loss")) return 1;
    crossentropy_probs(a.bufs[0], a.bufs[1], a.bufs[2], rows, n, eps);
  }
  return 0;
}

int run_mul_relu_grad_sum(const Args& a) {
  long rows, n, rn;
  if (!get_rows(a, KT_MUL_RELU_GRAD_SUM_NBUFS, KT_MUL_RELU_GRAD_SUM_NATTRS, KT_MUL_RELU_GRAD_SUM_ATTR_ROWS, KT_MUL_RELU_GRAD_SUM_ATTR_N, &rows, &n, &rn) ||
      !need(a, KT_MUL_RELU_GRAD_SUM_BUF_A, rn, "a") || !need(a, KT_MUL_RELU_GRAD_SUM_BUF_B, rn, "b") ||
      !need(a, KT_MUL_RELU_GRAD_SUM_BUF_Y, rn, "y") || !need(a, KT_MUL_RELU_GRAD_SUM_BUF_DZ, rn, "dz") ||
      !need(a, KT_MUL_RELU_GRAD_SUM_BUF_DB, n, "db"))
    return 1;
  mul_relu_grad_sum(a.bufs[0], a.bufs[1], a.bufs[2], a.bufs[3], a.bufs[4], rows, n, num_threads());
  return 0;
}

int run_arg_max_match(const Args& a) {
  long rows, n, rn;
  if (!get_rows(a, KT_ARG_MAX_MATCH_NBUFS, KT_ARG_MAX_MATCH_NATTRS, KT_ARG_MAX_MATCH_ATTR_ROWS, KT_ARG_MAX_MATCH_ATTR_N, &rows, &n, &rn)) return 1;
  if (n == 0 && rows > 0) return fail(a, "rows of length 0 have no maximum");
  if (!need(a, KT_ARG_MAX_MATCH_BUF_A, rn, "a") || !need(a, KT_ARG_MAX_MATCH_BUF_B, rn, "b") ||
      !need(a, KT_ARG_MAX_MATCH_BUF_MATCH, rows, "match"))
    return 1;
  arg_max_match(a.bufs[0], a.bufs[1], a.bufs[2], rows, n);
  return 0;
}

int run_transpose(const Args& a) {
  long rank;
  if (!nbufs_is(a, KT_TRANSPOSE_NBUFS) || !get_int(a, KT_TRANSPOSE_ATTR_RANK, &rank)) return 1;
  if (rank > 16) return fail(a, "rank %ld is above 16", rank);
  const long t0 = KT_TRANSPOSE_NATTRS;  // the tail: shape[rank], then perm[rank]
  if (a.nattrs != t0 + 2 * rank) return fail(a, "expected %ld attributes, received %d", t0 + 2 * rank, a.nattrs);
  long shape[16], perm[16], total = 1;
  bool seen[16] = {false};
  for (int d = 0; d < rank; d++) {
    if (!get_int(a, t0 + d, &shape[d]) || !get_int(a, t0 + rank + d, &perm[d])) return 1;
    if (perm[d] >= rank || seen[perm[d]]) return fail(a, "perm is not a permutation of the %ld axes", rank);
    seen[perm[d]] = true;
    if (!mul(a, &total, shape[d])) return 1;
  }
  if (!need(a, KT_TRANSPOSE_BUF_X, total, "x") || !need(a, KT_TRANSPOSE_BUF_Y, total, "y")) return 1;
  transpose((int)rank, shape, perm, a.bufs[0], a.bufs[1], num_threads());
  return 0;
}

// attribute i as an unsigned 32-bit integer (a key word; above kMaxElems where long has 32 bits)
bool get_u32(const Args& a, int i, uint32_t* out) {
  const double v = a.attrs[i];
  if (!(v >= 0 && v <= 4294967295.0) || v != floor(v))
    return fail(a, "key words and stream must be unsigned 32-bit integers, received %g", v), false;
  *out = (uint32_t)v;
  return true;
}

// BernoulliMask (buffers y) and BernoulliMaskMul (x, y, mask): the same attributes at the same positions
int run_bernoulli_mask(const Args& a, bool mul) {
  static_assert(KT_BERNOULLI_MASK_MUL_NATTRS == KT_BERNOULLI_MASK_NATTRS && KT_BERNOULLI_MASK_MUL_ATTR_N == KT_BERNOULLI_MASK_ATTR_N &&
                    KT_BERNOULLI_MASK_MUL_ATTR_KEEP_PROB == KT_BERNOULLI_MASK_ATTR_KEEP_PROB &&
                    KT_BERNOULLI_MASK_MUL_ATTR_KEY0 == KT_BERNOULLI_MASK_ATTR_KEY0 && KT_BERNOULLI_MASK_MUL_ATTR_KEY1 == KT_BERNOULLI_MASK_ATTR_KEY1 &&
                    KT_BERNOULLI_MASK_MUL_ATTR_STREAM == KT_BERNOULLI_MASK_ATTR_STREAM && KT_BERNOULLI_MASK_MUL_ATTR_SCALE == KT_BERNOULLI_MASK_ATTR_SCALE,
                "the mask kernels share their attributes");
  long n;
  uint32_t k0, k1, stream;
  if (!nbufs_is(a, mul ? KT_BERNOULLI_MASK_MUL_NBUFS : KT_BERNOULLI_MASK_NBUFS)) return 1;
  if (a.nattrs != KT_BERNOULLI_MASK_NATTRS) return fail(a, "expected %d attributes, received %d", (int)KT_BERNOULLI_MASK_NATTRS, a.nattrs);
  if (!get_int(a, KT_BERNOULLI_MASK_ATTR_N, &n) || !get_u32(a, KT_BERNOULLI_MASK_ATTR_KEY0, &k0) ||
      !get_u32(a, KT_BERNOULLI_MASK_ATTR_KEY1, &k1) || !get_u32(a, KT_BERNOULLI_MASK_ATTR_STREAM, &stream))
    return 1;
  const double keep = a.attrs[KT_BERNOULLI_MASK_ATTR_KEEP_PROB];
  if (keep != keep) return fail(a, "keepProb is NaN");
  const double scale = a.attrs[KT_BERNOULLI_MASK_ATTR_SCALE];
  if (!(fabs(scale) <= 3.4028234663852886e38)) return fail(a, "scale must be a finite float32, received %g", scale);
  if (!mul) {
    if (!need(a, KT_BERNOULLI_MASK_BUF_Y, n, "y")) return 1;
    bernoulli_mask(a.bufs[KT_BERNOULLI_MASK_BUF_Y], n, keep, (float)scale, k0, k1, stream, num_threads());
    return 0;
  }
  if (!need(a, KT_BERNOULLI_MASK_MUL_BUF_X, n, "x") || !need(a, KT_BERNOULLI_MASK_MUL_BUF_Y, n, "y") ||
      !need(a, KT_BERNOULLI_MASK_MUL_BUF_MASK, n, "mask"))
    return 1;
  bernoulli_mask_mul(a.bufs[KT_BERNOULLI_MASK_MUL_BUF_X], a.bufs[KT_BERNOULLI_MASK_MUL_BUF_Y], a.bufs[KT_BERNOULLI_MASK_MUL_BUF_MASK], n,
                     keep, (float)scale, k0, k1, stream, num_threads());
  return 0;
}

int run_optimizer_update(const Args& a) {
  long rule, n;
  if (a.nattrs != KT_OPTIMIZER_UPDATE_NATTRS) return fail(a, "expected %d attributes, received %d", (int)KT_OPTIMIZER_UPDATE_NATTRS, a.nattrs);
  if (!get_int(a, KT_OPTIMIZER_UPDATE_ATTR_RULE, &rule) || !get_int(a, KT_OPTIMIZER_UPDATE_ATTR_N, &n)) return 1;
  if (rule >= KT_OPT_COUNT) return fail(a, "unknown update rule %ld", rule);
  const double* p = a.attrs + KT_OPTIMIZER_UPDATE_ATTR_P0;  // p0..p3, consecutive
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
  if (!nbufs_is(a, lstm ? 8 : 7) || !get_int(a, KT_LSTM_STEP_GRAD_ATTR_BATCH, &b) || !get_int(a, KT_LSTM_STEP_GRAD_ATTR_UNITS, &u)) return 1;
  if (a.nattrs != KT_LSTM_STEP_GRAD_NATTRS) return fail(a, "expected %d attributes, received %d", (int)KT_LSTM_STEP_GRAD_NATTRS, a.nattrs);
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

// the whole-sequence LSTM and its backward pass: sizes from [batch, T, u, goBackwards, zeroOutputForMask, hasMask,
// hasRecurrentMask], then (forward only) keepReserve, returnSequences
int run_lstm_sequence(const Args& a, bool grad) {
  long b, T, u, back, zero, has_mask, has_rmask = 0, keep = 1, seqs = 1;
  const int nattrs = grad ? KT_LSTM_SEQUENCE_GRAD_NATTRS : KT_LSTM_SEQUENCE_NATTRS;
  if (a.nattrs != nattrs) return fail(a, "expected %d attributes, received %d", nattrs, a.nattrs);
  if (!get_int(a, KT_LSTM_SEQUENCE_ATTR_BATCH, &b) || !get_int(a, KT_LSTM_SEQUENCE_ATTR_TIMESTEPS, &T) || !get_int(a, KT_LSTM_SEQUENCE_ATTR_UNITS, &u) || !get_int(a, KT_LSTM_SEQUENCE_ATTR_GO_BACKWARDS, &back) ||
      !get_int(a, KT_LSTM_SEQUENCE_ATTR_ZERO_OUTPUT_FOR_MASK, &zero) || !get_int(a, KT_LSTM_SEQUENCE_ATTR_HAS_MASK, &has_mask) || !get_int(a, KT_LSTM_SEQUENCE_ATTR_HAS_RECURRENT_MASK, &has_rmask) ||
      (!grad && (!get_int(a, KT_LSTM_SEQUENCE_ATTR_KEEP_RESERVE, &keep) || !get_int(a, KT_LSTM_SEQUENCE_ATTR_RETURN_SEQUENCES, &seqs))))
    return 1;
  if (back > 1 || zero > 1 || has_mask > 1 || has_rmask > 1 || keep > 1 || seqs > 1)
    return fail(a, "goBackwards, zeroOutputForMask, hasMask, hasRecurrentMask, keepReserve and returnSequences must be 0 or 1");
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
        (seqs && !need(a, o, btu, "y")) || !need(a, o + 1, bu, "h") || !need(a, o + 2, bu, "c") ||
        (keep && (!need(a, o + 3, btg, "gates") || !need(a, o + 4, btu, "cs") || !need(a, o + 5, btu, "hs"))))
      return 1;
    // without the reserve (keepReserve 0) or y (returnSequences 0) their buffers are not touched: null tells the kernel
    lstm_sequence(b, T, u, back != 0, zero != 0, p[0], p[1], p[2], p[3], mask, rmask, seqs ? p[o] : nullptr, p[o + 1], p[o + 2],
                  keep ? p[o + 3] : nullptr, keep ? p[o + 4] : nullptr, keep ? p[o + 5] : nullptr, num_threads());
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
  long b, T, u, back, zero, has_mask, keep = 1, seqs = 1;
  const int nattrs = grad ? KT_GRU_SEQUENCE_GRAD_NATTRS : KT_GRU_SEQUENCE_NATTRS;
  if (a.nattrs != nattrs) return fail(a, "expected %d attributes, received %d", nattrs, a.nattrs);
  if (!get_int(a, KT_GRU_SEQUENCE_ATTR_BATCH, &b) || !get_int(a, KT_GRU_SEQUENCE_ATTR_TIMESTEPS, &T) || !get_int(a, KT_GRU_SEQUENCE_ATTR_UNITS, &u) || !get_int(a, KT_GRU_SEQUENCE_ATTR_GO_BACKWARDS, &back) ||
      !get_int(a, KT_GRU_SEQUENCE_ATTR_ZERO_OUTPUT_FOR_MASK, &zero) || !get_int(a, KT_GRU_SEQUENCE_ATTR_HAS_MASK, &has_mask) ||
      (!grad && (!get_int(a, KT_GRU_SEQUENCE_ATTR_KEEP_RESERVE, &keep) || !get_int(a, KT_GRU_SEQUENCE_ATTR_RETURN_SEQUENCES, &seqs))))
    return 1;
  if (back > 1 || zero > 1 || has_mask > 1 || keep > 1 || seqs > 1)
    return fail(a, "goBackwards, zeroOutputForMask, hasMask, keepReserve and returnSequences must be 0 or 1");
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
        !need(a, 3, g3, "recurrentBias") || (seqs && !need(a, o, btu, "y")) || !need(a, o + 1, bu, "h") ||
        (keep && (!need(a, o + 2, btg, "reserve") || !need(a, o + 3, btu, "hs"))))
      return 1;
    gru_sequence(b, T, u, back != 0, zero != 0, p[0], p[1], p[2], p[3], mask, seqs ? p[o] : nullptr, p[o + 1], keep ? p[o + 2] : nullptr,
                 keep ? p[o + 3] : nullptr, num_threads());
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
  if (!nbufs_is(a, KT_GATHER_NBUFS) || !get_int(a, KT_GATHER_ATTR_OUTER, &outer) || !get_int(a, KT_GATHER_ATTR_N, &n) || !get_int(a, KT_GATHER_ATTR_INNER, &inner) || !get_int(a, KT_GATHER_ATTR_M, &m))
    return 1;
  if (a.nattrs != KT_GATHER_NATTRS) return fail(a, "expected %d attributes, received %d", (int)KT_GATHER_NATTRS, a.nattrs);
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
  if (!get_int(a, KT_CONCAT_ATTR_OUTER, &outer) || !get_int(a, KT_CONCAT_ATTR_PIECES, &k) || !get_int(a, KT_CONCAT_ATTR_ROW_TOTAL, &row_total) || !get_int(a, KT_CONCAT_ATTR_OFFSET, &offset)) return 1;
  if (k < 1 || a.nbufs != k + 1) return fail(a, "expected %ld pieces and one whole (%ld buffers), received %d", k, k + 1, a.nbufs);
  const long t0 = KT_CONCAT_NATTRS;  // the tail: rows of each piece
  if (a.nattrs != t0 + k) return fail(a, "expected %ld attributes, received %d", t0 + k, a.nattrs);
  std::vector<long> rows(k);
  std::vector<float*> pieces(k);
  long end = offset;
  const int whole = join ? (int)k : 0;
  for (long p = 0; p < k; p++) {
    const int buf = join ? (int)p : (int)p + 1;
    long r, elems = outer;
    if (!get_int(a, t0 + p, &r) || !mul(a, &elems, r)) return 1;
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

// DotProductAttention and its gradient: sizes, the mask's reach, then every buffer's length
static_assert(KT_DOT_PRODUCT_ATTENTION_GRAD_NATTRS == KT_DOT_PRODUCT_ATTENTION_NATTRS &&
                  KT_DOT_PRODUCT_ATTENTION_GRAD_ATTR_MASK_S == KT_DOT_PRODUCT_ATTENTION_ATTR_MASK_S,
              "the attention kernels share their attributes");
int run_attention(const Args& a, bool grad) {
  long B, T, S, N, K, H, Hv, causal, has_mask, msize, mb, mn, mt, ms;
  if (a.nattrs != KT_DOT_PRODUCT_ATTENTION_NATTRS)
    return fail(a, "expected %d attributes, received %d", (int)KT_DOT_PRODUCT_ATTENTION_NATTRS, a.nattrs);
  if (!get_int(a, KT_DOT_PRODUCT_ATTENTION_ATTR_BATCH, &B) || !get_int(a, KT_DOT_PRODUCT_ATTENTION_ATTR_TQ, &T) ||
      !get_int(a, KT_DOT_PRODUCT_ATTENTION_ATTR_TK, &S) || !get_int(a, KT_DOT_PRODUCT_ATTENTION_ATTR_HEADS, &N) ||
      !get_int(a, KT_DOT_PRODUCT_ATTENTION_ATTR_KV_HEADS, &K) || !get_int(a, KT_DOT_PRODUCT_ATTENTION_ATTR_HEAD_DIM, &H) ||
      !get_int(a, KT_DOT_PRODUCT_ATTENTION_ATTR_VALUE_DIM, &Hv) || !get_int(a, KT_DOT_PRODUCT_ATTENTION_ATTR_IS_CAUSAL, &causal) ||
      !get_int(a, KT_DOT_PRODUCT_ATTENTION_ATTR_HAS_MASK, &has_mask) || !get_int(a, KT_DOT_PRODUCT_ATTENTION_ATTR_MASK_SIZE, &msize) ||
      !get_int(a, KT_DOT_PRODUCT_ATTENTION_ATTR_MASK_B, &mb) || !get_int(a, KT_DOT_PRODUCT_ATTENTION_ATTR_MASK_N, &mn) ||
      !get_int(a, KT_DOT_PRODUCT_ATTENTION_ATTR_MASK_T, &mt) || !get_int(a, KT_DOT_PRODUCT_ATTENTION_ATTR_MASK_S, &ms))
    return 1;
  const double scale = a.attrs[KT_DOT_PRODUCT_ATTENTION_ATTR_SCALE];
  if (!isfinite(scale)) return fail(a, "scale must be finite, received %g", scale);
  if (causal > 1 || has_mask > 1) return fail(a, "isCausal and hasMask must be 0 or 1");
  if (K < 1 || N % K != 0) return fail(a, "heads (%ld) must be a positive multiple of kvHeads (%ld)", N, K);
  if (H < 1 || Hv < 1) return fail(a, "headDim and valueDim must be at least 1");
  const int nin = (grad ? 7 : 3) + (int)has_mask;
  if (!nbufs_is(a, nin + (grad ? 3 : 2))) return 1;
  long nq = B, nk = B, nv = B, ny = B, nl = B;
  if (!mul(a, &nq, T) || !mul(a, &nq, N) || !mul(a, &nq, H) || !mul(a, &nk, S) || !mul(a, &nk, K) || !mul(a, &nk, H) ||
      !mul(a, &nv, S) || !mul(a, &nv, K) || !mul(a, &nv, Hv) || !mul(a, &ny, T) || !mul(a, &ny, N) || !mul(a, &ny, Hv) ||
      !mul(a, &nl, N) || !mul(a, &nl, T))
    return 1;
  const float* mask = nullptr;
  if (has_mask) {
    if (!need(a, nin - 1, msize, "mask")) return 1;
    if (B > 0 && N > 0 && T > 0 && S > 0) {
      // the largest index read: each stride times its axis's last index
      long last = 0;
      const long st[] = {mb, mn, mt, ms}, dim[] = {B, N, T, S};
      for (int i = 0; i < 4; i++) {
        long term = dim[i] - 1;
        if (!mul(a, &term, st[i])) return 1;
        last += term;
        if (last > kMaxElems) return fail(a, "sizes overflow");
      }
      if (last >= msize) return fail(a, "the mask's strides reach element %ld of a mask of %ld", last, msize);
    }
    mask = a.bufs[nin - 1];
  }
  AttnGeom g = {B, T, S, N, K, H, Hv, (float)scale, causal != 0, mask, mb, mn, mt, ms};
  float* const* p = a.bufs;
  const int o = nin;
  if (!grad) {
    if (!need(a, 0, nq, "query") || !need(a, 1, nk, "key") || !need(a, 2, nv, "value") || !need(a, o, ny, "y") ||
        !need(a, o + 1, nl, "lse"))
      return 1;
    attention_forward(g, p[0], p[1], p[2], p[o], p[o + 1]);
  } else {
    if (!need(a, 0, ny, "dy") || !need(a, 1, nl, "dLse") || !need(a, 2, nq, "query") || !need(a, 3, nk, "key") ||
        !need(a, 4, nv, "value") || !need(a, 5, ny, "y") || !need(a, 6, nl, "lse") || !need(a, o, nq, "dQuery") ||
        !need(a, o + 1, nk, "dKey") || !need(a, o + 2, nv, "dValue"))
      return 1;
    attention_backward(g, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[o], p[o + 1], p[o + 2]);
  }
  return 0;
}

}  // namespace
}  // namespace kt

extern "C" int kt_run(int kernel, float* const* bufs, const int64_t* lens, int nbufs, const double* attrs, int nattrs,
                      char* err, size_t errlen) {
  using namespace kt;
  const char* name = kt_kernel_name(kernel);
  Args a = {bufs, lens, nbufs, attrs, nattrs, err, errlen, name ? name : "kernel"};
  if (nbufs < 0 || nattrs < 0 || (nbufs > 0 && (!bufs || !lens)) || (nattrs > 0 && !attrs))
    return fail(a, "invalid arguments");
  for (int i = 0; i < nbufs; i++)
    if (lens[i] < 0 || (lens[i] > 0 && !bufs[i])) return fail(a, "buffer %d is invalid", i);
  pool_hint();
  switch (kernel) {
    case KT_MAT_MUL: return run_gemm(a);
    case KT_CONV2D:
    case KT_CONV2D_BACKPROP_INPUT:
    case KT_CONV2D_BACKPROP_FILTER:
    case KT_CONV2D_BACKPROP_INPUT_RELU: return run_conv(a, kernel);
    case KT_MAX_POOL:
    case KT_MAX_POOL_GRAD:
    case KT_MAX_POOL_GRAD_RELU:
    case KT_AVG_POOL:
    case KT_AVG_POOL_GRAD: return run_pool(a, kernel);
    case KT_UNARY: return run_unary(a);
    case KT_BINARY: return run_binary(a);
    case KT_REDUCE: return run_reduce(a, false);
    case KT_SOFTMAX: return run_reduce(a, true);
    case KT_FUSED_DENSE: return run_fused_dense(a);
    case KT_PACK_DENSE_KERNEL: return run_pack_dense(a);
    case KT_FUSED_DENSE_PACKED: return run_fused_dense_packed(a);
    case KT_FUSED_CONV2D: return run_fused_conv(a, false);
    case KT_FUSED_CONV2D_MAX_POOL: return run_fused_conv(a, true);
    case KT_FUSED_CONV2D_POOL: return run_fused_conv(a, true, true);
    case KT_FUSED_CONV2D_PAIR_POOL: return run_fused_conv_pair(a);
    case KT_ACTIVATION_GRAD: return run_act_grad(a);
    case KT_TRANSPOSE: return run_transpose(a);
    case KT_BERNOULLI_MASK: return run_bernoulli_mask(a, false);
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
    case KT_DOT_PRODUCT_ATTENTION: return run_attention(a, false);
    case KT_DOT_PRODUCT_ATTENTION_GRAD: return run_attention(a, true);
    case KT_CATEGORICAL_CROSSENTROPY_PROBS: return run_crossentropy(a, false);
    case KT_SOFTMAX_CROSSENTROPY_GRAD: return run_crossentropy(a, true);
    case KT_MUL_RELU_GRAD_SUM: return run_mul_relu_grad_sum(a);
    case KT_ARG_MAX_MATCH: return run_arg_max_match(a);
    case KT_BERNOULLI_MASK_MUL: return run_bernoulli_mask(a, true);
    default: return fail(a, "unknown kernel id %d", kernel);
  }
}
