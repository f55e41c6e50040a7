/* wait.h - how host code waits for a queue or a flag without a lock.
 *
 * Waiters poll. A fresh waiter spins briefly (a message usually arrives
 * within a microsecond under load), then yields its core, then sleeps for
 * growing intervals capped at RK_BACKOFF_MAX_SLEEP_NS, so an idle kernel
 * costs almost nothing yet wakes within a fraction of a millisecond. */
#ifndef RK_CORE_WAIT_H
#define RK_CORE_WAIT_H

#include <stdint.h>

#define RK_BACKOFF_SPINS 256u
#define RK_BACKOFF_YIELDS 1024u
#define RK_BACKOFF_MAX_SLEEP_NS 200000u

typedef struct rk_backoff {
  uint32_t round;
  uint32_t sleep_ns;
} rk_backoff;

static inline void rk_backoff_reset(rk_backoff *b) { b->round = 0; b->sleep_ns = 0; }
void rk_backoff_wait(rk_backoff *b);

/* rk_now_ns() + timeout_ns, saturating. */
uint64_t rk_deadline(uint64_t timeout_ns);

#endif
