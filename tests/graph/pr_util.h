/* pr_util.h - independent checks on PageRank results, shared by the graph
 * tests. They recompute from the out-edge CSR by pushing, a different path
 * from the reference's pull over in-edges, so a broken transpose or a wrong
 * dangling term shows up as a residual. */
#ifndef RK_TESTS_PR_UTIL_H
#define RK_TESTS_PR_UTIL_H

#include <math.h>
#include <stdlib.h>
#include "ringk/graph.h"

static inline double pr_rank_sum(const rk_pagerank_result *r) {
  double s = 0.0;
  for (uint32_t v = 0; v < r->n; v++) s += r->ranks[v];
  return s;
}

/* sum |T(x) - x| for one PageRank step T. For a converged result it is at
 * most alpha times the last change, since T contracts the L1 distance. */
static inline double pr_residual(const rk_graph *g, double alpha, const double *x) {
  double n = (double)g->n, dangling = 0.0, residual = 0.0;
  double *y = malloc(g->n * sizeof *y);
  if (!y) return INFINITY;
  for (uint32_t u = 0; u < g->n; u++)
    if (!rk_graph_out_degree(g, u)) dangling += x[u];
  for (uint32_t v = 0; v < g->n; v++) y[v] = (1.0 - alpha) / n + alpha * dangling / n;
  for (uint32_t u = 0; u < g->n; u++)
    for (uint64_t k = g->out_off[u]; k < g->out_off[u + 1]; k++)
      y[g->out_dst[k]] += alpha * x[u] / (double)rk_graph_out_degree(g, u);
  for (uint32_t v = 0; v < g->n; v++) residual += fabs(y[v] - x[v]);
  free(y);
  return residual;
}

#endif
