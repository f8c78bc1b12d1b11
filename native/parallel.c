// A small fork-join pool over pthreads. Workers spin briefly after each job (kernels come in
// quick succession during a training step), then sleep on a condition variable.
#include "parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>

// Spin-waits: pause instructions first, then sched_yield, so an oversubscribed machine (more
// runnable threads than cores) does not burn the time slice of the thread being waited for.
#define SPIN_ITERATIONS 20000
#define YIELD_ITERATIONS 200

typedef struct {
  RangeFn fn;
  void *ctx;
  int64_t n, grain;
  atomic_int_fast64_t next;   // next chunk start
  atomic_int pending;         // workers still running this job
} Job;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static Job job;
static atomic_uint generation;        // bumped for each job
static atomic_int sleepers;           // workers waiting on `wake`
static int threads = 1;               // caller + started workers that take part
static int started = 0;               // workers created so far (never destroyed)
static _Thread_local int thread_index = 0;
static bool in_job = false;           // the caller is inside parallel_for (no nesting)

static void run_chunks(Job *j) {
  for (;;) {
    int64_t lo = atomic_fetch_add(&j->next, j->grain);
    if (lo >= j->n) return;
    int64_t hi = lo + j->grain < j->n ? lo + j->grain : j->n;
    j->fn(j->ctx, lo, hi);
  }
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static void *worker(void *arg) {
  thread_index = (int)(intptr_t)arg;
  unsigned seen = atomic_load(&generation);
  for (;;) {
    unsigned now;
    int spins = 0;
    while ((now = atomic_load_explicit(&generation, memory_order_acquire)) == seen &&
           spins < SPIN_ITERATIONS + YIELD_ITERATIONS) {
      if (spins++ < SPIN_ITERATIONS) cpu_relax();
      else sched_yield();
    }
    if (now == seen) {
      pthread_mutex_lock(&lock);
      atomic_fetch_add(&sleepers, 1);
      while ((now = atomic_load(&generation)) == seen) pthread_cond_wait(&wake, &lock);
      atomic_fetch_sub(&sleepers, 1);
      pthread_mutex_unlock(&lock);
    }
    seen = now;
    // Workers beyond the current thread count sit this job out.
    if (thread_index < threads) {
      run_chunks(&job);
      atomic_fetch_sub_explicit(&job.pending, 1, memory_order_release);
    }
  }
  return NULL;
}

void parallel_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > PARALLEL_MAX_THREADS) n = PARALLEL_MAX_THREADS;
  pthread_mutex_lock(&lock);
  while (started < n - 1) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, worker, (void *)(intptr_t)(started + 1)) != 0) {
      pthread_attr_destroy(&attr);
      break;
    }
    pthread_attr_destroy(&attr);
    started++;
  }
  threads = started + 1 < n ? started + 1 : n;
  pthread_mutex_unlock(&lock);
}

int parallel_threads(void) { return threads; }

int parallel_thread_index(void) { return thread_index; }

int64_t parallel_grain(int64_t n, int64_t per_thread, int64_t min_grain) {
  int64_t chunks = (int64_t)threads * per_thread;
  int64_t grain = (n + chunks - 1) / chunks;
  return grain < min_grain ? min_grain : grain;
}

void parallel_for(int64_t n, int64_t grain, RangeFn fn, void *ctx) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  // Inline: one thread, a job too small to share, or a call from inside a job (no nesting).
  if (threads == 1 || n <= grain || thread_index != 0 || in_job) {
    fn(ctx, 0, n);
    return;
  }
  pthread_mutex_lock(&lock);
  job.fn = fn;
  job.ctx = ctx;
  job.n = n;
  job.grain = grain;
  atomic_store(&job.next, 0);
  // Every started worker wakes on a new generation; those past `threads` skip it.
  atomic_store(&job.pending, threads - 1);
  atomic_fetch_add_explicit(&generation, 1, memory_order_release);
  if (atomic_load(&sleepers) > 0) pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);
  in_job = true;
  run_chunks(&job);
  for (int spins = 0; atomic_load_explicit(&job.pending, memory_order_acquire) > 0; spins++) {
    if (spins < SPIN_ITERATIONS) cpu_relax();
    else sched_yield();
  }
  in_job = false;
}
