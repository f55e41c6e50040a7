/* pr_plan.c - regrouping a graph's edges into the (p, q) blocks of segments
 * that the PageRank sender walks (see pr_kernels.h).
 *
 * One pass over the in-edge CSR, in target order, so each block's segments
 * come out sorted by target: for every target v, its sources are counted
 * per source partition, then written per partition into fresh segments. */
#include <stdlib.h>
#include <string.h>

#include "pr_plan.h"

void pr_plan_free(pr_plan *pl) {
  free(pl->blk_seg);
  free(pl->seg_node);
  free(pl->seg_src);
  free(pl->src);
  free(pl->part_lo);
  free(pl->expected);
  free(pl->inv_deg);
  memset(pl, 0, sizeof *pl);
}

static uint32_t part_of(const pr_plan *pl, uint32_t v) { return v / pl->part_size; }

/* Pass 1: segments and edges per block. */
static void count_blocks(const rk_graph *g, pr_plan *pl, uint32_t *mark) {
  for (uint32_t v = 0; v < g->n; v++) {
    uint32_t q = part_of(pl, v);
    for (uint64_t e = g->in_off[v]; e < g->in_off[v + 1]; e++) {
      uint32_t p = part_of(pl, g->in_src[e]);
      if (mark[p] != v + 1) {
        mark[p] = v + 1;
        pl->blk_seg[(uint64_t)p * pl->nparts + q + 1]++;
      }
    }
  }
}

/* Pass 2: lay out segments; cursor[b] is block b's next free segment.
 * Sources land in target order (tmp_src); seg_len records each segment's
 * length so that reorder_sources() can put them in segment order. */
static void fill_blocks(const rk_graph *g, pr_plan *pl, uint64_t *cursor, uint32_t *mark,
                        uint64_t *seg_of, uint32_t *cnt, uint32_t *tmp_src, uint32_t *seg_len) {
  uint64_t next_src = 0;
  for (uint32_t v = 0; v < g->n; v++) {
    uint32_t q = part_of(pl, v);
    for (uint64_t e = g->in_off[v]; e < g->in_off[v + 1]; e++) {
      uint32_t p = part_of(pl, g->in_src[e]);
      if (mark[p] != v + 1) {
        mark[p] = v + 1;
        cnt[p] = 0;
      }
      cnt[p]++;
    }
    /* Allocate each touched partition's segment, then place the sources. */
    for (uint64_t e = g->in_off[v]; e < g->in_off[v + 1]; e++) {
      uint32_t p = part_of(pl, g->in_src[e]);
      if (cnt[p] != 0) {
        uint64_t seg = cursor[(uint64_t)p * pl->nparts + q]++;
        pl->seg_node[seg] = v;
        pl->seg_src[seg] = next_src;
        seg_len[seg] = cnt[p];
        seg_of[p] = next_src;
        next_src += cnt[p];
        cnt[p] = 0;
      }
      tmp_src[seg_of[p]++] = g->in_src[e];
    }
  }
}

/* Moves each segment's sources next to the previous segment's, so that a
 * sender walking a block reads src sequentially, and seg_src[s + 1] ends s. */
static void reorder_sources(pr_plan *pl, const uint32_t *tmp_src, const uint32_t *seg_len) {
  uint64_t at = 0;
  for (uint64_t s = 0; s < pl->nsegs; s++) {
    memcpy(pl->src + at, tmp_src + pl->seg_src[s], seg_len[s] * sizeof *pl->src);
    pl->seg_src[s] = at;
    at += seg_len[s];
  }
  pl->seg_src[pl->nsegs] = at;
}

static void count_expected(pr_plan *pl) {
  for (uint32_t q = 0; q < pl->nparts; q++) {
    uint32_t total = 0;
    for (uint32_t p = 0; p < pl->nparts; p++) {
      uint64_t b = (uint64_t)p * pl->nparts + q;
      uint64_t segs = pl->blk_seg[b + 1] - pl->blk_seg[b];
      uint64_t batches = (segs + pl->batch - 1) / pl->batch;
      if (p == 0 && batches == 0) batches = 1; /* the empty batch */
      total += (uint32_t)batches;
    }
    pl->expected[q] = total;
  }
}

int pr_plan_build(const rk_graph *g, uint32_t nparts, uint32_t batch, pr_plan *pl) {
  memset(pl, 0, sizeof *pl);
  /* A warp that sends with lanes fills a batch RK_LANES_MAX entries at a
   * time, so only multiples of that are counted the way it sends them. */
  if (g->n == 0 || batch == 0 || batch % RK_LANES_MAX || batch > PR_BATCH_MAX) return RK_E_INVAL;
  pl->batch = batch;
  if (nparts == 0) nparts = 1;
  if (nparts > g->n) nparts = g->n;
  pl->part_size = (g->n + nparts - 1) / nparts;
  pl->nparts = (g->n + pl->part_size - 1) / pl->part_size;
  uint64_t nblocks = (uint64_t)pl->nparts * pl->nparts;
  if (nblocks > UINT32_MAX - 1) return RK_E_RANGE;
  pl->nblocks = (uint32_t)nblocks;
  pl->blk_seg = calloc(nblocks + 1, sizeof *pl->blk_seg);
  pl->part_lo = malloc((pl->nparts + 1) * sizeof *pl->part_lo);
  pl->expected = malloc(pl->nparts * sizeof *pl->expected);
  pl->inv_deg = malloc(g->n * sizeof *pl->inv_deg);
  uint32_t *mark = calloc(pl->nparts, sizeof *mark);
  uint32_t *cnt = calloc(pl->nparts, sizeof *cnt);
  uint64_t *seg_of = calloc(pl->nparts, sizeof *seg_of);
  int rc = RK_E_NOMEM;
  if (!pl->blk_seg || !pl->part_lo || !pl->expected || !pl->inv_deg || !mark || !cnt || !seg_of)
    goto out;
  count_blocks(g, pl, mark);
  for (uint64_t b = 0; b < nblocks; b++) pl->blk_seg[b + 1] += pl->blk_seg[b];
  pl->nsegs = pl->blk_seg[nblocks];
  pl->seg_node = malloc((pl->nsegs ? pl->nsegs : 1) * sizeof *pl->seg_node);
  pl->seg_src = malloc((pl->nsegs + 1) * sizeof *pl->seg_src);
  pl->src = malloc((g->m ? g->m : 1) * sizeof *pl->src);
  uint64_t *cursor = malloc(nblocks * sizeof *cursor);
  uint32_t *tmp_src = malloc((g->m ? g->m : 1) * sizeof *tmp_src);
  uint32_t *seg_len = malloc((pl->nsegs ? pl->nsegs : 1) * sizeof *seg_len);
  if (pl->seg_node && pl->seg_src && pl->src && cursor && tmp_src && seg_len) {
    memcpy(cursor, pl->blk_seg, nblocks * sizeof *cursor);
    memset(mark, 0, pl->nparts * sizeof *mark);
    fill_blocks(g, pl, cursor, mark, seg_of, cnt, tmp_src, seg_len);
    reorder_sources(pl, tmp_src, seg_len);
    rc = RK_OK;
  }
  free(cursor);
  free(tmp_src);
  free(seg_len);
  if (rc != RK_OK) goto out;
  for (uint32_t q = 0; q <= pl->nparts; q++) {
    uint64_t lo = (uint64_t)q * pl->part_size;
    pl->part_lo[q] = (uint32_t)(lo < g->n ? lo : g->n);
  }
  for (uint32_t v = 0; v < g->n; v++) {
    uint64_t d = rk_graph_out_degree(g, v);
    pl->inv_deg[v] = d ? 1.0 / (double)d : 0.0;
  }
  count_expected(pl);
out:
  free(mark);
  free(cnt);
  free(seg_of);
  if (rc != RK_OK) pr_plan_free(pl);
  return rc;
}
