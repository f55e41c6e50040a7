/* queue.h - bounded MPMC ring of fixed-size slots, one layout for CPU and GPU.
 *
 * The design is Vyukov's bounded MPMC queue: each slot carries a sequence
 * number that says whose turn it is, so producers and consumers claim
 * positions with one CAS on head or tail and then own the slot's bytes until
 * they publish it with a release store of the slot's sequence. That gives:
 * no locks, FIFO per producer (positions are claimed in order), and
 * zero-copy use (reserve -> encode in place -> commit, peek -> decode in
 * place -> release) because a claimed slot belongs to one thread only.
 *
 * The queue is one contiguous, pointer-free block: this header, then
 * capacity slots of `stride` bytes. Being pointer-free, the same block works
 * in host memory, device memory and mapped pinned memory, and the CUDA
 * backend uses these very functions. Head, tail and the counters sit on
 * their own cache lines so that producers and consumers do not share one.
 *
 * Counters: enqueued == head and dequeued == tail (positions are claimed
 * once and never abandoned: every reserve must be committed, every peek
 * released). Full and oversize rejections and the high-water mark are kept
 * beside them. */
#ifndef RINGK_QUEUE_H
#define RINGK_QUEUE_H

#include "ringk/error.h"
#include "ringk/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RK_QUEUE_MAGIC 0x51524B52u   /* "RKRQ" */
/* At least two slots: with one, "holds the message of pos" (seq == pos+1)
 * and "free for the producer of pos+1" (seq == pos+1) would be the same
 * state, and a second enqueue would overwrite the unconsumed message. */
#define RK_QUEUE_MIN_CAPACITY 2u
#define RK_QUEUE_MAX_CAPACITY (1u << 30)
#define RK_QUEUE_MAX_SLOT (1u << 24) /* 16 MiB: larger is surely a mistake */
#define RK_SLOT_ALIGN 16u            /* 16-byte vector access on the GPU */
#define RK_QUEUE_MAX_SHARDS 32u      /* queues in a set: a host waiter's limit */

typedef struct rk_queue {
  /* line 0: set once by rk_queue_init, read-only afterwards */
  uint32_t magic;
  uint32_t capacity;    /* slots; a power of two, >= 2 */
  uint32_t slot_size;   /* largest message (bytes) a slot holds */
  uint32_t stride;      /* bytes from one slot to the next */
  uint64_t mask;        /* capacity - 1 */
  uint64_t shard_bytes; /* bytes from one queue of a set to the next */
  uint32_t shards;      /* queues in its set (rk_queue_set_init); 1 alone */
  uint32_t shard;       /* its index in the set */
  uint8_t pad0_[RK_CACHELINE - 40];
  /* line 1: producers */
  uint64_t head;        /* next position to claim for enqueue */
  uint8_t pad1_[RK_CACHELINE - 8];
  /* line 2: consumers */
  uint64_t tail;        /* next position to claim for dequeue */
  uint8_t pad2_[RK_CACHELINE - 8];
  /* line 3: counters touched only off the fast path (or rarely), and the
   * host's sleeping consumers (rk_queue_wake) */
  uint64_t rejected_full;
  uint64_t rejected_oversize;
  uint64_t high_water;
  uint32_t sleepers;    /* host threads asleep waiting for a message */
  uint32_t wake_seq;    /* the word they sleep on; bumped to wake them */
  uint32_t *wake_word;  /* host: the word to bump instead (a thread that
                           sleeps for several queues), or NULL */
  uint8_t pad3_[RK_CACHELINE - 40];
} rk_queue;

/* Each slot: this 16-byte header, then slot_size bytes of message. */
typedef struct rk_slot {
  uint64_t seq;   /* == pos: free for the producer of pos;
                     == pos+1: holds the message of pos */
  uint32_t len;   /* bytes of message in the slot */
  uint32_t reserved_;
} rk_slot;

RK_STATIC_ASSERT(sizeof(rk_queue) == 4 * RK_CACHELINE, "queue header is 4 lines");
RK_STATIC_ASSERT(offsetof(rk_queue, shards) == 32, "a set's geometry on line 0, beside the queue's");
RK_STATIC_ASSERT(offsetof(rk_queue, head) == RK_CACHELINE, "head on line 1");
RK_STATIC_ASSERT(offsetof(rk_queue, tail) == 2 * RK_CACHELINE, "tail on line 2");
RK_STATIC_ASSERT(offsetof(rk_queue, rejected_full) == 3 * RK_CACHELINE, "counters on line 3");
RK_STATIC_ASSERT(offsetof(rk_queue, wake_seq) == 3 * RK_CACHELINE + 28, "sleepers on line 3");
RK_STATIC_ASSERT(offsetof(rk_queue, wake_word) == 3 * RK_CACHELINE + 32, "wake_word on line 3");
RK_STATIC_ASSERT(sizeof(rk_slot) == 16, "slot header is 16 bytes");

/* A claimed slot, between reserve and commit or between peek and release. */
typedef struct rk_slot_ref {
  rk_slot *slot;
  uint8_t *data;   /* slot_size bytes, owned by the claimer */
  uint64_t pos;
  uint32_t len;    /* after peek: bytes of the message */
} rk_slot_ref;

/* Counters as read by rk_queue_stats. */
typedef struct rk_queue_stats {
  uint64_t enqueued;
  uint64_t dequeued;
  uint64_t rejected_full;
  uint64_t rejected_oversize;
  uint64_t high_water;
  uint64_t depth;
} rk_queue_stats;

RK_INLINE uint32_t rk_queue_stride_for(uint32_t slot_size) {
  return (uint32_t)((sizeof(rk_slot) + (uint64_t)slot_size + RK_SLOT_ALIGN - 1) &
                    ~(uint64_t)(RK_SLOT_ALIGN - 1));
}

RK_INLINE rk_slot *rk_queue_slot(const rk_queue *q, uint64_t pos) {
  return (rk_slot *)((uint8_t *)q + sizeof(rk_queue) + (size_t)(pos & q->mask) * q->stride);
}

RK_INLINE void rk_slot_ref_set(rk_slot_ref *ref, rk_slot *s, uint64_t pos, uint32_t len) {
  ref->slot = s;
  ref->data = (uint8_t *)(s + 1);
  ref->pos = pos;
  ref->len = len;
}

/* Lays out an empty queue at q, whose arguments rk_queue_init (or the
 * caller) checked: the header, then the sequences of slots first,
 * first + step, ... (a GPU warp shares them out by lane). */
RK_INLINE void rk_queue_lay_out_header(rk_queue *q, uint32_t capacity, uint32_t slot_size) {
  memset(q, 0, sizeof *q);
  q->magic = RK_QUEUE_MAGIC;
  q->capacity = capacity;
  q->slot_size = slot_size;
  q->stride = rk_queue_stride_for(slot_size);
  q->mask = capacity - 1;
  q->shards = 1;
}

/* ---- sets: one queue's worth of traffic spread over several heads --------
 * A set is `shards` queues laid out back to back (rk_queue_set_init), each
 * of the same geometry, addressed by its first. A producer always sends to
 * the same queue of a set, so FIFO per producer holds; consumers take from
 * every queue of it. Under contention one head's CAS hands out claims at
 * one per round trip to it, whoever wins: a set multiplies that rate by
 * its shards (a GPU's bare rings of 64-byte slots, 528+528 warps: 40 M
 * msg/s with one head, 128 M with two, 258 M with four, 462 M with eight). */

/* The queue of q's set (q its first) that key's messages go to: key modulo
 * the shards, a power of two. A queue alone is its own. */
RK_INLINE rk_queue *rk_queue_shard(rk_queue *q, uint32_t key) {
  return (rk_queue *)((uint8_t *)q + (size_t)(key & (q->shards - 1)) * q->shard_bytes);
}

RK_INLINE void rk_queue_lay_out_slots(rk_queue *q, uint64_t first, uint64_t step) {
  for (uint64_t i = first; i < q->capacity; i += step) {
    rk_slot *s = rk_queue_slot(q, i);
    s->seq = i;
    s->len = 0;
    s->reserved_ = 0;
  }
}

#if defined(__CUDA_ARCH__)
/* Device form of the claim below: the lanes of a warp that reserve in the
 * same queue at the same moment claim together. Lane rank r of the group
 * checks the slot at head + r; the leading run of free slots is claimed by
 * the group's first lane with one CAS, and lanes past it go round again.
 * Without this, lanes sending at once would each pay a CAS round trip to L2
 * and all but one would lose it. Ranks follow lane order, so a handler's
 * sends keep their order, and no lane ever waits on a slot it saw busy.
 * The seqs are read relaxed and a won slot is acquired by one fence, as in
 * rk_warp_claim: an acquire load on every attempt invalidated the SM's L1
 * each time, under contention many times a send. A lost CAS is followed by
 * a fresh read of head: trying again at the head the CAS returned, a round
 * trip sooner, left K2K throughput at 13-14 M msg/s at every size on an
 * H200, where this reaches 23-26 M. */
__device__ static inline int rk_queue_reserve_dev(rk_queue *q, uint32_t len, rk_slot_ref *ref) {
  uint32_t below;
  asm("mov.u32 %0, %%lanemask_lt;" : "=r"(below));
  for (;;) {
    uint32_t peers = __match_any_sync(__activemask(), (unsigned long long)(uintptr_t)q);
    int leader = __ffs(peers) - 1;
    uint32_t rank = (uint32_t)__popc(peers & below);
    /* relaxed: head only hands out positions; the slot's seq carries the data. */
    uint64_t head = __shfl_sync(peers, rank == 0 ? rk_load_relaxed_u64(&q->head) : 0, leader);
    uint64_t pos = head + rank;
    rk_slot *s = rk_queue_slot(q, pos);
    int64_t dif = 1; /* ranks past the capacity would alias a lower rank's slot */
    /* relaxed: the fence below makes it an acquire once the slot is ours. */
    if (rank < q->capacity) dif = (int64_t)(rk_load_relaxed_u64(&s->seq) - pos);
    uint32_t busy = __ballot_sync(peers, dif != 0) & peers;
    uint32_t n = busy ? (uint32_t)__popc(peers & ((1u << (__ffs(busy) - 1)) - 1u))
                      : (uint32_t)__popc(peers);
    if (n == 0) {
      if (__shfl_sync(peers, dif, leader) < 0) return RK_E_FULL;
      continue; /* head moved on */
    }
    int won = 0;
    if (rank == 0) {
      uint64_t expect = head;
      won = rk_cas_relaxed_u64(&q->head, &expect, head + n);
    }
    if (__shfl_sync(peers, won, leader) && rank < n) {
      /* acquire (the queue's scope): pairs with the consumer's release of
       * the seq we read, so its reads of the old message come before our
       * writes. */
      rk_fence_acquire_for(q);
      /* s, not rk_queue_slot again: the fence dropped the header's line
       * from L1, and reading it back would cost a round trip */
      rk_slot_ref_set(ref, s, pos, len);
      return RK_OK;
    }
  }
}
#endif

/* Claims the next position for a message of len bytes. RK_E_FULL when the
 * slot at head still holds an unconsumed message (the queue is full). */
RK_INLINE int rk_queue_reserve(rk_queue *q, uint32_t len, rk_slot_ref *ref) {
  if (len > q->slot_size) {
    rk_fetch_add_relaxed_u64(&q->rejected_oversize, 1);
    return RK_E_OVERSIZE;
  }
#if defined(__CUDA_ARCH__)
  return rk_queue_reserve_dev(q, len, ref);
#else
  /* relaxed: head only hands out positions; the slot's seq carries the data. */
  uint64_t pos = rk_load_relaxed_u64(&q->head);
  for (;;) {
    rk_slot *s = rk_queue_slot(q, pos);
    /* acquire: pairs with the consumer's release in rk_queue_release, so its
     * reads of the old message happen before our writes of the new one. */
    uint64_t seq = rk_load_acquire_u64(&s->seq);
    int64_t dif = (int64_t)(seq - pos);
    if (dif == 0) {
      if (rk_cas_relaxed_u64(&q->head, &pos, pos + 1)) {
        rk_slot_ref_set(ref, s, pos, len);
        return RK_OK;
      }
    } else if (dif < 0) {
      return RK_E_FULL;
    } else {
      pos = rk_load_relaxed_u64(&q->head);
    }
  }
#endif
}

#if !defined(__CUDA_ARCH__)
/* Wakes the host threads asleep on q (src/core/wait.c, beside the sleep);
 * a commit calls it when there are any. */
void rk_queue_wake(rk_queue *q);

/* Host: claims up to max consecutive free positions with one CAS on head,
 * for a producer with a run of messages to send. Returns how many (0: the
 * queue is full), the first in *pos; the caller publishes each
 * (rk_queue_publish), then notes the run (rk_queue_note_commit). */
uint32_t rk_queue_reserve_run(rk_queue *q, uint32_t max, uint64_t *pos);

/* rk_queue_reserve_run, backing off while the queue is full until
 * *deadline; a *deadline of 0 is set timeout_ns ahead at the first wait, so
 * that several claims sharing it wait timeout_ns in all. RK_OK with *n >= 1,
 * else RK_E_FULL (timeout 0) or RK_E_TIMEOUT, counted in rejected_full. */
int rk_queue_reserve_run_wait(rk_queue *q, uint32_t max, uint64_t *pos, uint32_t *n,
                              uint64_t timeout_ns, uint64_t *deadline);

/* Host: claims up to max consecutive committed messages with one CAS on
 * tail, for a consumer that drains many at once. Returns how many (0: the
 * oldest is not committed, or there is none), the first in *pos; the caller
 * reads each and hands it back (rk_queue_release). */
uint32_t rk_queue_take_run(rk_queue *q, uint32_t max, uint64_t *pos);
#endif

/* Makes a reserved slot's message, of len bytes (<= the reserved len),
 * visible to consumers. rk_queue_commit does this and the bookkeeping; a
 * producer that filled a run of slots publishes each, then notes the run
 * once (rk_queue_note_commit). */
RK_INLINE void rk_queue_publish(rk_slot_ref *ref, uint32_t len) {
  ref->slot->len = len;
  /* release: the message bytes and len become visible with the new seq. */
  rk_store_release_u64(&ref->slot->seq, ref->pos + 1);
}

/* After publishing positions up to last: the high-water mark, and (host)
 * the wake-up of consumers asleep on q. */
RK_INLINE void rk_queue_note_commit(rk_queue *q, uint64_t last) {
  /* High-water mark: a relaxed estimate of depth at commit.
   * relaxed: it is a statistic and orders nothing. */
  uint64_t depth = last + 1 - rk_load_relaxed_u64(&q->tail);
  if (depth > rk_load_relaxed_u64(&q->high_water) && depth <= q->capacity)
    rk_max_relaxed_u64(&q->high_water, depth);
#if !defined(__CUDA_ARCH__)
  /* relaxed: a hint, on the line high_water just brought in. A sleeper
   * that announced itself after this load re-checks the queue before it
   * sleeps; one whose wake-up is missed all the same (this load passing
   * the seq store above) sleeps out its bounded nap (core/wait.h). */
  if (rk_load_relaxed_u32(&q->sleepers) != 0) rk_queue_wake(q);
#endif
}

/* Publishes a reserved slot holding len bytes (len <= the reserved len). */
RK_INLINE void rk_queue_commit(rk_queue *q, rk_slot_ref *ref, uint32_t len) {
  rk_queue_publish(ref, len);
  rk_queue_note_commit(q, ref->pos);
}

/* Claims the oldest message. RK_E_EMPTY when there is none (or the producer
 * of the oldest position has not committed yet). */
RK_INLINE int rk_queue_peek(rk_queue *q, rk_slot_ref *ref) {
  uint64_t pos = rk_load_relaxed_u64(&q->tail);
  for (;;) {
    rk_slot *s = rk_queue_slot(q, pos);
    /* acquire: pairs with rk_queue_commit's release; the bytes are visible. */
    uint64_t seq = rk_load_acquire_u64(&s->seq);
    int64_t dif = (int64_t)(seq - (pos + 1));
    if (dif == 0) {
      if (rk_cas_relaxed_u64(&q->tail, &pos, pos + 1)) {
        rk_slot_ref_set(ref, s, pos, s->len);
        return RK_OK;
      }
    } else if (dif < 0) {
      return RK_E_EMPTY;
    } else {
      pos = rk_load_relaxed_u64(&q->tail);
    }
  }
}

/* Hands a peeked slot back to the producers of the next lap. */
RK_INLINE void rk_queue_release(rk_queue *q, rk_slot_ref *ref) {
  /* release: our reads of the message complete before a producer reuses it. */
  rk_store_release_u64(&ref->slot->seq, ref->pos + q->capacity);
}

/* Copies a message of len bytes in 16-byte moves, the last one overlapping
 * the one before: messages are short, and a call to the library memcpy for
 * a length known only at run time costs about as much as the copy (64-byte
 * messages through the copying forms: 36.8 -> 28.0 ns a round trip).
 * GCC's -Warray-bounds cannot see that the 16-byte moves run only when
 * len >= 16 and would flag callers whose buffer is a small array. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif
RK_INLINE void rk_copy_msg(void *dst, const void *src, uint32_t len) {
  uint8_t *d = (uint8_t *)dst;
  const uint8_t *s = (const uint8_t *)src;
  if (len < 16) {
    for (uint32_t i = 0; i < len; i++) d[i] = s[i];
    return;
  }
  uint32_t i = 0;
  for (; i + 16 <= len; i += 16) memcpy(d + i, s + i, 16);
  if (i < len) memcpy(d + len - 16, s + len - 16, 16);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* Copying forms, for callers that hold the message elsewhere. */
RK_INLINE int rk_queue_try_enqueue(rk_queue *q, const void *msg, uint32_t len) {
  rk_slot_ref ref;
  int rc = rk_queue_reserve(q, len, &ref);
  if (rc == RK_E_FULL) rk_fetch_add_relaxed_u64(&q->rejected_full, 1);
  if (rc != RK_OK) return rc;
  rk_copy_msg(ref.data, msg, len);
  rk_queue_commit(q, &ref, len);
  return RK_OK;
}

/* Copies the oldest message into buf and sets *len. buf must hold a whole
 * slot (cap >= slot_size): a claimed message can be neither un-claimed nor
 * cut, so a smaller buffer is refused before anything is consumed. */
RK_INLINE int rk_queue_try_dequeue(rk_queue *q, void *buf, uint32_t cap, uint32_t *len) {
  if (cap < q->slot_size) return RK_E_INVAL;
  rk_slot_ref ref;
  int rc = rk_queue_peek(q, &ref);
  if (rc != RK_OK) return rc;
  rk_copy_msg(buf, ref.data, ref.len);
  *len = ref.len;
  rk_queue_release(q, &ref);
  return RK_OK;
}

RK_INLINE uint64_t rk_queue_depth(const rk_queue *q) {
  uint64_t t = rk_load_relaxed_u64(&q->tail);
  uint64_t h = rk_load_relaxed_u64(&q->head);
  return h > t ? h - t : 0;
}

/* ---- host-side functions (src/core/queue.c) ---------------------------- */

/* Monotonic clock in nanoseconds (CLOCK_MONOTONIC): timeouts, telemetry. */
uint64_t rk_now_ns(void);

/* Bytes a queue of capacity slots of slot_size bytes occupies; 0 if the
 * arguments are invalid (capacity not a power of two, below
 * RK_QUEUE_MIN_CAPACITY, or too large; slot_size zero or too large). */
size_t rk_queue_bytes(uint32_t capacity, uint32_t slot_size);
/* Lays a queue out in mem (bytes long, 64-byte aligned). */
int rk_queue_init(void *mem, size_t bytes, uint32_t capacity, uint32_t slot_size);
/* Allocates and initialises a host queue; free with rk_queue_destroy. */
int rk_queue_create(rk_queue **q, uint32_t capacity, uint32_t slot_size);
/* The same for a set of shards queues (a power of two, at most
 * RK_QUEUE_MAX_SHARDS), each of capacity slots; one shard is one queue,
 * as rk_queue_bytes, rk_queue_init and rk_queue_create lay it out. */
size_t rk_queue_set_bytes(uint32_t shards, uint32_t capacity, uint32_t slot_size);
/* Bytes from one queue of a set to the next (its shard_bytes). */
size_t rk_queue_shard_bytes(uint32_t capacity, uint32_t slot_size);
int rk_queue_set_init(void *mem, size_t bytes, uint32_t shards, uint32_t capacity,
                      uint32_t slot_size);
int rk_queue_set_create(rk_queue **q, uint32_t shards, uint32_t capacity, uint32_t slot_size);
void rk_queue_destroy(rk_queue *q);
/* Checks that mem holds a plausible queue (magic, sizes); RK_E_INVAL if not. */
int rk_queue_validate(const rk_queue *q);

/* Waiting forms: poll for up to timeout_ns (0: try once), backing off from
 * spinning to yielding to short sleeps (a dequeue's sleep ends when a
 * message is committed). RK_E_TIMEOUT when time runs out on a
 * full (enqueue) or empty (dequeue) queue; a timed-out enqueue is counted in
 * rejected_full. */
int rk_queue_enqueue(rk_queue *q, const void *msg, uint32_t len, uint64_t timeout_ns);
int rk_queue_dequeue(rk_queue *q, void *buf, uint32_t cap, uint32_t *len,
                     uint64_t timeout_ns);
int rk_queue_reserve_wait(rk_queue *q, uint32_t len, rk_slot_ref *ref, uint64_t timeout_ns);
int rk_queue_peek_wait(rk_queue *q, rk_slot_ref *ref, uint64_t timeout_ns);

/* Batch forms: n messages stored back to back at msgs with the given
 * stride; lens[i] bytes each. Runs of consecutive slots are claimed with
 * one CAS each (rk_queue_reserve_run / rk_queue_take_run). They stop at the
 * first full/empty slot (or a message too long for the stride or a slot)
 * and return how many were moved (>= 0) or a negative error before any
 * moved. n is at most INT32_MAX, since the count is returned as an int. */
int rk_queue_enqueue_batch(rk_queue *q, const void *msgs, uint32_t stride,
                           const uint32_t *lens, uint32_t n);
int rk_queue_dequeue_batch(rk_queue *q, void *bufs, uint32_t stride,
                           uint32_t *lens, uint32_t n);

void rk_queue_stats_get(const rk_queue *q, rk_queue_stats *out);
/* Adds one queue's counters to a set's: sums, but the high-water mark is
 * the largest of any one queue. */
void rk_queue_stats_add(rk_queue_stats *sum, const rk_queue_stats *one);
/* The counters of every queue of q's set (q its first), added up. */
void rk_queue_set_stats(const rk_queue *q, rk_queue_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* RINGK_QUEUE_H */
