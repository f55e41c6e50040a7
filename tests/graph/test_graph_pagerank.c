/* test_graph_pagerank.c - the reference PageRank on graphs small enough to
 * solve by hand: every expected rank below is a closed form worked out on
 * paper from x = alpha * (P x + dangling / n) + (1 - alpha) / n. */
#include <math.h>
#include <string.h>
#include "check.h"
#include "pr_util.h"
#include "ringk/graph.h"

/* Tight enough that the fixpoint is reached to ~1e-13. */
static const rk_pagerank_params TIGHT = {0.85, 1e-14, 1000};

#define CHECK_NEAR(a, b, eps)                                                 \
  do {                                                                        \
    double rk_x_ = (a), rk_y_ = (b);                                          \
    if (!(fabs(rk_x_ - rk_y_) <= (eps))) {                                    \
      fprintf(stderr, "%s:%d: %s = %.17g, expected %.17g\n", __FILE__,        \
              __LINE__, #a, rk_x_, rk_y_);                                    \
      rk_test_failures++;                                                     \
    }                                                                         \
  } while (0)

static void build(rk_graph *g, uint32_t n, const uint32_t *src,
                  const uint32_t *dst, uint64_t m) {
  CHECK_OK(rk_graph_from_edges(g, n, m, src, dst));
}

/* Solves g tightly and checks ranks against want[], the sum and residual. */
static void expect_ranks(const rk_graph *g, const double *want) {
  rk_pagerank_result r;
  CHECK_OK(rk_pagerank_reference(g, &TIGHT, &r));
  CHECK_EQ_INT(r.n, g->n);
  for (uint32_t v = 0; v < g->n && r.ranks; v++) CHECK_NEAR(r.ranks[v], want[v], 1e-12);
  if (r.ranks) {
    CHECK_NEAR(pr_rank_sum(&r), 1.0, 1e-12);
    CHECK(pr_residual(g, TIGHT.alpha, r.ranks) <= TIGHT.alpha * r.l1_change + 1e-15);
  }
  rk_pagerank_result_free(&r);
}

/* A directed cycle is its own fixpoint: 1/n everywhere after one step. */
static void test_cycle(void) {
  enum { N = 7 };
  uint32_t src[N], dst[N];
  for (uint32_t v = 0; v < N; v++) {
    src[v] = v;
    dst[v] = (v + 1) % N;
  }
  rk_graph g;
  build(&g, N, src, dst, N);
  rk_pagerank_result r;
  CHECK_OK(rk_pagerank_reference(&g, NULL, &r)); /* networkx defaults */
  CHECK_EQ_INT(r.iterations, 1);
  CHECK(r.l1_change < 1e-15);
  CHECK_EQ_INT(r.messages, 0);
  for (uint32_t v = 0; v < N; v++) CHECK_NEAR(r.ranks[v], 1.0 / N, 1e-16);
  rk_pagerank_result_free(&r);
  CHECK(r.ranks == NULL);
  rk_graph_free(&g);
}

/* Four leaves point at a dangling centre (n = 5, k = 4). With c the centre
 * and l a leaf: l = (0.85 c + 0.15) / 5 and c + 4 l = 1, so
 * c = (n - 0.15 k) / (n + 0.85 k) = 4.4 / 8.4. */
static void test_star(void) {
  static const uint32_t src[] = {1, 2, 3, 4}, dst[] = {0, 0, 0, 0};
  rk_graph g;
  build(&g, 5, src, dst, 4);
  double c = 4.4 / 8.4, l = (1.0 - c) / 4;
  expect_ranks(&g, (double[]){c, l, l, l, l});
  /* Default tolerance: converged, close to the fixpoint, within limits. */
  rk_pagerank_result r;
  CHECK_OK(rk_pagerank_reference(&g, NULL, &r));
  CHECK(r.iterations >= 2 && r.iterations <= 100);
  CHECK(r.l1_change < 5 * 1e-6);
  CHECK_NEAR(r.ranks[0], c, 1e-5);
  rk_pagerank_result_free(&r);
  rk_graph_free(&g);
}

/* 0 -> 1, 1 dangling: x0 = 0.425 x1 + 0.075 and x0 + x1 = 1. */
static void test_dangling(void) {
  rk_graph g;
  build(&g, 2, (uint32_t[]){0}, (uint32_t[]){1}, 1);
  expect_ranks(&g, (double[]){0.5 / 1.425, 0.925 / 1.425});
  rk_graph_free(&g);
}

/* 1 -> 2 with node 3 isolated (declared by the size line): a = c = t with
 * t = 0.85 (1 - t) / 3 + 0.05, so t = 1 / 3.85 and b = 1.85 / 3.85. */
static void test_isolated(void) {
  static const char text[] = "%%MatrixMarket matrix coordinate pattern general\n3 3 1\n1 2\n";
  rk_graph g;
  CHECK_OK(rk_graph_parse(&g, text, sizeof text - 1, "iso.mtx", RK_GRAPH_AUTO, NULL));
  expect_ranks(&g, (double[]){1 / 3.85, 1.85 / 3.85, 1 / 3.85});
  rk_graph_free(&g);
}

/* 0 -> 0, 0 -> 1, 1 -> 0: x1 = 0.85 x0 / 2 + 0.075 and x0 + x1 = 1. */
static void test_self_loop(void) {
  rk_graph g;
  build(&g, 2, (uint32_t[]){0, 0, 1}, (uint32_t[]){0, 1, 0}, 3);
  expect_ranks(&g, (double[]){0.925 / 1.425, 0.5 / 1.425});
  rk_graph_free(&g);
}

/* 0 -> 1 twice, 0 -> 2, 1 -> 0, 2 -> 0: the duplicate carries two thirds of
 * 0's rank. x0 = 0.85 (1 - x0) + 0.05, so x0 = 0.9 / 1.85. */
static void test_duplicate_edge(void) {
  rk_graph g;
  build(&g, 3, (uint32_t[]){0, 0, 0, 1, 2}, (uint32_t[]){1, 1, 2, 0, 0}, 5);
  double x0 = 0.9 / 1.85;
  expect_ranks(&g, (double[]){x0, 0.85 * 2 / 3 * x0 + 0.05, 0.85 / 3 * x0 + 0.05});
  rk_graph_free(&g);
}

/* alpha = 0 is pure teleport; alpha = 1 on a 2-cycle keeps the start. */
static void test_alpha_extremes(void) {
  rk_graph g;
  build(&g, 2, (uint32_t[]){0}, (uint32_t[]){1}, 1);
  rk_pagerank_params p = {0.0, 1e-6, 100};
  rk_pagerank_result r;
  CHECK_OK(rk_pagerank_reference(&g, &p, &r));
  CHECK_EQ_INT(r.iterations, 1);
  CHECK_NEAR(r.ranks[0], 0.5, 1e-16);
  rk_pagerank_result_free(&r);
  rk_graph_free(&g);
  build(&g, 2, (uint32_t[]){0, 1}, (uint32_t[]){1, 0}, 2);
  p.alpha = 1.0;
  CHECK_OK(rk_pagerank_reference(&g, &p, &r));
  CHECK_NEAR(r.ranks[1], 0.5, 1e-16);
  rk_pagerank_result_free(&r);
  rk_graph_free(&g);
}

static void test_not_converged(void) {
  rk_graph g;
  build(&g, 5, (uint32_t[]){1, 2, 3, 4}, (uint32_t[]){0, 0, 0, 0}, 4);
  rk_pagerank_params p = {0.85, 1e-15, 3};
  rk_pagerank_result r;
  CHECK_EQ_INT(rk_pagerank_reference(&g, &p, &r), RK_E_NOT_CONVERGED);
  CHECK_EQ_INT(r.iterations, 3);
  CHECK(r.ranks != NULL && r.l1_change >= 5 * p.tol);
  if (r.ranks) CHECK_NEAR(pr_rank_sum(&r), 1.0, 1e-15);
  rk_pagerank_result_free(&r);
  p.max_iter = 0; /* like networkx: no iteration, no convergence */
  CHECK_EQ_INT(rk_pagerank_reference(&g, &p, &r), RK_E_NOT_CONVERGED);
  CHECK_EQ_INT(r.iterations, 0);
  if (r.ranks) CHECK_NEAR(r.ranks[3], 0.2, 0);
  rk_pagerank_result_free(&r);
  rk_graph_free(&g);
}

static void test_invalid(void) {
  rk_graph g;
  build(&g, 2, (uint32_t[]){0}, (uint32_t[]){1}, 1);
  static const rk_pagerank_params bad[] = {
    {-0.1, 1e-6, 100}, {1.1, 1e-6, 100}, {NAN, 1e-6, 100},
    {0.85, 0.0, 100}, {0.85, -1e-6, 100}, {0.85, INFINITY, 100}, {0.85, NAN, 100},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    rk_pagerank_result r;
    CHECK_EQ_INT(rk_pagerank_params_check(&bad[k]), RK_E_INVAL);
    CHECK_EQ_INT(rk_pagerank_reference(&g, &bad[k], &r), RK_E_INVAL);
    CHECK(r.ranks == NULL && r.iterations == 0);
  }
  rk_graph_free(&g);
  rk_graph empty;
  memset(&empty, 0, sizeof empty);
  rk_pagerank_result r;
  CHECK_EQ_INT(rk_pagerank_reference(&empty, NULL, &r), RK_E_INVAL);
}

/* A generated graph with hubs, dangling and isolated nodes and duplicates. */
static void test_rmat_fixpoint(void) {
  rk_graph g;
  CHECK_OK(rk_graph_rmat(&g, 12, 8, 7));
  rk_pagerank_result r;
  CHECK_OK(rk_pagerank_reference(&g, NULL, &r));
  CHECK(r.l1_change < g.n * 1e-6);
  CHECK_NEAR(pr_rank_sum(&r), 1.0, 1e-12);
  CHECK(pr_residual(&g, 0.85, r.ranks) <= 0.85 * r.l1_change + 1e-15);
  rk_pagerank_result_free(&r);
  rk_graph_free(&g);
}

int main(void) {
  test_cycle();
  test_star();
  test_dangling();
  test_isolated();
  test_self_loop();
  test_duplicate_edge();
  test_alpha_extremes();
  test_not_converged();
  test_invalid();
  test_rmat_fixpoint();
  return CHECK_DONE("test_graph_pagerank");
}
