/* queue.c - host-side queue set-up, waiting and batch forms.
 *
 * The lock-free operations themselves are RK_HD inline functions in
 * include/ringk/queue.h, shared with device code; this file adds what only
 * the host does: allocating, validating, timed waits and batches. */
#include "ringk/queue.h"

#include <stdlib.h>

#include "core/wait.h"

static int is_pow2(uint32_t x) { return x != 0 && (x & (x - 1)) == 0; }

size_t rk_queue_bytes(uint32_t capacity, uint32_t slot_size) {
  if (!is_pow2(capacity) || capacity < RK_QUEUE_MIN_CAPACITY ||
      capacity > RK_QUEUE_MAX_CAPACITY)
    return 0;
  if (slot_size == 0 || slot_size > RK_QUEUE_MAX_SLOT) return 0;
  /* At most 2^30 slots of at most 2^24+16 bytes: fits in 64 bits. */
  return sizeof(rk_queue) + (size_t)capacity * rk_queue_stride_for(slot_size);
}

int rk_queue_init(void *mem, size_t bytes, uint32_t capacity, uint32_t slot_size) {
  return rk_queue_set_init(mem, bytes, 1, capacity, slot_size);
}

static size_t round_to_line(size_t bytes) {
  return (bytes + RK_CACHELINE - 1) & ~(size_t)(RK_CACHELINE - 1);
}

size_t rk_queue_shard_bytes(uint32_t capacity, uint32_t slot_size) {
  /* padded to a line, so that every header of a set is aligned */
  return round_to_line(rk_queue_bytes(capacity, slot_size));
}

size_t rk_queue_set_bytes(uint32_t shards, uint32_t capacity, uint32_t slot_size) {
  size_t one = rk_queue_bytes(capacity, slot_size);
  if (one == 0 || !is_pow2(shards) || shards > RK_QUEUE_MAX_SHARDS) return 0;
  /* one shard is exactly rk_queue_bytes */
  return (shards - 1) * rk_queue_shard_bytes(capacity, slot_size) + one;
}

int rk_queue_set_init(void *mem, size_t bytes, uint32_t shards, uint32_t capacity,
                      uint32_t slot_size) {
  size_t need = rk_queue_set_bytes(shards, capacity, slot_size);
  if (mem == NULL || need == 0 || bytes < need) return RK_E_INVAL;
  if (((uintptr_t)mem & (RK_CACHELINE - 1)) != 0) return RK_E_INVAL;
  size_t step = rk_queue_shard_bytes(capacity, slot_size);
  for (uint32_t i = 0; i < shards; i++) {
    rk_queue *q = (rk_queue *)((uint8_t *)mem + step * i);
    rk_queue_lay_out_header(q, capacity, slot_size);
    q->shards = shards;
    q->shard = i;
    q->shard_bytes = shards > 1 ? step : 0;
    rk_queue_lay_out_slots(q, 0, 1);
  }
  return RK_OK;
}

int rk_queue_create(rk_queue **out, uint32_t capacity, uint32_t slot_size) {
  return rk_queue_set_create(out, 1, capacity, slot_size);
}

int rk_queue_set_create(rk_queue **out, uint32_t shards, uint32_t capacity, uint32_t slot_size) {
  if (out == NULL) return RK_E_INVAL;
  *out = NULL;
  size_t bytes = rk_queue_set_bytes(shards, capacity, slot_size);
  if (bytes == 0) return RK_E_INVAL;
  /* aligned_alloc wants a multiple of the alignment. */
  size_t rounded = round_to_line(bytes);
  void *mem = aligned_alloc(RK_CACHELINE, rounded);
  if (mem == NULL) return RK_E_NOMEM;
  int rc = rk_queue_set_init(mem, rounded, shards, capacity, slot_size);
  if (rc != RK_OK) {
    free(mem);
    return rc;
  }
  *out = (rk_queue *)mem;
  return RK_OK;
}

void rk_queue_destroy(rk_queue *q) { free(q); }

int rk_queue_validate(const rk_queue *q) {
  if (q == NULL || q->magic != RK_QUEUE_MAGIC) return RK_E_INVAL;
  if (rk_queue_bytes(q->capacity, q->slot_size) == 0) return RK_E_INVAL;
  if (q->mask != (uint64_t)q->capacity - 1 || q->stride != rk_queue_stride_for(q->slot_size))
    return RK_E_INVAL;
  if (rk_queue_set_bytes(q->shards, q->capacity, q->slot_size) == 0 || q->shard >= q->shards)
    return RK_E_INVAL;
  if (q->shards > 1 && q->shard_bytes != rk_queue_shard_bytes(q->capacity, q->slot_size))
    return RK_E_INVAL;
  return RK_OK;
}

int rk_queue_reserve_wait(rk_queue *q, uint32_t len, rk_slot_ref *ref, uint64_t timeout_ns) {
  int rc = rk_queue_reserve(q, len, ref);
  if (rc != RK_E_FULL) return rc;
  uint64_t pos, deadline = 0;
  uint32_t n;
  rc = rk_queue_reserve_run_wait(q, 1, &pos, &n, timeout_ns, &deadline);
  if (rc == RK_OK) rk_slot_ref_set(ref, rk_queue_slot(q, pos), pos, len);
  return rc;
}

/* Claims up to max consecutive positions on the side named by ctr (&q->head
 * to fill slots, want 0; &q->tail to take messages, want 1) with one CAS:
 * the run of slots from ctr whose seq is pos + want. */
static uint32_t claim_run(rk_queue *q, uint64_t *ctr, uint64_t want, uint32_t max,
                          uint64_t *pos) {
  if (max == 0) return 0;
  if (max > q->capacity) max = q->capacity;
  /* relaxed: the counter only hands out positions; the slots' seqs carry data. */
  uint64_t at = rk_load_relaxed_u64(ctr);
  for (;;) {
    uint32_t n = 0;
    int64_t dif = 0;
    while (n < max) {
      /* acquire: pairs with the release of the seq (a commit, when taking;
       * the consumer's release, when filling), so that side's accesses to
       * the bytes happen before ours. */
      uint64_t seq = rk_load_acquire_u64(&rk_queue_slot(q, at + n)->seq);
      dif = (int64_t)(seq - (at + n + want));
      if (dif != 0) break;
      n++;
    }
    if (n == 0 && dif < 0) return 0; /* full (filling) or empty (taking) */
    if (n != 0 && rk_cas_relaxed_u64(ctr, &at, at + n)) {
      *pos = at;
      return n;
    }
    /* the counter moved on (a lost CAS left its value in at) */
    if (n == 0) at = rk_load_relaxed_u64(ctr);
  }
}

uint32_t rk_queue_reserve_run(rk_queue *q, uint32_t max, uint64_t *pos) {
  return claim_run(q, &q->head, 0, max, pos);
}

uint32_t rk_queue_take_run(rk_queue *q, uint32_t max, uint64_t *pos) {
  return claim_run(q, &q->tail, 1, max, pos);
}

int rk_queue_reserve_run_wait(rk_queue *q, uint32_t max, uint64_t *pos, uint32_t *n,
                              uint64_t timeout_ns, uint64_t *deadline) {
  rk_backoff b;
  rk_backoff_reset(&b);
  while ((*n = rk_queue_reserve_run(q, max, pos)) == 0) {
    if (*deadline == 0) *deadline = rk_deadline(timeout_ns);
    if (rk_now_ns() >= *deadline) {
      rk_fetch_add_relaxed_u64(&q->rejected_full, 1);
      return timeout_ns ? RK_E_TIMEOUT : RK_E_FULL;
    }
    rk_backoff_wait(&b);
  }
  return RK_OK;
}

int rk_queue_peek_wait(rk_queue *q, rk_slot_ref *ref, uint64_t timeout_ns) {
  return rk_queue_peek_wait_naps(q, ref, timeout_ns, 1);
}

int rk_queue_peek_wait_naps(rk_queue *q, rk_slot_ref *ref, uint64_t timeout_ns, int naps) {
  int rc = rk_queue_peek(q, ref);
  if (rc != RK_E_EMPTY || timeout_ns == 0) return rc;
  uint64_t deadline = rk_deadline(timeout_ns);
  rk_backoff b;
  rk_backoff_start(&b, naps);
  while ((rc = rk_queue_peek(q, ref)) == RK_E_EMPTY) {
    if (rk_now_ns() >= deadline) return RK_E_TIMEOUT;
    rk_backoff_wait_on(&b, q, 1);
  }
  return rc;
}

int rk_queue_enqueue(rk_queue *q, const void *msg, uint32_t len, uint64_t timeout_ns) {
  if (q == NULL || (msg == NULL && len != 0)) return RK_E_INVAL;
  rk_slot_ref ref;
  int rc = rk_queue_reserve_wait(q, len, &ref, timeout_ns);
  if (rc != RK_OK) return rc;
  rk_copy_msg(ref.data, msg, len); /* (NULL, 0) is an empty message */
  rk_queue_commit(q, &ref, len);
  return RK_OK;
}

int rk_queue_dequeue(rk_queue *q, void *buf, uint32_t cap, uint32_t *len,
                     uint64_t timeout_ns) {
  if (q == NULL || buf == NULL || len == NULL) return RK_E_INVAL;
  if (cap < q->slot_size) return RK_E_INVAL;
  rk_slot_ref ref;
  int rc = rk_queue_peek_wait(q, &ref, timeout_ns);
  if (rc != RK_OK) return rc;
  rk_copy_msg(buf, ref.data, ref.len);
  *len = ref.len;
  rk_queue_release(q, &ref);
  return RK_OK;
}

int rk_queue_enqueue_batch(rk_queue *q, const void *msgs, uint32_t stride,
                           const uint32_t *lens, uint32_t n) {
  if (q == NULL || (n != 0 && (msgs == NULL || lens == NULL))) return RK_E_INVAL;
  if (n > INT32_MAX) return RK_E_INVAL; /* the count is returned as an int */
  const uint8_t *p = (const uint8_t *)msgs;
  uint32_t done = 0;
  while (done < n) {
    /* the next run: the messages that fit the caller's stride and a slot */
    uint32_t want = 0;
    while (done + want < n && want < q->capacity && lens[done + want] <= stride &&
           lens[done + want] <= q->slot_size)
      want++;
    uint64_t pos;
    uint32_t got = want ? rk_queue_reserve_run(q, want, &pos) : 0;
    if (got == 0) {
      int rc = RK_E_FULL;
      if (want == 0) rc = lens[done] > stride ? RK_E_INVAL : RK_E_OVERSIZE;
      if (rc == RK_E_FULL) rk_fetch_add_relaxed_u64(&q->rejected_full, 1);
      if (rc == RK_E_OVERSIZE) rk_fetch_add_relaxed_u64(&q->rejected_oversize, 1);
      return done ? (int)done : rc;
    }
    for (uint32_t i = 0; i < got; i++, done++) {
      rk_slot_ref ref;
      rk_slot_ref_set(&ref, rk_queue_slot(q, pos + i), pos + i, lens[done]);
      rk_copy_msg(ref.data, p + (size_t)done * stride, lens[done]);
      rk_queue_publish(&ref, lens[done]);
    }
    rk_queue_note_commit(q, pos + got - 1);
  }
  return (int)n;
}

int rk_queue_dequeue_batch(rk_queue *q, void *bufs, uint32_t stride,
                           uint32_t *lens, uint32_t n) {
  if (q == NULL || (n != 0 && (bufs == NULL || lens == NULL))) return RK_E_INVAL;
  if (n > INT32_MAX) return RK_E_INVAL;
  if (stride < q->slot_size) return RK_E_INVAL;
  uint8_t *p = (uint8_t *)bufs;
  uint32_t done = 0;
  while (done < n) {
    uint64_t pos;
    uint32_t got = rk_queue_take_run(q, n - done, &pos);
    if (got == 0) return done ? (int)done : RK_E_EMPTY;
    for (uint32_t i = 0; i < got; i++, done++) {
      rk_slot_ref ref;
      rk_slot_ref_set(&ref, rk_queue_slot(q, pos + i), pos + i, 0);
      lens[done] = ref.slot->len;
      rk_copy_msg(p + (size_t)done * stride, ref.data, lens[done]);
      rk_queue_release(q, &ref);
    }
  }
  return (int)n;
}

void rk_queue_stats_get(const rk_queue *q, rk_queue_stats *out) {
  /* relaxed: a snapshot of independent counters; exact once quiescent. */
  out->enqueued = rk_load_relaxed_u64(&q->head);
  out->dequeued = rk_load_relaxed_u64(&q->tail);
  out->rejected_full = rk_load_relaxed_u64(&q->rejected_full);
  out->rejected_oversize = rk_load_relaxed_u64(&q->rejected_oversize);
  out->high_water = rk_load_relaxed_u64(&q->high_water);
  out->depth = out->enqueued > out->dequeued ? out->enqueued - out->dequeued : 0;
}

void rk_queue_stats_add(rk_queue_stats *sum, const rk_queue_stats *one) {
  sum->enqueued += one->enqueued;
  sum->dequeued += one->dequeued;
  sum->rejected_full += one->rejected_full;
  sum->rejected_oversize += one->rejected_oversize;
  if (one->high_water > sum->high_water) sum->high_water = one->high_water;
  sum->depth += one->depth;
}

void rk_queue_set_stats(const rk_queue *q, rk_queue_stats *out) {
  memset(out, 0, sizeof *out);
  for (uint32_t i = 0; i < q->shards; i++) {
    rk_queue_stats one;
    rk_queue_stats_get(rk_queue_shard((rk_queue *)q, i), &one);
    rk_queue_stats_add(out, &one);
  }
}
