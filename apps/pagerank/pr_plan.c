/* pr_plan.c - regrouping a graph's edges into the (p, q) blocks of segments
 * that the PageRank sender walks, and cutting those into leaves (see
 * pr_kernels.h).
 *
 * One pass over the in-edge CSR, in target order, so each block's segments
 * come out sorted by target: for every target v, its sources are counted
 * per source partition, then written per partition into fresh segments
 * (several, of at most seg_max sources, for a hub; in a stream plan, an
 * empty one for a node with no in-edges). The segments, in block
 * order, are then cut into leaves of about equal weight: a leaf may end
 * inside a block (where a batch begins), and a block may span leaves, so a
 * heavy block no longer holds up an iteration while lighter leaves are
 * done. */
#include <stdlib.h>
#include <string.h>

#include "pr_plan.h"

void pr_plan_free(pr_plan *pl) {
  free(pl->blk_seg);
  free(pl->seg_node);
  free(pl->seg_src);
  free(pl->src);
  free(pl->leaf_seg);
  free(pl->leaf_blk);
  free(pl->part_lo);
  free(pl->expected);
  free(pl->idle);
  free(pl->inv_deg);
  memset(pl, 0, sizeof *pl);
}

static uint32_t part_of(const pr_plan *pl, uint32_t v) { return v / pl->part_size; }
static uint32_t src_part_of(const pr_plan *pl, uint32_t u) { return u / pl->src_part_size; }

/* Segments a target's c sources in one partition become: runs of at most
 * seg_max, so that no lane of a GPU warp walks a hub's thousands of
 * sources while the other 31 wait for it. */
static uint32_t segs_for(const pr_plan *pl, uint32_t c) {
  return pl->seg_max ? (c + pl->seg_max - 1) / pl->seg_max : 1;
}

/* Counts v's sources per source partition into cnt (mark[p] == v + 1 once
 * cnt[p] is v's). */
static void count_sources(const rk_graph *g, const pr_plan *pl, uint32_t v, uint32_t *mark,
                          uint32_t *cnt) {
  for (uint64_t e = g->in_off[v]; e < g->in_off[v + 1]; e++) {
    uint32_t p = src_part_of(pl, g->in_src[e]);
    if (mark[p] != v + 1) {
      mark[p] = v + 1;
      cnt[p] = 0;
    }
    cnt[p]++;
  }
}

/* A node with no in-edges, whose segment a stream plan keeps empty. */
static int empty_target(const rk_graph *g, const pr_plan *pl, uint32_t v) {
  return pl->stream && g->in_off[v] == g->in_off[v + 1];
}

/* Pass 1: segments per block. */
static void count_blocks(const rk_graph *g, pr_plan *pl, uint32_t *mark, uint32_t *cnt) {
  for (uint32_t v = 0; v < g->n; v++) {
    uint32_t q = part_of(pl, v);
    if (empty_target(g, pl, v)) pl->blk_seg[q + 1]++;
    count_sources(g, pl, v, mark, cnt);
    for (uint64_t e = g->in_off[v]; e < g->in_off[v + 1]; e++) {
      uint32_t p = src_part_of(pl, g->in_src[e]);
      if (cnt[p] != 0) {
        pl->blk_seg[(uint64_t)p * pl->nparts + q + 1] += segs_for(pl, cnt[p]);
        cnt[p] = 0;
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
    if (empty_target(g, pl, v)) {
      uint64_t seg = cursor[q]++;
      pl->seg_node[seg] = v;
      pl->seg_src[seg] = next_src;
      seg_len[seg] = 0;
    }
    count_sources(g, pl, v, mark, cnt);
    /* Allocate each touched partition's segments, then place the sources:
     * a partition's run of them in one piece, which its segments cut. */
    for (uint64_t e = g->in_off[v]; e < g->in_off[v + 1]; e++) {
      uint32_t p = src_part_of(pl, g->in_src[e]);
      uint32_t c = cnt[p];
      if (c != 0) {
        uint32_t k = segs_for(pl, c), run = pl->seg_max ? pl->seg_max : c;
        uint64_t seg = cursor[(uint64_t)p * pl->nparts + q];
        cursor[(uint64_t)p * pl->nparts + q] += k;
        for (uint32_t i = 0; i < k; i++) {
          pl->seg_node[seg + i] = v;
          pl->seg_src[seg + i] = next_src + (uint64_t)i * run;
          seg_len[seg + i] = i + 1 < k ? run : c - i * run;
        }
        seg_of[p] = next_src;
        next_src += c;
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

/* Leaves begin only at a chunk: a block's first segment, or every batch
 * after it, where the block's sender begins a batch anyway. Cut anywhere
 * else, a leaf boundary split a batch in two, and cut by weight alone into
 * one leaf a sender warp (256), the SNAP graphs sent about twice the
 * batches of leaves that were whole blocks, and took 0.095 / 0.13 / 0.14
 * ms an iteration (email-Eu-core, p2p-Gnutella08, wiki-Vote) on an H200
 * against 0.054 / 0.107 / 0.111. */
static uint64_t count_chunks(const pr_plan *pl) {
  uint64_t chunks = 0;
  for (uint32_t b = 0; b < pl->nblocks; b++)
    chunks += (pl->blk_seg[b + 1] - pl->blk_seg[b] + pl->batch - 1) / pl->batch;
  return chunks;
}

/* Cuts the segments, in block order, into about `asked` leaves of about
 * equal weight, a segment weighing one plus its sources (a lane's turn and
 * its loads): a leaf ends at the first chunk past its share. Never more
 * leaves than chunks; with no segments, one leaf (which sends only the
 * idle partitions' batches). */
static int cut_leaves(pr_plan *pl, uint64_t m, uint32_t asked) {
  uint64_t chunks = count_chunks(pl);
  if (asked == 0) asked = 1;
  /* The share is of the leaves asked for, even when there are fewer
   * chunks: then every chunk heavier than it is a leaf of its own.
   * Sharing the weight among as many leaves as chunks instead merged
   * light chunks, and email-Eu-core's 64 chunks went in 33 leaves. */
  uint64_t target = (pl->nsegs + m + asked - 1) / asked, weight = 0;
  uint32_t leaves = asked <= chunks ? asked : chunks ? (uint32_t)chunks : 1;
  pl->leaf_seg = malloc(((size_t)leaves + 1) * sizeof *pl->leaf_seg);
  pl->leaf_blk = malloc((size_t)leaves * sizeof *pl->leaf_blk);
  if (!pl->leaf_seg || !pl->leaf_blk) return RK_E_NOMEM;
  uint32_t n = 0;
  for (uint32_t b = 0; b < pl->nblocks; b++)
    for (uint64_t seg = pl->blk_seg[b]; seg < pl->blk_seg[b + 1]; seg += pl->batch) {
      if (n == 0 || (weight >= target && n < leaves)) {
        pl->leaf_seg[n] = seg;
        pl->leaf_blk[n++] = b;
        weight = 0;
      }
      uint64_t end = seg + pl->batch < pl->blk_seg[b + 1] ? seg + pl->batch : pl->blk_seg[b + 1];
      weight += end - seg + pl->seg_src[end] - pl->seg_src[seg];
    }
  if (n == 0) {
    pl->leaf_seg[0] = 0;
    pl->leaf_blk[0] = 0;
    n = 1;
  }
  pl->nleaves = n;
  pl->leaf_seg[n] = pl->nsegs;
  return RK_OK;
}

/* Batches each partition receives an iteration: each leaf sends the
 * segments it holds of a block in batches of its own, and a partition no
 * leaf sends to gets one empty batch from leaf 0 (idle), so that every
 * partition hears of every iteration. */
static void count_expected(pr_plan *pl) {
  memset(pl->expected, 0, pl->nparts * sizeof *pl->expected);
  for (uint32_t l = 0; l < pl->nleaves; l++) {
    pr_piece p = {pl->leaf_blk[l], pl->leaf_seg[l], pl->leaf_seg[l]};
    while (pr_piece_next(pl->blk_seg, pl->leaf_seg[l + 1], &p))
      pl->expected[p.b % pl->nparts] += (uint32_t)((p.s1 - p.s0 + pl->batch - 1) / pl->batch);
  }
  for (uint32_t q = 0; q < pl->nparts; q++) {
    pl->idle[q] = pl->expected[q] == 0;
    if (pl->idle[q]) pl->expected[q] = 1;
  }
}

int pr_plan_build(const rk_graph *g, pr_plan_shape sh, pr_plan *pl) {
  memset(pl, 0, sizeof *pl);
  uint32_t nparts = sh.nparts, batch = sh.batch;
  /* A warp that sends with lanes fills a batch RK_LANES_MAX entries at a
   * time, so only multiples of that are counted the way it sends them. */
  if (g->n == 0 || batch == 0 || batch % RK_LANES_MAX || batch > PR_BATCH_MAX) return RK_E_INVAL;
  pl->batch = batch;
  pl->seg_max = sh.seg_max;
  if (nparts == 0) nparts = 1;
  if (nparts > g->n) nparts = g->n;
  pl->part_size = (g->n + nparts - 1) / nparts;
  pl->nparts = (g->n + pl->part_size - 1) / pl->part_size;
  uint32_t src_parts = sh.src_parts ? sh.src_parts : pl->nparts;
  if (src_parts > g->n) src_parts = g->n;
  pl->src_part_size = (g->n + src_parts - 1) / src_parts;
  pl->nsrc_parts = (g->n + pl->src_part_size - 1) / pl->src_part_size;
  pl->stream = sh.stream && pl->nsrc_parts == 1 && pl->seg_max == 0;
  uint64_t nblocks = (uint64_t)pl->nsrc_parts * pl->nparts;
  if (nblocks > UINT32_MAX - 1) return RK_E_RANGE;
  pl->nblocks = (uint32_t)nblocks;
  pl->blk_seg = calloc(nblocks + 1, sizeof *pl->blk_seg);
  pl->part_lo = malloc((pl->nparts + 1) * sizeof *pl->part_lo);
  pl->expected = malloc(pl->nparts * sizeof *pl->expected);
  pl->idle = malloc(pl->nparts * sizeof *pl->idle);
  pl->inv_deg = malloc(g->n * sizeof *pl->inv_deg);
  uint32_t *mark = calloc(pl->nsrc_parts, sizeof *mark);
  uint32_t *cnt = calloc(pl->nsrc_parts, sizeof *cnt);
  uint64_t *seg_of = calloc(pl->nsrc_parts, sizeof *seg_of);
  int rc = RK_E_NOMEM;
  if (!pl->blk_seg || !pl->part_lo || !pl->expected || !pl->idle || !pl->inv_deg || !mark ||
      !cnt || !seg_of)
    goto out;
  count_blocks(g, pl, mark, cnt);
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
    memset(mark, 0, pl->nsrc_parts * sizeof *mark);
    fill_blocks(g, pl, cursor, mark, seg_of, cnt, tmp_src, seg_len);
    reorder_sources(pl, tmp_src, seg_len);
    rc = RK_OK;
  }
  free(cursor);
  free(tmp_src);
  free(seg_len);
  if (rc != RK_OK || (rc = cut_leaves(pl, g->m, sh.leaves)) != RK_OK) goto out;
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
