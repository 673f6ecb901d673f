/*
 * keras-ts native kernels: the C ABI.
 *
 * Plain C/C++ with no Node (or any runtime) types, so that the same sources can be compiled to
 * WebAssembly (scripts/build-wasm.mjs). One generic entry, kt_run(): a kernel id, a list of float32 buffers with their
 * lengths, and a list of numeric attributes. Every kernel checks that the buffers are long enough for
 * the sizes its attributes imply before touching memory (the TypeScript side validates first; this is
 * the second line of defence), so no attribute can make a kernel read or write out of bounds.
 */
#ifndef KERAS_NATIVE_H
#define KERAS_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kernel ids, op codes, and each kernel's attribute and buffer positions by name: generated from the
 * table of src/backends/compiled/abi.ts (scripts/gen-abi.ts). */
#include "keras_abi.h"

/*
 * Runs kernel `kernel` on `nbufs` float32 buffers (bufs[i] holds lens[i] floats) with `nattrs`
 * attributes. Returns 0 on success; otherwise writes a one-line reason into err (errlen bytes,
 * NUL-terminated) and returns a non-zero code. Never reads or writes outside the given lengths.
 */
int kt_run(int kernel, float* const* bufs, const int64_t* lens, int nbufs,
           const double* attrs, int nattrs, char* err, size_t errlen);

/* Threads of the persistent pool (>= 1). kt_set_num_threads(0) returns to the default: the
 * KERAS_NUM_THREADS environment variable, else the number of physical cores this process may use. */
void kt_set_num_threads(int n);
int kt_get_num_threads(void);
int kt_default_num_threads(void);

/* The instruction set chosen at run time: "avx512", "avx2", "neon" or "scalar". */
const char* kt_isa_name(void);

/* Forces a lower instruction set for testing ("avx2", "scalar", ...). Returns 0 if that set is
 * available on this CPU and now active, non-zero otherwise (the current one stays). */
int kt_force_isa(const char* name);

#ifdef __cplusplus
}
#endif

#endif
