/* test_wait.c - how host waiters back off (core/wait.h): a waiter that may
 * nap spins, yields, then sleeps; one that nothing can wake (the consumer
 * of a queue a GPU fills) never sleeps, and still receives what is
 * published without a wake-up, the way the CUDA bridge publishes. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "core/wait.h"
#include "ringk/queue.h"

enum { SLOT = 32, STEPS = RK_BACKOFF_SPINS + RK_BACKOFF_YIELDS + 40 };

static void test_nap_policy(void) {
  rk_backoff b;
  rk_backoff_start(&b, 0);
  for (int i = 0; i < STEPS; i++) rk_backoff_wait(&b);
  CHECK_EQ_INT(b.sleep_ns, 0);
  CHECK_EQ_INT(b.round, RK_BACKOFF_SPINS + RK_BACKOFF_YIELDS);

  /* The same steps with naps reach the cap (40 naps, 1 us doubling). */
  rk_backoff_reset(&b);
  for (int i = 0; i < STEPS; i++) rk_backoff_wait(&b);
  CHECK_EQ_INT(b.sleep_ns, RK_BACKOFF_MAX_SLEEP_NS);
}

/* Publishes one message into q after a pause, as a device producer would:
 * the slot's sequence alone, no rk_queue_wake. */
static void *late_producer(void *arg) {
  rk_queue *q = arg;
  struct timespec pause = {0, 5 * 1000 * 1000};
  nanosleep(&pause, NULL);
  rk_slot_ref ref;
  if (rk_queue_reserve(q, 4, &ref) != RK_OK) return NULL;
  memcpy(ref.data, "ring", 4);
  rk_queue_publish(&ref, 4);
  return NULL;
}

static void test_unwoken_waiter(void) {
  rk_queue *q = NULL;
  CHECK_OK(rk_queue_create(&q, 4, SLOT));
  if (q == NULL) return;
  rk_slot_ref ref;
  CHECK_EQ_INT(rk_queue_peek_wait_naps(q, &ref, 0, 0), RK_E_EMPTY);
  CHECK_EQ_INT(rk_queue_peek_wait_naps(q, &ref, 2 * 1000 * 1000, 0), RK_E_TIMEOUT);
  pthread_t t;
  CHECK_EQ_INT(pthread_create(&t, NULL, late_producer, q), 0);
  CHECK_OK(rk_queue_peek_wait_naps(q, &ref, 10ull * 1000 * 1000 * 1000, 0));
  CHECK_EQ_INT(ref.len, 4);
  CHECK(memcmp(ref.data, "ring", 4) == 0);
  rk_queue_release(q, &ref);
  pthread_join(t, NULL);
  CHECK_EQ_INT(rk_queue_peek_wait_naps(q, &ref, 0, 0), RK_E_EMPTY);
  rk_queue_destroy(q);
}

int main(void) {
  test_nap_policy();
  test_unwoken_waiter();
  return CHECK_DONE("test_wait");
}
