/* fuzz_cli.c - "ringk pagerank" argument parsing on arbitrary argv.
 *
 * The input is split at NUL bytes into at most FUZZ_MAX_ARGS arguments.
 * cli_pagerank_args must answer CLI_OK, CLI_USAGE or -1 (--help), and when
 * it accepts a command line the options must lie in their documented
 * ranges: exactly one input, R-MAT scale 1..30 and edge factor 1..1024,
 * alpha in [0, 1], tol > 0, at least one iteration, and every string it
 * kept pointing into the arguments it was given. Run with
 * -close_fd_mask=3: the parser reports each rejection on stderr. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define FUZZ_MAX_ARGS 64

#define FUZZ_ASSERT(cond) \
  do {                    \
    if (!(cond)) abort(); \
  } while (0)

/* Splits buf (len bytes, buf[len] == '\0') at NULs into argv. */
static int split_args(char *buf, size_t len, char **argv) {
  int argc = 0;
  for (size_t i = 0; i <= len && argc < FUZZ_MAX_ARGS;) {
    argv[argc++] = buf + i;
    i += strlen(buf + i) + 1;
  }
  return argc;
}

static int points_into(const char *s, const char *buf, size_t len) {
  return s >= buf && s <= buf + len;
}

static void check_accepted(const pr_opts *o, const char *buf, size_t len) {
  FUZZ_ASSERT(!o->file != !o->rmat);
  if (o->file) FUZZ_ASSERT(points_into(o->file, buf, len));
  if (o->output) FUZZ_ASSERT(points_into(o->output, buf, len) && o->output[0]);
  if (o->rmat) {
    FUZZ_ASSERT(o->scale >= 1 && o->scale <= 30);
    FUZZ_ASSERT(o->edge_factor >= 1 && o->edge_factor <= 1024);
    FUZZ_ASSERT(o->format == RK_GRAPH_AUTO);
  }
  FUZZ_ASSERT(isfinite(o->params.alpha) && o->params.alpha >= 0.0 && o->params.alpha <= 1.0);
  FUZZ_ASSERT(isfinite(o->params.tol) && o->params.tol > 0.0);
  FUZZ_ASSERT(o->params.max_iter >= 1);
  FUZZ_ASSERT(rk_pagerank_params_check(&o->params) == RK_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size + 1);
  if (buf == NULL) return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  char *argv[FUZZ_MAX_ARGS + 1];
  int argc = size ? split_args(buf, size, argv) : 0;
  argv[argc] = NULL;
  pr_opts o;
  int rc = cli_pagerank_args(argc, argv, &o);
  FUZZ_ASSERT(rc == CLI_OK || rc == CLI_USAGE || rc == -1);
  if (rc == CLI_OK) check_accepted(&o, buf, size);
  free(buf);
  return 0;
}
