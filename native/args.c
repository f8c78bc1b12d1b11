// Argument checks for the kernel bindings (see args.h).
#include "args.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

bool args_fail(Args *args, const char *format, ...) {
  char message[512];
  int used = snprintf(message, sizeof message, "%s: ", args->kernel);
  va_list list;
  va_start(list, format);
  vsnprintf(message + used, sizeof message - (size_t)used, format, list);
  va_end(list);
  napi_throw_error(args->env, NULL, message);
  return false;
}

bool args_read(napi_env env, napi_callback_info info, const char *kernel, size_t expected, Args *args) {
  args->env = env;
  args->kernel = kernel;
  args->argc = MAX_ARGS;
  if (napi_get_cb_info(env, info, &args->argc, args->argv, NULL, NULL) != napi_ok) {
    return args_fail(args, "cannot read the arguments");
  }
  if (args->argc != expected) {
    return args_fail(args, "expected %zu arguments, got %zu", expected, args->argc);
  }
  return true;
}

static const char *type_name(napi_env env, napi_value value) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (is_typed) {
    napi_typedarray_type kind;
    size_t length;
    napi_get_typedarray_info(env, value, &kind, &length, NULL, NULL, NULL);
    switch (kind) {
      case napi_float32_array: return "Float32Array";
      case napi_float64_array: return "Float64Array";
      case napi_int32_array: return "Int32Array";
      case napi_uint8_array: return "Uint8Array";
      default: return "another typed array";
    }
  }
  switch (type) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "a number";
    case napi_string: return "a string";
    default: return "an object";
  }
}

bool arg_number(Args *args, size_t index, const char *name, double *out) {
  napi_valuetype type;
  napi_typeof(args->env, args->argv[index], &type);
  if (type != napi_number) {
    return args_fail(args, "%s must be a number, got %s", name, type_name(args->env, args->argv[index]));
  }
  napi_get_value_double(args->env, args->argv[index], out);
  return true;
}

bool arg_size(Args *args, size_t index, const char *name, int64_t *out) {
  double value;
  if (!arg_number(args, index, name, &value)) return false;
  if (!(value >= 0 && value <= 2147483647.0) || value != floor(value)) {
    return args_fail(args, "%s must be a non-negative integer below 2^31, got %g", name, value);
  }
  *out = (int64_t)value;
  return true;
}

bool arg_bool(Args *args, size_t index, const char *name, bool *out) {
  napi_valuetype type;
  napi_typeof(args->env, args->argv[index], &type);
  if (type != napi_boolean) {
    return args_fail(args, "%s must be a boolean, got %s", name, type_name(args->env, args->argv[index]));
  }
  napi_get_value_bool(args->env, args->argv[index], out);
  return true;
}

// The typed array's data pointer, already advanced by its byte offset (a subarray view).
static bool typed(Args *args, size_t index, const char *name, napi_typedarray_type want,
                  const char *want_name, int64_t needed, bool nullable, void **out) {
  napi_value value = args->argv[index];
  napi_valuetype type;
  napi_typeof(args->env, value, &type);
  if (nullable && (type == napi_null || type == napi_undefined)) {
    *out = NULL;
    return true;
  }
  bool is_typed = false;
  napi_is_typedarray(args->env, value, &is_typed);
  napi_typedarray_type kind = napi_int8_array;
  size_t length = 0;
  void *data = NULL;
  if (is_typed) napi_get_typedarray_info(args->env, value, &kind, &length, &data, NULL, NULL);
  if (!is_typed || kind != want) {
    return args_fail(args, "%s must be a %s%s, got %s", name, want_name, nullable ? " or null" : "",
                     type_name(args->env, value));
  }
  if ((int64_t)length < needed) {
    return args_fail(args, "%s has %zu elements, but the sizes given need %lld", name, length, (long long)needed);
  }
  *out = data;
  return true;
}

bool arg_floats(Args *args, size_t index, const char *name, int64_t needed, bool nullable, float **out) {
  return typed(args, index, name, napi_float32_array, "Float32Array", needed, nullable, (void **)out);
}

bool arg_doubles(Args *args, size_t index, const char *name, int64_t needed, double **out) {
  return typed(args, index, name, napi_float64_array, "Float64Array", needed, false, (void **)out);
}

bool arg_ids_nullable(Args *args, size_t index, const char *name, int64_t needed, int32_t **out) {
  return typed(args, index, name, napi_int32_array, "Int32Array", needed, true, (void **)out);
}

bool arg_ids(Args *args, size_t index, const char *name, int64_t needed, int32_t **out) {
  return typed(args, index, name, napi_int32_array, "Int32Array", needed, false, (void **)out);
}

bool arg_field(Args *args, size_t index, const char *field, double *out) {
  napi_valuetype type;
  napi_typeof(args->env, args->argv[index], &type);
  if (type != napi_object) {
    return args_fail(args, "the step hyper-parameters must be an object, got %s", type_name(args->env, args->argv[index]));
  }
  napi_value value;
  napi_get_named_property(args->env, args->argv[index], field, &value);
  napi_typeof(args->env, value, &type);
  if (type != napi_number) {
    return args_fail(args, "step.%s must be a number, got %s", field, type_name(args->env, value));
  }
  napi_get_value_double(args->env, value, out);
  if (!isfinite(*out)) return args_fail(args, "step.%s must be finite, got %g", field, *out);
  return true;
}

bool arg_mask(Args *args, size_t index, const char *name, int64_t needed, Mask *out) {
  napi_value value = args->argv[index];
  napi_valuetype type;
  napi_typeof(args->env, value, &type);
  out->u8 = NULL;
  out->f32 = NULL;
  if (type == napi_null || type == napi_undefined) return true;
  bool is_typed = false;
  napi_is_typedarray(args->env, value, &is_typed);
  napi_typedarray_type kind = napi_int8_array;
  if (is_typed) napi_get_typedarray_info(args->env, value, &kind, NULL, NULL, NULL, NULL);
  if (is_typed && kind == napi_uint8_array) return typed(args, index, name, kind, "Uint8Array", needed, false, (void **)&out->u8);
  if (is_typed && kind == napi_float32_array) {
    float *f32;
    if (!arg_floats(args, index, name, needed, false, &f32)) return false;
    out->f32 = f32;
    return true;
  }
  return args_fail(args, "%s must be a Uint8Array, a Float32Array or undefined, got %s", name, type_name(args->env, value));
}
