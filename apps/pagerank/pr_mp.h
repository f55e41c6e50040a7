/* pr_mp.h - PageRank by message passing between ring kernels: the driver.
 *
 * Builds the partition plan from a graph (pr_kernels.h), places it in the
 * runtime's kernel memory, launches the sender, aggregator and checker on
 * the chosen backend and collects the ranks. Same contract and result as
 * rk_pagerank_reference(), so the two can be compared value for value. */
#ifndef RK_APPS_PR_MP_H
#define RK_APPS_PR_MP_H

#include "ringk/graph.h"
#include "ringk/runtime.h"

typedef struct pr_mp_opts {
  rk_backend_kind backend;
  uint32_t nparts;      /* 0: chosen from the backend's parallelism */
  uint32_t workers;     /* sender and aggregator workers; 0: chosen */
  uint64_t timeout_ns;  /* whole run; 0: scaled to the graph */
  uint32_t threads;     /* GPU threads per sender/aggregator worker; 0: chosen */
  uint32_t batch;       /* entries a contribution message carries: a multiple of 32
                           up to 256; 0: chosen */
  uint32_t fanout;      /* pr_go a sender splits a range into: 2..32; 0: chosen */
  uint32_t aggregators; /* aggregator kernels, each with its own inbox: up to 64,
                           and at most one a partition (more are cut to nparts);
                           0: one a partition on the GPU (up to 32), one on
                           the CPU */
  uint32_t senders;     /* sender kernels, each with its own inbox and a share of
                           the sender workers: up to 64, at most one a leaf or
                           worker (more are cut); 0: one a partition on the GPU,
                           one on the CPU */
  uint32_t leaves;      /* leaves an iteration is cut into, of about equal weight
                           (fewer if the graph has fewer segments); 0: one a
                           sender warp on the GPU, one per 32768 edges on the
                           CPU (at most 8 a worker) */
  uint32_t src_parts;   /* source partitions (blocks (p, q) are p of these by
                           q of the nparts): fewer combine more of a target's
                           in-edges into one entry; 0: one */
  uint32_t seg_max;     /* sources one entry of a batch sums at most (a hub's
                           in-edges from a partition become several entries);
                           0: 32 on the GPU, no limit on the CPU */
  uint32_t steps;       /* nonzero: time the steps of each iteration
                           (pr_mp_stats.step_ns) */
  uint32_t fin_piece;   /* nodes one worker finishes of a partition at most (a
                           larger one is finished in pieces by several); 0:
                           4096 on the GPU, whole partitions on the CPU */
  uint32_t runs;        /* PageRank runs on the same launched kernels; 0: one.
                           Each after the first starts again from uniform
                           ranks on the kernels the first left resident, and
                           the result and the stats (but setup_ns) are the
                           last run's. More than one: CPU backend only and
                           without steps (else RK_E_INVAL): no GPU run has
                           checked a second start (its resident kernels read
                           the vectors through L1) */
} pr_mp_opts;

/* The intervals between an iteration's steps that pr_mp_stats reports:
 * from the checker's pr_go to the first leaf's walk, from there to the
 * last leaf's walk (how far apart the split tree starts them), to the
 * last leaf's last batch, to the last partition's last batch taken, to
 * the iteration's pr_partial sent (its last piece finished), and to the
 * checker having it. */
#define PR_MP_STEPS 6

/* Where the time went, for benchmarks. */
typedef struct pr_mp_stats {
  uint64_t setup_ns;    /* plan, kernel memory, launch, activation */
  uint64_t iterate_ns;  /* from the start message to the done message (of the
                           last run, with opts.runs) */
  uint32_t nparts;
  uint32_t src_parts;
  uint32_t workers;
  uint32_t threads;     /* GPU threads per worker (0 on the CPU) */
  uint32_t batch;
  uint32_t fanout;
  uint32_t aggregators;
  uint32_t senders;
  uint32_t leaves;
  uint32_t seg_max;     /* 0: no limit */
  uint32_t fin_piece;   /* 0: whole partitions */
  uint32_t stream;      /* nodes finished as their entries arrive (pr_plan.h) */
  uint64_t batches;     /* contribution messages an iteration (the plan's count) */
  double step_ns[PR_MP_STEPS]; /* with opts.steps: each interval's mean over
                                  the iterations, in ns (may be negative:
                                  steps overlap across workers) */
  double first_ns;      /* with opts.steps: iteration 1, pr_go to the
                           checker's pr_partial */
  double later_ns;      /* with opts.steps: the same, mean over the others
                           (0 after one iteration) */
  const char *backend;
} pr_mp_stats;

/* rk_pagerank_reference()'s contract, plus RK_E_NO_BACKEND, RK_E_TIMEOUT
 * and the first kernel error if the kernels fail. stats may be NULL. */
int pr_mp_run(const rk_graph *g, const rk_pagerank_params *params,
              const pr_mp_opts *opts, rk_pagerank_result *result, pr_mp_stats *stats);

#endif
