// Scaled dot-product attention (KT_DOT_PRODUCT_ATTENTION and its gradient): tiles of queries against
// tiles of keys with an online softmax, so the [T, S] logits of a head never exist whole. Arguments
// are validated by dispatch.cpp before these run.
#pragma once

namespace kt {

struct AttnGeom {
  long B, T, S, N, K, H, Hv;  // batch, query and key lengths, query and key/value heads, head sizes
  float scale;
  bool causal;
  const float* mask;  // 0 = masked, read at b * mb + n * mn + t * mt + s * ms; or null
  long mb, mn, mt, ms;
};

// y [B, T, N, Hv], lse [B, N, T] (the log of each row's softmax normalizer, for the gradient); on the thread pool
void attention_forward(const AttnGeom& g, const float* q, const float* k, const float* v, float* y, float* lse);
// dq, dk, dv in the shapes of q, k, v, from dy, dlse and the forward's y and lse
void attention_backward(const AttnGeom& g, const float* dy, const float* dlse, const float* q, const float* k,
                        const float* v, const float* y, const float* lse, float* dq, float* dk, float* dv);

}  // namespace kt
