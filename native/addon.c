// The addon's entry point: exports every kernel binding, plus OpenBLAS's thread count and
// identity (the benchmarks and the engine's threading choice read them).
#include <cblas.h>

#include "args.h"
#include "kernels.h"

// setThreads(n): OpenBLAS's thread count for the following sgemm calls.
static napi_value set_threads(napi_env env, napi_callback_info info) {
  Args a;
  int64_t n;
  if (!args_read(env, info, "setThreads", 1, &a) || !arg_size(&a, 0, "n", &n)) return NULL;
  if (n < 1) {
    args_fail(&a, "n must be at least 1, got %lld", (long long)n);
    return NULL;
  }
  openblas_set_num_threads((int)n);
  return NULL;
}

static napi_value get_threads(napi_env env, napi_callback_info info) {
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

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
    EXPORT(sgemm), EXPORT(add), EXPORT(sub), EXPORT(mul), EXPORT(mulBackward), EXPORT(scale),
    EXPORT(axpy), EXPORT(relu), EXPORT(reluBackward), EXPORT(gelu), EXPORT(geluBackward),
    EXPORT(embedding), EXPORT(embeddingBackward), EXPORT(sum), EXPORT(sumSquares),
    EXPORT(sumToTrailing), EXPORT(adamw), EXPORT(ademamix),
    EXPORT(attentionForward), EXPORT(attentionBackward),
    EXPORT(crossEntropyForward), EXPORT(crossEntropyBackward),
    {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
    {"getThreads", NULL, get_threads, NULL, NULL, NULL, napi_enumerable, NULL},
    {"blasInfo", NULL, blas_info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
