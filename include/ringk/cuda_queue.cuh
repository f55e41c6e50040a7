/* cuda_queue.cuh - warp-wide batch operations on rk_queue, for device code.
 *
 * The queue layout and its per-slot sequence protocol are queue.h's; this
 * file adds what only a GPU warp can do with them: claim up to 32 positions
 * with one CAS instead of 32 (each lane checks the sequence of one slot, a
 * ballot finds how many leading slots are ready, lane 0 moves head or tail
 * past them), so that one round trip to L2 serves a whole warp. Lane i then
 * owns position pos+i, in queue order, which keeps FIFO per producer.
 *
 * Scopes: device-memory queues use device-scope atomics (platform.h). The
 * rk_sys_* helpers are system scope, for the CUDA bridge's single-sided use
 * of queues in mapped host memory (src/cuda/cuda_bridge.cu). The rk_warp_*
 * functions must be called by all 32 lanes of a warp together. */
#ifndef RINGK_CUDA_QUEUE_CUH
#define RINGK_CUDA_QUEUE_CUH

#include <cuda/atomic>

#include "ringk/queue.h"

#define RK_WARP 32u
#define RK_FULL_MASK 0xFFFFFFFFu

#define RK_SYS_REF(T, p) cuda::atomic_ref<T, cuda::thread_scope_system>(*(T *)(p))
__device__ static inline uint64_t rk_sys_load_relaxed_u64(const uint64_t *p) {
  return RK_SYS_REF(uint64_t, p).load(cuda::memory_order_relaxed);
}
__device__ static inline uint64_t rk_sys_load_acquire_u64(const uint64_t *p) {
  return RK_SYS_REF(uint64_t, p).load(cuda::memory_order_acquire);
}
__device__ static inline uint32_t rk_sys_load_acquire_u32(const uint32_t *p) {
  return RK_SYS_REF(uint32_t, p).load(cuda::memory_order_acquire);
}
__device__ static inline void rk_sys_store_relaxed_u64(uint64_t *p, uint64_t v) {
  RK_SYS_REF(uint64_t, p).store(v, cuda::memory_order_relaxed);
}
__device__ static inline void rk_sys_store_release_u64(uint64_t *p, uint64_t v) {
  RK_SYS_REF(uint64_t, p).store(v, cuda::memory_order_release);
}
__device__ static inline void rk_sys_store_relaxed_u32(uint32_t *p, uint32_t v) {
  RK_SYS_REF(uint32_t, p).store(v, cuda::memory_order_relaxed);
}

/* A queue's geometry, fixed by rk_queue_init. Code that reaches a queue
 * in mapped host memory (the bridge) keeps it in device memory: every read
 * of the mapped header would be a PCIe round trip, and finding a slot
 * would wait on one. */
typedef struct rk_qgeom {
  rk_queue *q;        /* the queue, as the GPU addresses it */
  uint64_t mask;
  uint32_t stride;
  uint32_t slot_size;
  uint32_t capacity;
  uint32_t pad_;
} rk_qgeom;

/* The geometry of q, read where it is readable (q), for the address the
 * GPU knows it by (at). */
static inline __host__ __device__ rk_qgeom rk_qgeom_of(const rk_queue *q, const void *at) {
  rk_qgeom g;
  g.q = (rk_queue *)at;
  g.mask = q->mask;
  g.stride = q->stride;
  g.slot_size = q->slot_size;
  g.capacity = q->capacity;
  g.pad_ = 0;
  return g;
}

/* rk_queue_slot, from the geometry. */
static inline __host__ __device__ rk_slot *rk_qgeom_slot(const rk_qgeom &g, uint64_t pos) {
  return (rk_slot *)((uint8_t *)g.q + sizeof(rk_queue) + (size_t)(pos & g.mask) * g.stride);
}

/* rk_queue_init's layout, by a whole warp (a queue in shared memory). */
__device__ static inline void rk_queue_lay_out_warp(rk_queue *q, uint32_t capacity,
                                                    uint32_t slot_size) {
  uint32_t lane = threadIdx.x % RK_WARP;
  if (lane == 0) rk_queue_lay_out_header(q, capacity, slot_size);
  __syncwarp();
  rk_queue_lay_out_slots(q, lane, RK_WARP);
}

/* Number of leading lanes whose bit is set in a ballot. */
__device__ static inline uint32_t rk_warp_prefix(uint32_t ballot) {
  return ballot == RK_FULL_MASK ? RK_WARP : (uint32_t)__ffs(~ballot) - 1u;
}

/* The slot sequence every lane expects: `want` is seq - pos for the
 * position pos+lane (1: a message to take; 0: a free slot to fill).
 * Device queues: reads are relaxed; the caller's fence after a successful
 * claim turns them into acquires. (Acquire loads would invalidate the SM's
 * L1 on every poll of every warp: on an H100 K2K throughput fell from ~28
 * to ~9.5 M msg/s at every size.) Mapped queues (sys, the bridge's, whose
 * one warp has no L1 worth keeping): acquire loads (system), then a warp
 * barrier, so that every lane may touch any ready slot after the call; a
 * fence instead would wait for the bridge's posted writes to the host.
 * Lanes past the capacity would alias earlier slots: they report
 * not-ready, so a prefix never wraps. */
__device__ static inline uint32_t rk_warp_ready(const rk_qgeom &q, uint64_t pos,
                                                uint64_t want, uint32_t max, int sys,
                                                int64_t *lane0_dif) {
  uint32_t lane = threadIdx.x % RK_WARP;
  uint64_t p = pos + lane;
  int ready = 0;
  int64_t dif = 0;
  /* lanes past max read nothing: a warp taking one message at a time
   * (kernels with lanes) polls one slot, not 32 */
  if (lane < q.capacity && lane < max) {
    rk_slot *s = rk_qgeom_slot(q, p);
    uint64_t seq = sys ? rk_sys_load_acquire_u64(&s->seq) : rk_load_relaxed_u64(&s->seq);
    dif = (int64_t)(seq - (p + want));
    ready = dif == 0;
  }
  /* each lane's acquire, then the barrier, before any lane's next access */
  if (sys) __syncwarp();
  *lane0_dif = __shfl_sync(RK_FULL_MASK, dif, 0);
  return rk_warp_prefix(__ballot_sync(RK_FULL_MASK, ready));
}

/* A warp's standing view of a queue it claims from again and again: the
 * geometry, read once (after a claim's acquire fence the header's line is
 * no longer in L1), and, when the warp is the side's only claimer, the
 * counter, which no one else moves. */
typedef struct rk_cursor {
  rk_qgeom g;
  uint64_t at;  /* sole: the counter as this warp left it */
  int sole;     /* this warp is the only claimer on its side */
} rk_cursor;

/* Claims up to `max` (<= 32) consecutive positions of q, on the side named by
 * ctr (&q->tail to take messages, want 1; &q->head to fill slots, want 0).
 * Returns how many (0: empty or full), the first position in *pos.
 *
 * A shared counter is read first, then the slots after it, and moved by a
 * CAS. A sole claimer (cur->sole) reads only the slots after where it left
 * the counter and moves it with a store: one round trip to L2 a poll and
 * none for the claim, where a shared claim costs three. (On an H200, two
 * warps passing a message back and forth through two device queues with
 * these calls alone took 3.27 us one way; with no claim at all on either
 * side, 1.46 us.) Reading the slots at a remembered position beside the
 * shared counter, for queues with many consumers, made PageRank at R-MAT 22
 * 19 % slower (a stale position costs a second read of the slots, on the
 * lines producers are filling: the likely cause, not measured apart), so
 * only sole claimers do it. */
__device__ static inline uint32_t rk_warp_claim(rk_queue *q, uint64_t *ctr, uint64_t want,
                                                uint32_t max, rk_cursor *cur, uint64_t *pos) {
  uint32_t lane = threadIdx.x % RK_WARP;
  rk_qgeom g = cur ? cur->g : rk_qgeom_of(q, q);
  int sole = cur && cur->sole;
  /* relaxed: the counter only hands out positions; slot seqs carry data. */
  uint64_t p = sole ? cur->at : __shfl_sync(RK_FULL_MASK, lane == 0 ? rk_load_relaxed_u64(ctr) : 0, 0);
  for (;;) {
    int64_t dif0;
    uint32_t n = rk_warp_ready(g, p, want, max, 0, &dif0);
    if (n > max) n = max;
    if (n == 0) {
      if (dif0 < 0) { /* behind: queue empty (take) or full (fill) */
        if (sole) cur->at = p;
        return 0;
      }
      p = __shfl_sync(RK_FULL_MASK, lane == 0 ? rk_load_relaxed_u64(ctr) : 0, 0);
      continue;
    }
    if (sole) {
      /* acquire (the queue's scope): pairs with the release of each slot's
       * seq that the relaxed load above observed; the bytes are now ours.
       * Before the counter's store, not after: where the fence is acq_rel
       * (before sm_90, platform.h) it waits until L2 has taken the thread's
       * stores in flight, and the counter's would be one. */
      rk_fence_acquire_for(q);
      /* relaxed: no one else moves it; it is read for depth and telemetry,
       * and the slot seqs carry the data. */
      if (lane == 0) rk_store_relaxed_u64(ctr, p + n);
      *pos = p;
      cur->at = p + n;
      return n;
    }
    uint64_t expect = p;
    int won = 0;
    if (lane == 0) won = rk_cas_relaxed_u64(ctr, &expect, p + n);
    if (__shfl_sync(RK_FULL_MASK, won, 0)) {
      /* acquire: as above */
      rk_fence_acquire_for(q);
      *pos = p;
      return n;
    }
    p = __shfl_sync(RK_FULL_MASK, expect, 0);
  }
}

/* Takes up to max messages: lane i < n owns the message at *pos + i. */
__device__ static inline uint32_t rk_warp_take(rk_queue *q, uint32_t max, uint64_t *pos) {
  return rk_warp_claim(q, &q->tail, 1, max, NULL, pos);
}

/* rk_warp_take for a warp that polls q again and again (rk_cursor_init). */
__device__ static inline uint32_t rk_warp_take_at(rk_queue *q, uint32_t max, rk_cursor *cur,
                                                  uint64_t *pos) {
  return rk_warp_claim(q, &q->tail, 1, max, cur, pos);
}

/* A cursor on q's tail for a warp about to poll it; sole when no other
 * warp (nor the host) takes from q while it does. Whole warp. */
__device__ static inline rk_cursor rk_cursor_init(const rk_queue *q, int sole) {
  rk_cursor c;
  c.g = rk_qgeom_of(q, q);
  /* relaxed: the tail as the warp starts; only a sole claimer uses it,
   * and no one else moves it. */
  c.at = __shfl_sync(RK_FULL_MASK, threadIdx.x % RK_WARP == 0 ? rk_load_relaxed_u64(&q->tail) : 0, 0);
  c.sole = sole;
  return c;
}

/* Reserves up to max slots: lane i < n fills position *pos + i. */
__device__ static inline uint32_t rk_warp_reserve(rk_queue *q, uint32_t max, uint64_t *pos) {
  return rk_warp_claim(q, &q->head, 0, max, NULL, pos);
}

/* Publishes the n slots a warp filled from pos, lane i < n committing slot
 * pos+i with len bytes (its own message's length). Lanes wrote chunks of
 * each other's messages, so each lane's release fence covers the chunks it
 * wrote and the barrier orders them all before the commits. Whole warp. */
__device__ static inline void rk_warp_commit(rk_queue *q, uint64_t pos, uint32_t n, uint32_t len) {
  uint32_t lane = threadIdx.x % RK_WARP;
  /* release (the queue's scope): this lane's chunk stores before the barrier. */
  rk_fence_release_for(q);
  __syncwarp();
  if (lane < n) {
    rk_slot_ref ref;
    rk_slot_ref_set(&ref, rk_queue_slot(q, pos + lane), pos + lane, len);
    rk_queue_publish(&ref, len);
  }
  /* the run's mark once, not a read of tail and the mark by every lane */
  if (lane + 1 == n) rk_queue_note_commit(q, pos + n - 1);
}

/* Copies n messages, whole warp, 16 bytes a lane at a time: message i goes
 * from src slot sp+i to dst slot dp+i. Chunks of all n messages are spread
 * over the lanes and four loads are issued before any store, so a batch
 * costs about one round trip to the slower memory, not n. The first round
 * copies its chunks whatever the lengths (past a length is still the
 * slot's), so the caller's loads of the lengths are in flight with it and
 * a batch of small messages costs one round trip, not two; later rounds
 * skip what lies past each length. dst's slots are as large as src's
 * (both of the bridge's pairs are), and 16-byte aligned (RK_SLOT_ALIGN);
 * my_len is lane i's message length, for i < n. */
__device__ static inline void rk_warp_copy(const rk_qgeom &src, uint64_t sp, const rk_qgeom &dst,
                                           uint64_t dp, uint32_t n, uint32_t my_len) {
  uint32_t lane = threadIdx.x % RK_WARP;
  uint32_t chunks = (src.slot_size + 15u) / 16u;
  uint32_t total = n * chunks;
  for (uint32_t base = 0; base < total; base += 4 * RK_WARP) {
    uint4 v[4];
    uint32_t lim[4];
#pragma unroll
    for (int u = 0; u < 4; u++) {
      uint32_t c = base + (uint32_t)u * RK_WARP + lane;
      uint32_t m = c / chunks, off = (c % chunks) * 16u;
      uint32_t len = base == 0 ? src.slot_size : __shfl_sync(RK_FULL_MASK, my_len, m < n ? m : 0);
      lim[u] = c < total && off < len ? 1 : 0;
      if (lim[u]) v[u] = *(const uint4 *)((const uint8_t *)(rk_qgeom_slot(src, sp + m) + 1) + off);
    }
#pragma unroll
    for (int u = 0; u < 4; u++) {
      uint32_t c = base + (uint32_t)u * RK_WARP + lane;
      uint32_t m = c / chunks, off = (c % chunks) * 16u;
      if (lim[u]) *(uint4 *)((uint8_t *)(rk_qgeom_slot(dst, dp + m) + 1) + off) = v[u];
    }
  }
}

#endif /* RINGK_CUDA_QUEUE_CUH */
