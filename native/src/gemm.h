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

// Threads worth using for one m x n x k product (small products stay on one thread).
int gemm_threads(long m, long n, long k, int available);

}  // namespace kt
