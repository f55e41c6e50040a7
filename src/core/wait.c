/* wait.c - the clock and the polling back-off used by every host waiter. */
#include "core/wait.h"

#include <sched.h>
#include <time.h>
#ifdef __linux__
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "ringk/platform.h"
#include "ringk/queue.h"

uint64_t rk_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t rk_deadline(uint64_t timeout_ns) {
  uint64_t now = rk_now_ns();
  return timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
}

/* Spins, then yields (for ever when b may not nap); returns 1 when the
 * next step is a nap, of b->sleep_ns. */
static int backoff_step(rk_backoff *b) {
  if (b->round < RK_BACKOFF_SPINS) {
    b->round++;
    rk_cpu_relax();
    return 0;
  }
  if (b->round < RK_BACKOFF_SPINS + RK_BACKOFF_YIELDS || !b->naps) {
    b->round += b->round < RK_BACKOFF_SPINS + RK_BACKOFF_YIELDS;
    sched_yield();
    return 0;
  }
  b->sleep_ns = b->sleep_ns ? b->sleep_ns * 2 : 1000;
  if (b->sleep_ns > RK_BACKOFF_MAX_SLEEP_NS) b->sleep_ns = RK_BACKOFF_MAX_SLEEP_NS;
  return 1;
}

void rk_backoff_wait(rk_backoff *b) {
  if (!backoff_step(b)) return;
  struct timespec ts = {0, (long)b->sleep_ns};
  nanosleep(&ts, NULL);
}

void rk_backoff_wait_on_any(rk_backoff *b, rk_queue *const *qs, uint32_t n, uint32_t watch) {
  if (!backoff_step(b)) return;
  struct timespec ts = {0, (long)b->sleep_ns};
  /* acquire: a wake-up after this read changes the word, and the futex
   * then returns at once instead of sleeping through it. */
  uint32_t seen = rk_load_acquire_u32(&qs[0]->wake_seq);
  /* acq_rel, a full barrier on x86: announced before the re-check below,
   * so a producer committing after that re-check sees a sleeper. */
  for (uint32_t i = 0; i < n; i++) rk_fetch_add_acq_rel_u32(&qs[i]->sleepers, 1);
  int empty = 1;
  for (uint32_t i = 0; i < n; i++)
    if ((watch >> i & 1u) && rk_queue_depth(qs[i]) != 0) empty = 0;
  if (empty) {
#ifdef __linux__
    syscall(SYS_futex, &qs[0]->wake_seq, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
#else
    nanosleep(&ts, NULL);
#endif
  }
  for (uint32_t i = 0; i < n; i++) rk_fetch_add_acq_rel_u32(&qs[i]->sleepers, UINT32_MAX);
}

void rk_backoff_wait_on(rk_backoff *b, rk_queue *q, int while_empty) {
  rk_backoff_wait_on_any(b, &q, 1, while_empty ? 1u : 0u);
}

void rk_queue_wake(rk_queue *q) {
  uint32_t *word = q->wake_word ? q->wake_word : &q->wake_seq;
  /* release: what the waker did (a commit, a control change) before the
   * word the sleepers compare. */
  rk_fetch_add_acq_rel_u32(word, 1);
#ifdef __linux__
  syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
#endif
}
