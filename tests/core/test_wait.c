/* test_wait.c - how host waiters back off (core/wait.h): a waiter that may
 * nap spins, yields, then sleeps; one that nothing can wake (the consumer
 * of a queue a GPU fills) never sleeps, and still receives what is
 * published without a wake-up, the way the CUDA bridge publishes; a
 * waiter on several queues (a CPU group's thread) is woken through the
 * first one's word by a commit to any. */
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

typedef struct any_waiter {
  rk_queue *qs[2];
  int got;
} any_waiter;

/* Waits on both queues, as a group's thread does, until q[1] has a
 * message, and takes it. */
static void *wait_any_main(void *arg) {
  any_waiter *w = arg;
  rk_backoff b;
  rk_backoff_reset(&b);
  rk_slot_ref ref;
  while (rk_queue_peek(w->qs[1], &ref) != RK_OK) rk_backoff_wait_on_any(&b, w->qs, 2, 3u);
  w->got = ref.len == 4 && memcmp(ref.data, "ring", 4) == 0;
  rk_queue_release(w->qs[1], &ref);
  return NULL;
}

static void test_wait_any(void) {
  any_waiter w = {{NULL, NULL}, 0};
  CHECK_OK(rk_queue_create(&w.qs[0], 4, SLOT));
  CHECK_OK(rk_queue_create(&w.qs[1], 4, SLOT));
  if (w.qs[0] == NULL || w.qs[1] == NULL) return;
  /* a wake of the second queue bumps the first's word, not its own */
  w.qs[1]->wake_word = &w.qs[0]->wake_seq;
  uint32_t w0 = w.qs[0]->wake_seq, w1 = w.qs[1]->wake_seq;
  rk_queue_wake(w.qs[1]);
  CHECK_EQ_INT(w.qs[0]->wake_seq, w0 + 1);
  CHECK_EQ_INT(w.qs[1]->wake_seq, w1);
  /* a waiter past its yields, asleep on the first queue's word, takes what
   * a commit (which wakes sleepers) puts into the second */
  pthread_t t;
  CHECK_EQ_INT(pthread_create(&t, NULL, wait_any_main, &w), 0);
  struct timespec pause = {0, 20 * 1000 * 1000};
  nanosleep(&pause, NULL);
  rk_slot_ref ref;
  int rc = rk_queue_reserve(w.qs[1], 4, &ref);
  CHECK_OK(rc);
  if (rc == RK_OK) {
    memcpy(ref.data, "ring", 4);
    rk_queue_commit(w.qs[1], &ref, 4);
  }
  pthread_join(t, NULL);
  CHECK_EQ_INT(w.got, 1);
  /* the waiter left both queues as it found them */
  CHECK_EQ_INT(w.qs[0]->sleepers, 0);
  CHECK_EQ_INT(w.qs[1]->sleepers, 0);
  CHECK_EQ_INT(rk_queue_depth(w.qs[1]), 0);
  rk_queue_destroy(w.qs[0]);
  rk_queue_destroy(w.qs[1]);
}

int main(void) {
  test_nap_policy();
  test_unwoken_waiter();
  test_wait_any();
  return CHECK_DONE("test_wait");
}
