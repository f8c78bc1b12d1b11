// Argument checks shared by every kernel binding: each getter validates one JS argument (type,
// size, buffer length against the shape) and, when it is wrong, throws a JS error naming the
// kernel and the argument, then returns false so the binding returns without touching memory.
#ifndef APERTUS_ARGS_H
#define APERTUS_ARGS_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_ARGS 12

typedef struct {
  napi_env env;
  const char *kernel;
  size_t argc;
  napi_value argv[MAX_ARGS];
} Args;

// Reads the call's arguments; throws unless there are exactly `expected`.
bool args_read(napi_env env, napi_callback_info info, const char *kernel, size_t expected, Args *args);

// A JS error "<kernel>: <message>"; always returns false so callers can `return fail(...)`.
bool args_fail(Args *args, const char *format, ...);

// A non-negative integer that fits in int (BLAS and loop bounds).
bool arg_size(Args *args, size_t index, const char *name, int64_t *out);
bool arg_number(Args *args, size_t index, const char *name, double *out);
bool arg_bool(Args *args, size_t index, const char *name, bool *out);

// A Float32Array with at least `needed` elements; `nullable` accepts null/undefined as NULL.
bool arg_floats(Args *args, size_t index, const char *name, int64_t needed, bool nullable, float **out);
// A Float64Array with at least `needed` elements (RoPE's cos/sin tables).
bool arg_doubles(Args *args, size_t index, const char *name, int64_t needed, double **out);
// An Int32Array with at least `needed` elements, or null/undefined (NULL).
bool arg_ids_nullable(Args *args, size_t index, const char *name, int64_t needed, int32_t **out);
// An Int32Array with at least `needed` elements.
bool arg_ids(Args *args, size_t index, const char *name, int64_t needed, int32_t **out);
// An optional per-row weight array: a Uint8Array or a Float32Array (one of u8, f32 set), or
// null/undefined (both NULL).
typedef struct {
  const uint8_t *u8;
  const float *f32;
} Mask;
bool arg_mask(Args *args, size_t index, const char *name, int64_t needed, Mask *out);
// A finite number property of an object argument (the optimizer step's hyper-parameters).
bool arg_field(Args *args, size_t index, const char *field, double *out);

#endif
