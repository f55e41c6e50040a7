/* cpu_backend.c - ring kernels as POSIX threads over host-memory queues.
 *
 * The default backend, and the one every build has. Each kernel gets one
 * MPMC inbox in host memory that both the host and other kernels send into
 * (so host_in is the inbox), and opts.workers threads that all consume it;
 * a sharded inbox is several queues, worker w's own first (runtime.h).
 * Workers poll: when the inbox is empty or the kernel is held they back off
 * to short sleeps (core/wait.h), so idle kernels cost little, and a
 * message or a control change ends the sleep at once.
 *
 * A group's members (rk_group_add) share their threads, as they share
 * blocks on the GPU: thread w runs worker w of every member, a message of
 * each in turn, so that a message between members stays in the thread's
 * caches and wakes no other thread. The members' inboxes wake the thread
 * through the first member's wake word. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/backend.h"
#include "core/wait.h"

typedef struct cpu_worker {
  pthread_t thread;
  int started;
  int joined;
  rk_ctx ctx;
  rk_handler_fn handler;
  rk_queue *inbox;         /* its kernel's inbox (the first of its queues) */
  struct cpu_worker *next; /* in a group: worker w of the next member, or NULL */
  _Alignas(16) uint8_t scratch[RK_LANES_SCRATCH]; /* ctx.scratch of a lanes kernel */
} cpu_worker;

typedef struct cpu_kernel {
  rk_queue *inbox;
  void *state;
  uint16_t *accept;
  cpu_worker *workers;
  rk_queue **routes;        /* worker w's routing table: nkernels from w * nkernels */
} cpu_kernel;

typedef struct cpu_backend {
  cpu_kernel *kernels;
  rk_queue **routes;        /* each kernel's inbox, the first of its queues */
  rk_kernel_control *ctl;   /* one line per kernel */
  rk_worker_stats **stats;  /* per kernel, one line per worker */
} cpu_backend;

static uint64_t coarse_now_ns(void) {
  /* Telemetry only needs ~ms resolution; the coarse clock costs a few ns. */
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Takes a message from the worker's own queue of its inbox, or when that
 * is empty from the next queue that has one (runtime.h), and dispatches it. */
static int cpu_dispatch(cpu_worker *w, rk_queue *const *qs, uint32_t n) {
  uint64_t now = coarse_now_ns();
  for (uint32_t i = 0; i < n; i++) {
    rk_queue *q = qs[(w->ctx.worker + i) & (n - 1)];
    if (rk_dispatch_one(&w->ctx, q, w->handler, now) == RK_OK) return RK_OK;
  }
  return RK_E_EMPTY;
}

static void *cpu_worker_main(void *arg) {
  cpu_worker *w = (cpu_worker *)arg;
  rk_ctx *ctx = &w->ctx;
  rk_queue *inbox = w->inbox;
  rk_queue *qs[RK_QUEUE_MAX_SHARDS];
  uint32_t n = inbox->shards;
  for (uint32_t i = 0; i < n; i++) qs[i] = rk_queue_shard(inbox, i);
  uint32_t all = n >= 32 ? UINT32_MAX : (1u << n) - 1; /* every queue watched */
  rk_backoff b;
  rk_backoff_reset(&b);
  for (;;) {
    int c = rk_worker_control(ctx->ctl, ctx->stats);
    if (c == RK_CTL_STOP) break;
    if (c == RK_CTL_RUN && cpu_dispatch(w, qs, n) == RK_OK) {
      rk_backoff_reset(&b);
      continue;
    }
    /* a running worker sleeps while its inbox is empty, a held one until
     * its control block changes (cpu_notify wakes it), on the first
     * queue's word, which a commit to any of them bumps */
    rk_backoff_wait_on_any(&b, qs, n, c == RK_CTL_RUN ? all : 0);
  }
  return NULL;
}

/* Worker w of each member of a group, from the first member's: a message
 * for each member that runs and has one, in turn, until every member
 * stops; asleep while no running member has a message. */
static void *cpu_group_main(void *arg) {
  rk_queue *inboxes[RK_GROUP_MAX];
  rk_backoff b;
  rk_backoff_reset(&b);
  for (;;) {
    uint32_t n = 0, stopped = 0, running = 0, handled = 0;
    for (cpu_worker *w = (cpu_worker *)arg; w; w = w->next, n++) {
      rk_ctx *ctx = &w->ctx;
      inboxes[n] = w->inbox;
      int c = rk_worker_control(ctx->ctl, ctx->stats);
      stopped += c == RK_CTL_STOP;
      if (c != RK_CTL_RUN) continue;
      running |= 1u << n;
      handled += rk_dispatch_one(ctx, inboxes[n], w->handler, coarse_now_ns()) == RK_OK;
    }
    if (stopped == n) break;
    if (handled) {
      rk_backoff_reset(&b);
      continue;
    }
    /* asleep until a running member's inbox or any control block changes */
    rk_backoff_wait_on_any(&b, inboxes, n, running);
  }
  return NULL;
}

static void *zalloc_lines(size_t n, size_t size) {
  size_t bytes = n * size;
  void *p = aligned_alloc(RK_CACHELINE, (bytes + RK_CACHELINE - 1) & ~(size_t)(RK_CACHELINE - 1));
  if (p) memset(p, 0, bytes);
  return p;
}

static int cpu_alloc_kernel(rk_rt *rt, cpu_backend *be, uint32_t i) {
  rk_kernel_rec *k = &rt->kernels[i];
  cpu_kernel *ck = &be->kernels[i];
  int rc = rk_queue_set_create(&ck->inbox, k->opts.inbox_shards, k->opts.inbox_capacity,
                               k->slot_size);
  if (rc != RK_OK) return rc;
  /* a commit to any queue of the inbox wakes the workers, asleep on the
   * first one's word */
  for (uint32_t s = 1; s < k->opts.inbox_shards; s++)
    rk_queue_shard(ck->inbox, s)->wake_word = &ck->inbox->wake_seq;
  be->routes[i] = ck->inbox;
  be->stats[i] = zalloc_lines(k->opts.workers, sizeof(rk_worker_stats));
  ck->accept = calloc(k->def->ntypes, sizeof(uint16_t));
  ck->workers = calloc(k->opts.workers, sizeof(cpu_worker));
  ck->routes = calloc((size_t)k->opts.workers * rt->nkernels, sizeof(rk_queue *));
  if (!be->stats[i] || !ck->accept || !ck->workers || !ck->routes) return RK_E_NOMEM;
  if (k->opts.state_size) {
    ck->state = malloc(k->opts.state_size);
    if (ck->state == NULL) return RK_E_NOMEM;
    memcpy(ck->state, k->init_state, k->opts.state_size);
  }
  rk_kernel_accept_ids(k->def, ck->accept);
  k->ctl = &be->ctl[i];
  k->stats = be->stats[i];
  k->host_in = ck->inbox;
  return RK_OK;
}

/* Fills kernel i's workers' contexts; a group's members link each worker
 * to the same worker of the next member (member 0's thread runs them).
 * Worker w sends to queue w % shards of a sharded inbox (runtime.h): its routing
 * table says which, so that a send costs nothing more for it. */
static void cpu_fill_workers(rk_rt *rt, cpu_backend *be, uint32_t i) {
  rk_kernel_rec *k = &rt->kernels[i];
  cpu_kernel *ck = &be->kernels[i];
  for (uint32_t w = 0; w < k->opts.workers; w++) {
    cpu_worker *wk = &ck->workers[w];
    rk_queue **routes = ck->routes + (size_t)w * rt->nkernels;
    for (uint32_t j = 0; j < rt->nkernels; j++) routes[j] = rk_queue_shard(be->routes[j], w);
    rk_ctx_fill(rt, i, w, routes, rt->to_host, ck->state, ck->accept, &k->stats[w], k->ctl,
                &wk->ctx);
    wk->handler = k->def->handler;
    wk->inbox = ck->inbox;
    /* a CPU worker is a warp of one lane */
    if (k->def->lanes > 1) wk->ctx.scratch = wk->scratch;
    if (k->group && k->member + 1 < k->group->nmembers) wk->next = &be->kernels[i + 1].workers[w];
  }
  /* a commit to this member's inbox wakes the group's thread, asleep on
   * member 0's word */
  if (k->group && k->member > 0) ck->inbox->wake_word = &be->kernels[i - k->member].inbox->wake_seq;
}

/* Starts kernel i's threads: one a worker, or for a group, one a worker
 * of member 0 that runs every member's. */
static int cpu_start_workers(rk_rt *rt, cpu_backend *be, uint32_t i) {
  rk_kernel_rec *k = &rt->kernels[i];
  cpu_kernel *ck = &be->kernels[i];
  if (k->group && k->member > 0) return RK_OK;
  for (uint32_t w = 0; w < k->opts.workers; w++) {
    cpu_worker *wk = &ck->workers[w];
    void *(*main_fn)(void *) = k->group ? cpu_group_main : cpu_worker_main;
    if (pthread_create(&wk->thread, NULL, main_fn, wk) != 0) return RK_E_NOMEM;
    wk->started = 1;
  }
  return RK_OK;
}

static int cpu_launch(rk_rt *rt) {
  cpu_backend *be = calloc(1, sizeof *be);
  if (be == NULL) return RK_E_NOMEM;
  rt->backend = be;
  uint32_t n = rt->nkernels;
  be->kernels = calloc(n, sizeof *be->kernels);
  be->routes = calloc(n, sizeof *be->routes);
  be->stats = calloc(n, sizeof *be->stats);
  be->ctl = zalloc_lines(n, sizeof(rk_kernel_control));
  if (!be->kernels || !be->routes || !be->stats || !be->ctl) return RK_E_NOMEM;
  int rc = rk_queue_create(&rt->to_host, rt->opts.to_host_capacity, rt->to_host_slot);
  rt->to_host_wakes = 1; /* workers commit on the host: rk_queue_note_commit wakes */
  for (uint32_t i = 0; rc == RK_OK && i < n; i++) rc = cpu_alloc_kernel(rt, be, i);
  /* Workers start only once every route and worker exists: a handler may
   * send at once, and a group's thread runs its later members' workers. */
  for (uint32_t i = 0; rc == RK_OK && i < n; i++) cpu_fill_workers(rt, be, i);
  for (uint32_t i = 0; rc == RK_OK && i < n; i++) rc = cpu_start_workers(rt, be, i);
  if (rc != RK_OK) {
    for (uint32_t i = 0; i < n; i++) rk_store_release_u32(&be->ctl[i].stop, 1);
  }
  return rc;
}

static void cpu_notify(rk_rt *rt, uint32_t kernel) {
  /* Workers poll the control block, but may be asleep on their inbox. */
  rk_queue_wake(((cpu_backend *)rt->backend)->kernels[kernel].inbox);
}

static int cpu_join(rk_rt *rt, uint64_t timeout_ns) {
  cpu_backend *be = (cpu_backend *)rt->backend;
  struct timespec abs;
  clock_gettime(CLOCK_REALTIME, &abs);
  uint64_t t = (uint64_t)abs.tv_nsec + (timeout_ns > 1000000000ull * 3600 ? 1000000000ull * 3600 : timeout_ns);
  abs.tv_sec += (time_t)(t / 1000000000u);
  abs.tv_nsec = (long)(t % 1000000000u);
  for (uint32_t i = 0; i < rt->nkernels; i++) {
    cpu_kernel *ck = &be->kernels[i];
    for (uint32_t w = 0; ck->workers && w < rt->kernels[i].opts.workers; w++) {
      cpu_worker *wk = &ck->workers[w];
      if (!wk->started || wk->joined) continue;
      int e = pthread_timedjoin_np(wk->thread, NULL, &abs);
      if (e == ETIMEDOUT) return RK_E_TIMEOUT;
      wk->joined = 1;
    }
  }
  return RK_OK;
}

static int cpu_state_read(rk_rt *rt, uint32_t kernel, void *dst, size_t size) {
  cpu_backend *be = (cpu_backend *)rt->backend;
  memcpy(dst, be->kernels[kernel].state, size);
  return RK_OK;
}

static int cpu_inbox_stats(rk_rt *rt, uint32_t kernel, rk_queue_stats *out) {
  cpu_backend *be = (cpu_backend *)rt->backend;
  rk_queue_set_stats(be->kernels[kernel].inbox, out);
  return RK_OK;
}

static int cpu_poll_fault(rk_rt *rt, uint32_t *kernel) {
  /* Handler errors are counted per worker; threads cannot fault silently. */
  (void)rt;
  (void)kernel;
  return RK_OK;
}

static int cpu_mem_alloc(rk_rt *rt, size_t bytes, void **ptr) {
  (void)rt;
  *ptr = malloc(bytes);
  return *ptr ? RK_OK : RK_E_NOMEM;
}

static void cpu_mem_free(rk_rt *rt, void *ptr) {
  (void)rt;
  free(ptr);
}

static int cpu_mem_copy(rk_rt *rt, void *dst, const void *src, size_t bytes, int to_device) {
  (void)rt;
  (void)to_device;
  memcpy(dst, src, bytes);
  return RK_OK;
}

static void cpu_release(rk_rt *rt) {
  cpu_backend *be = (cpu_backend *)rt->backend;
  if (be == NULL) return;
  if (rt->joined == 0) cpu_join(rt, UINT64_MAX); /* a failed launch's threads */
  for (uint32_t i = 0; be->kernels && i < rt->nkernels; i++) {
    cpu_kernel *ck = &be->kernels[i];
    rk_queue_destroy(ck->inbox);
    free(ck->state);
    free(ck->accept);
    free(ck->workers);
    free(ck->routes);
    if (be->stats) free(be->stats[i]);
  }
  rk_queue_destroy(rt->to_host);
  rt->to_host = NULL;
  free(be->kernels);
  free(be->routes);
  free(be->stats);
  free(be->ctl);
  free(be);
  rt->backend = NULL;
}

const rk_backend_ops rk_cpu_backend = {
    "cpu", cpu_launch, cpu_notify, cpu_join, cpu_state_read,
    cpu_inbox_stats, cpu_poll_fault, cpu_mem_alloc, cpu_mem_free, cpu_mem_copy,
    NULL /* kernels send straight into the host queue */, cpu_release,
};
