/* test_pagerank_mp.c - the PageRank ring kernels give the reference's answer.
 *
 * On each graph (small hand-made ones that hit every term of the update,
 * R-MAT graphs, and the real SNAP graphs when present), the message-passing
 * run must end with the same status and iteration count as the CSR
 * reference, ranks within 1e-12 in L1 on the CPU (1e-6 on CUDA), summing
 * to 1. The partition count, the batch size, the fanout of the sender's
 * splits and the number of aggregator and sender kernels are varied so
 * blocks, empty partitions, multi-batch blocks, split trees of every shape,
 * partitions shared among aggregators and trees spread over senders are
 * all exercised. argv[1] names the backend. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "pr_kernels.h"
#include "pr_mp.h"

static rk_backend_kind backend = RK_BACKEND_CPU;
static double tolerance = 1e-12;

/* A shape: partitions, batch entries, split fanout, aggregator kernels,
 * workers, sender kernels, leaves, sources a segment holds, nodes a
 * finish piece holds, source partitions (0: the driver's choice). */
typedef struct shape {
  uint32_t nparts, batch, fanout, aggs, workers, senders, leaves, seg_max, fin_piece, src_parts;
} shape;

static pr_mp_opts opts_of(shape sh) {
  pr_mp_opts o = {.backend = backend, .nparts = sh.nparts, .workers = sh.workers,
                  .batch = sh.batch, .fanout = sh.fanout, .aggregators = sh.aggs,
                  .senders = sh.senders, .leaves = sh.leaves, .seg_max = sh.seg_max,
                  .fin_piece = sh.fin_piece, .src_parts = sh.src_parts};
  return o;
}

static void compare_shape(const char *name, const rk_graph *g, const rk_pagerank_params *prm,
                          shape sh) {
  rk_pagerank_result ref, mp;
  int rc_ref = rk_pagerank_reference(g, prm, &ref);
  pr_mp_opts o = opts_of(sh);
  int rc_mp = pr_mp_run(g, prm, &o, &mp, NULL);
  if (rc_mp == RK_E_NO_BACKEND) {
    printf("skipped: backend not available\n");
    exit(RK_TEST_SKIP);
  }
  CHECK_EQ_INT(rc_mp, rc_ref);
  if (rc_mp == rc_ref && (rc_mp == RK_OK || rc_mp == RK_E_NOT_CONVERGED)) {
    CHECK_EQ_INT(mp.iterations, ref.iterations);
    CHECK_EQ_INT(mp.n, g->n);
    double l1 = 0.0, sum = 0.0;
    for (uint32_t v = 0; v < g->n; v++) {
      l1 += fabs(mp.ranks[v] - ref.ranks[v]);
      sum += mp.ranks[v];
    }
    if (!(l1 <= tolerance))
      fprintf(stderr,
              "%s (nparts %u, batch %u, fanout %u, aggregators %u, workers %u, senders %u, "
              "leaves %u, seg_max %u, fin_piece %u, src_parts %u): L1 distance %.3e\n",
              name, sh.nparts, sh.batch, sh.fanout, sh.aggs, sh.workers, sh.senders, sh.leaves,
              sh.seg_max, sh.fin_piece, sh.src_parts, l1);
    CHECK(l1 <= tolerance);
    CHECK(fabs(sum - 1.0) < 1e-9);
    CHECK(fabs(mp.l1_change - ref.l1_change) <= tolerance);
    CHECK(mp.messages > 0);
  }
  rk_pagerank_result_free(&ref);
  rk_pagerank_result_free(&mp);
}

/* A shape pr_mp_run must refuse before it runs anything. */
static void check_refused(const rk_graph *g, shape sh) {
  rk_pagerank_result r;
  pr_mp_opts bad = opts_of(sh);
  CHECK_EQ_INT(pr_mp_run(g, NULL, &bad, &r, NULL), RK_E_INVAL);
}

static void compare(const char *name, const rk_graph *g, const rk_pagerank_params *prm,
                    uint32_t nparts) {
  compare_shape(name, g, prm, (shape){nparts, 0, 0, 0, 0, 0, 0, 0, 0, 0});
}

static void edges(const char *name, uint32_t n, uint64_t m, const uint32_t *s, const uint32_t *d) {
  rk_graph g;
  CHECK_OK(rk_graph_from_edges(&g, n, m, s, d));
  for (uint32_t parts = 1; parts <= n && parts <= 4; parts++) compare(name, &g, NULL, parts);
  rk_graph_free(&g);
}

static void test_small_graphs(void) {
  static const uint32_t cs[] = {0, 1, 2, 3}, cd[] = {1, 2, 3, 0};
  edges("cycle", 4, 4, cs, cd);
  static const uint32_t ss[] = {1, 2, 3, 4}, sd[] = {0, 0, 0, 0};
  edges("star", 5, 4, ss, sd);
  static const uint32_t ds[] = {0, 0, 1}, dd[] = {1, 2, 2};
  edges("dangling", 3, 3, ds, dd);
  static const uint32_t is[] = {0}, id[] = {1};
  edges("isolated", 4, 1, is, id);
  static const uint32_t ls[] = {0, 0, 1}, ld[] = {0, 1, 0};
  edges("self-loop", 2, 3, ls, ld);
  static const uint32_t us[] = {0, 0, 1, 2}, ud[] = {1, 1, 2, 0};
  edges("duplicate", 3, 4, us, ud);
}

static void test_rmat(void) {
  rk_graph g;
  CHECK_OK(rk_graph_rmat(&g, 12, 8, 42));
  uint32_t parts[] = {0, 1, 5, 64};
  for (int i = 0; i < 4; i++) compare("rmat-12", &g, NULL, parts[i]);
  /* Batches from the least (a warp's 32 entries) to the most; sizes that
   * are not a multiple of 32, or exceed the most, are refused. */
  uint32_t batches[] = {32, 96, 256};
  for (int i = 0; i < 3; i++)
    compare_shape("rmat-12", &g, NULL, (shape){5, batches[i], 0, 0, 0, 0, 0, 0, 0, 0});
  uint32_t refused[] = {31, 100, PR_BATCH_MAX + 32};
  for (int i = 0; i < 3; i++) check_refused(&g, (shape){5, refused[i], 0, 0, 0, 0, 0, 0, 0, 0});
  /* Splits into two (the deepest tree), an odd count (uneven children)
   * and one child per lane; one child, or more than a warp has lanes, are
   * refused. 64 partitions give 4096 blocks, so the tree is deep. */
  uint32_t fanouts[] = {2, 3, PR_FANOUT_MAX};
  for (int i = 0; i < 3; i++)
    compare_shape("rmat-12", &g, NULL, (shape){64, 0, fanouts[i], 0, 0, 0, 0, 0, 0, 0});
  uint32_t bad_fanouts[] = {1, PR_FANOUT_MAX + 1};
  for (int i = 0; i < 2; i++) check_refused(&g, (shape){5, 0, bad_fanouts[i], 0, 0, 0, 0, 0, 0, 0});
  /* One aggregator, two and three (partitions shared unevenly), one a
   * partition, and more than partitions (cut to one a partition); more
   * than PR_AGGREGATORS_MAX are refused. */
  uint32_t aggs[] = {1, 2, 3, 5, PR_AGGREGATORS_MAX};
  for (int i = 0; i < 5; i++)
    compare_shape("rmat-12", &g, NULL, (shape){5, 0, 0, aggs[i], 0, 0, 0, 0, 0, 0});
  check_refused(&g, (shape){5, 0, 0, PR_AGGREGATORS_MAX + 1, 0, 0, 0, 0, 0, 0});
  /* Source partitions: one (the default), fewer than the partitions, as
   * many, and more (each block then sums a target's sources from a
   * narrower range, so a target has more entries). */
  uint32_t src_parts[] = {1, 2, 5, 64};
  for (int i = 0; i < 4; i++)
    compare_shape("rmat-12", &g, NULL, (shape){5, 0, 0, 0, 0, 0, 0, 0, 0, src_parts[i]});
  /* Not converging is an error from both, after the same iterations. */
  rk_pagerank_params few = {0.85, 1e-15, 3};
  compare("rmat-12 max_iter 3", &g, &few, 0);
  rk_graph_free(&g);
}

/* One sender kernel, two and three (shares of uneven size), five, and
 * more than the six workers (cut to six); more than PR_SENDERS_MAX are
 * refused. R-MAT 14 has leaves enough on the CPU for six sender workers,
 * and the fanout of 2 makes the trees deep, their subtrees crossing from
 * sender to sender at every level. */
static void test_senders(void) {
  rk_graph g;
  CHECK_OK(rk_graph_rmat(&g, 14, 16, 7));
  uint32_t senders[] = {1, 2, 3, 5, PR_SENDERS_MAX};
  for (int i = 0; i < 5; i++)
    compare_shape("rmat-14", &g, NULL, (shape){8, 0, 2, 0, 6, senders[i], 0, 0, 0, 0});
  check_refused(&g, (shape){8, 0, 0, 0, 6, PR_SENDERS_MAX + 1, 0, 0, 0, 0});
  rk_graph_free(&g);
}

/* Leaves: one (a single pr_go, no split), a few (cutting blocks apart and
 * spanning several), one a segment (more asked for than there are), with
 * partitions that no leaf sends to (idle: leaf 0's empty batches); and
 * segments of at most 1, 2 and 7 sources, so that hubs' sums arrive as
 * several entries, some in one batch. */
static void test_leaves_and_segments(void) {
  rk_graph g;
  CHECK_OK(rk_graph_rmat(&g, 12, 8, 3));
  uint32_t leaves[] = {1, 3, 17, 1000000};
  for (int i = 0; i < 4; i++)
    compare_shape("rmat-12", &g, NULL, (shape){7, 0, 3, 0, 0, 0, leaves[i], 0, 0, 0});
  uint32_t segs[] = {1, 2, 7};
  for (int i = 0; i < 3; i++)
    compare_shape("rmat-12", &g, NULL, (shape){5, 0, 0, 0, 0, 0, 9, segs[i], 0, 0});
  rk_graph_free(&g);
  /* a star's hub: every edge into node 0, one partition holding none */
  static const uint32_t ss[] = {1, 2, 3, 4, 5, 6, 7, 8}, sd[] = {0, 0, 0, 0, 0, 0, 0, 0};
  CHECK_OK(rk_graph_from_edges(&g, 9, 8, ss, sd));
  for (uint32_t seg = 1; seg <= 3; seg++)
    for (uint32_t l = 1; l <= 4; l++)
      compare_shape("star", &g, NULL, (shape){3, 0, 2, 0, 0, 0, l, seg, 0, 0});
  rk_graph_free(&g);
}

/* Partitions finished in pieces: of one node, of a few (the last piece
 * shorter), of more than a partition (whole again); with one aggregator
 * holding every partition, with several sharing them, and with several
 * workers. R-MAT 12 in 5 partitions has 820 nodes in each. */
static void test_finish_pieces(void) {
  rk_graph g;
  CHECK_OK(rk_graph_rmat(&g, 12, 8, 5));
  uint32_t pieces[] = {1, 7, 300, 5000};
  for (int i = 0; i < 4; i++) {
    compare_shape("rmat-12", &g, NULL, (shape){5, 0, 0, 1, 0, 0, 0, 0, pieces[i], 0});
    compare_shape("rmat-12", &g, NULL, (shape){5, 0, 0, 3, 4, 0, 0, 0, pieces[i], 0});
  }
  rk_graph_free(&g);
  /* Pieces go to the aggregator's own inbox, so they are cut only when it
   * holds them all: R-MAT 16's 65536 one-node pieces for one aggregator
   * do not fit, and its partitions are finished whole. */
  CHECK_OK(rk_graph_rmat(&g, 16, 2, 5));
  pr_mp_opts o = opts_of((shape){1, 0, 0, 1, 0, 0, 0, 0, 1, 0});
  pr_mp_stats st;
  rk_pagerank_result r;
  CHECK_OK(pr_mp_run(&g, NULL, &o, &r, &st));
  CHECK_EQ_INT(st.fin_piece, 0);
  rk_pagerank_result_free(&r);
  compare_shape("rmat-16", &g, NULL, (shape){1, 0, 0, 1, 0, 0, 0, 0, 1, 0});
  rk_graph_free(&g);
}

/* A stream plan (each node finished as its one entry arrives), on a
 * graph where every node has in-edges (node 0 34 of them, nodes 1-9 a
 * self-loop) and a third of the nodes none out (dangling), across
 * partitions, batches, fanouts, aggregators, senders and leaves; on the
 * CPU only, since the GPU does not use it. A graph with many nodes
 * without in-edges (a star's leaves) does not get one. */
static void test_stream(void) {
  enum { N = 3000 };
  static uint32_t s[N * 8], d[N * 8];
  uint64_t m = 0;
  for (uint32_t v = 0; v < N; v++)
    for (uint32_t k = 0; k <= v % 7; k++) {
      /* sources from the first two thirds only: the rest are dangling */
      s[m] = (uint32_t)(((uint64_t)v * 2654435761u + k * 40503u) % (2 * N / 3));
      d[m++] = v < 10 ? 0 : v; /* the first ten nodes' sources all go to node 0 */
    }
  for (uint32_t v = 1; v < 10; v++, m++) s[m] = v, d[m] = v; /* self-loops, so 1..9 have in-edges */
  rk_graph g;
  CHECK_OK(rk_graph_from_edges(&g, N, m, s, d));
  shape shapes[] = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0},  {5, 32, 2, 3, 0, 0, 17, 0, 0, 0},
                    {7, 0, 3, 7, 4, 2, 0, 0, 0, 0},  {1, 256, 0, 1, 0, 0, 1, 0, 0, 0},
                    {64, 0, 0, 5, 6, 3, 100, 0, 0, 0}};
  for (int i = 0; i < 5; i++) {
    compare_shape("stream", &g, NULL, shapes[i]);
    pr_mp_opts o = opts_of(shapes[i]);
    pr_mp_stats st;
    rk_pagerank_result r;
    CHECK_OK(pr_mp_run(&g, NULL, &o, &r, &st));
    CHECK_EQ_INT(st.stream, backend == RK_BACKEND_CPU);
    rk_pagerank_result_free(&r);
  }
  /* Not converging is an error from both, after the same iterations. */
  rk_pagerank_params few = {0.85, 1e-15, 3};
  compare("stream max_iter 3", &g, &few, 0);
  rk_graph_free(&g);
  static const uint32_t ss[] = {1, 2, 3, 4, 5, 6, 7, 8}, sd[] = {0, 0, 0, 0, 0, 0, 0, 0};
  CHECK_OK(rk_graph_from_edges(&g, 9, 8, ss, sd));
  pr_mp_opts o = {.backend = backend};
  pr_mp_stats st;
  rk_pagerank_result r;
  CHECK_OK(pr_mp_run(&g, NULL, &o, &r, &st));
  CHECK_EQ_INT(st.stream, 0);
  rk_pagerank_result_free(&r);
  rk_graph_free(&g);
}

/* Timed steps: the same ranks, and the intervals of an iteration in
 * order: the first leaf's start after the pr_go, the last leaf's start
 * after the first's, the last leaf's end after that, and all of them
 * together no longer than an iteration took. (The others may overlap
 * across workers, so they are not checked alone.) Without steps the
 * intervals are zero. */
static void test_steps(void) {
  rk_graph g;
  CHECK_OK(rk_graph_rmat(&g, 12, 8, 9));
  pr_mp_opts o = {.backend = backend, .steps = 1};
  pr_mp_stats st;
  rk_pagerank_result r, ref;
  CHECK_OK(pr_mp_run(&g, NULL, &o, &r, &st));
  CHECK_OK(rk_pagerank_reference(&g, NULL, &ref));
  CHECK_EQ_INT(r.iterations, ref.iterations);
  double l1 = 0.0, total = 0.0;
  for (uint32_t v = 0; v < g.n; v++) l1 += fabs(r.ranks[v] - ref.ranks[v]);
  CHECK(l1 <= tolerance);
  for (int i = 0; i < PR_MP_STEPS; i++) total += st.step_ns[i];
  CHECK(st.step_ns[0] >= 0.0 && st.step_ns[1] >= 0.0 && st.step_ns[2] >= 0.0);
  CHECK(total > 0.0 && total <= (double)st.iterate_ns / r.iterations);
  rk_pagerank_result_free(&r);
  o.steps = 0;
  CHECK_OK(pr_mp_run(&g, NULL, &o, &r, &st));
  for (int i = 0; i < PR_MP_STEPS; i++) CHECK(st.step_ns[i] == 0.0);
  rk_pagerank_result_free(&r);
  rk_pagerank_result_free(&ref);
  rk_graph_free(&g);
}

/* Several runs on the same launched kernels: each starts again from
 * uniform ranks, so the last gives the reference's answer, with the
 * messages of one run; refused with steps and on CUDA. */
static void test_runs(void) {
  rk_graph g;
  CHECK_OK(rk_graph_rmat(&g, 11, 8, 4));
  rk_pagerank_result r, one, ref;
  pr_mp_opts o = {.backend = RK_BACKEND_CUDA, .runs = 2};
  CHECK_EQ_INT(pr_mp_run(&g, NULL, &o, &r, NULL), RK_E_INVAL);
  o.backend = backend;
  o.steps = 1;
  CHECK_EQ_INT(pr_mp_run(&g, NULL, &o, &r, NULL), RK_E_INVAL);
  if (backend != RK_BACKEND_CPU) {
    rk_graph_free(&g);
    return;
  }
  CHECK_OK(rk_pagerank_reference(&g, NULL, &ref));
  pr_mp_opts single = {.backend = backend};
  CHECK_OK(pr_mp_run(&g, NULL, &single, &one, NULL));
  for (uint32_t runs = 2; runs <= 3; runs++) {
    pr_mp_opts o2 = {.backend = backend, .runs = runs};
    pr_mp_stats st;
    CHECK_OK(pr_mp_run(&g, NULL, &o2, &r, &st));
    CHECK_EQ_INT(r.iterations, ref.iterations);
    double l1 = 0.0;
    for (uint32_t v = 0; v < g.n; v++) l1 += fabs(r.ranks[v] - ref.ranks[v]);
    CHECK(l1 <= tolerance);
    CHECK(fabs(r.l1_change - ref.l1_change) <= tolerance);
    CHECK_EQ_INT(r.messages, one.messages);
    CHECK(st.iterate_ns > 0 && st.setup_ns > 0);
    rk_pagerank_result_free(&r);
  }
  /* the one-thread group (a one-leaf graph on one worker) and a shape of
   * several sender and aggregator threads */
  shape shapes[] = {{1, 0, 0, 0, 1, 0, 0, 0, 0, 0}, {4, 64, 2, 2, 2, 2, 8, 0, 0, 0}};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
    pr_mp_opts o3 = opts_of(shapes[i]);
    o3.runs = 2;
    CHECK_OK(pr_mp_run(&g, NULL, &o3, &r, NULL));
    CHECK_EQ_INT(r.iterations, ref.iterations);
    double l1 = 0.0;
    for (uint32_t v = 0; v < g.n; v++) l1 += fabs(r.ranks[v] - ref.ranks[v]);
    CHECK(l1 <= tolerance);
    rk_pagerank_result_free(&r);
  }
  rk_pagerank_result_free(&one);
  rk_pagerank_result_free(&ref);
  rk_graph_free(&g);
}

/* pr_go messages that cover a range of span leaves: its children, as
 * pr_split cuts it, and each wider child's own. */
static uint64_t go_messages(uint32_t span, uint32_t fanout) {
  uint32_t k = span < fanout ? span : fanout;
  uint64_t n = 0;
  for (uint32_t i = 0; i < k; i++) {
    uint32_t lo = (uint32_t)((uint64_t)span * i / k), hi = (uint32_t)((uint64_t)span * (i + 1) / k);
    n += 1 + (hi - lo > 1 ? go_messages(hi - lo, fanout) : 0);
  }
  return n;
}

/* The messages a run sends, counted by the kernels' telemetry: the host's
 * pr_start, then each iteration its split tree of pr_go (the checker
 * splits the whole range itself), its batches and one pr_partial (the
 * aggregators sum their partitions' changes), and the checker's pr_done.
 * With several aggregators, one pr_partial a partition would be many. */
static void test_messages(void) {
  rk_graph g;
  CHECK_OK(rk_graph_rmat(&g, 12, 8, 11));
  shape shapes[] = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {7, 0, 3, 3, 0, 0, 17, 0, 0, 0},
                    {5, 0, 2, 5, 0, 0, 1, 0, 0, 0}};
  for (int i = 0; i < 3; i++) {
    pr_mp_opts o = opts_of(shapes[i]);
    pr_mp_stats st;
    rk_pagerank_result r;
    CHECK_OK(pr_mp_run(&g, NULL, &o, &r, &st));
    uint64_t per_iter = go_messages(st.leaves, st.fanout) + st.batches + 1;
    CHECK_EQ_INT(r.messages, 2 + r.iterations * per_iter);
    rk_pagerank_result_free(&r);
  }
  rk_graph_free(&g);
}

static void test_real_graphs(void) {
  const char *root = rk_test_shared_data();
  static const char *const names[] = {"email-Eu-core", "p2p-Gnutella08", "ca-GrQc",
                                      "wiki-Vote", "p2p-Gnutella31"};
  for (int i = 0; i < 5; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/graphs/%s.txt", root, names[i]);
    rk_graph g;
    rk_graph_error err;
    if (rk_graph_load(&g, path, RK_GRAPH_SNAP, &err) != RK_OK) {
      printf("note: %s not available, not checked (%s)\n", names[i], err.msg);
      continue;
    }
    compare(names[i], &g, NULL, 0);
    rk_graph_free(&g);
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "cuda") == 0) {
    backend = RK_BACKEND_CUDA;
    tolerance = 1e-6;
  }
  test_small_graphs();
  test_rmat();
  test_senders();
  test_leaves_and_segments();
  test_finish_pieces();
  test_steps();
  test_runs();
  test_messages();
  test_stream();
  test_real_graphs();
  return CHECK_DONE("test_pagerank_mp");
}
