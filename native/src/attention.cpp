// Scaled dot-product attention, flash style: a tile of BR query rows of one head meets the keys in
// tiles of BC. Per tile: the logits S = (scale q) kᵀ by the GEMM, masked entries set to the masked
// logit, then the running row max m and normalizer l are updated (online softmax) and the output
// accumulator rescaled before P v is added. Memory per task: a few tiles, whatever the lengths.
// The backward recomputes P per tile from the forward's lse (no [T, S] either) and runs one task per
// key/value head, so the query heads that share it add into its dk and dv without a race.
#include "attention.h"

#include <math.h>
#include <string.h>

#include <vector>

#include "../include/keras_native.h"
#include "gemm.h"
#include "isa.h"
#include "threadpool.h"

namespace kt {
namespace {

constexpr long BR = 64;   // query rows per tile
constexpr long BC = 256;  // keys per tile
// as the composite: where(keep, logits, -0.7 * float32 max), so a fully masked row is uniform
const float kMasked = (float)(-0.7 * 3.4028234663852886e38);

// keys a tile of queries [i0, i0 + br) needs: with a causal mask alone, those up to its last row
// (the rest are masked, and exp(masked - m) is exactly 0 once a row has an unmasked key: key 0 is)
long key_end(const AttnGeom& g, long i0, long br) {
  if (g.causal && !g.mask) return i0 + br < g.S ? i0 + br : g.S;
  return g.S;
}

// sets the masked entries of the logits tile s [br, bc] (rows i0.., keys j0..) to kMasked
void mask_tile(const AttnGeom& g, long b, long n, long i0, long br, long j0, long bc, float* s) {
  if (!g.causal && !g.mask) return;
  for (long r = 0; r < br; r++) {
    const long t = i0 + r;
    float* row = s + r * bc;
    if (g.causal)
      for (long c = t - j0 + 1 < 0 ? 0 : t - j0 + 1; c < bc; c++) row[c] = kMasked;
    if (g.mask) {
      const float* m = g.mask + b * g.mb + n * g.mn + t * g.mt + j0 * g.ms;
      for (long c = 0; c < bc; c++)
        if (m[c * g.ms] == 0.0f) row[c] = kMasked;
    }
  }
}

bool keep(const AttnGeom& g, long b, long n, long t, long s) {
  if (g.causal && s > t) return false;
  return !g.mask || g.mask[b * g.mb + n * g.mn + t * g.mt + s * g.ms] != 0.0f;
}

// the rows [i0, i0 + br) of query head n, times scale, contiguous [br, H]
void scaled_queries(const AttnGeom& g, const float* q, long b, long n, long i0, long br, float* qs) {
  for (long r = 0; r < br; r++) {
    const float* src = q + ((b * g.T + i0 + r) * g.N + n) * g.H;
    for (long h = 0; h < g.H; h++) qs[r * g.H + h] = src[h] * g.scale;
  }
}

struct FwdJob {
  const AttnGeom* g;
  const float *q, *k, *v;
  float *y, *lse;
  long tiles;  // query tiles per head
};

void forward_task(void* ctx, int c, int) {
  const FwdJob& j = *(const FwdJob*)ctx;
  const AttnGeom& g = *j.g;
  const long b = c / (g.N * j.tiles), n = (c / j.tiles) % g.N, i0 = (c % j.tiles) * BR;
  const long br = g.T - i0 < BR ? g.T - i0 : BR, kn = n / (g.N / g.K);
  const Isa& I = isa();
  std::vector<float> buf(br * g.H + 2 * br * BC + br * g.Hv + 4 * br);
  float* qs = buf.data();
  float* s = qs + br * g.H;
  float* p = s + br * BC;
  float* acc = p + br * BC;
  float *m = acc + br * g.Hv, *l = m + br, *rmax = l + br, *rsum = rmax + br;
  for (long r = 0; r < br; r++) m[r] = -INFINITY, l[r] = 0.0f;
  memset(acc, 0, sizeof(float) * br * g.Hv);
  scaled_queries(g, j.q, b, n, i0, br, qs);
  const long kend = key_end(g, i0, br);
  for (long j0 = 0; j0 < kend; j0 += BC) {
    const long bc = kend - j0 < BC ? kend - j0 : BC;
    const float* kt = j.k + ((b * g.S + j0) * g.K + kn) * g.H;
    const float* vt = j.v + ((b * g.S + j0) * g.K + kn) * g.Hv;
    gemm_serial(br, bc, g.H, MatView{qs, g.H, 1}, MatView{kt, 1, g.K * g.H}, s, bc, false);
    mask_tile(g, b, n, i0, br, j0, bc, s);
    I.reduce_rows(KT_R_MAX, s, rmax, br, bc);
    for (long r = 0; r < br; r++) {
      const float mn = rmax[r] > m[r] ? rmax[r] : m[r];
      const float alpha = m[r] == -INFINITY ? 0.0f : expf(m[r] - mn);
      m[r] = mn;
      float* sr = s + r * bc;
      for (long c2 = 0; c2 < bc; c2++) sr[c2] -= mn;
      if (j0 > 0) {
        l[r] *= alpha;
        float* ar = acc + r * g.Hv;
        for (long h = 0; h < g.Hv; h++) ar[h] *= alpha;
      }
    }
    I.unary(KT_U_EXP, s, p, br * bc, 0.0f, 0.0f);
    I.reduce_rows(KT_R_SUM, p, rsum, br, bc);
    for (long r = 0; r < br; r++) l[r] += rsum[r];
    gemm_serial(br, g.Hv, bc, MatView{p, bc, 1}, MatView{vt, g.K * g.Hv, 1}, acc, g.Hv, true);
  }
  for (long r = 0; r < br; r++) {
    const long t = i0 + r;
    float* yr = j.y + ((b * g.T + t) * g.N + n) * g.Hv;
    const float inv = l[r] > 0.0f ? 1.0f / l[r] : 0.0f;  // l = 0 only without keys (S = 0)
    for (long h = 0; h < g.Hv; h++) yr[h] = acc[r * g.Hv + h] * inv;
    j.lse[(b * g.N + n) * g.T + t] = l[r] > 0.0f ? m[r] + logf(l[r]) : -INFINITY;
  }
}

struct BwdJob {
  const AttnGeom* g;
  const float *dy, *dlse, *q, *k, *v, *y, *lse;
  float *dq, *dk, *dv;
};

void backward_task(void* ctx, int c, int) {
  const BwdJob& j = *(const BwdJob*)ctx;
  const AttnGeom& g = *j.g;
  const long b = c / g.K, kn = c % g.K, G = g.N / g.K;
  const long ldk = g.K * g.H, ldv = g.K * g.Hv, ldq = g.N * g.H, ldy = g.N * g.Hv;
  for (long s = 0; s < g.S; s++) {
    memset(j.dk + ((b * g.S + s) * g.K + kn) * g.H, 0, sizeof(float) * g.H);
    memset(j.dv + ((b * g.S + s) * g.K + kn) * g.Hv, 0, sizeof(float) * g.Hv);
  }
  std::vector<float> buf(BR * g.H + 2 * BR * BC + g.T);
  float* qs = buf.data();
  float* p = qs + BR * g.H;
  float* ds = p + BR * BC;
  float* D = ds + BR * BC;
  const Isa& I = isa();
  for (long n = kn * G; n < (kn + 1) * G; n++) {
    const float* lse = j.lse + (b * g.N + n) * g.T;
    for (long t = 0; t < g.T; t++) {
      const float* dyr = j.dy + ((b * g.T + t) * g.N + n) * g.Hv;
      const float* yr = j.y + ((b * g.T + t) * g.N + n) * g.Hv;
      float d = 0.0f;
      for (long h = 0; h < g.Hv; h++) d += dyr[h] * yr[h];
      D[t] = d - j.dlse[(b * g.N + n) * g.T + t];
      memset(j.dq + ((b * g.T + t) * g.N + n) * g.H, 0, sizeof(float) * g.H);
    }
    for (long i0 = 0; i0 < g.T; i0 += BR) {
      const long br = g.T - i0 < BR ? g.T - i0 : BR;
      scaled_queries(g, j.q, b, n, i0, br, qs);
      const float* dyt = j.dy + ((b * g.T + i0) * g.N + n) * g.Hv;
      float* dqt = j.dq + ((b * g.T + i0) * g.N + n) * g.H;
      const long kend = key_end(g, i0, br);
      for (long j0 = 0; j0 < kend; j0 += BC) {
        const long bc = kend - j0 < BC ? kend - j0 : BC;
        const float* kt = j.k + ((b * g.S + j0) * g.K + kn) * g.H;
        const float* vt = j.v + ((b * g.S + j0) * g.K + kn) * g.Hv;
        // P = exp(S - lse), the forward's probabilities; a row with every key masked is uniform
        gemm_serial(br, bc, g.H, MatView{qs, g.H, 1}, MatView{kt, 1, ldk}, ds, bc, false);
        mask_tile(g, b, n, i0, br, j0, bc, ds);
        for (long r = 0; r < br; r++) {
          float* sr = ds + r * bc;
          const float lr = lse[i0 + r];
          if (lr <= 0.5f * kMasked) {
            for (long c2 = 0; c2 < bc; c2++) sr[c2] = 0.0f;  // exp(-inf) below: p = 0, fixed next
          } else {
            for (long c2 = 0; c2 < bc; c2++) sr[c2] -= lr;
          }
        }
        I.unary(KT_U_EXP, ds, p, br * bc, 0.0f, 0.0f);
        for (long r = 0; r < br; r++)
          if (lse[i0 + r] <= 0.5f * kMasked)
            for (long c2 = 0; c2 < bc; c2++) p[r * bc + c2] = 1.0f / (float)g.S;
        // dv += Pᵀ dy; dP = dy vᵀ
        gemm_serial(bc, g.Hv, br, MatView{p, 1, bc}, MatView{dyt, ldy, 1}, j.dv + ((b * g.S + j0) * g.K + kn) * g.Hv,
                    ldv, true);
        gemm_serial(br, bc, g.Hv, MatView{dyt, ldy, 1}, MatView{vt, 1, ldv}, ds, bc, false);
        // dS = P (dP - D), zero where masked (a masked logit is a constant)
        for (long r = 0; r < br; r++) {
          const long t = i0 + r;
          float* dr = ds + r * bc;
          const float* pr = p + r * bc;
          for (long c2 = 0; c2 < bc; c2++) dr[c2] = pr[c2] * (dr[c2] - D[t]);
          if (g.causal || g.mask)
            for (long c2 = 0; c2 < bc; c2++)
              if (!keep(g, b, n, t, j0 + c2)) dr[c2] = 0.0f;
        }
        // dq += dS k (scaled below); dk += dSᵀ (scale q)
        gemm_serial(br, g.H, bc, MatView{ds, bc, 1}, MatView{kt, ldk, 1}, dqt, ldq, true);
        gemm_serial(bc, g.H, br, MatView{ds, 1, bc}, MatView{qs, g.H, 1}, j.dk + ((b * g.S + j0) * g.K + kn) * g.H,
                    ldk, true);
      }
    }
    for (long t = 0; t < g.T; t++) {
      float* r = j.dq + ((b * g.T + t) * g.N + n) * g.H;
      for (long h = 0; h < g.H; h++) r[h] *= g.scale;
    }
  }
}

}  // namespace

void attention_forward(const AttnGeom& g, const float* q, const float* k, const float* v, float* y, float* lse) {
  const long tiles = (g.T + BR - 1) / BR;
  const long chunks = g.B * g.N * tiles;
  if (chunks == 0) return;
  FwdJob job = {&g, q, k, v, y, lse, tiles};
  // one chunk per tile of one head; small calls stay on the calling thread
  const double work = (double)g.B * g.N * g.T * g.S * (g.H + g.Hv);
  if (work < 262144.0) {
    for (long c = 0; c < chunks; c++) forward_task(&job, (int)c, 1);
    return;
  }
  parallel_run((int)chunks, forward_task, &job);
}

void attention_backward(const AttnGeom& g, const float* dy, const float* dlse, const float* q, const float* k,
                        const float* v, const float* y, const float* lse, float* dq, float* dk, float* dv) {
  const long chunks = g.B * g.K;
  if (chunks == 0) return;
  BwdJob job = {&g, dy, dlse, q, k, v, y, lse, dq, dk, dv};
  if (g.S == 0) {
    // no keys: y does not depend on q (dq = 0); dk, dv are empty
    if (g.T > 0) memset(dq, 0, sizeof(float) * g.B * g.T * g.N * g.H);
    return;
  }
  const double work = (double)g.B * g.N * g.T * g.S * (g.H + g.Hv);
  if (work < 262144.0) {
    for (long c = 0; c < chunks; c++) backward_task(&job, (int)c, 1);
    return;
  }
  parallel_run((int)chunks, backward_task, &job);
}

}  // namespace kt
