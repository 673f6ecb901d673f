/*
 * The Node-API entry of keras-ts's native backend: the only file that knows about Node. Plain C
 * against node_api.h (no node-addon-api, no dependency). Exposes
 *
 *   run(kernel: number, buffers: Float32Array[], attrs: Float64Array): void   (throws on failure)
 *   setNumThreads(n: number): void      getNumThreads(): number      defaultNumThreads(): number
 *   isa(): string                       forceIsa(name: string): boolean
 *   allocateAligned(length: number): Float32Array     byteAlignment(array: TypedArray): number
 *
 * Buffers are passed zero-copy: the kernels read and write the typed arrays' own memory.
 */
#include <node_api.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "../include/keras_native.h"

#define KT_MAX_BUFS 24

static napi_value throw_error(napi_env env, const char* msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

#define CHECK(call, msg)                   \
  do {                                     \
    if ((call) != napi_ok) return throw_error(env, msg); \
  } while (0)

/* The call's first argument, or NULL with `missing` thrown when there is none. */
static napi_value first_argument(napi_env env, napi_callback_info info, const char* missing) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return throw_error(env, missing);
  return argv[0];
}

static napi_value js_run(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL), "native run: cannot read arguments");
  if (argc != 3) return throw_error(env, "native run: expected (kernel, buffers, attrs)");

  int32_t kernel;
  CHECK(napi_get_value_int32(env, argv[0], &kernel), "native run: kernel must be a number");

  bool is_array;
  CHECK(napi_is_array(env, argv[1], &is_array), "native run: buffers must be an array");
  if (!is_array) return throw_error(env, "native run: buffers must be an array of Float32Array");
  uint32_t nbufs;
  CHECK(napi_get_array_length(env, argv[1], &nbufs), "native run: cannot read buffers");
  if (nbufs > KT_MAX_BUFS) return throw_error(env, "native run: too many buffers");

  float* bufs[KT_MAX_BUFS];
  int64_t lens[KT_MAX_BUFS];
  for (uint32_t i = 0; i < nbufs; i++) {
    napi_value el;
    bool is_ta;
    CHECK(napi_get_element(env, argv[1], i, &el), "native run: cannot read a buffer");
    CHECK(napi_is_typedarray(env, el, &is_ta), "native run: cannot read a buffer");
    if (!is_ta) return throw_error(env, "native run: every buffer must be a Float32Array");
    napi_typedarray_type type;
    size_t length;
    void* data;
    CHECK(napi_get_typedarray_info(env, el, &type, &length, &data, NULL, NULL), "native run: cannot read a buffer");
    if (type != napi_float32_array) return throw_error(env, "native run: every buffer must be a Float32Array");
    bufs[i] = (float*)data;
    lens[i] = (int64_t)length;
  }

  bool is_ta;
  CHECK(napi_is_typedarray(env, argv[2], &is_ta), "native run: attrs must be a Float64Array");
  if (!is_ta) return throw_error(env, "native run: attrs must be a Float64Array");
  napi_typedarray_type atype;
  size_t nattrs;
  void* adata;
  CHECK(napi_get_typedarray_info(env, argv[2], &atype, &nattrs, &adata, NULL, NULL), "native run: cannot read attrs");
  if (atype != napi_float64_array) return throw_error(env, "native run: attrs must be a Float64Array");
  if (nattrs > 1u << 30) return throw_error(env, "native run: too many attributes");

  char err[256] = {0};
  if (kt_run(kernel, bufs, lens, (int)nbufs, (const double*)adata, (int)nattrs, err, sizeof err) != 0)
    return throw_error(env, err[0] ? err : "native kernel failed");
  return NULL;
}

static napi_value js_set_num_threads(napi_env env, napi_callback_info info) {
  napi_value arg = first_argument(env, info, "setNumThreads: expected a number");
  if (!arg) return NULL;
  int32_t n;
  CHECK(napi_get_value_int32(env, arg, &n), "setNumThreads: expected a number");
  kt_set_num_threads(n);
  return NULL;
}

static napi_value int_result(napi_env env, int v) {
  napi_value out;
  CHECK(napi_create_int32(env, v, &out), "cannot create a number");
  return out;
}

static napi_value js_get_num_threads(napi_env env, napi_callback_info info) {
  (void)info;
  return int_result(env, kt_get_num_threads());
}

static napi_value js_default_num_threads(napi_env env, napi_callback_info info) {
  (void)info;
  return int_result(env, kt_default_num_threads());
}

static napi_value js_isa(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_string_utf8(env, kt_isa_name(), NAPI_AUTO_LENGTH, &out), "cannot create a string");
  return out;
}

static napi_value js_force_isa(napi_env env, napi_callback_info info) {
  napi_value arg = first_argument(env, info, "forceIsa: expected a name");
  if (!arg) return NULL;
  char name[32];
  size_t len;
  CHECK(napi_get_value_string_utf8(env, arg, name, sizeof name, &len), "forceIsa: expected a string");
  napi_value out;
  CHECK(napi_get_boolean(env, kt_force_isa(name) == 0, &out), "cannot create a boolean");
  return out;
}

/* A zero-filled Float32Array of `length` floats whose first element lies on a 64-byte boundary (a cache
 * line, an AVX-512 vector): its own ArrayBuffer, up to 60 bytes longer than the floats, viewed from
 * that boundary. V8 never moves an ArrayBuffer's memory, so the view stays aligned. */
static napi_value js_allocate_aligned(napi_env env, napi_callback_info info) {
  static const char* const expected = "allocateAligned: expected a length, an integer >= 0";
  napi_value arg = first_argument(env, info, expected);
  if (!arg) return NULL;
  double length;
  /* the range first: casting a double beyond int64's to one is undefined */
  if (napi_get_value_double(env, arg, &length) != napi_ok || !(length >= 0 && length <= (double)(1LL << 40)) ||
      length != (double)(int64_t)length)
    return throw_error(env, expected);
  const size_t n = (size_t)length;
  void* data;
  napi_value ab, out;
  CHECK(napi_create_arraybuffer(env, n * sizeof(float) + 60, &data, &ab), "allocateAligned: cannot allocate");
  const size_t offset = (64 - (uintptr_t)data % 64) % 64;  /* V8 aligns backing stores to at least 4 bytes */
  CHECK(napi_create_typedarray(env, napi_float32_array, n, ab, offset, &out), "allocateAligned: cannot create the array");
  return out;
}

/* The address of a typed array's first element modulo 64 (tests and benchmarks: allocateAligned's arrays give 0). */
static napi_value js_byte_alignment(napi_env env, napi_callback_info info) {
  static const char* const expected = "byteAlignment: expected a typed array";
  napi_value arg = first_argument(env, info, expected);
  if (!arg) return NULL;
  bool is_ta;
  if (napi_is_typedarray(env, arg, &is_ta) != napi_ok || !is_ta) return throw_error(env, expected);
  napi_typedarray_type type;
  size_t length;
  void* data;
  CHECK(napi_get_typedarray_info(env, arg, &type, &length, &data, NULL, NULL), "byteAlignment: cannot read the array");
  return int_result(env, (int)((uintptr_t)data % 64));
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"run", NULL, js_run, NULL, NULL, NULL, napi_default, NULL},
      {"setNumThreads", NULL, js_set_num_threads, NULL, NULL, NULL, napi_default, NULL},
      {"getNumThreads", NULL, js_get_num_threads, NULL, NULL, NULL, napi_default, NULL},
      {"defaultNumThreads", NULL, js_default_num_threads, NULL, NULL, NULL, napi_default, NULL},
      {"isa", NULL, js_isa, NULL, NULL, NULL, napi_default, NULL},
      {"forceIsa", NULL, js_force_isa, NULL, NULL, NULL, napi_default, NULL},
      {"allocateAligned", NULL, js_allocate_aligned, NULL, NULL, NULL, napi_default, NULL},
      {"byteAlignment", NULL, js_byte_alignment, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
