/* pagerank_cmd.c - "ringk pagerank": load or generate a graph, run PageRank
 * on the chosen backend, then report the run and write the ranks under the
 * ids the input file used. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "pr_backend.h"
#include "progress.h"

/* What a run measured, for the summary. */
typedef struct pr_report {
  char source[64]; /* "file" or "rmat:SCALE:EF:SEED" */
  const char *label;
  double load_s, compute_s;
  int rc;
  const char *ran; /* the backend that ran: auto's choice */
} pr_report;

static void usage(void) {
  fputs(
      "usage: ringk pagerank (FILE | --rmat SCALE[:EDGEFACTOR]) [options]\n"
      "\n"
      "PageRank with networkx's semantics: dangling rank spread uniformly,\n"
      "stop when the L1 change is below nodes * tol.\n"
      "\n"
      "input:\n"
      "  FILE                SNAP edge list or Matrix Market coordinate file\n"
      "  --format snap|mtx   FILE's format (default: mtx when FILE starts with\n"
      "                      %%MatrixMarket or ends in .mtx, else snap)\n"
      "  --rmat SCALE[:EF]   generate R-MAT (Graph500 parameters): 2^SCALE nodes\n"
      "                      (SCALE 1..30), EF * 2^SCALE edges (EF 1..1024, default 16)\n"
      "  --seed S            generator seed (default 1)\n"
      "\n"
      "run:\n"
      "  --backend B         auto, cpu, cuda or reference (default auto: cuda\n"
      "                      when built in and a GPU is present, else cpu)\n"
      "  --alpha A           damping factor in [0, 1] (default 0.85)\n"
      "  --tol T             per-node tolerance > 0 (default 1e-6)\n"
      "  --max-iter N        iteration limit (default 100)\n"
      "\n"
      "output:\n"
      "  --output F          write 'node_id<TAB>rank' lines to F (%.17g)\n"
      "  --top K             print the K highest-ranked nodes\n"
      "  --json              print the summary as JSON\n"
      "\n"
      "exit status: 0 success, 1 bad input or failed run, 2 bad command line\n",
      stdout);
}

/* ---- options --------------------------------------------------------------- */

static int set_rmat(pr_opts *o, const char *v) {
  char scale[16];
  const char *colon = strchr(v, ':');
  size_t len = colon ? (size_t)(colon - v) : strlen(v);
  if (len >= sizeof scale) return -1;
  memcpy(scale, v, len);
  scale[len] = '\0';
  o->rmat = 1;
  o->edge_factor = 16;
  if (cli_parse_u64(scale, 1, 30, &o->scale)) return -1;
  return colon ? cli_parse_u64(colon + 1, 1, 1024, &o->edge_factor) : 0;
}

static int set_backend(pr_opts *o, const char *v) {
  return pr_backend_parse(v, &o->backend);
}

static int set_alpha(pr_opts *o, const char *v) {
  return cli_parse_double(v, 0.0, 1.0, &o->params.alpha);
}

static int set_tol(pr_opts *o, const char *v) {
  double tol;
  if (cli_parse_double(v, 0.0, 1e300, &tol) || tol == 0.0) return -1;
  o->params.tol = tol;
  return 0;
}

static int set_max_iter(pr_opts *o, const char *v) {
  uint64_t n;
  if (cli_parse_u64(v, 1, UINT32_MAX, &n)) return -1;
  o->params.max_iter = (uint32_t)n;
  return 0;
}

static int set_output(pr_opts *o, const char *v) {
  o->output = v;
  return v[0] ? 0 : -1;
}

static int set_top(pr_opts *o, const char *v) {
  return cli_parse_u64(v, 0, UINT32_MAX, &o->top);
}

static int set_seed(pr_opts *o, const char *v) {
  return cli_parse_u64(v, 0, UINT64_MAX, &o->seed);
}

static int set_format(pr_opts *o, const char *v) {
  if (!strcmp(v, "snap")) o->format = RK_GRAPH_SNAP;
  else if (!strcmp(v, "mtx")) o->format = RK_GRAPH_MTX;
  else return -1;
  return 0;
}

typedef struct pr_option {
  const char *name;
  int (*set)(pr_opts *o, const char *value);
  const char *expects;
} pr_option;

static const pr_option OPTIONS[] = {
  {"--rmat", set_rmat, "SCALE[:EDGEFACTOR], SCALE in 1..30, EDGEFACTOR in 1..1024"},
  {"--backend", set_backend, "one of auto, cpu, cuda, reference"},
  {"--alpha", set_alpha, "a number in [0, 1]"},
  {"--tol", set_tol, "a number > 0"},
  {"--max-iter", set_max_iter, "an integer in 1..4294967295"},
  {"--output", set_output, "a file name"},
  {"--top", set_top, "an integer in 0..4294967295"},
  {"--seed", set_seed, "an integer in 0..18446744073709551615"},
  {"--format", set_format, "snap or mtx"},
};

static const pr_option *find_option(const char *arg, size_t len) {
  for (size_t k = 0; k < sizeof OPTIONS / sizeof OPTIONS[0]; k++)
    if (strlen(OPTIONS[k].name) == len && !strncmp(arg, OPTIONS[k].name, len))
      return &OPTIONS[k];
  return NULL;
}

/* Applies "--name=VALUE" or "--name VALUE" at argv[*i]. */
static int apply_option(pr_opts *o, int argc, char **argv, int *i) {
  const char *arg = argv[*i];
  const char *eq = strchr(arg, '=');
  size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
  const pr_option *opt = find_option(arg, len);
  if (!opt) return cli_error(CLI_USAGE, "unknown option '%.*s' (see --help)", (int)len, arg);
  const char *value = eq ? eq + 1 : *i + 1 < argc ? argv[++*i] : NULL;
  if (!value) return cli_error(CLI_USAGE, "%s expects %s", opt->name, opt->expects);
  if (opt->set(o, value))
    return cli_error(CLI_USAGE, "%s expects %s, got '%s'", opt->name, opt->expects, value);
  return CLI_OK;
}

int cli_pagerank_args(int argc, char **argv, pr_opts *o) {
  static const rk_pagerank_params defaults = RK_PAGERANK_PARAMS_DEFAULT;
  memset(o, 0, sizeof *o);
  o->params = defaults;
  o->seed = 1;
  o->backend = PR_AUTO;
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    int rc = CLI_OK;
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
      usage();
      return -1;
    } else if (!strcmp(arg, "--json")) {
      o->json = 1;
    } else if (arg[0] == '-' && arg[1]) {
      rc = apply_option(o, argc, argv, &i);
    } else if (o->file) {
      rc = cli_error(CLI_USAGE, "more than one input file ('%s', '%s')", o->file, arg);
    } else {
      o->file = arg;
    }
    if (rc) return rc;
  }
  if (!o->file == !o->rmat)
    return cli_error(CLI_USAGE, "expected exactly one of FILE or --rmat SCALE (see --help)");
  if (o->rmat && o->format != RK_GRAPH_AUTO)
    return cli_error(CLI_USAGE, "--format applies to a FILE, not to --rmat");
  return CLI_OK;
}

/* ---- running ----------------------------------------------------------------- */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int load_graph(const pr_opts *o, rk_graph *g, pr_report *rep) {
  double t0 = now_s();
  cli_progress prog;
  cli_progress_start(&prog, o->rmat ? "generating the graph" : "loading the graph");
  int rc;
  if (o->rmat) {
    snprintf(rep->source, sizeof rep->source, "rmat:%" PRIu64 ":%" PRIu64 ":%" PRIu64,
             o->scale, o->edge_factor, o->seed);
    rep->label = rep->source;
    rc = rk_graph_rmat(g, (unsigned)o->scale, (unsigned)o->edge_factor, o->seed);
    if (rc) cli_error(CLI_FAIL, "cannot generate %s: %s", rep->label, rk_strerror(rc));
  } else {
    rk_graph_error err;
    rep->label = o->file;
    rc = rk_graph_load(g, o->file, o->format, &err);
    if (rc) cli_error(CLI_FAIL, "%s (%s)", err.msg, rk_err_name(rc));
  }
  cli_progress_stop(&prog);
  rep->load_s = now_s() - t0;
  return rc ? CLI_FAIL : CLI_OK;
}

static int compute(const pr_opts *o, const rk_graph *g, rk_pagerank_result *res,
                   pr_report *rep) {
  double t0 = now_s();
  cli_progress prog;
  cli_progress_start(&prog, "computing PageRank");
  rep->rc = pr_run(o->backend, g, &o->params, res, &rep->ran);
  cli_progress_stop(&prog);
  rep->compute_s = now_s() - t0;
  switch (rep->rc) {
  case RK_OK: return CLI_OK;
  case RK_E_NO_BACKEND:
    return cli_error(CLI_FAIL,
                     "backend '%s' is not available (not built in, or no device); "
                     "use --backend cpu or reference",
                     pr_backend_name(o->backend));
  case RK_E_NOT_CONVERGED: return CLI_FAIL; /* reported after the summary */
  default: return cli_error(CLI_FAIL, "pagerank failed: %s", rk_strerror(rep->rc));
  }
}

static int write_ranks(const char *path, const rk_graph *g, const rk_pagerank_result *r) {
  FILE *f = fopen(path, "w");
  if (!f) return cli_error(CLI_FAIL, "cannot open '%s' for writing: %s", path, strerror(errno));
  for (uint32_t v = 0; v < r->n; v++)
    fprintf(f, "%" PRIu64 "\t%.17g\n", rk_graph_id(g, v), r->ranks[v]);
  int bad = ferror(f);
  bad |= fclose(f);
  return bad ? cli_error(CLI_FAIL, "cannot write '%s': %s", path, strerror(errno)) : CLI_OK;
}

/* ---- reporting --------------------------------------------------------------- */

typedef struct ranked {
  double rank;
  uint64_t id;
} ranked;

/* Highest rank first; ties by id so the order is reproducible. */
static int by_rank(const void *pa, const void *pb) {
  const ranked *a = pa, *b = pb;
  if (a->rank != b->rank) return a->rank < b->rank ? 1 : -1;
  return (a->id > b->id) - (a->id < b->id);
}

/* The k highest-ranked nodes (k <= n), or NULL when out of memory. */
static ranked *top_nodes(const rk_graph *g, const rk_pagerank_result *r) {
  ranked *all = malloc((size_t)r->n * sizeof *all);
  if (!all) return NULL;
  for (uint32_t v = 0; v < r->n; v++) all[v] = (ranked){r->ranks[v], rk_graph_id(g, v)};
  qsort(all, r->n, sizeof *all, by_rank);
  return all;
}

static double msg_rate(const rk_pagerank_result *r, const pr_report *rep) {
  return rep->compute_s > 0 ? (double)r->messages / rep->compute_s : 0.0;
}

static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

static void print_json(const pr_opts *o, const rk_graph *g, const rk_pagerank_result *r,
                       const pr_report *rep, const ranked *top, uint64_t k) {
  fputs("{\"graph\":", stdout);
  json_string(rep->label);
  printf(",\"nodes\":%" PRIu32 ",\"edges\":%" PRIu64 ",\"backend\":\"%s\""
         ",\"backend_requested\":\"%s\",\"alpha\":%.17g,\"tol\":%.17g,\"max_iter\":%" PRIu32
         ",\"converged\":%s,\"iterations\":%" PRIu32 ",\"l1_change\":%.17g"
         ",\"load_seconds\":%.9f,\"compute_seconds\":%.9f"
         ",\"messages\":%" PRIu64 ",\"messages_per_second\":%.17g,\"top\":[",
         g->n, g->m, rep->ran, pr_backend_name(o->backend), o->params.alpha, o->params.tol,
         o->params.max_iter, rep->rc == RK_OK ? "true" : "false", r->iterations,
         r->l1_change, rep->load_s, rep->compute_s, r->messages, msg_rate(r, rep));
  for (uint64_t i = 0; i < k; i++)
    printf("%s{\"id\":%" PRIu64 ",\"rank\":%.17g}", i ? "," : "", top[i].id, top[i].rank);
  puts("]}");
}

static void print_text(const pr_opts *o, const rk_graph *g, const rk_pagerank_result *r,
                       const pr_report *rep, const ranked *top, uint64_t k) {
  printf("graph:          %s\n"
         "nodes:          %" PRIu32 "\n"
         "edges:          %" PRIu64 "\n"
         "backend:        %s%s\n"
         "iterations:     %" PRIu32 "%s\n"
         "l1 change:      %.3e (limit %.3e)\n"
         "load time:      %.6f s\n"
         "compute time:   %.6f s\n"
         "messages sent:  %" PRIu64 "\n"
         "msg/s:          %.4g\n",
         rep->label, g->n, g->m, rep->ran, o->backend == PR_AUTO ? " (auto)" : "", r->iterations,
         rep->rc == RK_OK ? "" : " (not converged)", r->l1_change,
         g->n * o->params.tol, rep->load_s, rep->compute_s, r->messages,
         msg_rate(r, rep));
  if (k) printf("top %" PRIu64 ":\n", k);
  for (uint64_t i = 0; i < k; i++)
    printf("%6" PRIu64 "  %-20" PRIu64 "  %.17g\n", i + 1, top[i].id, top[i].rank);
}

static int report(const pr_opts *o, const rk_graph *g, const rk_pagerank_result *r,
                  const pr_report *rep) {
  uint64_t k = o->top < r->n ? o->top : r->n;
  ranked *top = k ? top_nodes(g, r) : NULL;
  if (k && !top) return cli_error(CLI_FAIL, "out of memory ranking the top nodes");
  if (o->json)
    print_json(o, g, r, rep, top, k);
  else
    print_text(o, g, r, rep, top, k);
  free(top);
  return CLI_OK;
}

int cli_pagerank(int argc, char **argv) {
  pr_opts o;
  int rc = cli_pagerank_args(argc, argv, &o);
  if (rc) return rc < 0 ? CLI_OK : rc;
  rk_graph g;
  rk_pagerank_result res = {0};
  pr_report rep = {0};
  rc = load_graph(&o, &g, &rep);
  if (!rc) rc = compute(&o, &g, &res, &rep);
  if (res.ranks) {
    int rrc = report(&o, &g, &res, &rep);
    if (!rc) rc = rrc;
  }
  if (rep.rc == RK_E_NOT_CONVERGED)
    cli_error(CLI_FAIL, "did not converge in %" PRIu32 " iterations (L1 change %.3e, limit %.3e)",
              res.iterations, res.l1_change, g.n * o.params.tol);
  if (!rc && o.output) rc = write_ranks(o.output, &g, &res);
  rk_pagerank_result_free(&res);
  rk_graph_free(&g);
  return rc;
}
