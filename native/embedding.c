// Embedding lookup (reference: kernels/embedding.ts).
//   table: [V, C], ids: [N] (0 <= id < V), out: [N, C], dTable: [V, C]
#include <string.h>

#include "args.h"
#include "kernels.h"

// Every id is checked before any row is touched: a bad id must throw, never read or write
// outside the table.
static bool check_ids(Args *a, const int32_t *ids, int64_t N, int64_t V) {
  for (int64_t n = 0; n < N; n++) {
    if (ids[n] < 0 || ids[n] >= V) {
      return args_fail(a, "id %d at position %lld is outside the vocabulary [0, %lld)", ids[n], (long long)n, (long long)V);
    }
  }
  return true;
}

KERNEL(embedding) {
  Args a;
  int64_t N, C, V;
  float *table, *out;
  int32_t *ids;
  if (!args_read(env, info, "embedding", 6, &a) || !arg_size(&a, 0, "N", &N) || !arg_size(&a, 1, "C", &C) ||
      !arg_size(&a, 2, "V", &V) || !arg_floats(&a, 3, "table", V * C, false, &table) ||
      !arg_ids(&a, 4, "ids", N, &ids) || !arg_floats(&a, 5, "out", N * C, false, &out) ||
      !check_ids(&a, ids, N, V)) return NULL;
  for (int64_t n = 0; n < N; n++) memcpy(out + n * C, table + (int64_t)ids[n] * C, (size_t)C * sizeof(float));
  return NULL;
}

// dTable[ids[n]] += dOut[n]; repeated ids accumulate. V is dTable's row count.
KERNEL(embeddingBackward) {
  Args a;
  int64_t N, C;
  float *dOut, *dTable;
  int32_t *ids;
  size_t length = 0;
  if (!args_read(env, info, "embeddingBackward", 5, &a) || !arg_size(&a, 0, "N", &N) ||
      !arg_size(&a, 1, "C", &C) || !arg_floats(&a, 2, "dOut", N * C, false, &dOut) ||
      !arg_ids(&a, 3, "ids", N, &ids) || !arg_floats(&a, 4, "dTable", C, false, &dTable)) return NULL;
  if (C == 0) return NULL;
  napi_get_typedarray_info(env, a.argv[4], NULL, &length, NULL, NULL, NULL);
  if (!check_ids(&a, ids, N, (int64_t)length / C)) return NULL;
  for (int64_t n = 0; n < N; n++) {
    float *row = dTable + (int64_t)ids[n] * C;
    const float *src = dOut + n * C;
    for (int64_t c = 0; c < C; c++) row[c] += src[c];
  }
  return NULL;
}
