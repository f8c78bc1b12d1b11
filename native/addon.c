// The addon's entry point: exports every kernel binding, plus OpenBLAS's thread count and
// identity (the benchmarks and the engine's threading choice read them).
#include <cblas.h>

#include "args.h"
#include "kernels.h"
#include "parallel.h"

#include <stdlib.h>
#include <unistd.h>

// The one argument of a thread-count setter: an integer >= 1 (false after throwing otherwise).
static bool thread_count(napi_env env, napi_callback_info info, const char *name, int *out) {
  Args a;
  int64_t n;
  if (!args_read(env, info, name, 1, &a) || !arg_size(&a, 0, "n", &n)) return false;
  if (n < 1) return args_fail(&a, "n must be at least 1, got %lld", (long long)n);
  *out = (int)n;
  return true;
}

// setThreads(n): the addon pool's thread count (the caller included) for the following calls.
// Every kernel, sgemm included, splits over it; OpenBLAS stays on one thread (see gemm.c).
static napi_value set_threads(napi_env env, napi_callback_info info) {
  int n = 1;
  if (thread_count(env, info, "setThreads", &n)) parallel_set_threads(n);
  return NULL;
}

static napi_value get_threads(napi_env env, napi_callback_info info) {
  napi_value out;
  napi_create_int32(env, parallel_threads(), &out);
  return out;
}

// setBlasThreads(n): OpenBLAS's own pool, for measuring it against the addon's split
// (bench/matmul.ts); with n > 1 sgemm hands whole products to OpenBLAS instead of splitting them.
static napi_value set_blas_threads(napi_env env, napi_callback_info info) {
  int n = 1;
  if (thread_count(env, info, "setBlasThreads", &n)) openblas_set_num_threads(n);
  return NULL;
}

static napi_value get_blas_threads(napi_env env, napi_callback_info info) {
  napi_value out;
  napi_create_int32(env, openblas_get_num_threads(), &out);
  return out;
}

// "OpenBLAS <config> (<core>)": which build and which kernels (OPENBLAS_CORETYPE) are in use.
static napi_value blas_info(napi_env env, napi_callback_info info) {
  napi_value config, core, out;
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &config);
  napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &core);
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "config", config);
  napi_set_named_property(env, out, "core", core);
  return out;
}

#define EXPORT(name) {#name, NULL, native_##name, NULL, NULL, NULL, napi_enumerable, NULL}

// The pool starts with one thread per online CPU (APERTUS_NUM_THREADS overrides), OpenBLAS with one.
static void default_threads(void) {
  const char *env_threads = getenv("APERTUS_NUM_THREADS");
  long n = env_threads && *env_threads ? strtol(env_threads, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
  parallel_set_threads(n > 0 ? (int)n : 1);
  openblas_set_num_threads(1);
}

static napi_value init(napi_env env, napi_value exports) {
  default_threads();
  napi_property_descriptor properties[] = {
    EXPORT(sgemm), EXPORT(add), EXPORT(sub), EXPORT(mul), EXPORT(mulBackward), EXPORT(scale),
    EXPORT(axpy), EXPORT(relu), EXPORT(reluBackward), EXPORT(gelu), EXPORT(geluBackward),
    EXPORT(embedding), EXPORT(embeddingBackward), EXPORT(sum), EXPORT(sumSquares),
    EXPORT(sumToTrailing), EXPORT(adamw), EXPORT(ademamix),
    EXPORT(attentionForward), EXPORT(attentionBackward),
    EXPORT(crossEntropyForward), EXPORT(crossEntropyBackward), EXPORT(rmsnormForward),
    EXPORT(rmsnormBackward), EXPORT(ropeForward), EXPORT(ropeBackward), EXPORT(xieluForward),
    EXPORT(xieluBackward),
    {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
    {"getThreads", NULL, get_threads, NULL, NULL, NULL, napi_enumerable, NULL},
    {"setBlasThreads", NULL, set_blas_threads, NULL, NULL, NULL, napi_enumerable, NULL},
    {"getBlasThreads", NULL, get_blas_threads, NULL, NULL, NULL, napi_enumerable, NULL},
    {"blasInfo", NULL, blas_info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
