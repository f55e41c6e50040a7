/* test_graph_real.c - the loaders and the reference PageRank on the real
 * SNAP graphs in $RK_SHARED_DATA/graphs (public data kept outside the
 * project; the test skips when they are absent). Node and edge counts are
 * the ones SNAP publishes; each graph also survives a round trip through
 * both file formats. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check.h"
#include "pr_util.h"
#include "ringk/graph.h"

typedef struct real_graph {
  const char *file;
  uint32_t nodes;
  uint64_t edges;
} real_graph;

static const real_graph GRAPHS[] = {
  {"email-Eu-core.txt", 1005, 25571}, {"p2p-Gnutella08.txt", 6301, 20777},
  {"ca-GrQc.txt", 5242, 28980},       {"wiki-Vote.txt", 7115, 103689},
  {"p2p-Gnutella31.txt", 62586, 147892},
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Growable text written with appendf. */
typedef struct text {
  char *buf;
  size_t len, cap;
} text;

__attribute__((format(printf, 2, 3)))
static void appendf(text *t, const char *fmt, ...) {
  for (;;) {
    if (!t->buf) {
      t->cap = 1 << 16;
      t->buf = malloc(t->cap);
      if (!t->buf) abort();
    }
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (k >= 0 && (size_t)k < t->cap - t->len) {
      t->len += (size_t)k;
      return;
    }
    t->cap *= 2;
    t->buf = realloc(t->buf, t->cap);
    if (!t->buf) abort();
  }
}

/* The out-CSR as a Matrix Market file: reloading must give the same lists. */
static void check_mtx_round_trip(const rk_graph *g, const rk_pagerank_result *want) {
  text t = {NULL, 0, 0};
  appendf(&t, "%%%%MatrixMarket matrix coordinate pattern general\n%u %u %llu\n",
          g->n, g->n, (unsigned long long)g->m);
  for (uint32_t u = 0; u < g->n; u++)
    for (uint64_t k = g->out_off[u]; k < g->out_off[u + 1]; k++)
      appendf(&t, "%llu %llu\n", u + 1ull, g->out_dst[k] + 1ull);
  rk_graph h;
  CHECK_OK(rk_graph_parse(&h, t.buf, t.len, "round-trip.mtx", RK_GRAPH_AUTO, NULL));
  CHECK(h.n == g->n && h.m == g->m);
  if (h.n == g->n && h.m == g->m) {
    CHECK(!memcmp(h.out_off, g->out_off, (g->n + 1) * sizeof *g->out_off));
    CHECK(!memcmp(h.out_dst, g->out_dst, g->m * sizeof *g->out_dst));
    CHECK(!memcmp(h.in_off, g->in_off, (g->n + 1) * sizeof *g->in_off));
    rk_pagerank_result r;
    CHECK_OK(rk_pagerank_reference(&h, NULL, &r));
    CHECK_EQ_INT(r.iterations, want->iterations);
    for (uint32_t v = 0; v < g->n && r.ranks; v++)
      CHECK(fabs(r.ranks[v] - want->ranks[v]) < 1e-15);
    rk_pagerank_result_free(&r);
  }
  rk_graph_free(&h);
  free(t.buf);
}

/* The graph written back as SNAP with its original ids, grouped by source:
 * every id keeps its degrees although the dense numbering changes. */
static void check_snap_round_trip(const rk_graph *g) {
  text t = {NULL, 0, 0};
  for (uint32_t u = 0; u < g->n; u++)
    for (uint64_t k = g->out_off[u]; k < g->out_off[u + 1]; k++)
      appendf(&t, "%llu\t%llu\n", (unsigned long long)rk_graph_id(g, u),
              (unsigned long long)rk_graph_id(g, g->out_dst[k]));
  rk_graph h;
  CHECK_OK(rk_graph_parse(&h, t.buf, t.len, "round-trip.txt", RK_GRAPH_SNAP, NULL));
  CHECK(h.m == g->m);
  uint32_t mismatched = 0;
  for (uint32_t v = 0; v < h.n; v++) {
    uint32_t w;
    if (rk_graph_index_of(g, rk_graph_id(&h, v), &w) ||
        rk_graph_out_degree(g, w) != rk_graph_out_degree(&h, v) ||
        rk_graph_in_degree(g, w) != rk_graph_in_degree(&h, v))
      mismatched++;
  }
  CHECK_EQ_INT(mismatched, 0);
  rk_graph_free(&h);
  free(t.buf);
}

static void check_graph(const char *path, const real_graph *rg) {
  rk_graph g;
  rk_graph_error err;
  double t0 = now_s();
  int rc = rk_graph_load(&g, path, RK_GRAPH_AUTO, &err);
  double load_s = now_s() - t0;
  CHECK_OK(rc);
  if (rc) {
    fprintf(stderr, "%s\n", err.msg);
    return;
  }
  CHECK_EQ_INT(g.n, rg->nodes);
  CHECK_EQ_INT(g.m, rg->edges);
  rk_pagerank_result r;
  t0 = now_s();
  CHECK_OK(rk_pagerank_reference(&g, NULL, &r));
  double pr_s = now_s() - t0;
  printf("%-20s %6u nodes %7llu edges: load %.2f ms, %u iterations in %.2f ms\n",
         rg->file, g.n, (unsigned long long)g.m, load_s * 1e3, r.iterations, pr_s * 1e3);
  CHECK(r.l1_change < g.n * 1e-6);
  CHECK(fabs(pr_rank_sum(&r) - 1.0) < 1e-12);
  CHECK(pr_residual(&g, 0.85, r.ranks) <= 0.85 * r.l1_change + 1e-15);
  check_mtx_round_trip(&g, &r);
  check_snap_round_trip(&g);
  rk_pagerank_result_free(&r);
  rk_graph_free(&g);
}

int main(void) {
  const char *data = rk_test_shared_data();
  int found = 0;
  for (size_t k = 0; k < sizeof GRAPHS / sizeof GRAPHS[0]; k++) {
    char path[4096];
    int len = snprintf(path, sizeof path, "%s/graphs/%s", data, GRAPHS[k].file);
    FILE *f = len > 0 && (size_t)len < sizeof path ? fopen(path, "rb") : NULL;
    if (!f) {
      printf("%s/graphs/%s: absent, not checked\n", data, GRAPHS[k].file);
      continue;
    }
    fclose(f);
    found++;
    check_graph(path, &GRAPHS[k]);
  }
  if (!found) {
    printf("skipped: no SNAP graphs under %s/graphs (set RK_SHARED_DATA)\n", data);
    return RK_TEST_SKIP;
  }
  return CHECK_DONE("test_graph_real");
}
