// Kernels above the GEMM: convolution, pooling, elementwise, reductions, softmax. Arguments are
// validated by dispatch.cpp before these run.
#pragma once

#include <stdint.h>

namespace kt {

// NHWC geometry shared by convolution and pooling.
struct ConvGeom {
  long n, h, w, cin, oh, ow, cout, kh, kw, sh, sw, dh, dw, pt, pl;
};

struct Epilogue;
// y = conv(x, f), then the epilogue (per-channel bias and activation) on each tile, if given
// pool (may be null): each image's output is also max-pooled into `pooled` while it is in cache
// (FusedConv2DMaxPool: the same values as MaxPool after the convolution); y may then be null: pooled
// only (FusedConv2DPool, inference), each image's output kept in cache until pooled, never stored
struct PoolGeom;
void conv2d(const ConvGeom& g, const float* x, const float* f, float* y, int threads, const Epilogue* ep = nullptr,
            const PoolGeom* pool = nullptr, float* pooled = nullptr);
// FusedConv2DPairPool: conv g0 (x, f0, ep0), then conv g (f, ep) of its output, then the max pool of
// that into `pooled`, image by image with both outputs kept in cache, never stored (inference; the
// same values as the three kernels in turn). g's n, h, w, cin are g0's n, oh, ow, cout.
void conv2d_pair_pool(const ConvGeom& g0, const float* x, const float* f0, const Epilogue* ep0, const ConvGeom& g,
                      const float* f, const Epilogue* ep, const PoolGeom* pool, float* pooled, int threads);
// relu_y (may be null): the input is a relu's output y, whose gradient is applied to dx too, image by
// image while it is in cache (Conv2DBackpropInputRelu: the same values as ActivationGrad relu after it)
void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* f, float* dx, int threads,
                           const float* relu_y = nullptr);
void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* df, int threads);

// pooling uses cin as the channel count, kh/kw as the window, dh = dw = 1
void maxpool(const ConvGeom& g, const float* x, float* y, int threads);
// relu: x is a relu's output and its gradient is applied too (MaxPoolGradRelu: MaxPoolGrad, then
// ActivationGrad relu at x, in one pass and with the same values)
void maxpool_grad(const ConvGeom& g, const float* x, const float* dy, float* dx, int threads, bool relu = false);
void avgpool(const ConvGeom& g, const float* x, float* y, int threads);
void avgpool_grad(const ConvGeom& g, const float* dy, float* dx, int threads);

void unary(int op, const float* x, float* y, long n, float p0, float p1, int threads);
// out index space of `rank` dims; a and b addressed with their own (possibly 0) strides
void binary(int op, int rank, const long* shape, const float* a, const long* as, const float* b, const long* bs,
            float* y, int threads);
void reduce(int op, const float* x, float* y, long outer, long n, long inner, int threads);
void softmax(const float* x, float* y, long outer, long n, long inner, bool log, int threads);

// y = x with its axes permuted: y's axis d is x's axis perm[d] (rank <= 16)
void transpose(int rank, const long* shape, const long* perm, const float* x, float* y, int threads);

// the crossentropy fusion (KT_CATEGORICAL_CROSSENTROPY_PROBS, KT_SOFTMAX_CROSSENTROPY_GRAD), rows of n:
// loss[r] = -sum(target * log(clip(p / sum(p), eps, 1 - eps))); dx: its gradient weighted by dy[r],
// through the softmax that made p
void crossentropy_probs(const float* target, const float* p, float* loss, long rows, long n, double eps);
void softmax_crossentropy_grad(const float* target, const float* p, const float* dy, float* dx, long rows, long n,
                               double eps);

// MulReluGradSum: dz [rows, n] = (y > 0 ? a * b : 0), db [n] = its sum over the rows (in row order)
void mul_relu_grad_sum(const float* a, const float* b, const float* y, float* dz, float* db, long rows, long n,
                       int threads);

// ArgMaxMatch: match[r] = 1 where the first maximum of a's row r and of b's (rows of n > 0) share an index
void arg_max_match(const float* a, const float* b, float* match, long rows, long n);

// dz = dy * f'(x) from y = f(x)
void act_grad(int act, const float* dy, const float* y, float* dz, long n, int threads);

// array.cpp. Indices are int32 bits in float buffers, already checked to lie in [0, n).
// y [outer, m, inner] = x [outer, n, inner] at idx[m] along the middle axis
void gather(const float* x, const float* idx, float* y, long outer, long n, long inner, long m, int threads);
// y [outer, n, inner] = 0, then y[o, idx[k], :] += upd[o, k, :]
void scatter_add(const float* idx, const float* upd, float* y, long outer, long n, long inner, long m, int threads);
// join: the pieces [outer, rows[p]] side by side into whole's rows (row_total apart), from whole[0] on;
// else the reverse (split)
void concat_split(bool join, float* const* pieces, const long* rows, long npieces, float* whole, long outer,
                  long row_total, int threads);
// the elementwise backward of the recurrent steps (KT_LSTM_STEP_GRAD, KT_GRU_STEP_GRAD)
void lstm_step_grad(long batch, long u, const float* dh, const float* dc, const float* dgates, const float* gates,
                    const float* c_new, const float* c, float* da, float* dc_prev, int threads);
void gru_step_grad(long batch, long u, const float* dh, const float* dres, const float* res, const float* h, float* dz,
                   float* dm, float* dh_direct, int threads);

// recurrent_seq.cpp: a whole LSTM sequence and its backward pass (KT_LSTM_SEQUENCE, KT_LSTM_SEQUENCE_GRAD);
// mask [batch, T] of 0/1 floats, or null; rmask [batch, 4u] the per-gate recurrent dropout masks, or null;
// reserves gates [T, b, 4u], cs and hs [T, b, u]
void lstm_sequence(long batch, long T, long u, bool backwards, bool zero_out, const float* z, const float* h0,
                   const float* c0, const float* w, const float* mask, const float* rmask, float* y, float* h_out,
                   float* c_out, float* gates, float* cs, float* hs, int threads);
void lstm_sequence_grad(long batch, long T, long u, bool backwards, bool zero_out, const float* dy, const float* dh_in,
                        const float* dc_in, const float* dgates, const float* dcs, const float* dhs,
                        const float* gates, const float* cs, const float* hs, const float* h0, const float* c0,
                        const float* w, const float* mask, const float* rmask, float* dz, float* dh0, float* dc0,
                        float* dw, int threads);
// the same for the GRU (reset_after): reserve [T, b, 4u] (zg, r, hh, m_h), hs [T, b, u]
void gru_sequence(long batch, long T, long u, bool backwards, bool zero_out, const float* z, const float* h0,
                  const float* w, const float* rb, const float* mask, float* y, float* h_out, float* reserve, float* hs,
                  int threads);
void gru_sequence_grad(long batch, long T, long u, bool backwards, bool zero_out, const float* dy, const float* dh_in,
                       const float* dres, const float* dhs, const float* reserve, const float* hs, const float* h0,
                       const float* w, const float* mask, float* dz, float* dh0, float* dw, float* db, int threads);

// y[i] = 1 when uniform i of Philox stream `stream` under key (k0, k1) is below keep_prob, else 0
// (src/tensor/random.ts's uniforms(), bit for bit)
void bernoulli_mask(float* y, long n, double keep_prob, float scale, uint32_t k0, uint32_t k1, uint32_t stream, int threads);
// the same mask, and xy = x * mask (BernoulliMaskMul: dropout's draw and product in one pass)
void bernoulli_mask_mul(const float* x, float* xy, float* mask, long n, double keep_prob, float scale, uint32_t k0, uint32_t k1,
                        uint32_t stream, int threads);

// Fused optimizer updates (KT_OPTIMIZER_UPDATE, native/src/optimizer.cpp): rule a kt_optimizer_rule,
// p its 4 scalars; in = variable, gradient, slots; out = variable', slots' (n floats each)
int optimizer_slots(int rule, const double* p);
void optimizer_update(int rule, long n, const double* p, const float* const* in, float* const* out, int threads);

}  // namespace kt
