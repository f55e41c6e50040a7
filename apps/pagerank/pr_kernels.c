/* pr_kernels.c - the three PageRank ring kernels (see pr_kernels.h).
 * Compiled as C for the CPU backend and by nvcc for the CUDA backend. */
#include <math.h>

#include "pr_kernels.h"

RK_HD static int pr_send_go(rk_ctx *ctx, uint32_t iter, uint32_t b0, uint32_t b1,
                            double dangling) {
  pr_go g;
  g.iter = iter;
  g.b0 = b0;
  g.b1 = b1;
  g.dangling = dangling;
  return pr_go_send(ctx, PR_SENDER, &g);
}

/* Sends block b's entries to its target partition in batches. Partition 0's
 * blocks send one batch even when empty, so every partition receives at
 * least one batch per iteration (the plan counts it). */
RK_HD static int pr_send_block(rk_ctx *ctx, const pr_state *s, uint32_t b,
                               uint32_t iter, double dangling, pr_contrib *c) {
  const double *y = s->y[iter & 1];
  uint32_t p = b / s->nparts;
  c->iter = iter;
  c->part = b % s->nparts;
  c->dangling = dangling;
  c->node_count = 0;
  int sent = 0;
  for (uint64_t seg = s->blk_seg[b]; seg < s->blk_seg[b + 1]; seg++) {
    double sum = 0.0;
    for (uint64_t e = s->seg_src[seg]; e < s->seg_src[seg + 1]; e++) sum += y[s->src[e]];
    c->node[c->node_count] = s->seg_node[seg];
    c->value[c->node_count] = sum;
    if (++c->node_count == PR_BATCH) {
      c->value_count = c->node_count;
      int rc = pr_contrib_send(ctx, PR_AGGREGATOR, c);
      if (rc != RK_OK) return rc;
      c->node_count = 0;
      sent = 1;
    }
  }
  if (c->node_count == 0 && (sent || p != 0)) return RK_OK;
  c->value_count = c->node_count;
  return pr_contrib_send(ctx, PR_AGGREGATOR, c);
}

RK_HD static int pr_sender_handler(rk_ctx *ctx, const rk_msg *msg) {
  const pr_state *s = RK_STATE(ctx, const pr_state);
  pr_go g;
  int rc = pr_go_decode_msg(msg, &g);
  if (rc != RK_OK) return rc;
  if (g.b0 >= g.b1 || g.b1 > s->nblocks) return RK_E_RANGE;
  if (g.b1 - g.b0 > s->leaf_blocks) {
    uint32_t mid = g.b0 + (g.b1 - g.b0) / 2;
    rc = pr_send_go(ctx, g.iter, g.b0, mid, g.dangling);
    return rc != RK_OK ? rc : pr_send_go(ctx, g.iter, mid, g.b1, g.dangling);
  }
  pr_contrib c;
  for (uint32_t b = g.b0; b < g.b1 && rc == RK_OK; b++)
    rc = pr_send_block(ctx, s, b, g.iter, g.dangling, &c);
  return rc;
}

/* New ranks for partition q; reports its L1 change and dangling mass. One
 * thread runs this loop, so it reads PR_FIN_RUN nodes' inputs before it
 * computes any of them: their loads are in flight together, not one round
 * trip to memory per node (a GPU thread does not run ahead by itself). */
#define PR_FIN_RUN 8u
RK_HD static int pr_finish_part(rk_ctx *ctx, pr_state *s, uint32_t q, uint32_t iter,
                                double dangling) {
  double base = (1.0 - s->alpha) / s->n + s->alpha * dangling / s->n, alpha = s->alpha;
  double *RK_RESTRICT x = s->x;
  double *RK_RESTRICT acc = s->acc;
  double *RK_RESTRICT y_next = s->y[(iter + 1) & 1];
  const double *RK_RESTRICT inv_deg = s->inv_deg;
  double l1 = 0.0, dangling_next = 0.0;
  for (uint32_t v = s->part_lo[q], hi = s->part_lo[q + 1]; v < hi; v += PR_FIN_RUN) {
    uint32_t k = hi - v < PR_FIN_RUN ? hi - v : PR_FIN_RUN;
    double a[PR_FIN_RUN] = {0}, d[PR_FIN_RUN] = {0}, old[PR_FIN_RUN] = {0};
    for (uint32_t i = 0; i < PR_FIN_RUN; i++) {
      if (i >= k) break;
      a[i] = acc[v + i];
      d[i] = inv_deg[v + i];
      old[i] = x[v + i];
    }
    for (uint32_t i = 0; i < PR_FIN_RUN; i++) {
      if (i >= k) break;
      double xn = alpha * a[i] + base;
      l1 += fabs(xn - old[i]);
      x[v + i] = xn;
      acc[v + i] = 0.0;
      y_next[v + i] = xn * d[i];
      if (d[i] == 0.0) dangling_next += xn;
    }
  }
  pr_partial out;
  out.iter = iter;
  out.part = q;
  out.l1 = l1;
  out.dangling = dangling_next;
  return pr_partial_send(ctx, PR_CHECKER, &out);
}

RK_HD static int pr_aggregator_handler(rk_ctx *ctx, const rk_msg *msg) {
  pr_state *s = RK_STATE(ctx, pr_state);
  pr_contrib c;
  int rc = pr_contrib_decode_msg(msg, &c);
  if (rc != RK_OK) return rc;
  if (c.part >= s->nparts || c.node_count != c.value_count) return RK_E_MALFORMED;
  uint32_t lo = s->part_lo[c.part], hi = s->part_lo[c.part + 1];
  for (uint32_t i = 0; i < c.node_count; i++)
    if (c.node[i] < lo || c.node[i] >= hi) return RK_E_RANGE;
  /* One worker owns acc alone; several share it through atomics. */
  if (ctx->nworkers == 1) {
    for (uint32_t i = 0; i < c.node_count; i++) s->acc[c.node[i]] += c.value[i];
  } else {
    for (uint32_t i = 0; i < c.node_count; i++) rk_atomic_add_f64(&s->acc[c.node[i]], c.value[i]);
  }
  /* acq_rel: our adds are released to, and everyone's acquired by, the
   * worker whose increment completes the partition. */
  uint32_t got = rk_fetch_add_acq_rel_u32(&s->received[c.part], 1) + 1;
  if (got < s->expected[c.part]) return RK_OK;
  /* Only the next iteration touches this counter again, and it starts
   * after the checker heard from us: the message chain orders it. */
  s->received[c.part] = 0;
  return pr_finish_part(ctx, s, c.part, c.iter, c.dangling);
}

RK_HD static int pr_checker_partial(rk_ctx *ctx, pr_state *s, const pr_partial *p) {
  rk_atomic_add_f64(&s->l1, p->l1);
  rk_atomic_add_f64(&s->dangling, p->dangling);
  /* acq_rel: the last partial's worker sees every other's sums. */
  if (rk_fetch_add_acq_rel_u32(&s->partials, 1) + 1 < s->nparts) return RK_OK;
  double l1 = s->l1, dangling = s->dangling;
  s->partials = 0;
  s->l1 = 0.0;
  s->dangling = 0.0;
  if (l1 < s->n * s->tol || p->iter >= s->max_iter) {
    pr_done d;
    d.iter = p->iter;
    d.converged = l1 < s->n * s->tol;
    d.l1 = l1;
    return pr_done_send(ctx, RK_ADDR_HOST, &d);
  }
  return pr_send_go(ctx, p->iter + 1, 0, s->nblocks, dangling);
}

RK_HD static int pr_checker_handler(rk_ctx *ctx, const rk_msg *msg) {
  pr_state *s = RK_STATE(ctx, pr_state);
  if (msg->hdr.type_id == pr_start_type_id) {
    pr_start st;
    int rc = pr_start_decode_msg(msg, &st);
    return rc != RK_OK ? rc : pr_send_go(ctx, 1, 0, s->nblocks, st.dangling);
  }
  pr_partial p;
  int rc = pr_partial_decode_msg(msg, &p);
  return rc != RK_OK ? rc : pr_checker_partial(ctx, s, &p);
}

RK_KERNEL_DEFINE(pr_sender, pr_sender_handler, &pr_go_codec);
RK_KERNEL_DEFINE(pr_aggregator, pr_aggregator_handler, &pr_contrib_codec);
RK_KERNEL_DEFINE(pr_checker, pr_checker_handler, &pr_partial_codec, &pr_start_codec);
