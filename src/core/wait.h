/* wait.h - how host code waits for a queue or a flag without a lock.
 *
 * Waiters poll. A fresh waiter spins briefly, then yields its core, then
 * sleeps for growing intervals capped at RK_BACKOFF_MAX_SLEEP_NS, so an
 * idle kernel costs almost nothing yet wakes within a fraction of a
 * millisecond. The spin is short because a yield is cheap when nothing
 * else wants the core (about 0.2 us, as 16 pauses are on a recent x86)
 * and hands it over when something does: with more workers than cores,
 * 256 pauses of each idle worker took the CPU from the busy ones (PageRank
 * on email-Eu-core, 2 cores, 4 workers: 2.2-2.7x the reference an
 * iteration, 1.7-1.9x with 16). */
#ifndef RK_CORE_WAIT_H
#define RK_CORE_WAIT_H

#include <stdint.h>

#include "ringk/queue.h"

#define RK_BACKOFF_SPINS 16u
#define RK_BACKOFF_YIELDS 1024u
#define RK_BACKOFF_MAX_SLEEP_NS 200000u

typedef struct rk_backoff {
  uint32_t round;
  uint32_t sleep_ns;
  int naps; /* 0: yields for ever, for a waiter nothing can wake (see below) */
} rk_backoff;

/* A waiter whose wakers cannot reach it (a GPU writes the queue it polls,
 * and cannot make the futex call) would sleep out every nap: up to
 * RK_BACKOFF_MAX_SLEEP_NS and the kernel's timer slack past the message's
 * arrival. Such a waiter yields instead, and hands the core to any thread
 * that wants it. */
static inline void rk_backoff_start(rk_backoff *b, int naps) {
  b->round = 0;
  b->sleep_ns = 0;
  b->naps = naps;
}
static inline void rk_backoff_reset(rk_backoff *b) { rk_backoff_start(b, 1); }
void rk_backoff_wait(rk_backoff *b);
/* The same, but a sleep is on q's wake word (Linux futex), so a commit to
 * q or rk_queue_wake(q) ends it at once instead of at the end of the nap.
 * while_empty: sleep only if q is still empty once this waiter has
 * announced itself (a consumer); 0: sleep regardless (a held worker,
 * woken by rk_queue_wake when its control block changes). */
void rk_backoff_wait_on(rk_backoff *b, rk_queue *q, int while_empty);
/* The same for a thread that consumes several queues: it sleeps only if
 * every qs[i] with watch bit i set is still empty once it has announced
 * itself on all n, on qs[0]'s wake word, which each qs[i]'s wake_word
 * must point at (so that a commit to any of them ends the sleep). A
 * watch of 0: sleep regardless (all held). n <= 32. */
void rk_backoff_wait_on_any(rk_backoff *b, rk_queue *const *qs, uint32_t n, uint32_t watch);

/* rk_queue_peek_wait, whose waits nap only when naps is nonzero: a
 * consumer of a queue that a GPU fills passes 0. */
int rk_queue_peek_wait_naps(rk_queue *q, rk_slot_ref *ref, uint64_t timeout_ns, int naps);

/* rk_now_ns() + timeout_ns, saturating. */
uint64_t rk_deadline(uint64_t timeout_ns);

#endif
