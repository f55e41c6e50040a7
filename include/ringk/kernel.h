/* kernel.h - what a ring kernel's handler sees, and how a kernel is defined.
 *
 * A ring kernel is a name, the message types it accepts, its state, and a
 * handler `int h(rk_ctx *ctx, const rk_msg *msg)` written once in plain C.
 * The runtime calls the handler for each message taken from the kernel's
 * inbox, on a worker (a CPU thread, or a GPU thread group). The handler
 * reads its state through RK_STATE and sends with the <type>_send functions
 * that RK_MESSAGE generates; those go through rk_send_begin/rk_send_commit
 * below, which are RK_HD so that the identical send path runs on CPU and GPU.
 *
 * A kernel with several workers runs its handler concurrently: shared state
 * must then be updated with atomics (rk_atomic_add_f64 and friends). */
#ifndef RINGK_KERNEL_H
#define RINGK_KERNEL_H

#include "ringk/queue.h"
#include "ringk/wire.h"
#if !defined(__CUDA_ARCH__)
#include <sched.h>
#endif

#ifdef __cplusplus
#define RK_EXTERN_C extern "C"
extern "C" {
#else
#define RK_EXTERN_C
#endif

/* Counters of one worker, written by that worker alone (plain increments
 * published with relaxed stores) and read by the host at any time. One cache
 * line each, so workers never share a line. */
typedef struct rk_worker_stats {
  uint64_t processed;     /* messages handled (handler returned RK_OK) */
  uint64_t errors;        /* handler errors, bad or unknown messages */
  uint64_t sent;          /* messages committed to another queue */
  uint64_t send_failed;   /* sends refused: full, oversize, no such kernel */
  uint64_t last_activity; /* rk_now_ns() of the worker's last message */
  uint64_t epoch_seen;    /* last control epoch this worker acted on */
  int32_t last_error;     /* most recent error code, 0 if none */
  uint32_t running;       /* GPU: 1 once the worker's block runs its loop */
  uint64_t pad_[1];
} rk_worker_stats;
RK_STATIC_ASSERT(sizeof(rk_worker_stats) == RK_CACHELINE, "one line per worker");

/* Per-kernel control block, written by the host, polled by the workers.
 * It lives where both can see it (mapped pinned memory on CUDA). */
typedef struct rk_kernel_control {
  uint32_t active;     /* nonzero: take messages; zero: hold them */
  uint32_t stop;       /* nonzero: leave the loop for good */
  uint32_t epoch;      /* bumped with every change of active/stop */
  int32_t fault;       /* first fatal error a worker hit (device backends) */
  uint8_t pad_[RK_CACHELINE - 16];
} rk_kernel_control;
RK_STATIC_ASSERT(sizeof(rk_kernel_control) == RK_CACHELINE, "one line per kernel");

/* A worker's view of the runtime. Built by the backend for each worker. */
typedef struct rk_ctx {
  rk_queue *const *routes;       /* inbox of each kernel, by kernel id */
  rk_queue *to_host;             /* the host's receive queue */
  rk_worker_stats *stats;        /* this worker's counters */
  const rk_kernel_control *ctl;  /* this kernel's control block */
  void *state;                   /* this kernel's state */
  uint32_t kernel_id;
  uint32_t nkernels;
  uint32_t worker;               /* 0 .. nworkers-1 */
  uint32_t nworkers;             /* handlers of this kernel that may run at
                                    once: CPU threads; GPU threads, or warps
                                    when the kernel runs in order */
  uint64_t next_seq;             /* per-worker send sequence */
  const uint16_t *accept;        /* type ids the kernel accepts */
  uint32_t naccept;
  uint32_t full_spins;           /* polls of a full queue before RK_E_FULL */
  uint32_t lane;                 /* 0 .. lanes-1 (see RK_KERNEL_DEFINE_LANES) */
  uint32_t lanes;                /* threads running this handler call together */
  void *scratch;                 /* RK_LANES_SCRATCH bytes the lanes share, in
                                    kernels defined with lanes; else NULL */
} rk_ctx;

#define RK_STATE(ctx, T) ((T *)(ctx)->state)

/* ---- lanes: one handler call run by a whole GPU warp ---------------------
 * A kernel defined with RK_KERNEL_DEFINE_LANES has its handler called by
 * the 32 lanes of a warp together, on the same message (a warp's messages
 * one after another, in queue order): rk_lane(ctx) is 0..rk_lanes(ctx)-1,
 * and the handler splits its work by lane (`for (i = rk_lane(ctx); i < n;
 * i += rk_lanes(ctx))`) and combines it with the helpers below. On the
 * CPU lanes is 1 and they cost nothing. Every lane may send (each lane's
 * sends keep their order); the handler's result is lane 0's. ctx->scratch holds
 * RK_LANES_SCRATCH bytes that the lanes share for the duration of a call
 * (one buffer per worker on the CPU). Every lane must reach each helper
 * call, with the same arguments where they say so. */
#define RK_LANES_MAX 32u
#define RK_LANES_SCRATCH 4096u

/* ctx->lane and ctx->lanes, as a handler reads them: constants on the CPU
 * (host code), where lanes is always 1, so that the compiler drops a lane
 * loop's bookkeeping there (PageRank's CPU iteration on p2p-Gnutella08,
 * 2-core VM, twelve interleaved pairs of runs: 34-54 us against 42-68,
 * faster in every pair). */
RK_INLINE uint32_t rk_lane(const rk_ctx *ctx) {
#if defined(__CUDA_ARCH__)
  return ctx->lane;
#else
  (void)ctx;
  return 0;
#endif
}

RK_INLINE uint32_t rk_lanes(const rk_ctx *ctx) {
#if defined(__CUDA_ARCH__)
  return ctx->lanes;
#else
  (void)ctx;
  return 1;
#endif
}

/* Orders the lanes' scratch (and other) writes before each other's reads. */
RK_INLINE void rk_lanes_sync(const rk_ctx *ctx) {
#if defined(__CUDA_ARCH__)
  if (ctx->lanes > 1) __syncwarp();
#else
  (void)ctx;
#endif
}

/* The sum of every lane's v, the same bits on every lane. */
RK_INLINE double rk_lanes_sum_f64(const rk_ctx *ctx, double v) {
#if defined(__CUDA_ARCH__)
  if (ctx->lanes > 1)
    for (int d = RK_LANES_MAX / 2; d > 0; d /= 2) v += __shfl_xor_sync(0xFFFFFFFFu, v, d);
#else
  (void)ctx;
#endif
  return v;
}

/* Lane 0's v, on every lane; like rk_lanes_sync it also orders every
 * lane's earlier memory accesses before any lane's later ones (a shuffle
 * alone does not), so that lane 0 may read scratch the others write next. */
RK_INLINE int32_t rk_lanes_first_i32(const rk_ctx *ctx, int32_t v) {
#if defined(__CUDA_ARCH__)
  if (ctx->lanes > 1) {
    __syncwarp();
    v = __shfl_sync(0xFFFFFFFFu, v, 0);
  }
#else
  (void)ctx;
#endif
  return v;
}

RK_INLINE uint32_t rk_lanes_first_u32(const rk_ctx *ctx, uint32_t v) {
  return (uint32_t)rk_lanes_first_i32(ctx, (int32_t)v);
}

/* Lane 0's pointer, on every lane (an address lane 0 alone obtained). */
RK_INLINE void *rk_lanes_first_ptr(const rk_ctx *ctx, void *p) {
#if defined(__CUDA_ARCH__)
  if (ctx->lanes > 1)
    p = (void *)(uintptr_t)__shfl_sync(0xFFFFFFFFu, (unsigned long long)(uintptr_t)p, 0);
#else
  (void)ctx;
#endif
  return p;
}

/* Orders every lane's stores before lane 0's next release (the commit of a
 * message the lanes wrote together): each lane's release fence covers its
 * own stores, the barrier puts them all before lane 0 goes on. */
RK_INLINE void rk_lanes_release(const rk_ctx *ctx) {
#if defined(__CUDA_ARCH__)
  if (ctx->lanes > 1) {
    /* release (device): this lane's stores before the barrier. */
    rk_fence_release_device();
    __syncwarp();
  }
#else
  (void)ctx;
#endif
}

/* An in-progress send: reserved slot, its queue, where the payload goes. */
typedef struct rk_send_ref {
  rk_queue *q;
  rk_slot_ref slot;
  uint8_t *payload;
} rk_send_ref;

/* A worker's own counters. On the CPU the host reads them while the worker
 * runs: relaxed stores (single writer; an eventually exact count is all the
 * host needs). On the GPU a handler counts into memory private to its lane
 * or warp, which the loop folds into the published line after each batch
 * (cuda_loop.cuh): plain stores. */
RK_INLINE void rk_stat_put_u64(uint64_t *counter, uint64_t v) {
#if defined(__CUDA_ARCH__)
  *counter = v;
#else
  rk_store_relaxed_u64(counter, v);
#endif
}

RK_INLINE void rk_stat_inc(uint64_t *counter) { rk_stat_put_u64(counter, *counter + 1); }

RK_INLINE void rk_stat_error(rk_worker_stats *stats, int err) {
#if defined(__CUDA_ARCH__)
  stats->last_error = err;
#else
  rk_store_relaxed_i32(&stats->last_error, err);
#endif
}

RK_INLINE int rk_ctx_fail(rk_ctx *ctx, int err) {
  rk_stat_inc(&ctx->stats->send_failed);
  rk_stat_error(ctx->stats, err);
  return err;
}

/* Reserves a slot in target's queue for a payload of payload_len bytes and
 * writes the header into it. While the queue is full it polls up to
 * ctx->full_spins times (less if the runtime is stopping), then gives up
 * with RK_E_FULL, counted on the queue and the worker: nothing is dropped
 * without the sender knowing. */
RK_INLINE int rk_send_begin(rk_ctx *ctx, uint32_t target, uint16_t type_id,
                            uint16_t schema_version, uint64_t payload_len,
                            rk_send_ref *ref) {
  rk_queue *q = target == RK_ADDR_HOST ? ctx->to_host
              : target < ctx->nkernels ? ctx->routes[target] : NULL;
  if (q == NULL) return rk_ctx_fail(ctx, RK_E_NO_KERNEL);
  if (q->slot_size < RK_HEADER_SIZE || payload_len > q->slot_size - RK_HEADER_SIZE) {
    rk_fetch_add_relaxed_u64(&q->rejected_oversize, 1);
    return rk_ctx_fail(ctx, RK_E_OVERSIZE);
  }
  uint32_t len = RK_HEADER_SIZE + (uint32_t)payload_len;
  int rc;
  for (uint32_t spin = 0; (rc = rk_queue_reserve(q, len, &ref->slot)) == RK_E_FULL; spin++) {
    if (spin >= ctx->full_spins || rk_load_relaxed_u32(&ctx->ctl->stop)) {
      rk_fetch_add_relaxed_u64(&q->rejected_full, 1);
      return rk_ctx_fail(ctx, RK_E_FULL);
    }
#if defined(__CUDA_ARCH__)
    rk_cpu_relax();
#else
    if ((spin & 63) == 63) sched_yield(); else rk_cpu_relax();
#endif
  }
  if (rc != RK_OK) return rk_ctx_fail(ctx, rc);
  rk_msg_header h;
  rk_header_init(&h, type_id, schema_version, (uint32_t)payload_len);
  h.sender = ctx->kernel_id;
  h.receiver = target;
  h.seq = ((uint64_t)ctx->worker << 48) | ctx->next_seq++;
  rk_header_encode(&h, ref->slot.data);
  ref->q = q;
  ref->payload = ref->slot.data + RK_HEADER_SIZE;
  return RK_OK;
}

RK_INLINE void rk_send_commit(rk_ctx *ctx, rk_send_ref *ref) {
  rk_queue_commit(ref->q, &ref->slot, ref->slot.len);
  rk_stat_inc(&ctx->stats->sent);
}

typedef int (*rk_handler_fn)(rk_ctx *ctx, const rk_msg *msg);
struct rk_msg_codec;

enum { RK_CTL_RUN = 0, RK_CTL_HOLD = 1, RK_CTL_STOP = 2 };

/* The control block's mode (RK_CTL_*) and, in *epoch, the epoch it is of. */
RK_INLINE int rk_control_read(const rk_kernel_control *ctl, uint32_t *epoch) {
  /* acquire: pairs with the host's release of epoch, which it stores after
   * the flags, so the flags read below are at least that new. */
  *epoch = rk_load_acquire_u32(&ctl->epoch);
  uint32_t stop = rk_load_relaxed_u32(&ctl->stop);
  uint32_t active = rk_load_relaxed_u32(&ctl->active);
  return stop ? RK_CTL_STOP : active ? RK_CTL_RUN : RK_CTL_HOLD;
}

/* Run by each worker at the top of its loop, outside any handler: reads the
 * kernel's control block and acknowledges its epoch in the worker's
 * published stats, which tells the host that this worker has seen the
 * change and is not inside a handler. */
RK_INLINE int rk_worker_control(const rk_kernel_control *ctl, rk_worker_stats *stats) {
  uint32_t epoch;
  int mode = rk_control_read(ctl, &epoch);
  if (epoch != stats->epoch_seen)
    /* release: our last handler's effects happen before the host sees it. */
    rk_store_release_u64(&stats->epoch_seen, epoch);
  return mode;
}

RK_INLINE int rk_ctx_accepts(const rk_ctx *ctx, uint16_t type_id) {
  for (uint32_t i = 0; i < ctx->naccept; i++)
    if (ctx->accept[i] == type_id) return 1;
  return 0;
}

/* rk_run_handler's checks and call (below), for a message whose decode
 * (rk_msg_decode, or the GPU loop's own read of the slot) returned rc. */
RK_INLINE int rk_run_decoded(rk_ctx *ctx, const rk_msg *msg, int rc, rk_handler_fn handler) {
  if (rc == RK_OK && !rk_ctx_accepts(ctx, msg->hdr.type_id)) rc = RK_E_UNKNOWN_TYPE;
  if (rc == RK_OK) {
    rc = handler(ctx, msg);
    if (rc > 0) rc = RK_E_HANDLER;
  }
  return rc;
}

/* Validates the claimed message in ref and runs handler on it: the
 * handler's result, or the named error of a malformed or unknown message.
 * The handler decodes in place, so the slot stays claimed meanwhile. */
RK_INLINE int rk_run_handler(rk_ctx *ctx, const rk_slot_ref *ref, rk_handler_fn handler) {
  rk_msg msg;
  return rk_run_decoded(ctx, &msg, rk_msg_decode(ref->data, ref->len, &msg), handler);
}

/* Hands a handled message's slot back and counts the outcome on the
 * worker: handler errors, and malformed or unknown messages, as errors. */
RK_INLINE void rk_finish_slot(rk_ctx *ctx, rk_queue *q, rk_slot_ref *ref, int rc, uint64_t now) {
  rk_queue_release(q, ref);
  if (rc == RK_OK) {
    rk_stat_inc(&ctx->stats->processed);
  } else {
    rk_stat_inc(&ctx->stats->errors);
    rk_stat_error(ctx->stats, rc);
  }
  rk_stat_put_u64(&ctx->stats->last_activity, now);
}

/* rk_run_handler, then rk_finish_slot. */
RK_INLINE void rk_dispatch_slot(rk_ctx *ctx, rk_queue *q, rk_slot_ref *ref,
                                rk_handler_fn handler, uint64_t now) {
  rk_finish_slot(ctx, q, ref, rk_run_handler(ctx, ref, handler), now);
}

/* Takes one message from q and dispatches it (rk_dispatch_slot). Returns
 * RK_OK when a message was consumed (whatever the handler said), RK_E_EMPTY
 * when there was none. */
RK_INLINE int rk_dispatch_one(rk_ctx *ctx, rk_queue *q, rk_handler_fn handler,
                              uint64_t now) {
  rk_slot_ref ref;
  int rc = rk_queue_peek(q, &ref);
  if (rc != RK_OK) return rc;
  rk_dispatch_slot(ctx, q, &ref, handler, now);
  return RK_OK;
}

typedef struct rk_kernel_def {
  const char *name;
  rk_handler_fn handler;                 /* host build of the handler */
  const void *cuda_entry;                /* __global__ entry; NULL without nvcc */
  const struct rk_msg_codec *const *types; /* accepted message types */
  uint32_t ntypes;
  uint32_t lanes;                        /* GPU threads a handler call runs on:
                                            1, or RK_LANES_MAX (..._LANES) */
} rk_kernel_def;

/* A group: kernels that run together (rk_group_add): the CUDA backend in
 * the same thread blocks, so that a message between two of them goes
 * through a queue in the block's shared memory instead of L2; the CPU
 * backend on the same threads, so that it stays in one core's caches.
 * Each member is still a kernel of its own (id, inbox, state, telemetry,
 * lifecycle). */
#define RK_GROUP_MAX 4u
#define RK_GROUP_LOCAL_BYTES 16384u /* shared memory of a member's local queue */
typedef struct rk_group_def {
  const char *name;
  const rk_kernel_def *const *members;
  uint32_t nmembers;                     /* 2 .. RK_GROUP_MAX */
  const void *cuda_entry;                /* fused __global__; NULL without nvcc */
} rk_group_def;

#ifdef __cplusplus
}
#endif

/* RK_MAP_(m, a, b, ...) is m(a), m(b), ...: up to RK_GROUP_MAX arguments. */
#define RK_NARGS_(...) RK_NARGS_I_(__VA_ARGS__, 4, 3, 2, 1, 0)
#define RK_NARGS_I_(a, b, c, d, n, ...) n
#define RK_CAT_(a, b) RK_CAT_I_(a, b)
#define RK_CAT_I_(a, b) a##b
#define RK_MAP_(m, ...) RK_CAT_(RK_MAP_, RK_NARGS_(__VA_ARGS__))(m, __VA_ARGS__)
#define RK_MAP_1(m, a) m(a)
#define RK_MAP_2(m, a, b) m(a), m(b)
#define RK_MAP_3(m, a, b, c) m(a), m(b), m(c)
#define RK_MAP_4(m, a, b, c, d) m(a), m(b), m(c), m(d)
#define RK_ADDR_OF_(k) &k

/* Device side: when this file is compiled by nvcc, RK_KERNEL_DEFINE also
 * emits the persistent __global__ loop for the kernel (src/cuda). */
#if defined(__CUDACC__) && defined(RK_HAVE_CUDA)
#include "ringk/cuda_loop.cuh"
#else
#define RK_CUDA_ENTRY(kname, handler, lanes)
#define RK_CUDA_ENTRY_PTR(kname) NULL
#define RK_CUDA_GROUP_ENTRY(gname, ...)
#define RK_CUDA_GROUP_ENTRY_PTR(gname) NULL
#endif

/* Defines `const rk_kernel_def kname`, accepting the listed message types:
 *   RK_KERNEL_DEFINE(adder, adder_handler, &add_req_codec, &reset_codec);
 * Declare it elsewhere as `extern const rk_kernel_def adder;`.
 * RK_KERNEL_DEFINE_LANES defines one whose handler a GPU warp runs
 * together (see "lanes" above). */
#define RK_KERNEL_DEFINE_AS(kname, handler, nlanes, ...)                      \
  RK_CUDA_ENTRY(kname, handler, nlanes)                                       \
  static const struct rk_msg_codec *const kname##_types_[] = {__VA_ARGS__};   \
  RK_EXTERN_C extern const rk_kernel_def kname;                               \
  RK_EXTERN_C const rk_kernel_def kname = {                                   \
      #kname, handler, RK_CUDA_ENTRY_PTR(kname), kname##_types_,              \
      (uint32_t)(sizeof kname##_types_ / sizeof kname##_types_[0]), nlanes}
#define RK_KERNEL_DEFINE(kname, handler, ...) \
  RK_KERNEL_DEFINE_AS(kname, handler, 1u, __VA_ARGS__)
#define RK_KERNEL_DEFINE_LANES(kname, handler, ...) \
  RK_KERNEL_DEFINE_AS(kname, handler, RK_LANES_MAX, __VA_ARGS__)

/* Defines `const rk_group_def gname` of kernels defined above it in the
 * same source (the fused GPU entry inlines every member's handler):
 *   RK_GROUP_DEFINE(pair, ping_kernel, pong_kernel);
 * The same kernel may appear more than once. */
#define RK_GROUP_DEFINE(gname, ...)                                           \
  RK_CUDA_GROUP_ENTRY(gname, __VA_ARGS__)                                     \
  static const rk_kernel_def *const gname##_members_[] = {                    \
      RK_MAP_(RK_ADDR_OF_, __VA_ARGS__)};                                     \
  RK_EXTERN_C extern const rk_group_def gname;                                \
  RK_EXTERN_C const rk_group_def gname = {                                    \
      #gname, gname##_members_,                                               \
      (uint32_t)(sizeof gname##_members_ / sizeof gname##_members_[0]),       \
      RK_CUDA_GROUP_ENTRY_PTR(gname)}

#endif /* RINGK_KERNEL_H */
