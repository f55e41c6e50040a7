/* test_pr_plan.c - the PageRank plan's cut, checked against its contract.
 *
 * The senders and the aggregators agree only through the plan: a leaf's
 * pieces are sent in batches that the plan counted (expected), so the
 * cut must cover every segment once, in order, begin each leaf where a
 * batch begins (so no batch is split and an iteration sends no more
 * batches than its blocks need), keep leaves near equal weight, and give
 * every partition at least one batch; and each block (p, q) must hold
 * only targets of partition q and sources of source partition p. Checked
 * on R-MAT graphs, a star and a graph with no edges, across partitions,
 * source partitions, batches, segment limits and leaf counts, with and
 * without a stream plan (every node one segment's target). */
#include <stdio.h>

#include "check.h"
#include "pr_plan.h"

/* A segment's weight, as the plan weighs it: one plus its sources. */
static uint64_t weight_of(const pr_plan *pl, uint64_t s0, uint64_t s1) {
  return s1 - s0 + pl->seg_src[s1] - pl->seg_src[s0];
}

static uint64_t chunks_of(const pr_plan *pl) {
  uint64_t c = 0;
  for (uint32_t b = 0; b < pl->nblocks; b++)
    c += (pl->blk_seg[b + 1] - pl->blk_seg[b] + pl->batch - 1) / pl->batch;
  return c;
}

/* Block (p, q) holds targets of partition q, each segment's sources are
 * in source partition p and are at most seg_max, and there are as many
 * source partitions as asked (as partitions when 0, at most n). */
static void check_blocks(const rk_graph *g, const pr_plan *pl, pr_plan_shape sh) {
  uint32_t asked = sh.src_parts ? sh.src_parts : pl->nparts;
  CHECK(pl->nsrc_parts <= (asked < g->n ? asked : g->n));
  CHECK((uint64_t)pl->nsrc_parts * pl->src_part_size >= g->n);
  CHECK_EQ_INT(pl->nblocks, (uint64_t)pl->nsrc_parts * pl->nparts);
  for (uint32_t b = 0; b < pl->nblocks; b++) {
    uint32_t p = b / pl->nparts, q = b % pl->nparts;
    for (uint64_t s = pl->blk_seg[b]; s < pl->blk_seg[b + 1]; s++) {
      CHECK(pl->seg_node[s] >= pl->part_lo[q] && pl->seg_node[s] < pl->part_lo[q + 1]);
      uint64_t len = pl->seg_src[s + 1] - pl->seg_src[s];
      CHECK((len >= 1 || pl->stream) && (pl->seg_max == 0 || len <= pl->seg_max));
      for (uint64_t e = pl->seg_src[s]; e < pl->seg_src[s + 1]; e++)
        CHECK(pl->src[e] / pl->src_part_size == p);
    }
  }
}

static void check_plan(const char *name, const rk_graph *g, pr_plan_shape sh) {
  pr_plan pl;
  int rc = pr_plan_build(g, sh, &pl);
  CHECK_OK(rc);
  if (rc != RK_OK) return;
  int bad = rk_test_failures;
  uint64_t chunks = chunks_of(&pl), heaviest_chunk = 0, lightest_chunk = UINT64_MAX;
  for (uint32_t b = 0; b < pl.nblocks; b++)
    for (uint64_t s = pl.blk_seg[b]; s < pl.blk_seg[b + 1]; s += pl.batch) {
      uint64_t e = s + pl.batch < pl.blk_seg[b + 1] ? s + pl.batch : pl.blk_seg[b + 1];
      uint64_t w = weight_of(&pl, s, e);
      if (w > heaviest_chunk) heaviest_chunk = w;
      if (w < lightest_chunk) lightest_chunk = w;
    }
  CHECK_EQ_INT(pl.seg_src[pl.nsegs], g->m);
  CHECK(pl.nleaves >= 1);
  CHECK(pl.nleaves <= (sh.leaves ? sh.leaves : 1));
  CHECK(pl.nleaves <= (chunks ? chunks : 1));
  CHECK_EQ_INT(pl.leaf_seg[0], 0);
  CHECK_EQ_INT(pl.leaf_seg[pl.nleaves], pl.nsegs);
  /* the share of weight a leaf was cut to: of as many leaves as asked */
  uint64_t leaves = sh.leaves ? sh.leaves : 1;
  uint64_t share = (pl.nsegs + g->m + leaves - 1) / leaves;
  /* a chunk a leaf, up to the leaves asked for, when no chunk is lighter
   * than the share */
  if (lightest_chunk >= share)
    CHECK_EQ_INT(pl.nleaves, leaves < chunks ? leaves : chunks ? chunks : 1);
  for (uint32_t l = 0; l < pl.nleaves; l++) {
    uint64_t s0 = pl.leaf_seg[l], s1 = pl.leaf_seg[l + 1];
    uint32_t b = pl.leaf_blk[l];
    CHECK(s0 < s1 || pl.nsegs == 0);
    if (pl.nsegs == 0) continue;
    /* the leaf begins in its block, where a batch of the block begins */
    CHECK(pl.blk_seg[b] <= s0 && s0 < pl.blk_seg[b + 1]);
    CHECK_EQ_INT((s0 - pl.blk_seg[b]) % pl.batch, 0);
    /* no heavier than the share asked for and one chunk more */
    CHECK(weight_of(&pl, s0, s1) <= share + heaviest_chunk);
  }
  /* Each partition expects its blocks' batches and nothing more: the cut
   * split none. An idle one expects its single empty batch. */
  uint64_t expected = 0, idle = 0;
  for (uint32_t q = 0; q < pl.nparts; q++) {
    CHECK(pl.expected[q] >= 1);
    expected += pl.expected[q];
    idle += pl.idle[q];
    uint64_t into_q = 0;
    for (uint32_t p = 0; p < pl.nsrc_parts; p++) {
      uint64_t b = (uint64_t)p * pl.nparts + q;
      into_q += pl.blk_seg[b + 1] - pl.blk_seg[b];
    }
    CHECK_EQ_INT(pl.idle[q], into_q == 0);
  }
  CHECK_EQ_INT(expected, chunks + idle);
  check_blocks(g, &pl, sh);
  /* A stream plan where it applies: node v is segment v's target, an
   * empty segment exactly when v has no in-edges. */
  CHECK_EQ_INT(pl.stream, sh.stream && pl.nsrc_parts == 1 && sh.seg_max == 0);
  if (pl.stream) {
    CHECK_EQ_INT(pl.nsegs, g->n);
    for (uint64_t s = 0; s < pl.nsegs && s < g->n; s++) {
      CHECK_EQ_INT(pl.seg_node[s], s);
      CHECK_EQ_INT(pl.seg_src[s + 1] - pl.seg_src[s], g->in_off[s + 1] - g->in_off[s]);
    }
  }
  if (rk_test_failures != bad)
    fprintf(stderr, "%s: nparts %u, batch %u, seg_max %u, leaves %u, src_parts %u, stream %u\n",
            name, sh.nparts, sh.batch, sh.seg_max, sh.leaves, sh.src_parts, sh.stream);
  pr_plan_free(&pl);
}

static void check_shapes(const char *name, const rk_graph *g) {
  static const uint32_t parts[] = {1, 3, 8, 33};
  static const uint32_t batches[] = {32, 64, 256};
  static const uint32_t segs[] = {0, 1, 7, 32};
  static const uint32_t leaves[] = {1, 2, 5, 64, 256, 100000};
  static const uint32_t src_parts[] = {0, 1, 5, 64}; /* 64: more than the star has nodes */
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 4; c++)
        for (int d = 0; d < 6; d++)
          for (int e = 0; e < 4; e++)
            for (uint32_t stream = 0; stream < 2; stream++)
              check_plan(name, g,
                         (pr_plan_shape){parts[a], batches[b], segs[c], leaves[d], src_parts[e],
                                         stream});
}

/* Batches that are not a multiple of the lanes, or too large, and an empty
 * graph are refused. */
static void check_refused(const rk_graph *g) {
  pr_plan pl;
  CHECK_EQ_INT(pr_plan_build(g, (pr_plan_shape){4, 48, 0, 4, 0, 0}, &pl), RK_E_INVAL);
  CHECK_EQ_INT(pr_plan_build(g, (pr_plan_shape){4, PR_BATCH_MAX + 32, 0, 4, 0, 0}, &pl),
               RK_E_INVAL);
  CHECK_EQ_INT(pr_plan_build(g, (pr_plan_shape){4, 0, 0, 4, 0, 0}, &pl), RK_E_INVAL);
}

int main(void) {
  rk_graph g;
  CHECK_OK(rk_graph_rmat(&g, 12, 8, 3));
  check_shapes("rmat-12", &g);
  check_refused(&g);
  rk_graph_free(&g);
  CHECK_OK(rk_graph_rmat(&g, 10, 32, 11));
  check_shapes("rmat-10", &g);
  rk_graph_free(&g);
  static const uint32_t ss[] = {1, 2, 3, 4, 5, 6, 7, 8}, sd[] = {0, 0, 0, 0, 0, 0, 0, 0};
  CHECK_OK(rk_graph_from_edges(&g, 9, 8, ss, sd));
  check_shapes("star", &g);
  rk_graph_free(&g);
  CHECK_OK(rk_graph_from_edges(&g, 5, 0, NULL, NULL));
  check_shapes("no edges", &g);
  rk_graph_free(&g);
  return CHECK_DONE("test_pr_plan");
}
