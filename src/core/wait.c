/* wait.c - the clock and the polling back-off used by every host waiter. */
#include "core/wait.h"

#include <sched.h>
#include <time.h>

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

void rk_backoff_wait(rk_backoff *b) {
  if (b->round < RK_BACKOFF_SPINS) {
    b->round++;
    rk_cpu_relax();
  } else if (b->round < RK_BACKOFF_SPINS + RK_BACKOFF_YIELDS) {
    b->round++;
    sched_yield();
  } else {
    b->sleep_ns = b->sleep_ns ? b->sleep_ns * 2 : 1000;
    if (b->sleep_ns > RK_BACKOFF_MAX_SLEEP_NS) b->sleep_ns = RK_BACKOFF_MAX_SLEEP_NS;
    struct timespec ts = {0, (long)b->sleep_ns};
    nanosleep(&ts, NULL);
  }
}
