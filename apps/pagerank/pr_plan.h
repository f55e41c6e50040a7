/* pr_plan.h - the host-side partition plan of the PageRank kernels. */
#ifndef RK_APPS_PR_PLAN_H
#define RK_APPS_PR_PLAN_H

#include "pr_kernels.h"
#include "ringk/graph.h"

/* What to cut a graph into: about nparts partitions (at least 1, at most
 * n), the targets' and, unless src_parts says otherwise (0: as many), the
 * sources'; batches of `batch` entries (a multiple of RK_LANES_MAX up to
 * PR_BATCH_MAX, else RK_E_INVAL); segments of at most seg_max sources (0:
 * no limit); about `leaves` leaves (at least 1). With `stream`, and one
 * source partition and no limit, every node is the target of exactly one
 * segment, an empty one if it has no in-edges (pr_plan.stream). */
typedef struct pr_plan_shape {
  uint32_t nparts, batch, seg_max, leaves, src_parts, stream;
} pr_plan_shape;

typedef struct pr_plan {
  uint32_t nparts;
  uint32_t batch;      /* entries a pr_contrib carries (pr_state.batch) */
  uint32_t part_size;  /* nodes per partition (the last may have fewer) */
  uint32_t nsrc_parts; /* source partitions: block b = p * nparts + q */
  uint32_t src_part_size;
  uint32_t seg_max;    /* sources a segment holds at most; 0: no limit */
  uint32_t stream;     /* every node is one segment's target, so one entry's an iteration */
  uint32_t nblocks;
  uint32_t nleaves;
  uint64_t nsegs;
  uint64_t *blk_seg;   /* nblocks + 1 */
  uint32_t *seg_node;  /* nsegs */
  uint64_t *seg_src;   /* nsegs + 1 */
  uint32_t *src;       /* m */
  uint64_t *leaf_seg;  /* nleaves + 1 */
  uint32_t *leaf_blk;  /* nleaves */
  uint32_t *part_lo;   /* nparts + 1 */
  uint32_t *expected;  /* nparts */
  uint32_t *idle;      /* nparts */
  double *inv_deg;     /* n */
} pr_plan;

/* Cuts g as sh asks, counting the batches each partition receives an
 * iteration. */
int pr_plan_build(const rk_graph *g, pr_plan_shape sh, pr_plan *pl);
void pr_plan_free(pr_plan *pl);

#endif
