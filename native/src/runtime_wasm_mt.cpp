// What the threaded WebAssembly builds ("-mt", scripts/build-wasm.mjs) take from a C runtime, written
// here because WASI libc and libc++ as Debian ships them are built for one thread: their objects that
// touch thread-locals (errno, stdio) refuse to link into a module with shared memory. So these builds
// link neither libc++ nor libc's allocator and stdio: malloc and its kin, operator new/delete, the
// abort hook of libc++'s headers, and the snprintf the kernels' error messages use are here.
#if defined(__wasm__) && defined(__wasm_atomics__)
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <new>

// The allocator of the threaded builds. WASI libc's allocator (dlmalloc, built for one thread) cannot
// link into a module with shared memory, so these replace malloc and its kin: blocks of power-of-two
// sizes (16 B header included) from one free list per size, else from the top of the heap (memory.grow
// when it runs out), under one spin lock held for a few instructions. Freed blocks are kept for their
// size: the kernels' workspaces and the JavaScript side's scratch block come back in the same sizes.
extern "C" unsigned char __heap_base;

namespace {

constexpr int kClasses = 32;
int g_alloc_lock = 0;
void* g_free[kClasses];            // free blocks of 2^c bytes, linked through their first word
uintptr_t g_top = 0, g_end = 0;    // the heap's unused part

struct AllocLock {
  AllocLock() {
    while (__atomic_exchange_n(&g_alloc_lock, 1, __ATOMIC_SEQ_CST)) {
      while (__atomic_load_n(&g_alloc_lock, __ATOMIC_SEQ_CST)) {
      }
    }
  }
  ~AllocLock() { __atomic_store_n(&g_alloc_lock, 0, __ATOMIC_SEQ_CST); }
};

struct Header {  // the 16 bytes before every pointer handed out
  uint32_t cls;
  uint32_t offset;  // from the block's start
  uint32_t pad[2];
};

// a block of 2^cls bytes (16-aligned), or null
void* take(int cls) {
  if (void* b = g_free[cls]) {
    g_free[cls] = *(void**)b;
    return b;
  }
  if (!g_top) g_top = g_end = ((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15;
  const uintptr_t size = (uintptr_t)1 << cls;
  if (g_end - g_top < size) {
    const uintptr_t mem = (uintptr_t)__builtin_wasm_memory_size(0) * 65536;
    if (g_end < mem) g_end = mem;  // (memory grown by someone else since)
    if (g_end - g_top < size) {
      const uintptr_t need = size - (g_end - g_top);
      const uintptr_t pages = (need + 65535) / 65536;
      if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return nullptr;
      g_end += pages * 65536;
    }
  }
  void* b = (void*)g_top;
  g_top += size;
  return b;
}

void* alloc(size_t n, size_t align) {
  if (align < 16) align = 16;
  if (n > ((size_t)1 << 31) - 2 * align) return nullptr;
  const size_t need = n + 16 + (align - 16);
  int cls = 5;  // 32 bytes at least
  while (((size_t)1 << cls) < need) cls++;
  AllocLock lock;
  char* b = (char*)take(cls);
  if (!b) return nullptr;
  char* p = (char*)(((uintptr_t)b + 16 + align - 1) & ~(uintptr_t)(align - 1));
  Header* h = (Header*)(p - 16);
  h->cls = (uint32_t)cls;
  h->offset = (uint32_t)(p - b);
  return p;
}

size_t usable(void* p) {
  const Header* h = (const Header*)((char*)p - 16);
  return ((size_t)1 << h->cls) - h->offset;
}

}  // namespace

extern "C" {

void* malloc(size_t n) { return alloc(n, 16); }

void free(void* p) {
  if (!p) return;
  const Header* h = (const Header*)((char*)p - 16);
  void* b = (char*)p - h->offset;
  const int cls = (int)h->cls;
  AllocLock lock;
  *(void**)b = g_free[cls];
  g_free[cls] = b;
}

void* calloc(size_t a, size_t b) {
  if (b && a > (size_t)-1 / b) return nullptr;
  void* p = malloc(a * b);
  if (p) __builtin_memset(p, 0, a * b);
  return p;
}

void* realloc(void* p, size_t n) {
  if (!p) return malloc(n);
  if (n <= usable(p)) return p;
  void* q = malloc(n);
  if (!q) return nullptr;
  __builtin_memcpy(q, p, usable(p));
  free(p);
  return q;
}

void* aligned_alloc(size_t align, size_t n) {
  if (!align || (align & (align - 1))) return nullptr;
  return alloc(n, align);
}

int posix_memalign(void** out, size_t align, size_t n) {
  if (!align || (align & (align - 1)) || align % sizeof(void*)) return 22;  // EINVAL
  void* p = alloc(n, align);
  if (!p) return 12;  // ENOMEM
  *out = p;
  return 0;
}

}  // extern "C"

// operator new/delete over the allocator above (no exceptions: a failed allocation aborts)
void* operator new(size_t n) {
  void* p = malloc(n ? n : 1);
  if (!p) abort();
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept { return malloc(n ? n : 1); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return malloc(n ? n : 1); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }

// what libc++'s headers call where a build with exceptions would throw (std::vector's length_error)
namespace std {
inline namespace __2 {
[[noreturn]] void __libcpp_verbose_abort(const char*, ...) { abort(); }
}  // namespace __2
}  // namespace std

// snprintf for the kernels' error messages: %d %i %u %x %ld %lld %zu %s %c %g %f %%, no widths
namespace {

struct Out {
  char* p;
  size_t left;  // room, the terminating zero included
  int n = 0;
  void put(char c) {
    if (left > 1) {
      *p++ = c;
      left--;
    }
    n++;
  }
  void str(const char* s) {
    while (*s) put(*s++);
  }
  void uns(unsigned long long v, unsigned base = 10) {
    char buf[24];
    int i = 0;
    do {
      buf[i++] = "0123456789abcdef"[v % base];
      v /= base;
    } while (v);
    while (i) put(buf[--i]);
  }
  void sig(long long v) {
    if (v < 0) {
      put('-');
      uns(0ull - (unsigned long long)v);
    } else {
      uns((unsigned long long)v);
    }
  }
  // %g with 6 significant digits (messages only: the last digit may differ from printf's)
  void flt(double v) {
    if (v != v) return str("nan");
    if (v < 0 || (v == 0 && 1 / v < 0)) {
      put('-');
      v = -v;
    }
    if (v == __builtin_inf()) return str("inf");
    if (v == 0) return put('0');
    int e = 0;
    double m = v;
    while (m >= 10) m /= 10, e++;
    while (m < 1) m *= 10, e--;
    long long d = (long long)(m * 100000 + 0.5);  // 6 digits
    if (d >= 1000000) d /= 10, e++;
    char digits[7];
    for (int i = 5; i >= 0; i--) digits[i] = (char)('0' + d % 10), d /= 10;
    int last = 5;
    while (last > 0 && digits[last] == '0') last--;
    if (e < -4 || e >= 6) {
      put(digits[0]);
      if (last > 0) {
        put('.');
        for (int i = 1; i <= last; i++) put(digits[i]);
      }
      put('e');
      put(e < 0 ? '-' : '+');
      if (e < 0) e = -e;
      if (e < 10) put('0');
      uns((unsigned)e);
    } else if (e >= 0) {
      for (int i = 0; i <= e; i++) put(i <= 5 ? digits[i] : '0');
      if (last > e) {
        put('.');
        for (int i = e + 1; i <= last; i++) put(digits[i]);
      }
    } else {
      str("0.");
      for (int i = -1; i > e; i--) put('0');
      for (int i = 0; i <= last; i++) put(digits[i]);
    }
  }
};

}  // namespace

extern "C" int vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) {
  Out o{buf, size};
  for (const char* f = fmt; *f; f++) {
    if (*f != '%') {
      o.put(*f);
      continue;
    }
    const char* spec = f++;
    int longs = 0;
    bool size_t_arg = false;
    while (*f == 'l') longs++, f++;
    if (*f == 'z') size_t_arg = true, f++;
    switch (*f) {
      case 'd':
      case 'i':
        o.sig(longs >= 2 ? va_arg(ap, long long) : longs == 1 ? va_arg(ap, long) : size_t_arg ? (long long)va_arg(ap, size_t) : va_arg(ap, int));
        break;
      case 'u':
      case 'x':
        o.uns(longs >= 2 ? va_arg(ap, unsigned long long) : longs == 1 ? va_arg(ap, unsigned long) : size_t_arg ? va_arg(ap, size_t) : va_arg(ap, unsigned), *f == 'x' ? 16 : 10);
        break;
      case 's': {
        const char* s = va_arg(ap, const char*);
        o.str(s ? s : "(null)");
        break;
      }
      case 'c':
        o.put((char)va_arg(ap, int));
        break;
      case 'g':
      case 'f':
      case 'e':
        o.flt(va_arg(ap, double));
        break;
      case '%':
        o.put('%');
        break;
      default:  // not understood: printed as written
        for (const char* q = spec; q <= f && *q; q++) o.put(*q);
        if (!*f) f--;
    }
  }
  if (size) *o.p = 0;
  return o.n;
}

extern "C" int snprintf(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
#endif
