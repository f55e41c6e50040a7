/* test_queue.c - the slot queue's semantics on one thread: sizing and
 * validation, FIFO order, full/empty/oversize as counted errors, timed
 * waits, the zero-copy reserve/commit and peek/release forms, batches,
 * runs claimed together, wrap-around and exact counters, and sets of
 * queues (sharded inboxes).
 *
 * One thread makes every outcome deterministic, so each counter is checked
 * for its exact value; test_queue_stress covers concurrency. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "ringk/queue.h"

enum { SLOT = 40 }; /* not a multiple of 16: exercises stride rounding */

static rk_queue *new_queue(uint32_t capacity, uint32_t slot_size) {
  rk_queue *q = NULL;
  CHECK_OK(rk_queue_create(&q, capacity, slot_size));
  if (q == NULL) abort();
  return q;
}

/* Message number tag of len bytes: byte i is tag*31 + i (mod 256). */
static void fill_msg(uint8_t *p, uint32_t len, uint32_t tag) {
  for (uint32_t i = 0; i < len; i++) p[i] = (uint8_t)(tag * 31u + i);
}

static int msg_is(const uint8_t *p, uint32_t len, uint32_t tag) {
  for (uint32_t i = 0; i < len; i++)
    if (p[i] != (uint8_t)(tag * 31u + i)) return 0;
  return 1;
}

/* Length of message number tag: varies, from 0 up to the slot size. */
static uint32_t msg_len(uint32_t tag) { return tag % (SLOT + 1); }

static int enqueue_tag(rk_queue *q, uint32_t tag) {
  uint8_t buf[SLOT];
  fill_msg(buf, msg_len(tag), tag);
  return rk_queue_try_enqueue(q, buf, msg_len(tag));
}

/* Dequeues one message and checks that it is message number tag. */
static void expect_tag(rk_queue *q, uint32_t tag) {
  uint8_t buf[SLOT];
  uint32_t len = UINT32_MAX;
  CHECK_OK(rk_queue_try_dequeue(q, buf, sizeof buf, &len));
  CHECK_EQ_INT(len, msg_len(tag));
  CHECK(len <= SLOT && msg_is(buf, len, tag));
}

static void expect_stats(const rk_queue *q, uint64_t enq, uint64_t deq, uint64_t full,
                         uint64_t oversize, uint64_t high_water) {
  rk_queue_stats s;
  rk_queue_stats_get(q, &s);
  CHECK_EQ_INT(s.enqueued, enq);
  CHECK_EQ_INT(s.dequeued, deq);
  CHECK_EQ_INT(s.rejected_full, full);
  CHECK_EQ_INT(s.rejected_oversize, oversize);
  CHECK_EQ_INT(s.high_water, high_water);
  CHECK_EQ_INT(s.depth, enq - deq);
  CHECK_EQ_INT(rk_queue_depth(q), enq - deq);
}

static void test_sizes(void) {
  CHECK_EQ_INT(rk_queue_stride_for(0), 16);
  CHECK_EQ_INT(rk_queue_stride_for(1), 32);
  CHECK_EQ_INT(rk_queue_stride_for(16), 32);
  CHECK_EQ_INT(rk_queue_stride_for(17), 48);
  CHECK_EQ_INT(rk_queue_stride_for(SLOT), 64);
  CHECK_EQ_INT(rk_queue_stride_for(RK_QUEUE_MAX_SLOT), RK_QUEUE_MAX_SLOT + 16);

  CHECK_EQ_INT(rk_queue_bytes(8, SLOT), sizeof(rk_queue) + 8 * 64);
  CHECK_EQ_INT(rk_queue_bytes(2, 1), sizeof(rk_queue) + 2 * 32);
  CHECK(rk_queue_bytes(RK_QUEUE_MAX_CAPACITY, RK_QUEUE_MAX_SLOT) ==
        sizeof(rk_queue) + (size_t)RK_QUEUE_MAX_CAPACITY * (RK_QUEUE_MAX_SLOT + 16));
  CHECK_EQ_INT(rk_queue_bytes(2, SLOT), sizeof(rk_queue) + 2 * 64);
  /* One slot cannot tell "full" from "free for the next lap". */
  static const uint32_t bad_caps[] = {0, 1, 3, 6, 100, RK_QUEUE_MAX_CAPACITY + 1,
                                      RK_QUEUE_MAX_CAPACITY * 2u, UINT32_MAX};
  for (size_t i = 0; i < sizeof bad_caps / sizeof bad_caps[0]; i++)
    CHECK_EQ_INT(rk_queue_bytes(bad_caps[i], SLOT), 0);
  CHECK_EQ_INT(rk_queue_bytes(8, 0), 0);
  CHECK_EQ_INT(rk_queue_bytes(8, RK_QUEUE_MAX_SLOT + 1), 0);
  CHECK_EQ_INT(rk_queue_bytes(8, UINT32_MAX), 0);
}

static void test_init_validation(void) {
  size_t need = rk_queue_bytes(4, SLOT);
  uint8_t *mem = aligned_alloc(RK_CACHELINE, need + RK_CACHELINE);
  if (mem == NULL) abort();
  CHECK_EQ_INT(rk_queue_init(NULL, need, 4, SLOT), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_init(mem, need - 1, 4, SLOT), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_init(mem, 0, 4, SLOT), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_init(mem + 1, need, 4, SLOT), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_init(mem + 16, need, 4, SLOT), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_init(mem, need, 0, SLOT), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_init(mem, need, 3, SLOT), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_init(mem, need, 4, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_init(mem, need, 4, RK_QUEUE_MAX_SLOT + 1), RK_E_INVAL);
  memset(mem, 0, need);
  CHECK_EQ_INT(rk_queue_validate((const rk_queue *)mem), RK_E_INVAL);

  /* A larger block than needed is fine; the queue uses its prefix. */
  CHECK_OK(rk_queue_init(mem + RK_CACHELINE, need, 4, SLOT));
  CHECK_OK(rk_queue_init(mem, need + RK_CACHELINE, 4, SLOT));
  rk_queue *q = (rk_queue *)mem;
  CHECK_OK(rk_queue_validate(q));
  CHECK_EQ_INT(q->capacity, 4);
  CHECK_EQ_INT(q->slot_size, SLOT);
  CHECK_EQ_INT(q->stride, 64);
  expect_stats(q, 0, 0, 0, 0, 0);

  /* Validation catches a block that is not (or no longer) a queue. */
  CHECK_EQ_INT(rk_queue_validate(NULL), RK_E_INVAL);
  q->magic ^= 1;
  CHECK_EQ_INT(rk_queue_validate(q), RK_E_INVAL);
  q->magic ^= 1;
  q->stride = 48;
  CHECK_EQ_INT(rk_queue_validate(q), RK_E_INVAL);
  q->stride = 64;
  q->mask = 7;
  CHECK_EQ_INT(rk_queue_validate(q), RK_E_INVAL);
  q->mask = 3;
  q->capacity = 5;
  CHECK_EQ_INT(rk_queue_validate(q), RK_E_INVAL);
  q->capacity = 4;
  CHECK_OK(rk_queue_validate(q));
  free(mem);

  rk_queue *made = (rk_queue *)&made; /* create must clear it on failure */
  CHECK_EQ_INT(rk_queue_create(NULL, 4, SLOT), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_create(&made, 6, SLOT), RK_E_INVAL);
  CHECK(made == NULL);
  CHECK_EQ_INT(rk_queue_create(&made, 4, 0), RK_E_INVAL);
  CHECK_OK(rk_queue_create(&made, 4, SLOT));
  CHECK(made != NULL && ((uintptr_t)made & (RK_CACHELINE - 1)) == 0);
  rk_queue_destroy(made);
  rk_queue_destroy(NULL);
}

static void test_fifo_full_empty(void) {
  rk_queue *q = new_queue(8, SLOT);
  uint8_t buf[SLOT];
  uint32_t len;
  CHECK_EQ_INT(rk_queue_try_dequeue(q, buf, sizeof buf, &len), RK_E_EMPTY);
  for (uint32_t t = 0; t < 8; t++) CHECK_OK(enqueue_tag(q, 35 + t)); /* lens 35..40, 0, 1 */
  CHECK_EQ_INT(enqueue_tag(q, 99), RK_E_FULL);
  CHECK_EQ_INT(enqueue_tag(q, 99), RK_E_FULL);
  expect_stats(q, 8, 0, 2, 0, 8);
  for (uint32_t t = 0; t < 8; t++) expect_tag(q, 35 + t);
  CHECK_EQ_INT(rk_queue_try_dequeue(q, buf, sizeof buf, &len), RK_E_EMPTY);
  expect_stats(q, 8, 8, 2, 0, 8);

  /* Oversize is refused before a position is taken, and counted. */
  uint8_t big[SLOT + 1] = {0};
  CHECK_EQ_INT(rk_queue_try_enqueue(q, big, SLOT + 1), RK_E_OVERSIZE);
  CHECK_EQ_INT(rk_queue_enqueue(q, big, UINT32_MAX, 0), RK_E_OVERSIZE);
  rk_slot_ref ref;
  CHECK_EQ_INT(rk_queue_reserve(q, SLOT + 1, &ref), RK_E_OVERSIZE);
  expect_stats(q, 8, 8, 2, 3, 8);
  CHECK_OK(rk_queue_try_enqueue(q, big, SLOT));
  CHECK_OK(rk_queue_try_dequeue(q, buf, sizeof buf, &len));
  CHECK_EQ_INT(len, SLOT);

  /* Argument checks of the host forms. */
  CHECK_EQ_INT(rk_queue_enqueue(NULL, big, 1, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_enqueue(q, NULL, 1, 0), RK_E_INVAL);
  CHECK_OK(rk_queue_enqueue(q, NULL, 0, 0)); /* empty message */
  CHECK_EQ_INT(rk_queue_dequeue(NULL, buf, sizeof buf, &len, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_dequeue(q, NULL, sizeof buf, &len, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_dequeue(q, buf, sizeof buf, NULL, 0), RK_E_INVAL);
  CHECK_OK(rk_queue_dequeue(q, buf, sizeof buf, &len, 0));
  CHECK_EQ_INT(len, 0);
  expect_stats(q, 10, 10, 2, 3, 8);
  rk_queue_destroy(q);
}

/* Elapsed ns of a call expected to time out after timeout_ns. */
#define TIMED(rc_out, call)                                                   \
  do {                                                                        \
    uint64_t t0_ = rk_now_ns();                                               \
    (rc_out) = (call);                                                        \
    elapsed = rk_now_ns() - t0_;                                              \
  } while (0)

static void test_timed(void) {
  const uint64_t timeout = 20 * 1000 * 1000; /* 20 ms */
  const uint64_t sane = 1000 * 1000 * 1000;   /* a loaded CI box: 1 s */
  rk_queue *q = new_queue(2, SLOT);
  uint8_t buf[SLOT] = {1, 2, 3};
  uint32_t len;
  uint64_t elapsed;
  int rc;
  rk_slot_ref ref;

  TIMED(rc, rk_queue_dequeue(q, buf, sizeof buf, &len, timeout));
  CHECK_EQ_INT(rc, RK_E_TIMEOUT);
  CHECK(elapsed >= timeout && elapsed < sane);
  TIMED(rc, rk_queue_peek_wait(q, &ref, timeout));
  CHECK_EQ_INT(rc, RK_E_TIMEOUT);
  CHECK(elapsed >= timeout && elapsed < sane);
  CHECK_EQ_INT(rk_queue_dequeue(q, buf, sizeof buf, &len, 0), RK_E_EMPTY);
  CHECK_EQ_INT(rk_queue_peek_wait(q, &ref, 0), RK_E_EMPTY);

  /* Space available: a timed enqueue returns at once. */
  CHECK_OK(rk_queue_enqueue(q, buf, 3, timeout));
  CHECK_OK(rk_queue_enqueue(q, buf, 3, timeout));
  TIMED(rc, rk_queue_enqueue(q, buf, 3, timeout));
  CHECK_EQ_INT(rc, RK_E_TIMEOUT);
  CHECK(elapsed >= timeout && elapsed < sane);
  TIMED(rc, rk_queue_reserve_wait(q, 3, &ref, timeout));
  CHECK_EQ_INT(rc, RK_E_TIMEOUT);
  CHECK(elapsed >= timeout && elapsed < sane);
  CHECK_EQ_INT(rk_queue_enqueue(q, buf, 3, 0), RK_E_FULL);
  CHECK_EQ_INT(rk_queue_reserve_wait(q, 3, &ref, 0), RK_E_FULL);
  CHECK_EQ_INT(rk_queue_reserve_wait(q, SLOT + 1, &ref, timeout), RK_E_OVERSIZE);
  /* Each refused enqueue, waiting or not, is counted exactly once. */
  expect_stats(q, 2, 0, 4, 1, 2);

  CHECK_OK(rk_queue_dequeue(q, buf, sizeof buf, &len, timeout));
  CHECK_OK(rk_queue_peek_wait(q, &ref, timeout));
  CHECK_EQ_INT(ref.len, 3);
  rk_queue_release(q, &ref);
  expect_stats(q, 2, 2, 4, 1, 2);
  rk_queue_destroy(q);
}

static void test_zero_copy(void) {
  rk_queue *q = new_queue(4, SLOT);
  rk_slot_ref a, b, r;

  CHECK_OK(rk_queue_reserve(q, SLOT, &a));
  CHECK(((uintptr_t)a.data & (RK_SLOT_ALIGN - 1)) == 0);
  CHECK(a.data > (uint8_t *)q && a.data + SLOT <= (uint8_t *)q + rk_queue_bytes(4, SLOT));
  CHECK_EQ_INT(a.len, SLOT);
  CHECK_OK(rk_queue_reserve(q, 10, &b));
  CHECK(b.data != a.data);
  /* Reserved but uncommitted positions are claimed (counted as enqueued)
   * yet invisible to consumers. */
  CHECK_EQ_INT(rk_queue_peek(q, &r), RK_E_EMPTY);

  /* Committing the later slot first must not let a consumer skip ahead. */
  fill_msg(b.data, 10, 2);
  rk_queue_commit(q, &b, 10);
  CHECK_EQ_INT(rk_queue_peek(q, &r), RK_E_EMPTY);
  fill_msg(a.data, 7, 1);
  rk_queue_commit(q, &a, 7); /* shorter than reserved */

  CHECK_OK(rk_queue_peek(q, &r));
  CHECK(r.data == a.data);
  CHECK_EQ_INT(r.len, 7);
  CHECK(msg_is(r.data, 7, 1));
  rk_slot_ref r2;
  CHECK_OK(rk_queue_peek(q, &r2));
  CHECK(r2.data == b.data && r2.len == 10 && msg_is(r2.data, 10, 2));
  CHECK_EQ_INT(rk_queue_peek(q, &r), RK_E_EMPTY);
  expect_stats(q, 2, 2, 0, 0, 2);

  /* Fill the two free slots; the two peeked ones are not yet released. */
  CHECK_OK(enqueue_tag(q, 3));
  CHECK_OK(enqueue_tag(q, 4));
  /* Releasing out of order: the slot of the next position stays busy
   * until its own consumer releases it. */
  rk_queue_release(q, &r2);
  CHECK_EQ_INT(enqueue_tag(q, 5), RK_E_FULL);
  rk_queue_release(q, &r);
  CHECK_OK(enqueue_tag(q, 5));
  CHECK_OK(enqueue_tag(q, 6));
  CHECK_EQ_INT(enqueue_tag(q, 7), RK_E_FULL);
  for (uint32_t t = 3; t <= 6; t++) expect_tag(q, t);
  expect_stats(q, 6, 6, 2, 0, 4);
  rk_queue_destroy(q);
}

static void test_small_dequeue_buffer(void) {
  rk_queue *q = new_queue(4, SLOT);
  uint8_t buf[SLOT];
  uint32_t len = 1234, lens[2];
  CHECK_OK(enqueue_tag(q, 5)); /* 5 bytes: fits, but the buffer must hold a slot */
  CHECK_EQ_INT(rk_queue_try_dequeue(q, buf, SLOT - 1, &len), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_dequeue(q, buf, SLOT - 1, &len, 1000), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_dequeue_batch(q, buf, SLOT - 1, lens, 1), RK_E_INVAL);
  CHECK_EQ_INT(len, 1234);
  expect_stats(q, 1, 0, 0, 0, 1);
  expect_tag(q, 5);
  rk_queue_destroy(q);
}

static void test_batches(void) {
  rk_queue *q = new_queue(8, SLOT);
  uint8_t msgs[10][SLOT];
  uint32_t lens[10];
  for (uint32_t i = 0; i < 10; i++) {
    lens[i] = msg_len(i * 7);
    fill_msg(msgs[i], lens[i], i * 7);
  }
  CHECK_EQ_INT(rk_queue_enqueue_batch(q, msgs, SLOT, lens, 0), 0);
  CHECK_EQ_INT(rk_queue_enqueue_batch(q, msgs, SLOT, lens, 5), 5);
  CHECK_EQ_INT(rk_queue_enqueue_batch(q, msgs[5], SLOT, lens + 5, 5), 3); /* partial */
  CHECK_EQ_INT(rk_queue_enqueue_batch(q, msgs[8], SLOT, lens + 8, 2), RK_E_FULL);
  expect_stats(q, 8, 0, 2, 0, 8);

  uint8_t out[10][SLOT + 8];
  uint32_t olens[10];
  CHECK_EQ_INT(rk_queue_dequeue_batch(q, out, SLOT + 8, olens, 0), 0);
  CHECK_EQ_INT(rk_queue_dequeue_batch(q, out, SLOT + 8, olens, 3), 3);
  CHECK_EQ_INT(rk_queue_dequeue_batch(q, out[3], SLOT + 8, olens + 3, 7), 5); /* partial */
  for (uint32_t i = 0; i < 8; i++) {
    CHECK_EQ_INT(olens[i], lens[i]);
    CHECK(msg_is(out[i], olens[i], i * 7));
  }
  CHECK_EQ_INT(rk_queue_dequeue_batch(q, out, SLOT + 8, olens, 2), RK_E_EMPTY);

  /* A length beyond the batch stride: refused first, else cuts the batch. */
  uint32_t bad[3] = {4, SLOT + 1, 4};
  CHECK_EQ_INT(rk_queue_enqueue_batch(q, msgs, SLOT, bad + 1, 2), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_enqueue_batch(q, msgs, SLOT, bad, 3), 1);
  /* Longer than the slot but within the caller's stride: oversize. */
  uint8_t wide[2][SLOT + 8];
  uint32_t wlens[2] = {SLOT + 8, 1};
  CHECK_EQ_INT(rk_queue_enqueue_batch(q, wide, SLOT + 8, wlens, 2), RK_E_OVERSIZE);
  CHECK_EQ_INT(rk_queue_enqueue_batch(NULL, msgs, SLOT, lens, 1), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_enqueue_batch(q, NULL, SLOT, lens, 1), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_enqueue_batch(q, msgs, SLOT, NULL, 1), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_dequeue_batch(q, NULL, SLOT, olens, 1), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_dequeue_batch(q, out, SLOT + 8, NULL, 1), RK_E_INVAL);
  /* Counts that an int return value could not report. */
  CHECK_EQ_INT(rk_queue_enqueue_batch(q, msgs, SLOT, lens, 0x80000000u), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_dequeue_batch(q, out, SLOT + 8, olens, UINT32_MAX), RK_E_INVAL);
  expect_stats(q, 9, 8, 2, 1, 8);
  rk_queue_destroy(q);
}

/* Runs claimed with one CAS: as many consecutive slots as are free (or
 * messages as are committed), never past one that is not, never past the
 * capacity, across the ring's wrap; a run of none is no claim. */
static void test_runs(void) {
  rk_queue *q = new_queue(8, SLOT);
  uint64_t pos = UINT64_MAX;
  CHECK_EQ_INT(rk_queue_reserve_run(q, 0, &pos), 0);
  CHECK_EQ_INT(rk_queue_take_run(q, 4, &pos), 0); /* empty */
  CHECK_EQ_INT(rk_queue_reserve_run(q, 3, &pos), 3);
  CHECK_EQ_INT(pos, 0);
  /* publish 0 and 2, not 1: a take stops before the gap */
  for (uint32_t i = 0; i < 3; i += 2) {
    rk_slot_ref ref;
    rk_slot_ref_set(&ref, rk_queue_slot(q, i), i, 1);
    ref.data[0] = (uint8_t)i;
    rk_queue_publish(&ref, 1);
  }
  CHECK_EQ_INT(rk_queue_take_run(q, 8, &pos), 1);
  CHECK_EQ_INT(pos, 0);
  rk_slot_ref r0;
  rk_slot_ref_set(&r0, rk_queue_slot(q, 0), 0, 1);
  rk_queue_release(q, &r0);
  CHECK_EQ_INT(rk_queue_take_run(q, 8, &pos), 0); /* 1 is not committed */
  rk_slot_ref r1;
  rk_slot_ref_set(&r1, rk_queue_slot(q, 1), 1, 1);
  r1.data[0] = 1;
  rk_queue_publish(&r1, 1);
  CHECK_EQ_INT(rk_queue_take_run(q, 8, &pos), 2);
  CHECK_EQ_INT(pos, 1);
  for (uint32_t i = 1; i < 3; i++) {
    rk_slot_ref ref;
    rk_slot_ref_set(&ref, rk_queue_slot(q, i), i, 1);
    CHECK_EQ_INT(ref.slot->len, 1);
    CHECK_EQ_INT(ref.data[0], i);
    rk_queue_release(q, &ref);
  }
  /* the rest of the ring and past its end: at most the capacity, and a
   * run stops at a slot the consumers still hold */
  CHECK_EQ_INT(rk_queue_reserve_run(q, 100, &pos), 8);
  CHECK_EQ_INT(pos, 3);
  CHECK_EQ_INT(rk_queue_reserve_run(q, 1, &pos), 0); /* full */
  for (uint32_t i = 0; i < 8; i++) {
    rk_slot_ref ref;
    rk_slot_ref_set(&ref, rk_queue_slot(q, 3 + i), 3 + i, 0);
    rk_queue_publish(&ref, 0);
  }
  rk_queue_note_commit(q, 10);
  CHECK_EQ_INT(rk_queue_take_run(q, 5, &pos), 5);
  CHECK_EQ_INT(pos, 3);
  for (uint32_t i = 0; i < 5; i++) {
    rk_slot_ref ref;
    rk_slot_ref_set(&ref, rk_queue_slot(q, 3 + i), 3 + i, 0);
    rk_queue_release(q, &ref);
  }
  CHECK_EQ_INT(rk_queue_reserve_run(q, 9, &pos), 5); /* the 5 released */
  CHECK_EQ_INT(pos, 11);
  for (uint32_t i = 0; i < 5; i++) {
    rk_slot_ref ref;
    rk_slot_ref_set(&ref, rk_queue_slot(q, 11 + i), 11 + i, 0);
    rk_queue_publish(&ref, 0);
  }
  rk_queue_note_commit(q, 15);
  expect_stats(q, 16, 8, 0, 0, 8);
  rk_queue_destroy(q);
}

/* Many laps around a small ring at every fill level: positions keep
 * growing while slots are reused, and order and contents survive. */
static void test_wrap_around(void) {
  rk_queue *q = new_queue(4, SLOT);
  uint32_t next_in = 0, next_out = 0;
  for (uint32_t lap = 0; lap < 5000; lap++) {
    uint32_t k = 1 + lap % 4;
    for (uint32_t i = 0; i < k; i++) CHECK_OK(enqueue_tag(q, next_in++));
    for (uint32_t i = 0; i < k; i++) expect_tag(q, next_out++);
  }
  CHECK_EQ_INT(next_in, 12500);
  expect_stats(q, 12500, 12500, 0, 0, 4);
  /* Half-full the whole time: every slot index meets every fill level. */
  for (uint32_t i = 0; i < 2; i++) CHECK_OK(enqueue_tag(q, next_in++));
  for (uint32_t i = 0; i < 10001; i++) {
    CHECK_OK(enqueue_tag(q, next_in++));
    expect_tag(q, next_out++);
  }
  expect_stats(q, 12503 + 10000, 12500 + 10001, 0, 0, 4);
  rk_queue_destroy(q);
}

static void test_high_water(void) {
  rk_queue *q = new_queue(8, SLOT);
  uint32_t t = 0, u = 0;
  for (int i = 0; i < 5; i++) CHECK_OK(enqueue_tag(q, t++));
  for (int i = 0; i < 3; i++) expect_tag(q, u++);
  for (int i = 0; i < 2; i++) CHECK_OK(enqueue_tag(q, t++));
  expect_stats(q, 7, 3, 0, 0, 5); /* depth 4, but it was 5 */
  for (int i = 0; i < 3; i++) CHECK_OK(enqueue_tag(q, t++));
  expect_stats(q, 10, 3, 0, 0, 7);
  while (enqueue_tag(q, t) == RK_OK) t++;
  expect_stats(q, 11, 3, 1, 0, 8);
  rk_queue_destroy(q);
}

/* The smallest ring: every message alone fills it, every dequeue empties
 * it, alternating the copying and zero-copy forms on both sides. */
static void test_capacity_min(void) {
  rk_queue *q = NULL;
  CHECK_EQ_INT(rk_queue_create(&q, 1, 1), RK_E_INVAL);
  q = new_queue(RK_QUEUE_MIN_CAPACITY, 1);
  uint8_t in[2], out[1];
  uint32_t len = 0;
  rk_slot_ref ref = {0};
  for (uint32_t i = 0; i < 300; i++) {
    for (uint32_t k = 0; k < 2; k++) {
      in[k] = (uint8_t)(2 * i + k);
      if ((i + k) % 2) {
        CHECK_OK(rk_queue_try_enqueue(q, &in[k], 1));
      } else if (rk_queue_reserve(q, 1, &ref) == RK_OK) {
        ref.data[0] = in[k];
        rk_queue_commit(q, &ref, 1);
      } else {
        CHECK(!"reserve on a queue with a free slot");
      }
    }
    CHECK_EQ_INT(rk_queue_try_enqueue(q, in, 1), RK_E_FULL);
    CHECK_EQ_INT(rk_queue_reserve(q, 1, &ref), RK_E_FULL);
    for (uint32_t k = 0; k < 2; k++) {
      if ((i + k) % 3) {
        CHECK_OK(rk_queue_try_dequeue(q, out, 1, &len));
        CHECK(len == 1 && out[0] == in[k]);
      } else if (rk_queue_peek(q, &ref) == RK_OK) {
        CHECK(ref.len == 1 && ref.data[0] == in[k]);
        rk_queue_release(q, &ref);
      } else {
        CHECK(!"peek on a queue holding a message");
      }
    }
    CHECK_EQ_INT(rk_queue_try_dequeue(q, out, 1, &len), RK_E_EMPTY);
  }
  /* rk_queue_reserve's own FULL is not counted (callers poll it); the
   * copying form's is. */
  expect_stats(q, 600, 600, 300, 0, 2);
  rk_queue_destroy(q);
}

/* A set of queues (a sharded inbox): its size and layout, refusals, which
 * queue a key picks, each queue's own FIFO and full state, and the
 * counters added up (the high-water mark is one queue's). */
static void test_sets(void) {
  size_t one = rk_queue_bytes(4, SLOT);
  size_t step = (one + RK_CACHELINE - 1) & ~(size_t)(RK_CACHELINE - 1);
  CHECK_EQ_INT(rk_queue_set_bytes(1, 4, SLOT), one);
  CHECK_EQ_INT(rk_queue_set_bytes(4, 4, SLOT), 3 * step + one);
  /* 2 slots of 48 bytes: 352 bytes, padded to 384 for the next header */
  CHECK_EQ_INT(rk_queue_set_bytes(2, 2, 32), 384 + 352);
  CHECK_EQ_INT(rk_queue_set_bytes(0, 4, SLOT), 0);
  CHECK_EQ_INT(rk_queue_set_bytes(3, 4, SLOT), 0);
  CHECK_EQ_INT(rk_queue_set_bytes(2 * RK_QUEUE_MAX_SHARDS, 4, SLOT), 0);
  CHECK_EQ_INT(rk_queue_set_bytes(2, 3, SLOT), 0);
  rk_queue *q = NULL;
  CHECK_EQ_INT(rk_queue_set_create(&q, 6, 4, SLOT), RK_E_INVAL);
  CHECK(q == NULL);
  uint8_t *mem = aligned_alloc(RK_CACHELINE, 4 * step);
  if (mem == NULL) abort();
  CHECK_EQ_INT(rk_queue_set_init(mem, 3 * step + one - 1, 4, 4, SLOT), RK_E_INVAL);
  CHECK_OK(rk_queue_set_init(mem, 3 * step + one, 4, 4, SLOT));
  q = (rk_queue *)mem;
  for (uint32_t i = 0; i < 4; i++) {
    rk_queue *s = rk_queue_shard(q, i);
    CHECK(s == (rk_queue *)(mem + i * step));
    CHECK_OK(rk_queue_validate(s));
    CHECK_EQ_INT(s->shard, i);
    CHECK_EQ_INT(s->shards, 4);
    CHECK(rk_queue_shard(q, i + 4) == s && rk_queue_shard(q, i + 4000) == s);
  }
  /* a queue alone is its own for every key */
  rk_queue *alone = new_queue(4, SLOT);
  CHECK(rk_queue_shard(alone, 7) == alone && alone->shards == 1);
  /* key 1: five messages, four fit; key 2: two; the others stay empty */
  for (uint32_t t = 0; t < 4; t++) CHECK_OK(enqueue_tag(rk_queue_shard(q, 1), t));
  CHECK_EQ_INT(enqueue_tag(rk_queue_shard(q, 5), 4), RK_E_FULL);
  CHECK_OK(enqueue_tag(rk_queue_shard(q, 2), 10));
  CHECK_OK(enqueue_tag(rk_queue_shard(q, 6), 11));
  uint8_t buf[SLOT];
  uint32_t len;
  CHECK_EQ_INT(rk_queue_try_dequeue(rk_queue_shard(q, 0), buf, sizeof buf, &len), RK_E_EMPTY);
  CHECK_EQ_INT(rk_queue_try_dequeue(rk_queue_shard(q, 3), buf, sizeof buf, &len), RK_E_EMPTY);
  rk_queue_stats s;
  rk_queue_set_stats(q, &s);
  CHECK_EQ_INT(s.enqueued, 6);
  CHECK_EQ_INT(s.depth, 6);
  CHECK_EQ_INT(s.rejected_full, 1);
  CHECK_EQ_INT(s.high_water, 4);
  for (uint32_t t = 0; t < 2; t++) expect_tag(rk_queue_shard(q, 1), t);
  expect_tag(rk_queue_shard(q, 2), 10);
  expect_tag(rk_queue_shard(q, 2), 11);
  expect_tag(rk_queue_shard(q, 1), 2);
  rk_queue_set_stats(q, &s);
  CHECK_EQ_INT(s.dequeued, 5);
  CHECK_EQ_INT(s.depth, 1);
  /* only a set's first queue adds up the set */
  expect_stats(q, 0, 0, 0, 0, 0);
  /* a damaged set geometry is refused */
  rk_queue_shard(q, 3)->shard = 4;
  CHECK_EQ_INT(rk_queue_validate(rk_queue_shard(q, 3)), RK_E_INVAL);
  rk_queue_shard(q, 2)->shard_bytes = step + RK_CACHELINE;
  CHECK_EQ_INT(rk_queue_validate(rk_queue_shard(q, 2)), RK_E_INVAL);
  free(mem);
  rk_queue_destroy(alone);
  CHECK_OK(rk_queue_set_create(&q, RK_QUEUE_MAX_SHARDS, 2, 1));
  CHECK(q != NULL && rk_queue_shard(q, RK_QUEUE_MAX_SHARDS - 1)->shard == RK_QUEUE_MAX_SHARDS - 1);
  rk_queue_destroy(q);
}

int main(void) {
  test_sets();
  test_sizes();
  test_init_validation();
  test_fifo_full_empty();
  test_timed();
  test_zero_copy();
  test_small_dequeue_buffer();
  test_batches();
  test_runs();
  test_wrap_around();
  test_high_water();
  test_capacity_min();
  return CHECK_DONE("test_queue");
}
