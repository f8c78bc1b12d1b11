// sgemm: C[M,N] = alpha op(A)[M,K] op(B)[K,N] + beta C, row-major (reference: kernels/matmul.ts).
//   A is stored [M,K], or [K,M] when transA; B is [K,N], or [N,K] when transB.
#include <cblas.h>

#include "args.h"
#include "kernels.h"

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
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
              (int)M, (int)N, (int)K, (float)alpha, A, lda, B, ldb, (float)beta, C, (int)N);
  return NULL;
}
