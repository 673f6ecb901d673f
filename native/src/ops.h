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
void conv2d(const ConvGeom& g, const float* x, const float* f, float* y, int threads, const Epilogue* ep = nullptr);
void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* f, float* dx, int threads);
void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* df, int threads);

// pooling uses cin as the channel count, kh/kw as the window, dh = dw = 1
void maxpool(const ConvGeom& g, const float* x, float* y, int threads);
void maxpool_grad(const ConvGeom& g, const float* x, const float* dy, float* dx, int threads);
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

// dz = dy * f'(x) from y = f(x)
void act_grad(int act, const float* dy, const float* y, float* dz, long n, int threads);
// one LSTM step (see keras_native.h / KT_LSTM_STEP)
void lstm_step(long batch, long u, const float* z, const float* h, const float* c, const float* w, float* h_out,
               float* c_out, float* gates, int threads);
// one GRU step, reset_after (KT_GRU_STEP)
void gru_step(long batch, long u, const float* z, const float* h, const float* w, const float* rb, float* h_out,
              float* reserve, int threads);

// y[i] = 1 when uniform i of Philox stream `stream` under key (k0, k1) is below keep_prob, else 0
// (src/tensor/random.ts's uniforms(), bit for bit)
void bernoulli_mask(float* y, long n, double keep_prob, uint32_t k0, uint32_t k1, uint32_t stream, int threads);

}  // namespace kt
