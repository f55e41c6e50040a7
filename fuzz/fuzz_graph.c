/* fuzz_graph.c - the graph loaders on arbitrary text.
 *
 * Built twice: as fuzz_snap (FUZZ_FORMAT=RK_GRAPH_SNAP) and as fuzz_mtx
 * (FUZZ_FORMAT=RK_GRAPH_MTX). rk_graph_parse must return one of its
 * documented codes and never touch memory outside the buffer (which is not
 * NUL-terminated, exactly as the file reader hands it over). A graph it
 * accepts must be a consistent CSR: offsets rising to m in both directions,
 * every endpoint a valid index, in-edges the transpose of out-edges, and
 * every node found again under its original id. A rejection must carry a
 * message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ringk/graph.h"

#ifndef FUZZ_FORMAT
#error "FUZZ_FORMAT must name the loader's rk_graph_format"
#endif

#define FUZZ_ASSERT(cond) \
  do {                    \
    if (!(cond)) abort(); \
  } while (0)

/* The largest graph whose structure is checked in full: the check is
 * O(n + m) and must not slow the fuzzer down on big inputs. */
#define FUZZ_CHECK_LIMIT 100000u

static void check_offsets(const uint64_t *off, uint32_t n, uint64_t m) {
  FUZZ_ASSERT(off[0] == 0 && off[n] == m);
  for (uint32_t v = 0; v < n; v++) FUZZ_ASSERT(off[v] <= off[v + 1]);
}

static void check_graph(const rk_graph *g) {
  FUZZ_ASSERT(g->n > 0);
  if (g->n > FUZZ_CHECK_LIMIT || g->m > FUZZ_CHECK_LIMIT) return;
  check_offsets(g->out_off, g->n, g->m);
  check_offsets(g->in_off, g->n, g->m);
  uint64_t sum_out = 0, sum_in = 0;
  for (uint32_t v = 0; v < g->n; v++) {
    sum_out += rk_graph_out_degree(g, v);
    sum_in += rk_graph_in_degree(g, v);
    uint32_t back = UINT32_MAX;
    FUZZ_ASSERT(rk_graph_index_of(g, rk_graph_id(g, v), &back) == RK_OK && back == v);
  }
  FUZZ_ASSERT(sum_out == g->m && sum_in == g->m);
  for (uint64_t e = 0; e < g->m; e++) FUZZ_ASSERT(g->out_dst[e] < g->n && g->in_src[e] < g->n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size ? size : 1);
  if (buf == NULL) return 0;
  memcpy(buf, data, size);
  rk_graph g;
  rk_graph_error err;
  int rc = rk_graph_parse(&g, buf, size, "fuzz", FUZZ_FORMAT, &err);
  if (rc == RK_OK) {
    check_graph(&g);
  } else {
    FUZZ_ASSERT(rc == RK_E_PARSE || rc == RK_E_RANGE || rc == RK_E_NOMEM);
    FUZZ_ASSERT(err.msg[0] != '\0' && memchr(err.msg, '\0', sizeof err.msg) != NULL);
    FUZZ_ASSERT(g.n == 0 && g.out_off == NULL && g.ids == NULL);
  }
  rk_graph_free(&g);
  FUZZ_ASSERT(g.n == 0 && g.out_off == NULL);
  free(buf);
  return 0;
}
