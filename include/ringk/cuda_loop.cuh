/* cuda_loop.cuh - the persistent GPU loop of a ring kernel.
 *
 * kernel.h includes this when a kernel-defining source is compiled by nvcc
 * with the CUDA backend built in; RK_KERNEL_DEFINE then also emits one
 * __global__ entry per ring kernel that runs rk_cuda_loop over the kernel's
 * handler (a template argument, so the handler is inlined into the loop).
 *
 * Shape: a worker is a thread block (or, for a member of a group, its
 * share of one: see "groups" below); each warp of it is an independent
 * consumer of the kernel's MPMC inbox and takes up to 32 messages with one
 * CAS (cuda_queue.cuh). Then, by default, every lane runs the handler on its
 * own message at once: each lane is a worker in rk_ctx's sense (its own
 * context, ids and send sequence, in registers and local memory), and the
 * sends lanes make together are claimed together (rk_queue_reserve_dev).
 * A kernel added `in_order` runs its warp's batch lane after lane instead,
 * in queue order, over one context in shared memory handed from lane to
 * lane by __syncwarp: a one-warp worker is then FIFO as a CPU worker is.
 * A kernel defined with lanes (RK_KERNEL_DEFINE_LANES) takes one message
 * at a time and runs it with all 32 lanes together, the lanes sharing a
 * scratch area in shared memory.
 *
 * Handlers count into private stats (each lane's, or the in-order warp's);
 * after each batch the warp folds them into its line in shared memory, and
 * lane 0 of warp 0 publishes the block's sums and its control
 * acknowledgement to the worker's stats line in mapped host memory, where
 * the host reads them: every round, but in a worker of one warp every
 * RK_PUBLISH_EVERY rounds while no acknowledgement is pending, and when
 * the worker stops.
 *
 * Everything the loop polls is device memory: the inbox, and a device copy
 * of the control block that the bridge (src/cuda/cuda_bridge.cu) keeps in
 * step with the host's. Host->kernel messages reach the inbox through the
 * bridge too, and kernel->host sends go to a device staging queue that the
 * bridge drains, so no loop ever waits on PCIe. */
#ifndef RINGK_CUDA_LOOP_CUH
#define RINGK_CUDA_LOOP_CUH

#include "ringk/cuda_queue.cuh"
#include "ringk/kernel.h"

#define RK_CUDA_MAX_WARPS 32u /* 1024 threads per block */
#define RK_FAR_EVERY 16u      /* a group member's rounds per poll of L2 */
#define RK_PUBLISH_EVERY 64u  /* a one-warp worker's rounds per publish */

/* Everything a ring kernel's grid needs, passed by value at launch. Device
 * pointers; `stats`, `busy` point into mapped host memory. */
typedef struct rk_cuda_kparams {
  rk_queue *const *routes;        /* device inbox of each kernel */
  rk_queue *to_host;              /* device staging queue, drained by the bridge */
  rk_worker_stats *stats;         /* mapped: one line per block */
  uint32_t *busy;                 /* mapped: one word per warp, 1 while handling */
  const rk_kernel_control *ctl;   /* device mirror of this kernel's control */
  void *state;
  const uint16_t *accept;
  uint32_t *live;                 /* device: blocks not yet exited, all kernels */
  rk_queue *local_out;            /* device, group members: per block, the
                                     counters of its local queue */
  int64_t clock_offset;           /* host rk_now_ns() - %globaltimer */
  uint32_t kernel_id;
  uint32_t nkernels;
  uint32_t naccept;
  uint32_t full_spins;
  uint32_t in_order;              /* rk_kernel_opts.in_order */
  uint32_t shards;                /* rk_kernel_opts.inbox_shards */
  rk_queue *inbox;                /* device: its inbox, the first of its queues */
  uint64_t shard_bytes;           /* from one of them to the next */
} rk_cuda_kparams;

/* Dynamic shared memory of a block of nwarps warps: each warp's published
 * line and private stats, its scratch (kernels with lanes), its context
 * (in-order kernels), then the block's copies of the route table and the
 * accepted type ids. Every claim of a slot is an acquire, which drops the
 * SM's L1 lines; the handlers' route and type lookups that follow would
 * each go to L2 (about 460 cycles on an H100) if they read global memory. */
static inline __host__ __device__ size_t rk_cuda_shared_bytes(uint32_t nwarps, uint32_t lanes,
                                                              uint32_t nkernels,
                                                              uint32_t naccept) {
  return nwarps * (2 * sizeof(rk_worker_stats) + (lanes > 1 ? RK_LANES_SCRATCH : 0) +
                   sizeof(rk_ctx)) +
         nkernels * sizeof(rk_queue *) + naccept * sizeof(uint16_t);
}

/* Where a kernel's loop runs in its blocks: all of each block, or, as a
 * member of a group, warps warp0 .. warp0 + nwarps - 1 of it, which
 * synchronise among themselves with named barrier `bar` (0, the block's
 * own, for a whole block). */
typedef struct rk_cuda_place {
  uint64_t *smem;                   /* its rk_cuda_shared_bytes of shared memory */
  rk_queue *locals[RK_GROUP_MAX];   /* each member's local queue, or NULL */
  uint32_t first_id;                /* kernel id of the group's member 0 */
  uint32_t nmembers;                /* 0: not in a group */
  uint32_t member;
  uint32_t warp0, nwarps, bar;
} rk_cuda_place;

__device__ static inline void rk_cuda_bar(const rk_cuda_place &pl) {
  asm volatile("bar.sync %0, %1;" ::"r"(pl.bar), "r"(pl.nwarps * RK_WARP) : "memory");
}

/* Copies the counters of a member's local queue where the host reads
 * them, when they changed since *seen (their sum: each only grows).
 * Relaxed: statistics, exact once the block has stopped. */
__device__ static inline void rk_cuda_local_out(const rk_queue *local, rk_queue *out,
                                                uint64_t *seen) {
  uint64_t head = rk_load_relaxed_u64(&local->head), tail = rk_load_relaxed_u64(&local->tail);
  uint64_t full = rk_load_relaxed_u64(&local->rejected_full);
  uint64_t oversize = rk_load_relaxed_u64(&local->rejected_oversize);
  uint64_t sum = head + tail + full + oversize;
  if (sum == *seen) return;
  *seen = sum;
  out->head = head;
  out->tail = tail;
  out->rejected_full = full;
  out->rejected_oversize = oversize;
  out->high_water = rk_load_relaxed_u64(&local->high_water);
}

__device__ static inline uint64_t rk_cuda_globaltimer(void) {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

/* A warp's line in shared memory has one writer (lane 0 of the warp) and
 * one reader (lane 0 of warp 0, the block's publisher). Both sides use
 * atomic instructions: relaxed atomic loads and stores compile to plain
 * shared-memory accesses, which compute-sanitizer's racecheck reports as
 * races between the warps. */
__device__ static inline uint64_t rk_line_get(uint64_t *p) {
  return atomicAdd((unsigned long long *)p, 0ull);
}
__device__ static inline void rk_line_add(uint64_t *p, uint64_t v) {
  atomicAdd((unsigned long long *)p, (unsigned long long)v);
}
__device__ static inline void rk_line_put(uint64_t *p, uint64_t v) {
  atomicExch((unsigned long long *)p, (unsigned long long)v);
}

/* Per-warp control reading and acknowledgement (rk_worker_control, with
 * the acknowledgement stored in the warp's line), by lane 0, broadcast. */
__device__ static inline int rk_cuda_control(const rk_kernel_control *ctl, rk_worker_stats *line) {
  uint32_t lane = threadIdx.x % RK_WARP;
  int c = 0;
  if (lane == 0) {
    uint32_t epoch;
    c = rk_control_read(ctl, &epoch);
    if (epoch != rk_line_get(&line->epoch_seen)) {
      /* release (device): our last handler's effects before the
       * acknowledgement the publisher acquires. */
      rk_fence_release_device();
      rk_line_put(&line->epoch_seen, epoch);
    }
  }
  return __shfl_sync(RK_FULL_MASK, c, 0);
}

/* Lane 0 of warp 0: folds the warps' lines into the block's mapped stats
 * line when they changed. The epoch acknowledged is the oldest any warp
 * acknowledged, so the host hears "seen" only once every warp has left the
 * handlers it was in. */
__device__ static inline void rk_cuda_publish(rk_worker_stats *w, uint32_t nwarps,
                                              rk_worker_stats *out, rk_worker_stats *last,
                                              const rk_queue *local, rk_queue *local_out,
                                              uint64_t *local_seen) {
  /* the local queue's counters first, so that an acknowledgement below
   * also vouches for them */
  if (local) rk_cuda_local_out(local, local_out, local_seen);
  rk_worker_stats s;
  memset(&s, 0, sizeof s);
  s.epoch_seen = UINT64_MAX;
  for (uint32_t i = 0; i < nwarps; i++) {
    s.processed += rk_line_get(&w[i].processed);
    s.errors += rk_line_get(&w[i].errors);
    s.sent += rk_line_get(&w[i].sent);
    s.send_failed += rk_line_get(&w[i].send_failed);
    uint64_t t = rk_line_get(&w[i].last_activity);
    if (t > s.last_activity) s.last_activity = t;
    int32_t e = atomicAdd((int *)&w[i].last_error, 0);
    if (e != RK_OK) s.last_error = e;
    uint64_t ep = rk_line_get(&w[i].epoch_seen);
    if (ep < s.epoch_seen) s.epoch_seen = ep;
  }
  if (s.processed != last->processed || s.errors != last->errors) {
    rk_sys_store_relaxed_u64(&out->processed, s.processed);
    rk_sys_store_relaxed_u64(&out->errors, s.errors);
    rk_sys_store_relaxed_u64(&out->last_activity, s.last_activity);
    rk_sys_store_relaxed_u32((uint32_t *)&out->last_error, (uint32_t)s.last_error);
  }
  if (s.sent != last->sent || s.send_failed != last->send_failed) {
    rk_sys_store_relaxed_u64(&out->sent, s.sent);
    rk_sys_store_relaxed_u64(&out->send_failed, s.send_failed);
    rk_sys_store_relaxed_u32((uint32_t *)&out->last_error, (uint32_t)s.last_error);
  }
  if (s.epoch_seen != last->epoch_seen) {
    /* acquire (device): pairs with each warp's release before its
     * acknowledgement, so its handler effects are ordered before... */
    rk_fence_acquire_device();
    /* release (system): ...the counters above and those effects reach the
     * host before the acknowledgement. */
    rk_sys_store_release_u64(&out->epoch_seen, s.epoch_seen);
  }
  *last = s;
}

/* Marks the warp busy or idle in mapped memory, on changes only: after a
 * device fault the host names the kernel whose warp was busy. */
__device__ static inline void rk_cuda_mark(uint32_t *busy, uint32_t *cur, uint32_t v) {
  if (*cur != v && threadIdx.x % RK_WARP == 0) rk_sys_store_relaxed_u32(busy, v);
  *cur = v;
}

/* Decodes the message taken at ref (as rk_msg_decode) with its length and
 * header loaded together. The claim's fence has emptied L1, and decoded in
 * turn (the length, then the header it vouches for) they were two round
 * trips to L2. A kernel's slots hold a header at least (runtime.c), so its
 * bytes are the slot's to read whatever the length says. */
__device__ static inline int rk_cuda_decode(rk_slot_ref *ref, rk_msg *msg) {
  rk_msg_header h;
  ref->len = ref->slot->len;
  rk_header_copy(&h, ref->data);
  int rc = rk_header_decode((const uint8_t *)&h, ref->len, &msg->hdr);
  msg->payload = rc == RK_OK ? ref->data + RK_HEADER_SIZE : NULL;
  return rc;
}

/* Runs the handler on the n messages the warp took at pos of the queue
 * g describes: lane i on message i, all at once, or one lane after the
 * other when in order. */
template <rk_handler_fn H>
__device__ static inline void rk_cuda_handle(rk_ctx *ctx, const rk_qgeom &g, uint64_t pos,
                                             uint32_t n, uint32_t in_order, uint64_t now) {
  uint32_t lane = threadIdx.x % RK_WARP;
  rk_queue *q = g.q;
  rk_slot_ref ref;
  rk_slot_ref_set(&ref, rk_qgeom_slot(g, pos + lane), pos + lane, 0);
  if (!in_order) {
    if (lane < n) {
      rk_msg msg;
      int rc = rk_cuda_decode(&ref, &msg);
      rk_finish_slot(ctx, q, &ref, rk_run_decoded(ctx, &msg, rc, H), now);
    }
    __syncwarp();
    return;
  }
  if (lane < n) ref.len = ref.slot->len;
  for (uint32_t i = 0; i < n; i++) {
    if (lane == i) rk_dispatch_slot(ctx, q, &ref, H, now);
    /* hands the shared ctx and counters to the next lane */
    __syncwarp();
  }
}

/* Runs the handler on the n messages the warp took at pos, one after the
 * other, each with all 32 lanes (a kernel defined with lanes). Lane 0's
 * result counts; lane 0 releases the slot once every lane is done. */
template <rk_handler_fn H>
__device__ static inline void rk_cuda_handle_lanes(rk_ctx *ctx, const rk_qgeom &g, uint64_t pos,
                                                   uint32_t n, uint64_t now) {
  rk_queue *q = g.q;
  for (uint32_t i = 0; i < n; i++) {
    rk_slot_ref ref;
    rk_slot_ref_set(&ref, rk_qgeom_slot(g, pos + i), pos + i, 0);
    rk_msg msg;
    int rc = rk_cuda_decode(&ref, &msg);
    /* the lanes decode the same bytes, so they agree on whether H runs */
    rc = rk_run_decoded(ctx, &msg, rc, H);
    /* every lane's scratch accesses before the next message's; then lane
     * 0's result */
    __syncwarp();
    rc = __shfl_sync(RK_FULL_MASK, rc, 0);
    if (ctx->lane == 0) rk_finish_slot(ctx, q, &ref, rc, now);
  }
  __syncwarp();
}

/* Folds the counters the warp's handlers kept privately into the warp's
 * line and clears them. `own` is each lane's set, or with `one_set` the
 * warp's single set (in order), counted once through lane 0. Whole warp,
 * after rk_cuda_handle's __syncwarp. */
__device__ static inline void rk_cuda_fold(rk_worker_stats *own, uint32_t one_set,
                                           rk_worker_stats *line, uint64_t now) {
  uint32_t lane = threadIdx.x % RK_WARP;
  int mine = !one_set || lane == 0;
  uint32_t processed = __reduce_add_sync(RK_FULL_MASK, mine ? (uint32_t)own->processed : 0u);
  uint32_t errors = __reduce_add_sync(RK_FULL_MASK, mine ? (uint32_t)own->errors : 0u);
  uint32_t sent = __reduce_add_sync(RK_FULL_MASK, mine ? (uint32_t)own->sent : 0u);
  uint32_t failed = __reduce_add_sync(RK_FULL_MASK, mine ? (uint32_t)own->send_failed : 0u);
  int32_t err = mine ? own->last_error : RK_OK;
  uint32_t erred = __ballot_sync(RK_FULL_MASK, err != RK_OK);
  if (erred) err = __shfl_sync(RK_FULL_MASK, err, 31 - __clz((int)erred));
  if (mine) {
    own->processed = own->errors = own->sent = own->send_failed = 0;
    own->last_error = RK_OK;
  }
  if (lane != 0) return;
  /* A 64-bit add to shared memory is a compare-and-swap loop: none for
   * a count that did not move. */
  if (processed != 0) rk_line_add(&line->processed, processed);
  if (errors != 0) rk_line_add(&line->errors, errors);
  if (processed + errors != 0) rk_line_put(&line->last_activity, now);
  if (sent != 0) rk_line_add(&line->sent, sent);
  if (failed != 0) rk_line_add(&line->send_failed, failed);
  if (erred) atomicExch((int *)&line->last_error, err);
}

/* A context for worker `worker` of nworkers, counting into own. */
__device__ static inline void rk_cuda_ctx_init(rk_ctx *ctx, const rk_cuda_kparams &p,
                                               rk_worker_stats *own, uint32_t worker,
                                               uint32_t nworkers, uint32_t lanes, void *scratch) {
  memset(own, 0, sizeof *own);
  memset(ctx, 0, sizeof *ctx);
  ctx->routes = p.routes;
  ctx->to_host = p.to_host;
  ctx->stats = own;
  ctx->ctl = p.ctl;
  ctx->state = p.state;
  ctx->kernel_id = p.kernel_id;
  ctx->nkernels = p.nkernels;
  ctx->worker = worker;
  ctx->nworkers = nworkers;
  ctx->accept = p.accept;
  ctx->naccept = p.naccept;
  ctx->full_spins = p.full_spins;
  ctx->lane = lanes > 1 ? threadIdx.x % RK_WARP : 0;
  ctx->lanes = lanes;
  ctx->scratch = scratch;
}

/* Lanes: 1 (each lane runs its own message, or in order one lane after
 * the other) or RK_LANES_MAX (the warp runs each message together). */
template <rk_handler_fn H, uint32_t Lanes>
__device__ void rk_cuda_loop(const rk_cuda_kparams &p, const rk_cuda_place &pl) {
  uint32_t lane = threadIdx.x % RK_WARP, warp = threadIdx.x / RK_WARP - pl.warp0;
  uint32_t nwarps = pl.nwarps, tid = threadIdx.x - pl.warp0 * RK_WARP, nthreads = nwarps * RK_WARP;
  const uint32_t in_order = Lanes == 1 && p.in_order;
  rk_worker_stats *lines = (rk_worker_stats *)pl.smem;
  rk_worker_stats *line = &lines[warp];
  rk_worker_stats *own = &lines[nwarps + warp];
  uint8_t *scratch = (uint8_t *)&lines[2 * nwarps] + (size_t)warp * RK_LANES_SCRATCH;
  rk_ctx *ctxs = (rk_ctx *)((uint8_t *)&lines[2 * nwarps] +
                            (Lanes > 1 ? (size_t)nwarps * RK_LANES_SCRATCH : 0));
  rk_ctx *ctx = ctxs + warp;
  rk_queue **routes = (rk_queue **)(ctxs + nwarps);
  uint16_t *accept = (uint16_t *)(routes + p.nkernels);
  /* A block sends to its own queue of a sharded inbox (runtime.h), so
   * that its lanes' messages keep their order and claim together: its
   * routes say which, and a send costs nothing more for it. */
  for (uint32_t i = tid; i < p.nkernels; i += nthreads)
    routes[i] = rk_queue_shard(p.routes[i], blockIdx.x);
  for (uint32_t i = tid; i < p.naccept; i += nthreads) accept[i] = p.accept[i];
  /* messages to the members of this block go to their local queues */
  for (uint32_t i = tid; i < pl.nmembers; i += nthreads)
    if (pl.locals[i]) routes[pl.first_id + i] = pl.locals[i];
  rk_cuda_bar(pl);
  rk_cuda_kparams pb = p;
  pb.routes = routes;
  pb.accept = accept;
  rk_worker_stats lane_own;
  rk_ctx lane_ctx;
  if (in_order) {
    /* the warp is the worker; lane 0 sets up its shared context */
    if (lane == 0)
      rk_cuda_ctx_init(ctx, pb, own, blockIdx.x * nwarps + warp, gridDim.x * nwarps, 1, NULL);
  } else {
    ctx = &lane_ctx;
    own = &lane_own;
    rk_cuda_ctx_init(ctx, pb, own, blockIdx.x * nthreads + tid, gridDim.x * nthreads, Lanes,
                     Lanes > 1 ? scratch : NULL);
  }
  if (lane == 0) memset(line, 0, sizeof *line);
  /* relaxed: a flag the host polls at launch; it orders nothing. */
  if (tid == 0) rk_sys_store_relaxed_u32(&p.stats[blockIdx.x].running, 1);
  rk_cuda_bar(pl);
  /* This block's queue of the inbox: all of it, unless the inbox is
   * sharded (runtime.h). */
  rk_queue *inbox = rk_queue_shard(p.routes[p.kernel_id], blockIdx.x);
  /* A group member's local queue is polled every round, its inbox (and
   * control block) every RK_FAR_EVERY: a poll of L2 costs a round trip
   * of hundreds of cycles, one of shared memory tens, and a member waiting
   * on a local message should not sit out the other. */
  rk_queue *local = pl.nmembers ? pl.locals[pl.member] : NULL;
  rk_queue *local_out = local ? &p.local_out[blockIdx.x] : NULL;
  uint32_t round = 0, unpublished = 0;
  uint64_t local_seen = 0;
  uint32_t *busy = &p.busy[blockIdx.x * nwarps + warp];
  uint32_t marked = 0;
  rk_worker_stats published;
  memset(&published, 0, sizeof published);
  uint32_t seen_epoch = UINT32_MAX;
  int mode = RK_CTL_HOLD;
  /* Slots a take looks at: a warp's batch, or one after an empty poll.
   * A poll reads a sequence per slot looked at, in the lines the producers
   * are filling, and a warp that just found the inbox empty has no use for
   * 31 of them. */
  uint32_t want = Lanes > 1 ? 1 : RK_WARP;
  /* Each queue's geometry, and for a warp alone on a queue (a one-warp
   * kernel's inbox, a one-warp member's local queue) where it left the
   * tail, so that it polls the slots alone and claims without a CAS
   * (cuda_queue.cuh): the host and the bridge never take from these. */
  rk_cursor inbox_at = rk_cursor_init(inbox, gridDim.x * nwarps == 1);
  rk_cursor local_at = local ? rk_cursor_init(local, nwarps == 1) : inbox_at;
  for (;;) {
    /* relaxed pre-check, in flight beside the inbox poll: the full acquire
     * protocol runs only when the epoch moved. Messages taken under the old
     * epoch are handled before the new one is acknowledged, as the protocol
     * asks. Its value is shared out after the take: shared before, the
     * take's poll went out only once the epoch was back, two round trips
     * to L2 a round where one does. */
    int far = local == NULL || round++ % RK_FAR_EVERY == 0;
    uint32_t e = far ? rk_load_relaxed_u32(&p.ctl->epoch) : seen_epoch;
    uint64_t pos;
    uint32_t n = 0;
    rk_queue *from = local;
    /* A kernel with lanes takes one message a warp: its warp runs each
     * message alone, so a batch taken at once would run one after another
     * on this warp while others found the inbox empty. */
    if (mode == RK_CTL_RUN && local) n = rk_warp_take_at(local, want, &local_at, &pos);
    if (mode == RK_CTL_RUN && n == 0 && far) {
      from = inbox;
      n = rk_warp_take_at(inbox, want, &inbox_at, &pos);
    }
    want = n == 0 || Lanes > 1 ? 1 : RK_WARP;
    /* Lane 0's epoch, for all: lanes drift apart (lane 0 publishes), and a
     * per-lane epoch would send only some lanes into the warp-wide calls
     * below, which then wait forever for the others. */
    e = __shfl_sync(RK_FULL_MASK, e, 0);
    rk_cuda_mark(busy, &marked, n != 0);
    if (n != 0) {
      uint64_t now = (uint64_t)((int64_t)rk_cuda_globaltimer() + p.clock_offset);
      const rk_qgeom &g = from == local ? local_at.g : inbox_at.g;
      if (Lanes > 1) rk_cuda_handle_lanes<H>(ctx, g, pos, n, now);
      else rk_cuda_handle<H>(ctx, g, pos, n, in_order, now);
      rk_cuda_fold(own, in_order, line, now);
    }
    if (e != seen_epoch) {
      mode = rk_cuda_control(p.ctl, line);
      seen_epoch = e;
    }
    /* A one-warp worker's publish sits between every two messages it takes:
     * one every round cost a hop 0.35 us between SMs and in a block (H200,
     * 4.13 -> 3.78 and 2.28 -> 1.92 us). The host waits on an
     * acknowledgement, so while one is pending it goes out every round.
     * Workers of more warps publish every round: throttled alike, PageRank
     * at R-MAT 22 ran 5 % slower (5.92-5.93 against 5.64-5.65 ms an
     * iteration, two machines), for a reason not found. */
    if (warp == 0 && lane == 0 &&
        (nwarps > 1 || published.epoch_seen != seen_epoch ||
         ++unpublished == RK_PUBLISH_EVERY)) {
      unpublished = 0;
      rk_cuda_publish(lines, nwarps, &p.stats[blockIdx.x], &published, local, local_out,
                      &local_seen);
    }
    if (mode == RK_CTL_STOP) break;
    /* A block of a sharded inbox takes from its own queue every other
     * round and from each other one in turn between, so that no queue
     * waits on its own blocks alone (sharded kernels are not group
     * members: `round` is theirs). Chosen here, from the parameters: a
     * second take in the poll, or the set's geometry held in registers
     * across the handler, pushed PageRank's kernels past RK_CUDA_MAX_REGS
     * (spills up by a quarter to a half). Even unsharded, a loop whose
     * inbox may change costs a hop between two one-warp kernels 118 ns
     * (H200: 3.90 us against 3.78 with this block compiled out; the same
     * choice made in the poll, 135 ns); a loop built twice, with and
     * without it, spilled far more (stack frames of 3-4 KiB). */
    if (p.shards > 1) {
      uint32_t home = blockIdx.x, i = home;
      if (++round & 1) {
        i = home + 1 + round / 2;
        if (((i ^ home) & (p.shards - 1)) == 0) i++;
      }
      inbox = (rk_queue *)((uint8_t *)p.inbox + (size_t)(i & (p.shards - 1)) * p.shard_bytes);
      /* the same geometry; a sharded inbox has blocks, so no claimer is sole */
      inbox_at.g.q = inbox;
    }
    /* a group member that runs polls its local queue without a pause */
    if (n == 0 && (local == NULL || mode != RK_CTL_RUN)) __nanosleep(64);
  }
  rk_cuda_bar(pl);
  if (tid == 0) {
    rk_cuda_publish(lines, nwarps, &p.stats[blockIdx.x], &published, local, local_out,
                      &local_seen);
    /* release (device): our last sends precede the bridge's final drain. */
    cuda::atomic_ref<uint32_t, cuda::thread_scope_device>(*p.live)
        .fetch_sub(1, cuda::memory_order_release);
  }
}

/* The place of a kernel that has its blocks to itself. */
__device__ static inline rk_cuda_place rk_cuda_place_whole(void) {
  extern __shared__ uint64_t rk_cuda_smem_[];
  rk_cuda_place pl;
  memset(&pl, 0, sizeof pl);
  pl.smem = rk_cuda_smem_;
  pl.nwarps = blockDim.x / RK_WARP;
  return pl;
}

/* ---- groups: several kernels' loops in one block --------------------------
 * The fused entry of RK_GROUP_DEFINE runs member i's loop on warps
 * warp0[i] .. warp0[i+1]-1 of each block, with its own area of shared
 * memory and its own named barrier (1 + i), and lays out each member's
 * local queue in shared memory before any member may send to it. */
typedef struct rk_cuda_group_params {
  rk_cuda_kparams m[RK_GROUP_MAX];
  uint32_t warp0[RK_GROUP_MAX + 1];
  uint32_t smem_off[RK_GROUP_MAX];   /* bytes into shared memory */
  uint32_t local_off[RK_GROUP_MAX];  /* its local queue; 0: it has none */
  uint32_t local_cap[RK_GROUP_MAX];
  uint32_t slot_size[RK_GROUP_MAX];
  uint32_t nmembers;
  uint32_t first_id;
} rk_cuda_group_params;

/* A member of a group, as the fused entry sees it: its handler and lanes. */
template <rk_handler_fn H, uint32_t Lanes>
struct rk_cuda_member {
  __device__ static void run(const rk_cuda_kparams &p, const rk_cuda_place &pl) {
    rk_cuda_loop<H, Lanes>(p, pl);
  }
};

template <uint32_t I>
__device__ static inline void rk_cuda_group_run(const rk_cuda_group_params &, const rk_cuda_place &) {}
template <uint32_t I, class M, class... Rest>
__device__ static inline void rk_cuda_group_run(const rk_cuda_group_params &g, const rk_cuda_place &pl) {
  if (pl.member == I) M::run(g.m[I], pl);
  else rk_cuda_group_run<I + 1, Rest...>(g, pl);
}

template <class... M>
__device__ void rk_cuda_group(const rk_cuda_group_params &g) {
  extern __shared__ uint64_t rk_cuda_smem_[];
  uint8_t *base = (uint8_t *)rk_cuda_smem_;
  uint32_t warp = threadIdx.x / RK_WARP, lane = threadIdx.x % RK_WARP;
  rk_cuda_place pl;
  memset(&pl, 0, sizeof pl);
  pl.nmembers = g.nmembers;
  pl.first_id = g.first_id;
  for (uint32_t i = 0; i < g.nmembers; i++)
    pl.locals[i] = g.local_off[i] ? (rk_queue *)(base + g.local_off[i]) : NULL;
  while (pl.member + 1 < g.nmembers && warp >= g.warp0[pl.member + 1]) pl.member++;
  uint32_t m = pl.member;
  pl.warp0 = g.warp0[m];
  pl.nwarps = g.warp0[m + 1] - g.warp0[m];
  pl.bar = 1 + m;
  pl.smem = (uint64_t *)(base + g.smem_off[m]);
  rk_queue *local = pl.locals[m];
  if (local && warp == pl.warp0) rk_queue_lay_out_warp(local, g.local_cap[m], g.slot_size[m]);
  __syncthreads();
  rk_cuda_group_run<0, M...>(g, pl);
  /* every member has stopped sending: the local queues' final counts */
  __syncthreads();
  uint64_t seen = UINT64_MAX;
  if (local && warp == pl.warp0 && lane == 0)
    rk_cuda_local_out(local, &g.m[m].local_out[blockIdx.x], &seen);
}

/* Registers a thread of a ring kernel's grid may use. The loop, the
 * handler and its sends are inlined into one entry, and nvcc gives that
 * entry whatever it asks for: a change to the loop that kept two queue
 * cursors in registers (f501b2c) took the PageRank aggregator from 128 to
 * 138, past what lets two of its 256-thread blocks share an SM, and R-MAT 22
 * from 6.1 to 9.4 ms an iteration on an H200; capped, 5.6 ms. 128 leaves
 * room on an SM (64 K registers) for two blocks of 256 threads or one of
 * 512; what does not fit spills to local memory, which L1 caches. */
#define RK_CUDA_MAX_REGS 128
/* __maxnreg__ came with CUDA 12.4; older nvcc builds the entries uncapped. */
#if __CUDACC_VER_MAJOR__ > 12 || (__CUDACC_VER_MAJOR__ == 12 && __CUDACC_VER_MINOR__ >= 4)
#define RK_CUDA_REG_CAP_ __maxnreg__(RK_CUDA_MAX_REGS)
#else
#define RK_CUDA_REG_CAP_
#endif

#define RK_CUDA_MEMBER_OF_(kname) kname##_rk_member
#define RK_CUDA_ENTRY(kname, handler, lanes)                                   \
  typedef rk_cuda_member<handler, lanes> kname##_rk_member;                    \
  __global__ void RK_CUDA_REG_CAP_                                             \
      kname##_rk_cuda_entry(rk_cuda_kparams p) {                               \
    rk_cuda_loop<handler, lanes>(p, rk_cuda_place_whole());                    \
  }
#define RK_CUDA_ENTRY_PTR(kname) ((const void *)kname##_rk_cuda_entry)
#define RK_CUDA_GROUP_ENTRY(gname, ...)                                        \
  __global__ void RK_CUDA_REG_CAP_                                             \
      gname##_rk_cuda_group(rk_cuda_group_params g) {                          \
    rk_cuda_group<RK_MAP_(RK_CUDA_MEMBER_OF_, __VA_ARGS__)>(g);                \
  }
#define RK_CUDA_GROUP_ENTRY_PTR(gname) ((const void *)gname##_rk_cuda_group)

#endif /* RINGK_CUDA_LOOP_CUH */
