/* cli.h - what the ringk command's sources share: exit codes, the strict
 * argument parsers and the subcommands. */
#ifndef RINGK_CLI_H
#define RINGK_CLI_H

#include <stdint.h>
#include "pr_backend.h"

/* Exit statuses: success, bad input or a failed run, bad command line. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

#if defined(__GNUC__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

/* Prints "ringk: <message>" to stderr and returns status. */
int cli_error(int status, const char *fmt, ...) CLI_PRINTF(2, 3);

/* Whole-string decimal parsers: no blanks, signs, hex, inf or nan; the value
 * must lie in [lo, hi]. They return 0 or -1 and print nothing. */
int cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);
int cli_parse_double(const char *s, double lo, double hi, double *out);

/* "ringk pagerank"'s options, as its argument parser fills them. */
typedef struct pr_opts {
  const char *file;
  int rmat; /* generate instead of loading */
  uint64_t scale, edge_factor, seed;
  rk_graph_format format;
  pr_backend backend;
  rk_pagerank_params params;
  const char *output;
  uint64_t top;
  int json;
} pr_opts;

/* Parses "ringk pagerank" arguments into o: CLI_OK, CLI_USAGE (reported on
 * stderr), or -1 when --help was printed. It neither exits nor touches a
 * file, so it can be tested and fuzzed on its own. */
int cli_pagerank_args(int argc, char **argv, pr_opts *o);
int cli_pagerank(int argc, char **argv);

#endif
