// Run-time choice of the instruction set: cpuid + xgetbv on x86-64 (the OS must save the wide
// registers too), NEON on arm64, the portable kernels elsewhere. Never -march=native.
#include <string.h>
#include <atomic>
#include "isa.h"
#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace kt {

#if defined(__x86_64__) || defined(_M_X64)
static unsigned long long xgetbv0() {
  unsigned int eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return ((unsigned long long)edx << 32) | eax;
}

static bool has_avx2_fma() {
  unsigned int a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12);
  if (!(osxsave && avx && fma)) return false;
  if ((xgetbv0() & 0x6) != 0x6) return false;  // XMM and YMM state enabled by the OS
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return b & (1u << 5);  // AVX2
}

static bool has_avx512() {
  if (!has_avx2_fma()) return false;
  if ((xgetbv0() & 0xe6) != 0xe6) return false;  // opmask, ZMM_Hi256 and Hi16_ZMM state
  unsigned int a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const unsigned f = 1u << 16, dq = 1u << 17, bw = 1u << 30, vl = 1u << 31;
  return (b & f) && (b & dq) && (b & bw) && (b & vl);
}
#endif

bool cpu_has(const char* name) {
  if (strcmp(name, "scalar") == 0) return true;
#if defined(__x86_64__) || defined(_M_X64)
  if (strcmp(name, "avx2") == 0) return has_avx2_fma();
  if (strcmp(name, "avx512") == 0) return has_avx512();
#endif
#if defined(__aarch64__)
  if (strcmp(name, "neon") == 0) return true;
#endif
#if defined(__wasm__)
  if (strcmp(name, isa_wasm.name) == 0) return true;
#endif
  return false;
}

static const Isa* detect() {
#if defined(__x86_64__) || defined(_M_X64)
  if (has_avx512()) return &isa_avx512;
  if (has_avx2_fma()) return &isa_avx2;
#endif
#if defined(__aarch64__)
  return &isa_neon;
#endif
#if defined(__wasm__)
  return &isa_wasm;
#endif
  return &isa_scalar;
}

static std::atomic<const Isa*> current{nullptr};

const Isa& isa() {
  const Isa* p = current.load(std::memory_order_acquire);
  if (!p) {
    p = detect();
    current.store(p, std::memory_order_release);
  }
  return *p;
}

}  // namespace kt

extern "C" const char* kt_isa_name(void) { return kt::isa().name; }

extern "C" int kt_force_isa(const char* name) {
  if (!kt::cpu_has(name)) return 1;
  const kt::Isa* p = &kt::isa_scalar;
#if defined(__x86_64__) || defined(_M_X64)
  if (strcmp(name, "avx2") == 0) p = &kt::isa_avx2;
  if (strcmp(name, "avx512") == 0) p = &kt::isa_avx512;
#endif
#if defined(__aarch64__)
  if (strcmp(name, "neon") == 0) p = &kt::isa_neon;
#endif
#if defined(__wasm__)
  if (strcmp(name, kt::isa_wasm.name) == 0) p = &kt::isa_wasm;
#endif
  kt::current.store(p, std::memory_order_release);
  return 0;
}
