/* backend.h - the narrow interface between the runtime and a backend.
 *
 * The core (src/core/runtime.c) owns the lifecycle state machine, argument
 * checks, routing ids, host send/receive and telemetry sums. A backend only
 * places memory and runs workers: at launch it allocates every kernel's
 * inbox, host-in queue, control block and worker stats in memory the host
 * can read and write (for a GPU: mapped pinned memory for what the host
 * touches, device memory for K2K inboxes), fills in the pointers below and
 * starts the workers, inactive. A new backend (Metal, say) implements these
 * eleven functions and nothing else. */
#ifndef RK_CORE_BACKEND_H
#define RK_CORE_BACKEND_H

#include "ringk/runtime.h"

typedef struct rk_rt rk_rt;

/* What the core keeps per kernel. Fields marked (backend) are set by launch. */
typedef struct rk_kernel_rec {
  const rk_kernel_def *def;
  rk_kernel_opts opts;          /* with defaults applied */
  void *init_state;             /* copy of opts.state, owned by the core */
  uint32_t slot_size;           /* inbox slot: header + largest accepted payload */
  int active;                   /* as last set by the host */
  rk_kernel_control *ctl;       /* (backend) host-visible control block */
  rk_worker_stats *stats;       /* (backend) opts.workers host-visible lines */
  rk_queue *host_in;            /* (backend) queue the host sends into */
  const rk_group_def *group;    /* the group it was added with, or NULL */
  uint32_t member;              /* its index in the group; its id - member
                                   is the group's first kernel */
} rk_kernel_rec;

typedef struct rk_backend_ops {
  const char *name;
  /* Allocates queues/control/stats for every kernel and rt->to_host, builds
   * the routing table and starts all workers inactive. */
  int (*launch)(rk_rt *rt);
  /* Called after the core changed a control block (active/stop/epoch). */
  void (*notify)(rk_rt *rt, uint32_t kernel);
  /* Waits for all workers to leave their loops (ctl->stop is already set). */
  int (*join)(rk_rt *rt, uint64_t timeout_ns);
  int (*state_read)(rk_rt *rt, uint32_t kernel, void *dst, size_t size);
  /* Counters of everything queued for the kernel (its inbox, plus host_in
   * where that is a separate queue), summed. */
  int (*inbox_stats)(rk_rt *rt, uint32_t kernel, rk_queue_stats *out);
  /* Device faults not yet reported through a control block; RK_OK if none. */
  int (*poll_fault)(rk_rt *rt, uint32_t *kernel);
  /* Memory that handlers can use (device memory on a GPU), for data too big
   * for kernel state: a graph, rank vectors. The host touches it only
   * through mem_copy. Available from init, before launch. */
  int (*mem_alloc)(rk_rt *rt, size_t bytes, void **ptr);
  void (*mem_free)(rk_rt *rt, void *ptr);
  /* to_device nonzero: host -> kernel memory; else kernel memory -> host. */
  int (*mem_copy)(rk_rt *rt, void *dst, const void *src, size_t bytes, int to_device);
  /* After the workers are joined: copies into buf the next host-bound
   * message that never reached rt->to_host (a GPU's staging queue), sets
   * *len; RK_E_EMPTY when there is none. NULL where nothing can be left. */
  int (*leftover)(rk_rt *rt, uint8_t *buf, uint32_t cap, uint32_t *len);
  /* Frees everything launch allocated; workers have been joined (or never
   * started). */
  void (*release)(rk_rt *rt);
} rk_backend_ops;

typedef enum rk_rt_state {
  RK_RT_CREATED,     /* kernels may be added */
  RK_RT_LAUNCHED,    /* running; activate/deactivate/send/recv */
  RK_RT_TERMINATED   /* stopped; recv drains, telemetry readable */
} rk_rt_state;

struct rk_rt {
  const rk_backend_ops *ops;
  void *backend;                /* the backend's own data */
  rk_runtime_opts opts;         /* with defaults applied */
  rk_rt_state state;
  uint32_t nkernels;
  uint32_t cap_kernels;
  rk_kernel_rec *kernels;
  rk_queue *to_host;            /* (backend) kernel -> host queue */
  uint32_t to_host_slot;        /* its slot size, fixed at launch */
  int to_host_wakes;            /* (backend) whether what commits to
                                   to_host wakes a host waiter
                                   (rk_queue_wake); if not, host receives
                                   never nap (core/wait.h) */
  int joined;                   /* workers are known to have exited */
  uint64_t host_seq;            /* sequence of host sends */
};

extern const rk_backend_ops rk_cpu_backend;
#ifdef RK_HAVE_CUDA
extern const rk_backend_ops rk_cuda_backend;
/* Nonzero when a CUDA device is usable (driver present, >= 1 device). */
int rk_cuda_available(void);
#endif

/* Shared helpers for backends (src/core/runtime.c). */
/* Fills a worker's context from its kernel record; routes/to_host/state are
 * the caller's (device or host) pointers. */
void rk_ctx_fill(const rk_rt *rt, uint32_t kernel, uint32_t worker,
                 rk_queue *const *routes, rk_queue *to_host, void *state,
                 const uint16_t *accept, rk_worker_stats *stats,
                 const rk_kernel_control *ctl, rk_ctx *ctx);
/* Nonzero if the kernel accepts messages of type_id. */
int rk_kernel_accepts(const rk_kernel_def *def, uint16_t type_id);
/* Writes the def's accepted type ids (def->ntypes of them) to ids. */
void rk_kernel_accept_ids(const rk_kernel_def *def, uint16_t *ids);
#endif /* RK_CORE_BACKEND_H */
