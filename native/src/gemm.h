// Packed, cache-blocked single-precision GEMM on top of the run-time chosen microkernel.
#pragma once

namespace kt {

// A strided matrix view: element (i, j) is p[i * rs + j * cs]. Transposes are views, never copies.
struct MatView {
  const float* p;
  long rs, cs;
};

// Applied to each finished tile of C while it is in cache: c[i, j] = act(c[i, j] + bias[j]), bias
// (may be null) indexed by C's column; act a kt_activation.
struct Epilogue {
  const float* bias;
  int act;
};

// C[m, n] (row stride ldc) = A[m, k] * B[k, n] (+ C when accumulate), then the epilogue if given,
// on up to `threads` threads.
void gemm(long m, long n, long k, MatView a, MatView b, float* c, long ldc, bool accumulate, int threads,
          const Epilogue* ep = nullptr);

// The same on one thread (for callers that parallelize over something else).
void gemm_serial(long m, long n, long k, MatView a, MatView b, float* c, long ldc, bool accumulate,
                 const Epilogue* ep = nullptr);

// B packed once for many products with the same right-hand side (a recurrent kernel, reused at every
// time step): ceil(n / NR) panels of NR columns, each k x NR with k contiguous, zero padded.
// dst[c * stride + i] = rows[i][c] for c < len, i < count (4 x 4 SSE transposes on x86-64)
void pack_transposed(const float* const* rows, long count, long len, long stride, float* dst);

long packed_b_floats(long k, long n);
void pack_b(long k, long n, MatView b, float* dst);

// C[m, n] (row stride ldc) = A[m, k] * B (+ C when accumulate) with B from pack_b, on up to
// `threads` threads (column panels split between them). Same sums in the same order as gemm().
void gemm_packed_b(long m, long n, long k, MatView a, const float* bp, float* c, long ldc, bool accumulate,
                   int threads, const Epilogue* ep = nullptr);

// A right-hand side packed once (64-byte aligned, freed with it) for gemm_packed_b.
class PackedB {
 public:
  PackedB(long k, long n, MatView b);
  ~PackedB();
  PackedB(const PackedB&) = delete;
  PackedB& operator=(const PackedB&) = delete;
  const float* data() const { return p_; }

 private:
  float* p_;
};

// B packed into a caller's buffer that outlives the call (a model's weights, packed once for many
// predictions): packed_b_buffer_floats(k, n) floats, a header, then pack_b's panels from the first
// 64-byte aligned float after it. The buffer may move between calls (the wasm backend copies it into
// its memory): packed_b_in_buffer finds the panels, realigned in place where the ISA needs it; null
// when the buffer holds no panels packed for this k, n and ISA.
long packed_b_buffer_floats(long k, long n);
void pack_b_to_buffer(long k, long n, MatView b, float* buf);
const float* packed_b_in_buffer(long k, long n, float* buf);

// Whether a product with this k sums it in one k block: then C + A B adds C once to the whole sum, as
// (A B) + C does (callers that move the addition of C elsewhere keep the same rounding).
bool gemm_single_k_block(long k);

// Threads worth using for one m x n x k product (small products stay on one thread).
int gemm_threads(long m, long n, long k, int available);

}  // namespace kt
