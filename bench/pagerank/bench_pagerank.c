/* bench_pagerank.c - ring-kernel PageRank beside the CSR reference.
 *
 * For each graph (the SNAP graphs under $RK_SHARED_DATA/graphs when present,
 * then R-MAT graphs of growing scale), runs the plain CSR power iteration and
 * the three PageRank ring kernels on the same backend in the same process,
 * checks that they agree, and prints the time per iteration, edges per
 * second and the ratio. The ring-kernel time per iteration counts only the
 * iterations (start message to done message); set-up (partition plan,
 * kernel memory, launch) is printed apart. Each figure is the median of
 * --reps runs. On the CUDA backend the reference is the faster, in each
 * run, of two plain CSR kernels on the GPU (a thread a node, a warp a
 * node; csr_cuda.cu), timed with device events; the reference column
 * names the one of the last run.
 *
 *   rk_bench_pagerank [--backend cpu|cuda] [--min-scale S] [--max-scale S]
 *                     [--no-snap] [--tol T] [--reps R] [--rounds N]
 *                     [--parts P] [--workers W] [--threads T] [--batch B]
 *                     [--fanout F] [--aggregators A] [--senders S]
 *                     [--leaves L] [--seg-max S] [--fin-piece N] [--src-parts P]
 *                     [--steps] [--runs N] [--out FILE]
 *
 * --parts, --workers, --threads (GPU threads a worker), --batch (entries a
 * contribution message carries), --fanout (pr_go a split sends),
 * --aggregators (aggregator kernels, each with its own inbox), --senders
 * (sender kernels, each with its own inbox), --leaves (pr_go leaves an
 * iteration is cut into), --seg-max (sources an entry sums at most),
 * --src-parts (source partitions, by which a target's in-edges are split
 * into entries) and --fin-piece (nodes a worker finishes of a partition at
 * most) override the driver's choices (0: its own), to compare shapes; the
 * shape column says what ran, and batches/iter how many contribution
 * messages an iteration sends (spread over the aggregators' inboxes).
 * --steps times the steps of each iteration (pr_mp.h) and prints their
 * means, graph by graph, in a table after the first, with the first
 * iteration's time (pr_go to the checker's pr_partial) beside the others'
 * mean: on the CPU a run's first two iterations take about twice the
 * others, for a reason not yet found (docs/BENCH-PAGERANK.md).
 * --runs N (CPU) runs PageRank N times on the same launched kernels in
 * each repetition and times the last: the kernels then are as a resident
 * deployment has them, their threads on cores that ran them before, where
 * the reference, on the benchmark's one thread, always is.
 * --rounds runs the whole table N times in a row and then prints each
 * graph's ratio in every round, with their median and range: on a small
 * shared machine a state that lasts the minute a table takes moves the
 * ratios of the smallest graphs more than the repetitions inside a round
 * can see (docs/BENCH-PAGERANK.md).
 * R-MAT scales run from --min-scale (14) to --max-scale (20) in steps of 2;
 * --no-snap leaves the SNAP graphs out.
 * --tol sets the per-node tolerance (default networkx's 1e-6); with the
 * default, graphs of over 2 million nodes stop after one iteration (the L1
 * change, at most 2, is below n * 1e-6), so a smaller one measures more. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pr_mp.h"
#ifdef RK_HAVE_CUDA
#include "csr_cuda.h"
#endif

#define BENCH_ROWS 32   /* graphs a table holds at most: 5 SNAP, R-MAT 10..26 */
#define BENCH_ROUNDS 16

typedef struct bench_opts {
  rk_backend_kind backend;
  rk_pagerank_params params;
  unsigned min_scale, max_scale;
  int snap; /* run the SNAP graphs */
  int reps;
  pr_mp_opts shape; /* the backend, and the shape flags' values (0: the driver's) */
  FILE *out;
  char steps[16][200]; /* with --steps: a row of the steps table a graph */
  int nsteps;
  int rounds, round;            /* --rounds, and the one running */
  char names[BENCH_ROWS][32];   /* each graph's ratio in each round */
  double ratio[BENCH_ROWS][BENCH_ROUNDS];
  int nrows;
} bench_opts;

/* The shape flags, each a uint32_t field of pr_mp_opts. */
static const struct {
  const char *flag;
  size_t offset;
} shape_flags[] = {
    {"--parts", offsetof(pr_mp_opts, nparts)},     {"--workers", offsetof(pr_mp_opts, workers)},
    {"--threads", offsetof(pr_mp_opts, threads)},  {"--batch", offsetof(pr_mp_opts, batch)},
    {"--fanout", offsetof(pr_mp_opts, fanout)},    {"--aggregators", offsetof(pr_mp_opts, aggregators)},
    {"--senders", offsetof(pr_mp_opts, senders)},  {"--leaves", offsetof(pr_mp_opts, leaves)},
    {"--seg-max", offsetof(pr_mp_opts, seg_max)},  {"--fin-piece", offsetof(pr_mp_opts, fin_piece)},
    {"--src-parts", offsetof(pr_mp_opts, src_parts)},
};

/* Sets the shape field that flag a names to v; 0 if a is no shape flag. */
static int parse_shape_flag(pr_mp_opts *shape, const char *a, const char *v) {
  for (size_t k = 0; k < sizeof shape_flags / sizeof shape_flags[0]; k++)
    if (!strcmp(a, shape_flags[k].flag)) {
      uint32_t x = (uint32_t)strtoul(v, NULL, 10);
      memcpy((char *)shape + shape_flags[k].offset, &x, sizeof x);
      return 1;
    }
  return 0;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_u64);
  return v[n / 2];
}

static double l1_distance(const rk_pagerank_result *a, const rk_pagerank_result *b) {
  double d = 0.0;
  for (uint32_t v = 0; v < a->n; v++) d += fabs(a->ranks[v] - b->ranks[v]);
  return d;
}

/* The CSR reference on the benchmarked backend; *ns is per iteration and
 * *kind names it. On the GPU, the faster of a thread and a warp a node. */
static int run_reference(const bench_opts *o, const rk_graph *g, rk_pagerank_result *r,
                         uint64_t *ns, const char **kind) {
  *kind = "CSR";
#ifdef RK_HAVE_CUDA
  if (o->backend == RK_BACKEND_CUDA) {
    double t_thread = 0.0, t_warp = 0.0;
    rk_pagerank_result by_warp;
    int rc = rk_bench_csr_cuda(g, &o->params, RK_CSR_THREAD, r, &t_thread);
    if (rc != RK_OK) return rc;
    if ((rc = rk_bench_csr_cuda(g, &o->params, RK_CSR_WARP, &by_warp, &t_warp)) != RK_OK) {
      rk_pagerank_result_free(r);
      return rc;
    }
    int warp = t_warp < t_thread;
    *kind = rk_bench_csr_name(warp ? RK_CSR_WARP : RK_CSR_THREAD);
    *ns = (uint64_t)(warp ? t_warp : t_thread);
    rk_pagerank_result_free(warp ? r : &by_warp);
    if (warp) *r = by_warp;
    return RK_OK;
  }
#endif
  uint64_t t0 = rk_now_ns();
  int rc = rk_pagerank_reference(g, &o->params, r);
  *ns = rc == RK_OK ? (rk_now_ns() - t0) / r->iterations : 0;
  return rc;
}

/* The steps table's columns, one for each of pr_mp_stats.step_ns. */
static const char *const STEP_NAMES[] = {
    "pr_go to the first leaf", "to the last leaf's start", "to the last leaf's end",
    "to the last partition",   "to the partial",           "to the checker"};
RK_STATIC_ASSERT(sizeof STEP_NAMES / sizeof STEP_NAMES[0] == PR_MP_STEPS, "a name a step");

/* Keeps graph name's ratio of this round for the rounds' summary. */
static void record_ratio(bench_opts *o, const char *name, double ratio) {
  int row = 0;
  while (row < o->nrows && strcmp(o->names[row], name) != 0) row++;
  if (row == BENCH_ROWS) return;
  if (row == o->nrows) {
    snprintf(o->names[row], sizeof o->names[row], "%s", name);
    for (int r = 0; r < BENCH_ROUNDS; r++) o->ratio[row][r] = NAN;
    o->nrows++;
  }
  o->ratio[row][o->round] = ratio;
}

static int cmp_f64(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Each graph's ratio in every round, their median, lowest and highest. */
static void print_rounds(const bench_opts *o) {
  fprintf(o->out, "\nthe ratio in each of %d rounds\n\n"
                  "| graph | ratio in each round | median | lowest | highest |\n"
                  "|---|---|---|---|---|\n", o->rounds);
  for (int row = 0; row < o->nrows; row++) {
    double v[BENCH_ROUNDS];
    int n = 0;
    fprintf(o->out, "| %s |", o->names[row]);
    for (int r = 0; r < o->rounds; r++) {
      double x = o->ratio[row][r];
      fprintf(o->out, "%s", r ? ", " : " ");
      if (isnan(x)) fprintf(o->out, "-");
      else fprintf(o->out, "%.2f", v[n++] = x);
    }
    qsort(v, (size_t)n, sizeof v[0], cmp_f64);
    if (n) fprintf(o->out, " | %.2f | %.2f | %.2f |\n", v[n / 2], v[0], v[n - 1]);
    else fprintf(o->out, " | - | - | - |\n");
  }
}

/* One row: reference and ring kernels, reps times each. */
static int bench_graph(bench_opts *o, const char *name, const rk_graph *g) {
  uint64_t ref_ns[16], mp_ns[16], setup_ns[16];
  rk_pagerank_result ref, mp;
  pr_mp_stats st;
  pr_mp_opts mo = o->shape;
  mo.backend = o->backend;
  int rc = RK_OK;
  double dist = 0.0;
  uint32_t iters = 0;
  const char *kind = "";
  for (int r = 0; r < o->reps && rc == RK_OK; r++) {
    rc = run_reference(o, g, &ref, &ref_ns[r], &kind);
    if (rc != RK_OK) break;
    rc = pr_mp_run(g, &o->params, &mo, &mp, &st);
    if (rc == RK_OK) {
      mp_ns[r] = st.iterate_ns / mp.iterations;
      setup_ns[r] = st.setup_ns;
      dist = l1_distance(&ref, &mp);
      iters = mp.iterations;
      if (mp.iterations != ref.iterations) rc = RK_E_RANGE;
      rk_pagerank_result_free(&mp);
    }
    rk_pagerank_result_free(&ref);
  }
  if (rc != RK_OK) {
    fprintf(stderr, "%s: %s\n", name, rk_strerror(rc));
    return rc;
  }
  double ref_it = (double)median(ref_ns, o->reps), mp_it = (double)median(mp_ns, o->reps);
  char shape[160];
  char workers[32];
  if (st.threads)
    snprintf(workers, sizeof workers, "%u x %u", st.workers, st.threads);
  else
    snprintf(workers, sizeof workers, "%u", st.workers);
  snprintf(shape, sizeof shape, "%u x %u / %s / %u / %u / %u / %u / %u / %u / %u", st.nparts,
           st.src_parts, workers, st.batch, st.fanout, st.aggregators, st.senders, st.leaves,
           st.seg_max, st.fin_piece);
  fprintf(o->out, "| %s | %u | %llu | %u | %s | %.3f | %.3f | %.2f | %.3f | %.3f | %.1f | %.1e | %s | %llu |\n",
          name, g->n, (unsigned long long)g->m, iters, kind, ref_it / 1e6, mp_it / 1e6, mp_it / ref_it,
          (double)g->m / ref_it, (double)g->m / mp_it, (double)median(setup_ns, o->reps) / 1e6,
          dist, shape, (unsigned long long)st.batches);
  fflush(o->out);
  record_ratio(o, name, mp_it / ref_it);
  if (o->shape.steps && o->nsteps < 16) {
    char *row = o->steps[o->nsteps++];
    size_t len = (size_t)snprintf(row, sizeof o->steps[0], "| %s |", name);
    for (int i = 0; i < PR_MP_STEPS && len < sizeof o->steps[0]; i++)
      len += (size_t)snprintf(row + len, sizeof o->steps[0] - len, " %.1f |", st.step_ns[i] / 1e3);
    if (len < sizeof o->steps[0])
      snprintf(row + len, sizeof o->steps[0] - len, " %.1f | %.1f | %.1f |", mp_it / 1e3,
               st.first_ns / 1e3, st.later_ns / 1e3);
  }
  return RK_OK;
}

static int parse_args(int argc, char **argv, bench_opts *o) {
  o->backend = RK_BACKEND_CPU;
  o->params = (rk_pagerank_params)RK_PAGERANK_PARAMS_DEFAULT;
  o->min_scale = 14;
  o->max_scale = 20;
  o->snap = 1;
  o->reps = 3;
  o->rounds = 1;
  o->round = 0;
  o->nrows = 0;
  memset(&o->shape, 0, sizeof o->shape);
  o->out = stdout;
  o->nsteps = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--backend") && v) {
      o->backend = !strcmp(v, "cuda") ? RK_BACKEND_CUDA : RK_BACKEND_CPU;
    } else if (!strcmp(a, "--no-snap")) {
      o->snap = 0;
      continue;
    } else if (!strcmp(a, "--steps")) {
      o->shape.steps = 1;
      continue;
    } else if (!strcmp(a, "--min-scale") && v) {
      o->min_scale = (unsigned)strtoul(v, NULL, 10);
    } else if (!strcmp(a, "--max-scale") && v) {
      o->max_scale = (unsigned)strtoul(v, NULL, 10);
    } else if (!strcmp(a, "--tol") && v) {
      o->params.tol = strtod(v, NULL);
      if (rk_pagerank_params_check(&o->params) != RK_OK) return -1;
    } else if (!strcmp(a, "--reps") && v) {
      o->reps = atoi(v);
      if (o->reps < 1 || o->reps > 16) return -1;
    } else if (!strcmp(a, "--runs") && v) {
      o->shape.runs = (uint32_t)atoi(v);
      if (o->shape.runs < 1 || o->shape.runs > 16) return -1;
    } else if (!strcmp(a, "--rounds") && v) {
      o->rounds = atoi(v);
      if (o->rounds < 1 || o->rounds > BENCH_ROUNDS) return -1;
    } else if (v && parse_shape_flag(&o->shape, a, v)) {
    } else if (!strcmp(a, "--out") && v) {
      if ((o->out = fopen(v, "w")) == NULL) return -1;
    } else {
      return -1;
    }
    i++;
  }
  return 0;
}

/* One table: every graph once, each row the median of --reps runs. */
static int run_round(bench_opts *o) {
  fprintf(o->out, "%sring-kernel PageRank (%s backend) beside the CSR reference, per iteration, "
                  "median of %d, tol %g", o->round ? "\n" : "",
          o->backend == RK_BACKEND_CUDA ? "cuda" : "cpu", o->reps, o->params.tol);
  if (o->shape.runs > 1)
    fprintf(o->out, ", the ring kernels' run %u on the same launched kernels", o->shape.runs);
  if (o->rounds > 1) fprintf(o->out, ", round %d of %d", o->round + 1, o->rounds);
  fprintf(o->out, "\n\n| graph | nodes | edges | iters | reference | reference ms/iter | "
                  "ring kernels ms/iter | ratio | reference Gedges/s | ring kernels Gedges/s | "
                  "setup ms | L1 vs reference | "
                  "parts (x source parts) / workers (x threads) / batch / fanout / aggregators / senders / leaves / seg max / "
                  "fin piece | "
                  "batches/iter |\n"
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  static const char *const snap[] = {"email-Eu-core", "p2p-Gnutella08", "ca-GrQc",
                                     "wiki-Vote", "p2p-Gnutella31"};
  const char *root = getenv("RK_SHARED_DATA");
  int failed = 0;
  o->nsteps = 0;
  for (int i = 0; o->snap && i < 5; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/graphs/%s.txt", root ? root : "../shared/data", snap[i]);
    rk_graph g;
    if (rk_graph_load(&g, path, RK_GRAPH_SNAP, NULL) != RK_OK) continue;
    failed |= bench_graph(o, snap[i], &g) != RK_OK;
    rk_graph_free(&g);
  }
  for (unsigned s = o->min_scale; s <= o->max_scale; s += 2) {
    char name[32];
    snprintf(name, sizeof name, "rmat-%u", s);
    rk_graph g;
    if (rk_graph_rmat(&g, s, 16, 1) != RK_OK) return 1;
    failed |= bench_graph(o, name, &g) != RK_OK;
    rk_graph_free(&g);
  }
  return failed;
}

int main(int argc, char **argv) {
  bench_opts o;
  if (parse_args(argc, argv, &o) != 0) {
    fprintf(stderr, "usage: rk_bench_pagerank [--backend cpu|cuda] [--min-scale S] [--max-scale S] [--no-snap] "
                    "[--tol T] [--reps 1..16] [--rounds 1..16] [--parts P] [--workers W] [--threads T] "
                    "[--batch 32|64|..|256] [--fanout 2..32] [--aggregators 1..64] [--senders 1..64] "
                    "[--leaves L] [--seg-max S] [--fin-piece N] [--src-parts P] [--steps] "
                    "[--runs 1..16] [--out FILE]\n");
    return 2;
  }
  int failed = 0;
  for (o.round = 0; o.round < o.rounds; o.round++) failed |= run_round(&o);
  if (o.nsteps) {
    fprintf(o.out, "\nthe steps of an iteration, mean over the last run's iterations, us\n\n"
                   "| graph |");
    for (int i = 0; i < PR_MP_STEPS; i++) fprintf(o.out, " %s |", STEP_NAMES[i]);
    fprintf(o.out, " iteration | iteration 1 | iterations 2.. |\n|---|");
    for (int i = 0; i <= PR_MP_STEPS + 2; i++) fprintf(o.out, "---|");
    fputc('\n', o.out);
  }
  for (int i = 0; i < o.nsteps; i++) fprintf(o.out, "%s\n", o.steps[i]);
  if (o.rounds > 1) print_rounds(&o);
  return failed;
}
