// sgemm: C[M,N] = alpha op(A)[M,K] op(B)[K,N] + beta C, row-major (reference: kernels/matmul.ts).
//   A is stored [M,K], or [K,M] when transA; B is [K,N], or [N,K] when transB.
// Threads: OpenBLAS runs on one thread and the product is split over the addon's pool, by rows of
// C when M is the larger side, else by columns; each part is an independent cblas_sgemm on
// offset pointers with the full leading dimensions. (OpenBLAS's own pool measured within 3% of
// this on the model's shapes, BENCHMARKS.md; one pool keeps the C loops and the products from
// competing for the cores.)
#include <cblas.h>

#include "args.h"
#include "kernels.h"
#include "parallel.h"

// Below this many multiply-adds a product runs on one thread.
#define SPLIT_MIN_FLOPS (1 << 17)
// Parts are multiples of this many rows/columns (the AVX-512 kernels' widths divide it).
#define SPLIT_ALIGN 32

typedef struct {
  bool transA, transB, by_rows;
  int M, N, K, lda, ldb, part;
  float alpha, beta;
  const float *A, *B;
  float *C;
} Gemm;

static void gemm_parts(void *ctx, int64_t lo, int64_t hi) {
  const Gemm *g = ctx;
  for (int64_t p = lo; p < hi; p++) {
    int start = (int)p * g->part, size = g->part;
    int extent = g->by_rows ? g->M : g->N;
    if (start >= extent) continue;
    if (start + size > extent) size = extent - start;
    const float *A = g->A, *B = g->B;
    float *C = g->C;
    int M = g->M, N = g->N;
    if (g->by_rows) {
      A += g->transA ? start : (int64_t)start * g->lda;
      C += (int64_t)start * g->N;
      M = size;
    } else {
      B += g->transB ? (int64_t)start * g->ldb : start;
      C += start;
      N = size;
    }
    if (M == 1 && !g->transA) {
      // One row (a decoding step): a matrix-vector product. OpenBLAS's sgemm would first pack all
      // of B, reading the weights twice; sgemv streams them once.
      //   transB: C = B[N,K] a;   else: C = B[K,N]^T a
      if (g->transB) cblas_sgemv(CblasRowMajor, CblasNoTrans, N, g->K, g->alpha, B, g->ldb, A, 1, g->beta, C, 1);
      else cblas_sgemv(CblasRowMajor, CblasTrans, g->K, N, g->alpha, B, g->ldb, A, 1, g->beta, C, 1);
      continue;
    }
    cblas_sgemm(CblasRowMajor, g->transA ? CblasTrans : CblasNoTrans, g->transB ? CblasTrans : CblasNoTrans,
                M, N, g->K, g->alpha, A, g->lda, B, g->ldb, g->beta, C, g->N);
  }
}

void sgemm_threaded(bool transA, bool transB, int M, int N, int K, float alpha, const float *A, int lda,
                    const float *B, int ldb, float beta, float *C) {
  Gemm g = {transA, transB, M >= N, M, N, K, lda, ldb, 0, alpha, beta, A, B, C};
  int threads = parallel_threads();
  int extent = g.by_rows ? M : N;
  int parts = (double)M * N * K < SPLIT_MIN_FLOPS || extent < 2 * SPLIT_ALIGN ? 1 : threads;
  int part = (extent + parts - 1) / parts;
  g.part = parts == 1 ? extent : (part + SPLIT_ALIGN - 1) / SPLIT_ALIGN * SPLIT_ALIGN;
  parts = (extent + g.part - 1) / g.part;
  parallel_for(parts, 1, gemm_parts, &g);
}

KERNEL(sgemm) {
  Args a;
  bool transA, transB;
  int64_t M, N, K;
  double alpha, beta;
  float *A, *B, *C;
  if (!args_read(env, info, "sgemm", 10, &a)) return NULL;
  if (!arg_bool(&a, 0, "transA", &transA) || !arg_bool(&a, 1, "transB", &transB) ||
      !arg_size(&a, 2, "M", &M) || !arg_size(&a, 3, "N", &N) || !arg_size(&a, 4, "K", &K) ||
      !arg_number(&a, 5, "alpha", &alpha) || !arg_floats(&a, 6, "A", M * K, false, &A) ||
      !arg_floats(&a, 7, "B", K * N, false, &B) || !arg_number(&a, 8, "beta", &beta) ||
      !arg_floats(&a, 9, "C", M * N, false, &C)) {
    return NULL;
  }
  if (M == 0 || N == 0) return NULL;
  if (K == 0) {
    // No product to add; BLAS would reject lda = 0, so scale C here as the reference does.
    for (int64_t i = 0; i < M * N; i++) C[i] = beta == 0 ? 0.0f : (float)(beta * C[i]);
    return NULL;
  }
  // Leading dimensions are the stored row lengths.
  int lda = (int)(transA ? M : K), ldb = (int)(transB ? K : N);
  sgemm_threaded(transA, transB, (int)M, (int)N, (int)K, (float)alpha, A, lda, B, ldb, (float)beta, C);
  return NULL;
}
