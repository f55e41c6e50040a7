/* pr_kernels.h - PageRank as three cooperating ring kernels.
 *
 *   checker --pr_go--> sender --pr_contrib--> aggregator --pr_partial--> checker
 *
 * Nodes are cut into nparts contiguous partitions, and separately into
 * source partitions (one by default: pr_mp.c). The graph's edges are
 * regrouped once into blocks (p, q): the edges from source partition p
 * into partition q, as segments (target v, its sources in p, or a run of
 * them for a hub), so a sender sums the contributions y[u] = x[u]/outdeg(u) of
 * one segment into a single entry (v, sum): contributions to the same
 * target are combined before they are sent, in batches of up to `batch`
 * entries (at most PR_BATCH_MAX). The segments, in block order, are cut
 * into nleaves leaves of about equal weight, only where a batch would
 * begin anyway (pr_plan.c).
 *
 * - sender: takes pr_go {iter, leaves [l0, l1)}; a range of more than one
 *   leaf is split into up to `fanout` pr_go (so any number of workers
 *   share an iteration), a leaf sends its segments' entries to the
 *   aggregators, in batches per block. One or more sender kernels, each
 *   with its own inbox: a range goes to the kernel whose share of the
 *   leaves holds its first, so a tree's subtrees spread over the kernels'
 *   inboxes.
 * - aggregator: adds entries into acc[v] (one or more aggregator kernels,
 *   each owning the partitions q with q % naggs equal to its index, so
 *   their inboxes share an iteration's batches); the worker that receives
 *   the last batch of partition q in an iteration (counts are known from
 *   the plan) computes x' = alpha * (acc + D/n) + (1 - alpha)/n for q's
 *   nodes, its L1 change and dangling mass; a large partition is cut into
 *   pieces (pr_fin to its own kernel), each finished by a worker of its
 *   own. The pieces' sums are added up as they finish, and the worker
 *   that finishes the iteration's last piece (npieces an iteration)
 *   reports the totals in one pr_partial. In a stream plan (pr_plan.h;
 *   the CPU's, where it pays) every node is one entry's target, and is
 *   finished as the entry arrives.
 * - checker: stops (pr_done to the host) when the L1 change is below
 *   n * tol or at max_iter, else starts the next iteration: it splits the
 *   whole leaf range itself, as a sender would (a kernel with lanes, one
 *   pr_go a lane), so the first hop of the tree lands on the senders.
 *
 * Senders read y of iteration k while aggregators write y of k+1, so y is
 * double-buffered by iteration parity. All three share one state layout;
 * its pointers are kernel memory (device memory on CUDA). */
#ifndef RK_APPS_PR_KERNELS_H
#define RK_APPS_PR_KERNELS_H

#include "ringk/runtime.h"

/* Entries a pr_contrib can carry; pr_state.batch says how many a sender
 * puts in one (pr_mp.c chooses a multiple of RK_LANES_MAX up to this). A whole
 * message (3 KiB) fits a GPU thread's stack (the runtime sizes it) and the
 * lanes' scratch. */
#define PR_BATCH_MAX 256
/* Children a pr_go is split into at most: one per lane of a warp. */
#define PR_FANOUT_MAX 32

#define PR_GO_FIELDS(F, A) \
  F(uint32_t, iter, 0)     \
  F(uint32_t, l0, 0)       \
  F(uint32_t, l1, 0)       \
  F(double, dangling, 0.0)
RK_MESSAGE(pr_go, 0x0301, 1, PR_GO_FIELDS);

/* Entry i is (node[i], value[i]); or, with no nodes, (first + i,
 * value[i]): a batch of consecutive targets carries only its values. */
#define PR_CONTRIB_FIELDS(F, A) \
  F(uint32_t, iter, 0)          \
  F(uint32_t, part, 0)          \
  F(uint32_t, first, 0)         \
  F(double, dangling, 0.0)      \
  A(uint32_t, node, PR_BATCH_MAX)   \
  A(double, value, PR_BATCH_MAX)
RK_MESSAGE(pr_contrib, 0x0302, 1, PR_CONTRIB_FIELDS);

#define PR_PARTIAL_FIELDS(F, A) \
  F(uint32_t, iter, 0)          \
  F(double, l1, 0.0)            \
  F(double, dangling, 0.0)
RK_MESSAGE(pr_partial, 0x0303, 1, PR_PARTIAL_FIELDS);

/* aggregator -> itself: finish nodes [lo, hi) of partition part, a piece
 * of it (pr_state.fin_piece), so that several warps finish a large
 * partition together. */
#define PR_FIN_FIELDS(F, A) \
  F(uint32_t, iter, 0)      \
  F(uint32_t, part, 0)      \
  F(uint32_t, lo, 0)        \
  F(uint32_t, hi, 0)        \
  F(double, dangling, 0.0)
RK_MESSAGE(pr_fin, 0x0306, 1, PR_FIN_FIELDS);

/* host -> checker: begin, with the dangling mass of the initial ranks. */
#define PR_START_FIELDS(F, A) F(double, dangling, 0.0)
RK_MESSAGE(pr_start, 0x0304, 1, PR_START_FIELDS);

/* checker -> host: the run is over. */
#define PR_DONE_FIELDS(F, A) \
  F(uint32_t, iter, 0)       \
  F(uint32_t, converged, 0)  \
  F(double, l1, 0.0)
RK_MESSAGE(pr_done, 0x0305, 1, PR_DONE_FIELDS);

/* Kernel ids, fixed by the order the driver adds them: the checker, then
 * pr_state.naggs aggregators, partition q going to PR_AGGREGATOR0 +
 * q % naggs, then pr_state.nsenders senders (pr_sender_of). */
enum { PR_CHECKER = 0, PR_AGGREGATOR0 = 1 };
/* Aggregator and sender kernels at most: each is its own inbox, so the
 * claims of an iteration's messages spread over that many queues. */
#define PR_AGGREGATORS_MAX 64
#define PR_SENDERS_MAX 64

/* The aggregators' sums over the pieces finished in an iteration, in
 * kernel memory: every aggregator kernel adds to the same ones (each
 * kernel has a copy of pr_state, not of what it points to). */
typedef struct pr_sums {
  uint32_t finished;
  uint32_t pad_;
  double l1;
  double dangling;
} pr_sums;

typedef struct pr_state {
  /* the plan (read-only) */
  uint32_t n;
  uint32_t nparts;
  uint32_t nleaves;        /* leaves an iteration is cut into */
  uint32_t fanout;         /* pr_go a wider range is split into, 2..PR_FANOUT_MAX */
  uint32_t batch;          /* entries a sender puts in a pr_contrib */
  uint32_t naggs;          /* aggregator kernels, 1..min(nparts, PR_AGGREGATORS_MAX) */
  uint32_t nsenders;       /* sender kernels, 1..min(nleaves, PR_SENDERS_MAX) */
  uint32_t seg_max;        /* sources a segment holds at most; 0: no limit */
  uint32_t fin_piece;      /* nodes a pr_fin finishes at most; 0: a partition
                              is finished whole by the worker that completes it */
  uint32_t npieces;        /* pieces finished an iteration, all partitions */
  uint32_t stream;         /* every node is one entry's target an iteration
                              (pr_plan.stream): finished as its entry arrives */
  const uint64_t *blk_seg; /* source partitions * nparts + 1 offsets into the
                              segments; block b = p * nparts + q */
  const uint32_t *seg_node;/* target of each segment */
  const uint64_t *seg_src; /* nsegs + 1 offsets into src */
  const uint32_t *src;     /* sources, grouped by segment */
  const uint64_t *leaf_seg;/* nleaves + 1 offsets into the segments */
  const uint32_t *leaf_blk;/* block of each leaf's first segment */
  const uint32_t *part_lo; /* nparts + 1 node boundaries */
  const uint32_t *expected;/* batches partition q receives per iteration */
  const uint32_t *idle;    /* 1: no leaf sends to q, leaf 0 sends it an empty batch */
  const double *inv_deg;   /* 1/outdeg(u), 0 for dangling nodes */
  /* the vectors */
  double *x;               /* ranks */
  double *y[2];            /* x/outdeg, by iteration parity */
  double *acc;             /* summed contributions of this iteration */
  uint32_t *received;      /* batches partition q got this iteration */
  pr_sums *sums;           /* the pieces finished this iteration, and their sums */
  uint64_t *steps;         /* NULL, or PR_STEPS clock readings an iteration
                              (iteration k at k * PR_STEPS), for benchmarks */
  double alpha;
  double tol;
  uint32_t max_iter;
} pr_state;

/* When an iteration's steps happened, if pr_state.steps is set: each slot
 * holds the latest reading of its kind (the first leaf's, inverted, so that
 * the latest of the inverses is the earliest), on a clock of which only
 * differences mean anything (the host's, or the GPU's %globaltimer). */
enum {
  PR_STEP_GO,           /* the checker sent the iteration's pr_go */
  PR_STEP_LEAF_FIRST,   /* ~ the first leaf began its walk */
  PR_STEP_LEAF_BEGAN,   /* the last leaf began its walk */
  PR_STEP_LEAF_LAST,    /* the last leaf had sent its batches */
  PR_STEP_PART_LAST,    /* the last partition had all its batches */
  PR_STEP_PARTIAL_LAST, /* the last pr_partial was sent */
  PR_STEP_CHECKED,      /* the checker had the pr_partial */
  PR_STEPS
};

/* A leaf's pieces: its segments cut at block boundaries, each piece sent
 * to its block's target partition in batches of its own. The sender walks
 * them to send (pr_kernels.c), the plan to count the batches that each
 * partition expects (pr_plan.c): one walk, so the two always agree. Start
 * with {leaf_blk[l], leaf_seg[l], leaf_seg[l]}; each call moves to the
 * next non-empty piece [s0, s1) of block b, 0 when past seg1. */
typedef struct pr_piece {
  uint32_t b;
  uint64_t s0, s1;
} pr_piece;

RK_INLINE int pr_piece_next(const uint64_t *blk_seg, uint64_t seg1, pr_piece *p) {
  p->s0 = p->s1;
  if (p->s0 >= seg1) return 0;
  while (blk_seg[p->b + 1] <= p->s0) p->b++;
  p->s1 = blk_seg[p->b + 1] < seg1 ? blk_seg[p->b + 1] : seg1;
  return 1;
}

/* Pieces a partition of `nodes` nodes is finished in. */
RK_INLINE uint32_t pr_fin_pieces(uint32_t nodes, uint32_t fin_piece) {
  return fin_piece && nodes > fin_piece ? (nodes + fin_piece - 1) / fin_piece : 1;
}

#ifdef __cplusplus
extern "C" {
#endif
extern const rk_kernel_def pr_sender;
extern const rk_kernel_def pr_aggregator;
/* The same handlers, run by a whole GPU warp per message (RK_KERNEL_DEFINE_LANES). */
extern const rk_kernel_def pr_sender_lanes;
extern const rk_kernel_def pr_aggregator_lanes;
extern const rk_kernel_def pr_checker;
#ifdef __cplusplus
}
#endif

#endif
