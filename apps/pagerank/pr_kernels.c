/* pr_kernels.c - the three PageRank ring kernels (see pr_kernels.h).
 * Compiled as C for the CPU backend and by nvcc for the CUDA backend. */
#include <math.h>
#include <string.h>

#include "pr_kernels.h"

/* Records step `what` of iteration iter (pr_kernels.h) when the run times
 * its steps: the latest reading wins, by an atomic max (the first leaf's
 * is stored complemented, so there the earliest wins). Relaxed: a clock
 * reading for a benchmark, read once the workers are joined; it orders
 * nothing. */
RK_HD static void pr_step(const pr_state *s, uint32_t iter, int what) {
  if (!s->steps || iter > s->max_iter) return;
#if defined(__CUDA_ARCH__)
  uint64_t t = rk_cuda_globaltimer();
#else
  uint64_t t = rk_now_ns();
#endif
  if (what == PR_STEP_LEAF_FIRST) t = ~t;
  uint64_t *p = &s->steps[(uint64_t)iter * PR_STEPS + (uint32_t)what];
#if defined(__CUDA_ARCH__)
  atomicMax((unsigned long long *)p, (unsigned long long)t);
#else
  uint64_t old = rk_load_relaxed_u64(p);
  while (old < t && !rk_cas_relaxed_u64(p, &old, t)) {
  }
#endif
}

/* The sender kernel whose share of the leaves holds leaf l: sender k of
 * S has [k * nleaves / S, (k + 1) * nleaves / S). */
RK_HD static uint32_t pr_sender_of(const pr_state *s, uint32_t l) {
  return PR_AGGREGATOR0 + s->naggs + (uint32_t)((uint64_t)l * s->nsenders / s->nleaves);
}

/* Sends leaves [l0, l1) of iteration iter to the sender that holds l0. */
RK_HD static int pr_send_go(rk_ctx *ctx, const pr_state *s, uint32_t iter, uint32_t l0,
                            uint32_t l1, double dangling) {
  pr_go g;
  g.iter = iter;
  g.l0 = l0;
  g.l1 = l1;
  g.dangling = dangling;
  return pr_go_send(ctx, pr_sender_of(s, l0), &g);
}

/* The sender and the aggregator are written for lanes and defined both
 * ways (end of file). With lanes, a GPU warp's 32 lanes run each message
 * together, splitting a block's segments or a batch's entries between them
 * (a lane a segment, so 32 gathers are in flight at once), and a batch
 * under construction lives in the lanes' scratch; without (and on the CPU)
 * lanes is 1, the loops are plain and the batch is on the stack. */
RK_STATIC_ASSERT(sizeof(pr_contrib) <= RK_LANES_SCRATCH, "a batch fits the lanes' scratch");

/* The aggregator kernel that owns partition q (pr_kernels.h). */
RK_HD static uint32_t pr_aggregator_of(const pr_state *s, uint32_t q) {
  return PR_AGGREGATOR0 + q % s->naggs;
}

/* Sends the n entries the lanes wrote into c to the aggregator that owns
 * partition c->part (the lanes write the message together); every lane
 * gets the result, after which c may be written again. Entries of
 * consecutive targets go without their nodes: 8 bytes an entry, not 12,
 * through the queue and the aggregator's decode. Segments are in target
 * order, so first and last tell, unless a hub's several segments repeat a
 * target: then a repeat can offset a gap, and every pair is looked at. */
RK_HD static int pr_flush(rk_ctx *ctx, const pr_state *s, pr_contrib *c, uint32_t n) {
  rk_lanes_sync(ctx);
  int dense = n > 0 && c->node[n - 1] - c->node[0] == n - 1;
  if (dense && s->seg_max) {
    double gaps = 0.0;
    for (uint32_t i = rk_lane(ctx); i + 1 < n; i += rk_lanes(ctx))
      gaps += c->node[i + 1] != c->node[i] + 1;
    dense = rk_lanes_sum_f64(ctx, gaps) == 0.0;
  }
  if (rk_lane(ctx) == 0) {
    c->first = n > 0 ? c->node[0] : 0;
    c->node_count = dense ? 0 : n;
    c->value_count = n;
  }
  rk_lanes_sync(ctx);
  return pr_contrib_send_lanes(ctx, pr_aggregator_of(s, c->part), c);
}

/* The sum of y over segment seg's sources, in their order. On a GPU,
 * PR_SUM_RUN sources at a time with their loads in flight together; past
 * the end a source adds 0.0, which leaves the sum's bits as they were. A
 * lane walks one segment while its warp's other lanes walk theirs, so a
 * round lasts as long as its longest segment: on an H200 one source at a
 * time took a leaf twice as long, the compiler's unrolling by four (whose
 * tail still went one at a time) left email-Eu-core's leaves at 22 us,
 * and this form ran PageRank 2-6 % faster (R-MAT 18 0.256 against 0.271
 * ms). A CPU core runs ahead of its loads by itself, so there the sum
 * goes one source at a time: the padding would only add work to short
 * segments (p2p-Gnutella31 has 2.4 sources a segment). */
#define PR_SUM_RUN 8u
RK_HD static double pr_seg_sum(const pr_state *s, const double *RK_RESTRICT y, uint64_t seg) {
  const uint32_t *RK_RESTRICT src = s->src;
  uint64_t end = s->seg_src[seg + 1];
  double sum = 0.0;
#if defined(__CUDA_ARCH__)
  for (uint64_t e = s->seg_src[seg]; e < end; e += PR_SUM_RUN) {
    double v[PR_SUM_RUN];
    for (uint32_t i = 0; i < PR_SUM_RUN; i++) v[i] = e + i < end ? y[src[e + i]] : 0.0;
    for (uint32_t i = 0; i < PR_SUM_RUN; i++) sum += v[i];
  }
#else
  for (uint64_t e = s->seg_src[seg]; e < end; e++) sum += y[src[e]];
#endif
  return sum;
}

/* Sends segments [seg0, seg1) of one block to partition q in batches; an
 * empty range sends one empty batch (an idle partition's). A lane walking
 * up to four segments at once, their loads interleaved, was slower on an
 * H200 at every size but R-MAT 20 (R-MAT 22 4.74 against 4.27 ms an
 * iteration, R-MAT 16 0.287 against 0.229). */
RK_HD static int pr_send_segs(rk_ctx *ctx, const pr_state *s, uint32_t q, uint64_t seg0,
                              uint64_t seg1, uint32_t iter, double dangling, pr_contrib *c) {
  const double *y = s->y[iter & 1];
  if (rk_lane(ctx) == 0) {
    c->iter = iter;
    c->part = q;
    c->dangling = dangling;
  }
  uint32_t n = 0;
  int sent = 0;
  for (uint64_t base = seg0; base < seg1; base += rk_lanes(ctx)) {
    if (n + rk_lanes(ctx) > s->batch) {
      int rc = pr_flush(ctx, s, c, n);
      if (rc != RK_OK) return rc;
      n = 0;
      sent = 1;
    }
    uint64_t seg = base + rk_lane(ctx);
    if (seg < seg1) {
      c->node[n + rk_lane(ctx)] = s->seg_node[seg];
      c->value[n + rk_lane(ctx)] = pr_seg_sum(s, y, seg);
    }
    n += seg1 - base < rk_lanes(ctx) ? (uint32_t)(seg1 - base) : rk_lanes(ctx);
  }
  if (n == 0 && sent) return RK_OK;
  return pr_flush(ctx, s, c, n);
}

/* Sends leaf l's segments, block by block, each block's to its target
 * partition; leaf 0 also sends the idle partitions their empty batch. */
RK_HD static int pr_send_leaf(rk_ctx *ctx, const pr_state *s, uint32_t l, uint32_t iter,
                              double dangling, pr_contrib *c) {
  pr_piece p = {s->leaf_blk[l], s->leaf_seg[l], s->leaf_seg[l]};
  int rc = RK_OK;
  if (rk_lane(ctx) == 0) pr_step(s, iter, PR_STEP_LEAF_FIRST);
  if (rk_lane(ctx) == 0) pr_step(s, iter, PR_STEP_LEAF_BEGAN);
  while (rc == RK_OK && pr_piece_next(s->blk_seg, s->leaf_seg[l + 1], &p))
    rc = pr_send_segs(ctx, s, p.b % s->nparts, p.s0, p.s1, iter, dangling, c);
  for (uint32_t q = 0; l == 0 && q < s->nparts && rc == RK_OK; q++)
    if (s->idle[q]) rc = pr_send_segs(ctx, s, q, 0, 0, iter, dangling, c);
  if (rk_lane(ctx) == 0) pr_step(s, iter, PR_STEP_LEAF_LAST);
  return rc;
}

/* Splits g's leaf range into up to s->fanout pr_go, one per lane in a
 * kernel with lanes (their sends are claimed together), so the tree that
 * spreads an iteration over the workers is a few hops deep: on an H100 one
 * split took 14-40 us on the SNAP graphs and ~140 us on R-MAT 16-18, and
 * halving made R-MAT 16's tree 12 deep. Each child goes to the sender
 * kernel that holds its first leaf, this one or another. A failed send is
 * counted on its lane (send_failed); the result is lane 0's. */
RK_HD static int pr_split(rk_ctx *ctx, const pr_state *s, const pr_go *g) {
  uint32_t span = g->l1 - g->l0, k = span < s->fanout ? span : s->fanout;
  int rc = RK_OK;
  for (uint32_t i = rk_lane(ctx); i < k && rc == RK_OK; i += rk_lanes(ctx)) {
    uint32_t lo = g->l0 + (uint32_t)((uint64_t)span * i / k);
    uint32_t hi = g->l0 + (uint32_t)((uint64_t)span * (i + 1) / k);
    rc = pr_send_go(ctx, s, g->iter, lo, hi, g->dangling);
  }
  return rk_lanes_first_i32(ctx, rc);
}

RK_HD static int pr_sender_handler(rk_ctx *ctx, const rk_msg *msg) {
  const pr_state *s = RK_STATE(ctx, const pr_state);
  pr_go g;
  int rc = pr_go_decode_msg(msg, &g);
  if (rc != RK_OK) return rc;
  if (g.l0 >= g.l1 || g.l1 > s->nleaves) return RK_E_RANGE;
  if (g.l1 - g.l0 > 1) return pr_split(ctx, s, &g);
  pr_contrib own;
  pr_contrib *c = ctx->scratch ? (pr_contrib *)ctx->scratch : &own;
  return pr_send_leaf(ctx, s, g.l0, g.iter, g.dangling, c);
}

/* What every node's new rank starts from: the teleport term and the
 * share of the dangling mass (x' = alpha * sum + this). */
RK_HD static double pr_rank_base(const pr_state *s, double dangling) {
  return (1.0 - s->alpha) / s->n + s->alpha * dangling / s->n;
}

/* x where the node is dangling (inv_deg 0), else 0, with no branch:
 * dangling nodes lie at random among the others (61 % of
 * p2p-Gnutella08's), so a branch on them mispredicts often. */
RK_HD static double pr_if_dangling(double inv_deg, double x) {
  uint64_t d, b;
  memcpy(&d, &inv_deg, sizeof d);
  memcpy(&b, &x, sizeof b);
  b &= (uint64_t)0 - (uint64_t)(d == 0); /* inv_deg is never -0.0 */
  memcpy(&x, &b, sizeof x);
  return x;
}

/* Node v's new rank xn (its old one old): stored, with its share of the
 * next iteration's sums (y_next), and its L1 change and dangling mass
 * added to the caller's. The one place a finish turns a sum into a rank. */
RK_HD static inline void pr_set_rank(double *RK_RESTRICT x, double *RK_RESTRICT y_next, uint32_t v,
                                     double xn, double old, double inv_deg, double *l1,
                                     double *dangling) {
  *l1 += fabs(xn - old);
  x[v] = xn;
  y_next[v] = xn * inv_deg;
  *dangling += pr_if_dangling(inv_deg, xn);
}

/* Adds an L1 change and a dangling mass to the iteration's sums. */
RK_HD static void pr_sums_add(pr_sums *sums, double l1, double dangling) {
  rk_atomic_add_f64(&sums->l1, l1);
  rk_atomic_add_f64(&sums->dangling, dangling);
}

/* A piece is finished with this L1 change and dangling mass: added to the
 * iteration's sums, and the last of the npieces sends them, one
 * pr_partial, to the checker. Summed here rather than by the checker, so
 * that one message an iteration reaches its inbox: on an H200,
 * p2p-Gnutella31's 16 pr_partial, sent at about the same moment, took
 * 7.4 us each from send to the checker, where a lone hop takes 3.5-4. */
RK_HD static int pr_piece_done(rk_ctx *ctx, pr_state *s, uint32_t iter, double l1,
                               double dangling) {
  pr_sums *sums = s->sums;
  pr_sums_add(sums, l1, dangling);
  /* acq_rel: the last piece's worker sees every other's sums. */
  if (rk_fetch_add_acq_rel_u32(&sums->finished, 1) + 1 < s->npieces) return RK_OK;
  pr_partial out;
  out.iter = iter;
  out.l1 = sums->l1;
  out.dangling = sums->dangling;
  /* The next iteration's pieces start after the checker heard from us:
   * the message chain orders these resets before them. */
  sums->finished = 0;
  sums->l1 = 0.0;
  sums->dangling = 0.0;
  int rc = pr_partial_send(ctx, PR_CHECKER, &out);
  pr_step(s, iter, PR_STEP_PARTIAL_LAST);
  return rc;
}

/* New ranks for nodes [lo, hi), a piece of a partition, whose L1 change
 * and dangling mass lane 0 adds to the iteration's. The lanes take the
 * nodes in turn, so that each load of the warp reads consecutive nodes
 * (two lines, not 32), and each lane reads
 * PR_FIN_RUN nodes' inputs before it computes any of them, so that their
 * loads are in flight together (a GPU thread does not run ahead by itself:
 * one lane finishing 16k nodes one load at a time took milliseconds). */
#define PR_FIN_RUN 8u
RK_HD static int pr_finish_part(rk_ctx *ctx, pr_state *s, uint32_t lo, uint32_t hi, uint32_t iter,
                                double dangling) {
  double base = pr_rank_base(s, dangling), alpha = s->alpha;
  double *RK_RESTRICT x = s->x;
  double *RK_RESTRICT acc = s->acc;
  double *RK_RESTRICT y_next = s->y[(iter + 1) & 1];
  const double *RK_RESTRICT inv_deg = s->inv_deg;
  uint32_t lanes = rk_lanes(ctx);
  double l1 = 0.0, dangling_next = 0.0;
  for (uint32_t v0 = lo + rk_lane(ctx); v0 < hi; v0 += lanes * PR_FIN_RUN) {
    uint32_t left = (hi - v0 + lanes - 1) / lanes, k = left < PR_FIN_RUN ? left : PR_FIN_RUN;
    double a[PR_FIN_RUN] = {0}, d[PR_FIN_RUN] = {0}, old[PR_FIN_RUN] = {0};
    for (uint32_t i = 0; i < PR_FIN_RUN; i++) {
      if (i >= k) break;
      uint32_t v = v0 + i * lanes;
      a[i] = acc[v];
      d[i] = inv_deg[v];
      old[i] = x[v];
    }
    for (uint32_t i = 0; i < PR_FIN_RUN; i++) {
      if (i >= k) break;
      uint32_t v = v0 + i * lanes;
      acc[v] = 0.0;
      pr_set_rank(x, y_next, v, alpha * a[i] + base, old[i], d[i], &l1, &dangling_next);
    }
  }
  l1 = rk_lanes_sum_f64(ctx, l1);
  dangling_next = rk_lanes_sum_f64(ctx, dangling_next);
  int rc = rk_lane(ctx) == 0 ? pr_piece_done(ctx, s, iter, l1, dangling_next) : RK_OK;
  return rk_lanes_first_i32(ctx, rc);
}

/* Partition q is complete: finished here, whole, or cut into pieces that
 * go to this kernel's inbox, one a lane in turn (their sends are claimed
 * together), so that as many workers finish it at once: one warp
 * finishing a partition of R-MAT 20 (32768 nodes) took 120 us on an H200,
 * a tenth of the iteration. The adds this worker acquired reach the
 * pieces' workers through its release of each message. A failed send is
 * counted on its lane; the result is lane 0's. */
RK_HD static int pr_finish(rk_ctx *ctx, pr_state *s, uint32_t q, uint32_t iter,
                           double dangling) {
  uint32_t lo = s->part_lo[q], hi = s->part_lo[q + 1];
  uint32_t pieces = pr_fin_pieces(hi - lo, s->fin_piece);
  if (pieces == 1) return pr_finish_part(ctx, s, lo, hi, iter, dangling);
  int rc = RK_OK;
  for (uint32_t i = rk_lane(ctx); i < pieces && rc == RK_OK; i += rk_lanes(ctx)) {
    pr_fin f;
    f.iter = iter;
    f.part = q;
    f.lo = lo + i * s->fin_piece;
    f.hi = f.lo + s->fin_piece < hi ? f.lo + s->fin_piece : hi;
    f.dangling = dangling;
    rc = pr_fin_send(ctx, ctx->kernel_id, &f);
  }
  return rk_lanes_first_i32(ctx, rc);
}

RK_HD static int pr_fin_handler(rk_ctx *ctx, pr_state *s, const rk_msg *msg) {
  pr_fin f;
  int rc = pr_fin_decode_msg(msg, &f);
  if (rc != RK_OK) return rc;
  if (f.part >= s->nparts || pr_aggregator_of(s, f.part) != ctx->kernel_id) return RK_E_RANGE;
  if (f.lo >= f.hi || f.lo < s->part_lo[f.part] || f.hi > s->part_lo[f.part + 1])
    return RK_E_RANGE;
  return pr_finish_part(ctx, s, f.lo, f.hi, f.iter, f.dangling);
}

#if !defined(__CUDA_ARCH__)
/* New ranks for c's targets, in a stream plan (pr_state.stream): each node
 * is the target of one entry an iteration, so its sum is whole as it
 * arrives, and the node is finished then (the same arithmetic as
 * pr_finish_part's, acc[v] being that one value) rather than after the
 * partition's last batch. The finish then runs while the senders still
 * walk: on the CPU, where the aggregator has a core of its own, it was
 * the tail of an iteration of the small graphs (p2p-Gnutella08 6,301
 * nodes, 20-30 us). The batch's L1 change and dangling mass go to the
 * iteration's sums before lane 0's count of the batch releases them. */
RK_HD static void pr_finish_entries(rk_ctx *ctx, pr_state *s, const pr_contrib *c) {
  double base = pr_rank_base(s, c->dangling), alpha = s->alpha;
  double *RK_RESTRICT x = s->x;
  double *RK_RESTRICT y_next = s->y[(c->iter + 1) & 1];
  const double *RK_RESTRICT inv_deg = s->inv_deg;
  double l1 = 0.0, dangling_next = 0.0;
  for (uint32_t i = rk_lane(ctx); i < c->value_count; i += rk_lanes(ctx)) {
    uint32_t v = c->node_count ? c->node[i] : c->first + i;
    pr_set_rank(x, y_next, v, alpha * c->value[i] + base, x[v], inv_deg[v], &l1, &dangling_next);
  }
  l1 = rk_lanes_sum_f64(ctx, l1);
  dangling_next = rk_lanes_sum_f64(ctx, dangling_next);
  if (rk_lane(ctx) == 0) pr_sums_add(s->sums, l1, dangling_next);
}
#endif

/* RK_OK if c's partition is this aggregator's and every entry targets it;
 * the lanes check a share each and agree on the answer. */
RK_HD static int pr_check_batch(rk_ctx *ctx, const pr_state *s, const pr_contrib *c) {
  if (c->part >= s->nparts || (c->node_count != c->value_count && c->node_count != 0))
    return RK_E_MALFORMED;
  if (pr_aggregator_of(s, c->part) != ctx->kernel_id) return RK_E_RANGE;
  uint32_t lo = s->part_lo[c->part], hi = s->part_lo[c->part + 1];
  if (c->node_count == 0)
    return c->value_count == 0 || (c->first >= lo && c->first < hi &&
                                   c->value_count <= hi - c->first) ? RK_OK : RK_E_RANGE;
  double bad = 0.0;
  for (uint32_t i = rk_lane(ctx); i < c->node_count; i += rk_lanes(ctx))
    bad += c->node[i] < lo || c->node[i] >= hi;
  return rk_lanes_sum_f64(ctx, bad) != 0.0 ? RK_E_RANGE : RK_OK;
}

RK_HD static int pr_aggregator_handler(rk_ctx *ctx, const rk_msg *msg) {
  pr_state *s = RK_STATE(ctx, pr_state);
  if (msg->hdr.type_id == pr_fin_type_id) return pr_fin_handler(ctx, s, msg);
  pr_contrib own;
  pr_contrib *c = ctx->scratch ? (pr_contrib *)ctx->scratch : &own;
  int rc = pr_contrib_decode_msg_lanes(ctx, msg, c);
  if (rc != RK_OK) return rc;
  if ((rc = pr_check_batch(ctx, s, c)) != RK_OK) return rc;
  /* The partition is this kernel's alone: with one worker it owns those
   * entries of acc, several share them through atomics. */
  double *acc = s->acc;
#if !defined(__CUDA_ARCH__)
  /* The GPU never gets a stream plan (pr_mp.c), and its aggregator leaves
   * this out: with it, ptxas spilled 236 bytes of the lane aggregator's
   * registers, without 176. */
  if (s->stream) {
    pr_finish_entries(ctx, s, c);
  } else
#endif
  if (ctx->nworkers == 1 && c->node_count == 0) {
    for (uint32_t i = 0; i < c->value_count; i++) acc[c->first + i] += c->value[i];
  } else if (ctx->nworkers == 1) {
    for (uint32_t i = 0; i < c->node_count; i++) acc[c->node[i]] += c->value[i];
  } else {
    for (uint32_t i = rk_lane(ctx); i < c->value_count; i += rk_lanes(ctx))
      rk_atomic_add_f64(&acc[c->node_count ? c->node[i] : c->first + i], c->value[i]);
  }
  /* Every lane's adds before lane 0's increment, which releases them. */
  rk_lanes_sync(ctx);
  uint32_t part = c->part, iter = c->iter;
  double dangling = c->dangling;
  /* acq_rel: our adds are released to, and everyone's acquired by, the
   * worker whose increment completes the partition. */
  uint32_t got = rk_lane(ctx) == 0 ? rk_fetch_add_acq_rel_u32(&s->received[part], 1) + 1 : 0;
  got = rk_lanes_first_u32(ctx, got);
  if (got < s->expected[part]) return RK_OK;
  if (rk_lane(ctx) == 0) pr_step(s, iter, PR_STEP_PART_LAST);
  /* lane 0's acquire, then the barrier, before any lane reads acc */
  rk_lanes_sync(ctx);
  /* Only the next iteration touches this counter again, and it starts
   * after the checker heard from us: the message chain orders it. */
  if (rk_lane(ctx) == 0) s->received[part] = 0;
#if !defined(__CUDA_ARCH__)
  /* a stream plan's nodes are finished: the partition is one piece done */
  if (s->stream)
    return rk_lanes_first_i32(ctx,
                              rk_lane(ctx) == 0 ? pr_piece_done(ctx, s, iter, 0.0, 0.0) : RK_OK);
#endif
  return pr_finish(ctx, s, part, iter, dangling);
}

/* Starts iteration iter: its leaves split into up to fanout pr_go, one a
 * lane, each to the sender kernel that holds its first leaf (pr_split);
 * the checker, with lanes, does the tree's first split itself, a hop
 * earlier than a sender would. */
RK_HD static int pr_start_iteration(rk_ctx *ctx, pr_state *s, uint32_t iter, double dangling) {
  if (rk_lane(ctx) == 0) pr_step(s, iter, PR_STEP_GO);
  pr_go g;
  g.iter = iter;
  g.l0 = 0;
  g.l1 = s->nleaves;
  g.dangling = dangling;
  return pr_split(ctx, s, &g);
}

RK_HD static int pr_checker_partial(rk_ctx *ctx, pr_state *s, const pr_partial *p) {
  if (rk_lane(ctx) == 0) pr_step(s, p->iter, PR_STEP_CHECKED);
  if (p->l1 < s->n * s->tol || p->iter >= s->max_iter) {
    pr_done d;
    d.iter = p->iter;
    d.converged = p->l1 < s->n * s->tol;
    d.l1 = p->l1;
    int rc = rk_lane(ctx) == 0 ? pr_done_send(ctx, RK_ADDR_HOST, &d) : RK_OK;
    return rk_lanes_first_i32(ctx, rc);
  }
  return pr_start_iteration(ctx, s, p->iter + 1, p->dangling);
}

RK_HD static int pr_checker_handler(rk_ctx *ctx, const rk_msg *msg) {
  pr_state *s = RK_STATE(ctx, pr_state);
  if (msg->hdr.type_id == pr_start_type_id) {
    pr_start st;
    int rc = pr_start_decode_msg(msg, &st);
    return rc != RK_OK ? rc : pr_start_iteration(ctx, s, 1, st.dangling);
  }
  pr_partial p;
  int rc = pr_partial_decode_msg(msg, &p);
  return rc != RK_OK ? rc : pr_checker_partial(ctx, s, &p);
}

/* Each of the sender and the aggregator twice: lane-parallel (a lane a
 * message: the most messages in flight, for large graphs) and with lanes
 * (a warp a message: the shortest walk per message, for small graphs);
 * pr_mp.c picks. */
RK_KERNEL_DEFINE(pr_sender, pr_sender_handler, &pr_go_codec);
RK_KERNEL_DEFINE(pr_aggregator, pr_aggregator_handler, &pr_contrib_codec, &pr_fin_codec);
RK_KERNEL_DEFINE_LANES(pr_sender_lanes, pr_sender_handler, &pr_go_codec);
RK_KERNEL_DEFINE_LANES(pr_aggregator_lanes, pr_aggregator_handler, &pr_contrib_codec,
                       &pr_fin_codec);
RK_KERNEL_DEFINE_LANES(pr_checker, pr_checker_handler, &pr_partial_codec, &pr_start_codec);
