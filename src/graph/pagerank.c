/* pagerank.c - the reference PageRank: a plain power iteration over the
 * in-edge CSR, in double, with networkx.pagerank()'s semantics. It is the
 * yardstick for the message-passing backends, so it favours being obviously
 * right; pulling over in-edges keeps it one sequential pass per iteration. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "graph/graph_int.h"

int rk_pagerank_params_check(const rk_pagerank_params *p) {
  /* Written so that NaN fails every test. */
  if (!(p->alpha >= 0.0 && p->alpha <= 1.0)) return RK_E_INVAL;
  if (!(p->tol > 0.0 && isfinite(p->tol))) return RK_E_INVAL;
  return RK_OK;
}

/* share[u] = x[u] / outdeg(u), what u sends along each out-edge; returns the
 * rank held by dangling nodes, which is spread over all nodes instead. */
static double compute_shares(const rk_graph *g, const double *x, double *share) {
  double dangling = 0.0;
  for (uint32_t u = 0; u < g->n; u++) {
    uint64_t deg = rk_graph_out_degree(g, u);
    share[u] = deg ? x[u] / (double)deg : 0.0;
    if (!deg) dangling += x[u];
  }
  return dangling;
}

/* One iteration x -> next; returns the L1 change. */
static double iterate(const rk_graph *g, double alpha, const double *x,
                      double *next, double *share) {
  double n = (double)g->n;
  double dangling = compute_shares(g, x, share);
  double base = alpha * dangling / n + (1.0 - alpha) / n;
  double change = 0.0;
  for (uint32_t v = 0; v < g->n; v++) {
    double sum = 0.0;
    for (uint64_t k = g->in_off[v]; k < g->in_off[v + 1]; k++)
      sum += share[g->in_src[k]];
    next[v] = alpha * sum + base;
    change += fabs(next[v] - x[v]);
  }
  return change;
}

int rk_pagerank_reference(const rk_graph *g, const rk_pagerank_params *params,
                          rk_pagerank_result *r) {
  static const rk_pagerank_params defaults = RK_PAGERANK_PARAMS_DEFAULT;
  const rk_pagerank_params *p = params ? params : &defaults;
  memset(r, 0, sizeof *r);
  if (g->n == 0 || rk_pagerank_params_check(p)) return RK_E_INVAL;
  double *x = malloc(g->n * sizeof *x);
  double *next = malloc(g->n * sizeof *next);
  double *share = malloc(g->n * sizeof *share);
  int rc = x && next && share ? RK_E_NOT_CONVERGED : RK_E_NOMEM;
  if (rc == RK_E_NOT_CONVERGED) {
    for (uint32_t v = 0; v < g->n; v++) x[v] = 1.0 / g->n;
    while (rc == RK_E_NOT_CONVERGED && r->iterations < p->max_iter) {
      r->l1_change = iterate(g, p->alpha, x, next, share);
      r->iterations++;
      double *t = x;
      x = next;
      next = t;
      if (r->l1_change < g->n * p->tol) rc = RK_OK;
    }
    r->ranks = x;
    r->n = g->n;
    x = NULL;
  }
  free(x);
  free(next);
  free(share);
  return rc;
}

void rk_pagerank_result_free(rk_pagerank_result *r) {
  free(r->ranks);
  memset(r, 0, sizeof *r);
}
