// The addon's own thread pool: every kernel splits its work over it, and sgemm splits its output
// over it too, with OpenBLAS itself on one thread (see gemm.c). One pool, one thread count, so
// the C loops and the matrix products never compete for the cores.
#ifndef APERTUS_PARALLEL_H
#define APERTUS_PARALLEL_H

#include <stdint.h>

// Runs fn(ctx, lo, hi) over [0, n) in chunks of `grain` items taken in turn by the calling thread
// and the pool's workers; returns when all are done. Runs inline when n <= grain or with one
// thread. fn must be safe to run concurrently on disjoint ranges.
typedef void (*RangeFn)(void *ctx, int64_t lo, int64_t hi);
void parallel_for(int64_t n, int64_t grain, RangeFn fn, void *ctx);

// A grain that gives each thread about `per_thread` chunks of n items, at least `min_grain`.
int64_t parallel_grain(int64_t n, int64_t per_thread, int64_t min_grain);

// The pool's thread count (the caller included), 1..PARALLEL_MAX_THREADS.
int parallel_threads(void);
void parallel_set_threads(int n);

// Index of the calling thread in the current parallel_for: 0 for the caller, 1.. for workers
// (per-thread scratch buffers).
int parallel_thread_index(void);

#define PARALLEL_MAX_THREADS 64

// Hot loops are compiled for AVX-512, AVX2+FMA and baseline x86-64, picked at load time, so the
// addon vectorises wide on the machine it runs on and still runs anywhere.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HOT
#endif

#endif
