// Whole-sequence LSTM (KT_LSTM_SEQUENCE, KT_LSTM_SEQUENCE_GRAD): the time loop in C++, as cuDNN. Per
// step one GEMM (h @ W forward, da @ W^T backward) on the pool's threads and the ISA table's
// elementwise cell; the recurrent kernel's gradient is one GEMM over all steps at the end. The
// recurrent kernel (W or W^T) is packed into the GEMM's panel layout once per call, not once per
// step: with a batch of 32 and 128 units, repacking its 64K floats each step cost about a fifth of
// the step's GEMM. Buffers are allocated once per call, never per step. Arguments are validated by
// dispatch.cpp. A forward call without its reserve (gates, cs, hs null: inference, where no gradient
// is taken) keeps one step's states and one block's gates instead, and computes the same bits; y null:
// only the last states are wanted.
#include <stdlib.h>
#include <string.h>

#include <memory>
#include <vector>

#include "gemm.h"
#include "isa.h"
#include "ops.h"
#include "threadpool.h"

namespace kt {
namespace {

// The elementwise cell of one step over `rows` rows, on several threads only when there is enough
// work to pay for waking them (a sigmoid or tanh is ~20 flops: 8 "elements" of work per gate value).
struct SeqCellJob {
  long u;
  // forward: gates (in: a, out: activated), c_prev, h_out, c_out
  float* gates;
  const float* c_prev;
  float *h_out, *c_out;
  // backward: dh, dc, dgates, gates (read), c_new, c_prev, da, dc_prev
  const float *dh, *dc, *dgates, *cgates, *c_new;
  float *da, *dc_prev;
  bool backward;
  // forward with lstm_cell_z: the step's input projection, row r at z + r * zs (null: already in gates)
  const float* z = nullptr;
  long zs = 0;
};

void seq_cell_task(void* p, int tid, int nt, long rows) {
  const SeqCellJob& j = *(const SeqCellJob*)p;
  long b, e;
  split_range(rows, nt, tid, &b, &e);
  if (e <= b) return;
  const long u = j.u;
  if (j.backward)
    isa().lstm_cell_grad(j.dh + b * u, j.dc + b * u, j.dgates + b * 4 * u, j.cgates + b * 4 * u, j.c_new + b * u,
                         j.c_prev + b * u, j.da + b * 4 * u, j.dc_prev + b * u, e - b, u);
  else if (j.z)
    isa().lstm_cell_z(j.gates + b * 4 * u, j.z + b * j.zs, j.zs, j.c_prev + b * u, j.h_out + b * u, j.c_out + b * u,
                      e - b, u);
  else
    isa().lstm_cell(j.gates + b * 4 * u, j.c_prev + b * u, j.h_out + b * u, j.c_out + b * u, e - b, u);
}

void run_seq_cells(SeqCellJob& job, long rows, int threads) {
  // 32 x 128 (the seed's LSTM) stays on one thread: waking a second one each step costs about what
  // it saves there, and more on a busy machine (lstm_sequence's row blocks assume this threshold)
  int t = rows * job.u * 4 * 8 > (1L << 17) ? threads : 1;
  if (t > rows) t = (int)rows;
  if (t <= 1) {
    seq_cell_task(&job, 0, 1, rows);
    return;
  }
  struct Wrap {
    SeqCellJob* job;
    long rows;
  } w = {&job, rows};
  parallel_run(
      t, [](void* p, int tid, int nt) { seq_cell_task(((Wrap*)p)->job, tid, nt, ((Wrap*)p)->rows); }, &w);
}

// keep[r * T + k]: whether output k of row r is the step's h (1) or zeros (0). Valid steps and masked
// steps after the first valid one (unless zero_out) repeat h, which a masked step carries unchanged.
void output_keep(const float* mask, long batch, long T, bool backwards, bool zero_out, std::vector<unsigned char>& keep) {
  keep.assign(batch * T, 1);
  if (!mask) return;
  for (long r = 0; r < batch; r++) {
    bool seen = false;
    for (long k = 0; k < T; k++) {
      const long t = backwards ? T - 1 - k : k;
      const bool valid = mask[r * T + t] != 0.0f;
      keep[r * T + k] = valid || (seen && !zero_out);
      seen = seen || valid;
    }
  }
}

// Output k of row r: the row's new state where `keep` says so, else zeros (zero_output_for_mask)
inline void write_y(float* y, const unsigned char* keep, const float* h, long r, long T, long k, long u) {
  float* yr = y + (r * T + k) * u;
  if (keep[r * T + k])
    memcpy(yr, h + r * u, u * sizeof(float));
  else
    memset(yr, 0, u * sizeof(float));
}

}  // namespace

void lstm_sequence(long batch, long T, long u, bool backwards, bool zero_out, const float* z, const float* h0,
                   const float* c0, const float* w, const float* mask, const float* rmask, float* y, float* h_out,
                   float* c_out, float* gates, float* cs, float* hs, int threads) {
  if (batch == 0 || T == 0) return;
  const long g4 = 4 * u, bu = batch * u, bg = batch * g4;
  if (u == 0) return;
  std::vector<unsigned char> keep;
  output_keep(mask, batch, T, backwards, zero_out, keep);
  // Without the reserve (inference: gates == null) the states of a step are kept only until the next
  // one (ping-pong) and the gates only for their block: row blocks. A row's states depend on that row
  // alone, so where the step's product runs on one thread anyway each block of MR rows (one
  // micro-panel of A) runs its product and at once its cell, the block's gates (MR x 4u) still in L1.
  // Each block's product sums as the whole one's does (the same micro-kernel per tile, the same k
  // blocks), so the results are the same bits. (With the reserve, the gates go to it either way: the
  // whole batch per step, as the training path always ran.)
  const bool reserve = gates != nullptr;
  const bool blocked =
      !reserve && (threads <= 1 || (gemm_threads(batch, g4, u, threads) <= 1 && batch * u * 4 * 8 <= (1L << 17)));
  const long blk = blocked && batch > isa().mr ? isa().mr : batch;
  const int gthreads = blocked ? 1 : threads;
  std::vector<float> scratch(reserve ? 0 : 4 * bu + blk * g4);
  float* hbuf = scratch.data();
  float* cbuf = hbuf + (reserve ? 0 : 2 * bu);
  float* gbuf = cbuf + (reserve ? 0 : 2 * bu);
  std::vector<float> hm(rmask ? blk * u : 0);  // h_prev * m_g for one gate (recurrent dropout)
  // W packed once: whole, or (recurrent dropout) gate by gate, W_g = columns [g u, (g + 1) u)
  std::vector<std::unique_ptr<PackedB>> wp;
  if (!rmask) wp.emplace_back(new PackedB(u, g4, MatView{w, g4, 1}));
  else
    for (long q = 0; q < 4; q++) wp.emplace_back(new PackedB(u, u, MatView{w + q * u, g4, 1}));
  // a = z[:, t] + h_prev @ W, accumulated in the step's gates, then the cell in place; or, where the
  // ISA adds z in its cell, h_prev @ W written to the gates and z added there (no copy of z)
  const bool z_in_cell = !rmask && isa().lstm_cell_z && gemm_single_k_block(u);
  const float* hp = h0;
  const float* cp = c0;
  for (long k = 0; k < T; k++) {
    const long t = backwards ? T - 1 - k : k;
    float* hk = reserve ? hs + k * bu : hbuf + (k & 1) * bu;
    float* ck = reserve ? cs + k * bu : cbuf + (k & 1) * bu;
    for (long r0 = 0; r0 < batch; r0 += blk) {
      const long rows = batch - r0 < blk ? batch - r0 : blk;
      float* g = reserve ? gates + k * bg + r0 * g4 : gbuf;
      const float* hpr = hp + r0 * u;
      if (!z_in_cell)
        for (long r = 0; r < rows; r++) memcpy(g + r * g4, z + ((r0 + r) * T + t) * g4, g4 * sizeof(float));
      if (!rmask) {
        gemm_packed_b(rows, g4, u, MatView{hpr, u, 1}, wp[0]->data(), g, g4, !z_in_cell, gthreads);
      } else {
        // per-gate recurrent dropout: a_g += (h_prev * m_g) @ W_g, one GEMM per gate into its columns
        for (long q = 0; q < 4; q++) {
          const float* mr = rmask + r0 * g4 + q * u;
          for (long r = 0; r < rows; r++)
            for (long j = 0; j < u; j++) hm[r * u + j] = hpr[r * u + j] * mr[r * g4 + j];
          gemm_packed_b(rows, u, u, MatView{hm.data(), u, 1}, wp[q]->data(), g + q * u, g4, true, gthreads);
        }
      }
      SeqCellJob job = {u, g, cp + r0 * u, hk + r0 * u, ck + r0 * u, nullptr, nullptr, nullptr, nullptr, nullptr,
                        nullptr, nullptr, false};
      if (z_in_cell) {
        job.z = z + (r0 * T + t) * g4;
        job.zs = T * g4;
      }
      run_seq_cells(job, rows, gthreads);
      for (long r = r0; r < r0 + rows; r++) {
        if (mask && mask[r * T + t] == 0.0f) {
          // a masked row carries its states; its gates reserve is constant zeros
          memcpy(hk + r * u, hp + r * u, u * sizeof(float));
          memcpy(ck + r * u, cp + r * u, u * sizeof(float));
          if (reserve) memset(g + (r - r0) * g4, 0, g4 * sizeof(float));
        }
        if (y) write_y(y, keep.data(), hk, r, T, k, u);  // no y wanted: the last states alone
      }
    }
    hp = hk;
    cp = ck;
  }
  memcpy(h_out, hp, bu * sizeof(float));
  memcpy(c_out, cp, bu * sizeof(float));
}

void lstm_sequence_grad(long batch, long T, long u, bool backwards, bool zero_out, const float* dy, const float* dh_in,
                        const float* dc_in, const float* dgates, const float* dcs, const float* dhs,
                        const float* gates, const float* cs, const float* hs, const float* h0, const float* c0,
                        const float* w, const float* mask, const float* rmask, float* dz, float* dh0, float* dc0,
                        float* dw, int threads) {
  const long g4 = 4 * u, bu = batch * u, bg = batch * g4;
  if (u == 0) return;
  if (batch == 0 || T == 0) {
    memset(dw, 0, u * g4 * sizeof(float));
    return;
  }
  std::vector<unsigned char> keep;
  output_keep(mask, batch, T, backwards, zero_out, keep);
  // the gradients of the states after step k (ping-pong), one step's da, and h_prev of every step
  // in dz's layout [b, T, u] for the recurrent kernel's gradient at the end
  // (with recurrent dropout, hprev holds h_prev * m_g of the four gates side by side: [b, T, 4u])
  std::vector<float> dh(dh_in, dh_in + bu), dc(dc_in, dc_in + bu), dh_next(bu), dc_next(bu), da(bg),
      hprev(bu * T * (rmask ? 4 : 1)), tmp(rmask ? bu : 0);
  // W^T packed once (element (p, j) at w[j * 4u + p]): whole, or gate by gate with recurrent dropout
  std::vector<std::unique_ptr<PackedB>> wt;
  if (!rmask) wt.emplace_back(new PackedB(g4, u, MatView{w, 1, g4}));
  else
    for (long q = 0; q < 4; q++) wt.emplace_back(new PackedB(u, u, MatView{w + q * u, 1, g4}));
  for (long k = T - 1; k >= 0; k--) {
    const long t = backwards ? T - 1 - k : k;
    const float* hp = k > 0 ? hs + (k - 1) * bu : h0;
    const float* cp = k > 0 ? cs + (k - 1) * bu : c0;
    const float* dhk = dhs + k * bu;
    const float* dck = dcs + k * bu;
    for (long r = 0; r < batch; r++) {
      float* dhr = dh.data() + r * u;
      float* dcr = dc.data() + r * u;
      const float* dyr = dy + (r * T + k) * u;
      if (keep[r * T + k])
        for (long j = 0; j < u; j++) dhr[j] += dhk[r * u + j] + dyr[j];
      else
        for (long j = 0; j < u; j++) dhr[j] += dhk[r * u + j];
      for (long j = 0; j < u; j++) dcr[j] += dck[r * u + j];
    }
    SeqCellJob job = {u, nullptr, cp, nullptr, nullptr, dh.data(), dc.data(), dgates + k * bg, gates + k * bg,
                      cs + k * bu, da.data(), dc_next.data(), true};
    run_seq_cells(job, batch, threads);
    if (mask)
      for (long r = 0; r < batch; r++)
        if (mask[r * T + t] == 0.0f) {
          // a masked row carries its states and their gradients; its gates are constants
          memset(da.data() + r * g4, 0, g4 * sizeof(float));
          memcpy(dc_next.data() + r * u, dc.data() + r * u, u * sizeof(float));
        }
    // dh_prev = da @ W^T (W^T as a view: element (p, j) at w[j * 4u + p])
    if (!rmask) {
      gemm_packed_b(batch, u, g4, MatView{da.data(), g4, 1}, wt[0]->data(), dh_next.data(), u, false, threads);
    } else {
      // per-gate recurrent dropout: dh_prev = sum_g m_g * (da_g @ W_g^T)
      memset(dh_next.data(), 0, bu * sizeof(float));
      for (long q = 0; q < 4; q++) {
        gemm_packed_b(batch, u, u, MatView{da.data() + q * u, g4, 1}, wt[q]->data(), tmp.data(), u, false, threads);
        for (long r = 0; r < batch; r++)
          for (long j = 0; j < u; j++) dh_next[r * u + j] += rmask[r * g4 + q * u + j] * tmp[r * u + j];
      }
    }
    for (long r = 0; r < batch; r++) {
      if (mask && mask[r * T + t] == 0.0f)
        for (long j = 0; j < u; j++) dh_next[r * u + j] += dh[r * u + j];
      memcpy(dz + (r * T + t) * g4, da.data() + r * g4, g4 * sizeof(float));
      if (!rmask) {
        memcpy(hprev.data() + (r * T + t) * u, hp + r * u, u * sizeof(float));
      } else {
        float* hr = hprev.data() + (r * T + t) * g4;
        for (long q = 0; q < 4; q++)
          for (long j = 0; j < u; j++) hr[q * u + j] = hp[r * u + j] * rmask[r * g4 + q * u + j];
      }
    }
    dh.swap(dh_next);
    dc.swap(dc_next);
  }
  memcpy(dh0, dh.data(), bu * sizeof(float));
  memcpy(dc0, dc.data(), bu * sizeof(float));
  // dW = hprev^T @ dz over all b * T rows: [u, bT] @ [bT, 4u]
  if (!rmask) {
    gemm(u, g4, batch * T, MatView{hprev.data(), 1, u}, MatView{dz, g4, 1}, dw, g4, false, threads);
  } else {
    // dW_g = (h_prev * m_g)^T @ dz_g over all b * T rows
    for (long q = 0; q < 4; q++)
      gemm(u, u, batch * T, MatView{hprev.data() + q * u, 1, g4}, MatView{dz + q * u, g4, 1}, dw + q * u, g4, false,
           threads);
  }
}

}  // namespace kt

// ---- GRU (reset_after): m = h @ W + b; reserve per step zg, r, hh, m_h

namespace kt {
namespace {

struct GruCellJob {
  long u;
  // forward: z [rows, 3u], m [rows, 3u], h_prev, h_out, reserve [rows, 4u]
  const float *z, *m, *h;
  float *h_out, *res;
  // backward: dh, dres, res (read), h_prev; dz, dm [rows, 3u], dh_direct
  const float *dh, *dres, *cres;
  float *dz, *dm, *dhd;
  bool backward;
  long rows;
};

void gru_cell_task(void* p, int tid, int nt) {
  const GruCellJob& j = *(const GruCellJob*)p;
  long b, e;
  split_range(j.rows, nt, tid, &b, &e);
  if (e <= b) return;
  const long u = j.u;
  if (j.backward)
    isa().gru_cell_grad(j.dh + b * u, j.dres + b * 4 * u, j.cres + b * 4 * u, j.h + b * u, j.dz + b * 3 * u,
                        j.dm + b * 3 * u, j.dhd + b * u, e - b, u);
  else
    isa().gru_cell(j.z + b * 3 * u, j.m + b * 3 * u, j.h + b * u, j.h_out + b * u, j.res + b * 4 * u, e - b, u);
}

void run_gru_cells(GruCellJob& job, int threads) {
  int t = job.rows * job.u * 4 * 8 > (1L << 17) ? threads : 1;  // as run_seq_cells
  if (t > job.rows) t = (int)job.rows;
  if (t <= 1)
    gru_cell_task(&job, 0, 1);
  else
    parallel_run(t, gru_cell_task, &job);
}

}  // namespace

void gru_sequence(long batch, long T, long u, bool backwards, bool zero_out, const float* z, const float* h0,
                  const float* w, const float* rb, const float* mask, float* y, float* h_out, float* reserve, float* hs,
                  int threads) {
  if (batch == 0 || T == 0 || u == 0) return;
  const long g3 = 3 * u, g4 = 4 * u, bu = batch * u;
  std::vector<unsigned char> keep;
  output_keep(mask, batch, T, backwards, zero_out, keep);
  std::vector<float> zt(batch * g3), m(batch * g3);
  // without the reserve (inference: reserve == null) one step's reserve and the states ping-pong
  const bool keep_reserve = reserve != nullptr;
  std::vector<float> scratch(keep_reserve ? 0 : batch * g4 + 2 * bu);
  const PackedB wp(u, g3, MatView{w, g3, 1});  // W packed once for every step
  const float* hp = h0;
  for (long k = 0; k < T; k++) {
    const long t = backwards ? T - 1 - k : k;
    float* hk = keep_reserve ? hs + k * bu : scratch.data() + batch * g4 + (k & 1) * bu;
    float* res = keep_reserve ? reserve + k * batch * g4 : scratch.data();
    for (long r = 0; r < batch; r++) {
      memcpy(zt.data() + r * g3, z + (r * T + t) * g3, g3 * sizeof(float));
      memcpy(m.data() + r * g3, rb, g3 * sizeof(float));
    }
    gemm_packed_b(batch, g3, u, MatView{hp, u, 1}, wp.data(), m.data(), g3, true, threads);
    GruCellJob job = {u, zt.data(), m.data(), hp, hk, res, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, false, batch};
    run_gru_cells(job, threads);
    for (long r = 0; r < batch; r++) {
      if (mask && mask[r * T + t] == 0.0f) {
        memcpy(hk + r * u, hp + r * u, u * sizeof(float));
        if (keep_reserve) memset(res + r * g4, 0, g4 * sizeof(float));
      }
      if (y) write_y(y, keep.data(), hk, r, T, k, u);
    }
    hp = hk;
  }
  memcpy(h_out, hp, bu * sizeof(float));
}

void gru_sequence_grad(long batch, long T, long u, bool backwards, bool zero_out, const float* dy, const float* dh_in,
                       const float* dres, const float* dhs, const float* reserve, const float* hs, const float* h0,
                       const float* w, const float* mask, float* dz, float* dh0, float* dw, float* db, int threads) {
  if (u == 0) return;
  const long g3 = 3 * u, g4 = 4 * u, bu = batch * u;
  if (batch == 0 || T == 0) {
    memset(dw, 0, u * g3 * sizeof(float));
    memset(db, 0, g3 * sizeof(float));
    return;
  }
  std::vector<unsigned char> keep;
  output_keep(mask, batch, T, backwards, zero_out, keep);
  // dm of every step and h_prev of every step, batch-major [b, T, ...], for the weight gradients
  std::vector<float> dh(dh_in, dh_in + bu), dh_next(bu), dzk(batch * g3), dmk(batch * g3), dm_all(batch * T * g3),
      hprev(bu * T);
  const PackedB wt(g3, u, MatView{w, 1, g3});  // W^T packed once for every step
  for (long k = T - 1; k >= 0; k--) {
    const long t = backwards ? T - 1 - k : k;
    const float* hp = k > 0 ? hs + (k - 1) * bu : h0;
    const float* dhk = dhs + k * bu;
    for (long r = 0; r < batch; r++) {
      float* dhr = dh.data() + r * u;
      const float* dyr = dy + (r * T + k) * u;
      if (keep[r * T + k])
        for (long j = 0; j < u; j++) dhr[j] += dhk[r * u + j] + dyr[j];
      else
        for (long j = 0; j < u; j++) dhr[j] += dhk[r * u + j];
    }
    GruCellJob job = {u, nullptr, nullptr, hp, nullptr, nullptr, dh.data(), dres + k * batch * g4, reserve + k * batch * g4,
                      dzk.data(), dmk.data(), dh_next.data(), true, batch};
    run_gru_cells(job, threads);
    if (mask)
      for (long r = 0; r < batch; r++)
        if (mask[r * T + t] == 0.0f) {
          // a masked row carries its state and its gradient; its reserve is constant
          memset(dzk.data() + r * g3, 0, g3 * sizeof(float));
          memset(dmk.data() + r * g3, 0, g3 * sizeof(float));
          memcpy(dh_next.data() + r * u, dh.data() + r * u, u * sizeof(float));
        }
    // dh_prev = dh_direct + dm @ W^T
    gemm_packed_b(batch, u, g3, MatView{dmk.data(), g3, 1}, wt.data(), dh_next.data(), u, true, threads);
    for (long r = 0; r < batch; r++) {
      memcpy(dz + (r * T + t) * g3, dzk.data() + r * g3, g3 * sizeof(float));
      memcpy(dm_all.data() + (r * T + t) * g3, dmk.data() + r * g3, g3 * sizeof(float));
      memcpy(hprev.data() + (r * T + t) * u, hp + r * u, u * sizeof(float));
    }
    dh.swap(dh_next);
  }
  memcpy(dh0, dh.data(), bu * sizeof(float));
  gemm(u, g3, batch * T, MatView{hprev.data(), 1, u}, MatView{dm_all.data(), g3, 1}, dw, g3, false, threads);
  // the bias gradient: column sums of dm over all b * T rows, in float64 (deterministic for any threads)
  std::vector<double> acc(g3, 0.0);
  for (long i = 0; i < batch * T; i++) {
    const float* row = dm_all.data() + i * g3;
    for (long j = 0; j < g3; j++) acc[j] += row[j];
  }
  for (long j = 0; j < g3; j++) db[j] = (float)acc[j];
}

}  // namespace kt
