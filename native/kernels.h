// The kernel bindings the addon exports; each mirrors the `Backend` entry of the same name
// (src/tensor/backend.ts) and its reference body in src/tensor/kernels/.
#ifndef APERTUS_KERNELS_H
#define APERTUS_KERNELS_H

#include <node_api.h>

#define KERNEL(name) napi_value native_##name(napi_env env, napi_callback_info info)

KERNEL(sgemm);
KERNEL(add);
KERNEL(sub);
KERNEL(mul);
KERNEL(mulBackward);
KERNEL(scale);
KERNEL(axpy);
KERNEL(relu);
KERNEL(reluBackward);
KERNEL(gelu);
KERNEL(geluBackward);
KERNEL(embedding);
KERNEL(embeddingBackward);
KERNEL(sum);
KERNEL(sumSquares);
KERNEL(sumToTrailing);
KERNEL(adamw);
KERNEL(ademamix);
KERNEL(attentionForward);
KERNEL(attentionBackward);
KERNEL(crossEntropyForward);
KERNEL(crossEntropyBackward);
KERNEL(rmsnormForward);
KERNEL(rmsnormBackward);
KERNEL(ropeForward);
KERNEL(ropeBackward);
KERNEL(xieluForward);
KERNEL(xieluBackward);

// sgemm split over the addon's pool (gemm.c), for kernels that multiply whole matrices.
#include <stdbool.h>
void sgemm_threaded(bool transA, bool transB, int M, int N, int K, float alpha, const float *A, int lda,
                    const float *B, int ldb, float beta, float *C);

#endif
