/* graph.h - directed graphs in CSR form, their loaders and generator, and the
 * reference PageRank every message-passing PageRank is checked against.
 *
 * A graph has n nodes with dense indices 0..n-1 and m directed edges, stored
 * twice: out-edges (CSR) for senders and in-edges (the transpose) for
 * pull-style aggregation. Each node also keeps the 64-bit id it had in its
 * source file, so results can be printed in the file's own terms.
 *
 * Edge semantics (the same as a networkx MultiDiGraph, NOT a DiGraph):
 * self-loops and duplicate edges are kept exactly as the input lists them. A
 * duplicate edge u->v counts twice in u's out-degree and carries u's
 * contribution to v twice. networkx's DiGraph collapses duplicates, so the
 * two agree only on inputs without duplicate edges.
 *
 * Lifecycle, libuv style: rk_graph_load(), rk_graph_parse(), rk_graph_rmat()
 * and rk_graph_from_edges() initialize caller-provided storage; on failure
 * they leave it zeroed. rk_graph_free() releases it and zeroes it again, so it
 * is safe on a zeroed or already freed graph. A loaded graph is immutable and
 * may be read from any number of threads. */
#ifndef RINGK_GRAPH_H
#define RINGK_GRAPH_H

#include <stddef.h>
#include <stdint.h>
#include "ringk/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest node count: indices are uint32_t and one value is reserved. */
#define RK_GRAPH_MAX_NODES (UINT32_MAX - 1u)

struct rk_id_map; /* private: original id -> dense index */

typedef struct rk_graph {
  uint32_t n;        /* nodes */
  uint64_t m;        /* directed edges, duplicates and self-loops included */
  uint64_t *out_off; /* n+1 offsets into out_dst */
  uint32_t *out_dst; /* m targets; u's are out_dst[out_off[u] .. out_off[u+1]) */
  uint64_t *in_off;  /* n+1 offsets into in_src */
  uint32_t *in_src;  /* m sources; v's are in_src[in_off[v] .. in_off[v+1]) */
  /* Original ids: ids[v] when ids is non-NULL, else id_base + v (Matrix
   * Market's 1-based indices, the generator's 0-based ones). */
  uint64_t *ids;
  uint64_t id_base;
  struct rk_id_map *id_map; /* private; use rk_graph_index_of() */
} rk_graph;

static inline uint64_t rk_graph_out_degree(const rk_graph *g, uint32_t v) {
  return g->out_off[v + 1] - g->out_off[v];
}

static inline uint64_t rk_graph_in_degree(const rk_graph *g, uint32_t v) {
  return g->in_off[v + 1] - g->in_off[v];
}

static inline uint64_t rk_graph_id(const rk_graph *g, uint32_t v) {
  return g->ids ? g->ids[v] : g->id_base + v;
}

/* Dense index of an original id: RK_OK, or RK_E_RANGE if no node has it. */
int rk_graph_index_of(const rk_graph *g, uint64_t id, uint32_t *index);

void rk_graph_free(rk_graph *g);

/* Builds a graph from an edge list of dense indices (each < n); node v's
 * original id is v. Edges keep their given order within each adjacency
 * list. Errors: RK_E_INVAL (n == 0, an index >= n), RK_E_NOMEM. */
int rk_graph_from_edges(rk_graph *g, uint32_t n, uint64_t m,
                        const uint32_t *src, const uint32_t *dst);

/* ---- loaders ---------------------------------------------------------------
 *
 * SNAP edge lists: one "FROM TO" pair of unsigned 64-bit ids a line,
 * separated by spaces or tabs; '#' starts a comment line; blank lines, LF or
 * CRLF endings and a missing final newline are accepted. Nodes are the ids
 * that appear, numbered densely in order of first appearance (FROM before TO
 * on each line) - the order networkx.read_edgelist() inserts them.
 *
 * Matrix Market: "%%MatrixMarket matrix coordinate F S" with F one of
 * pattern, integer, real and S one of general, symmetric; '%' comment lines;
 * a size line "N N ENTRIES" (square only: it is an adjacency matrix); then
 * exactly ENTRIES lines "ROW COL [VALUE]" with 1-based indices, an edge
 * ROW->COL. Values are checked for presence and ignored. symmetric adds both
 * directions of every off-diagonal entry, a diagonal entry once. All N
 * declared nodes exist, isolated ones included; node v's id is v + 1.
 *
 * Errors are RK_E_IO (cannot read), RK_E_NOMEM, RK_E_PARSE (malformed text,
 * an empty graph), RK_E_RANGE (an id over 2^64-1 or negative, an index
 * outside 1..N, more than RK_GRAPH_MAX_NODES nodes). When err is non-NULL it
 * receives the line (1-based; 0 when no line is at fault) and a message
 * "FILE:LINE: expected ..., found ..." naming what was wrong. */

typedef enum rk_graph_format {
  RK_GRAPH_AUTO = 0, /* "%%MatrixMarket" header or ".mtx" name: mtx; else SNAP */
  RK_GRAPH_SNAP,
  RK_GRAPH_MTX
} rk_graph_format;

typedef struct rk_graph_error {
  long line;
  char msg[256];
} rk_graph_error;

int rk_graph_load(rk_graph *g, const char *path, rk_graph_format format,
                  rk_graph_error *err);
/* The same from memory; name stands for the file in messages and, with
 * RK_GRAPH_AUTO, for its extension. buf need not be NUL-terminated. */
int rk_graph_parse(rk_graph *g, const char *buf, size_t len, const char *name,
                   rk_graph_format format, rk_graph_error *err);

/* ---- generator ---------------------------------------------------------------
 *
 * R-MAT with the Graph500 parameters (a, b, c, d) = (0.57, 0.19, 0.19, 0.05):
 * 2^scale nodes (ids 0..2^scale-1, isolated ones included) and
 * edge_factor * 2^scale edges, self-loops and duplicates kept. Node labels
 * are scrambled by a seeded bijection, as Graph500 does, so that the hubs are
 * not the low indices. The result depends only on (scale, edge_factor, seed),
 * on every platform. Errors: RK_E_RANGE (scale outside 1..30, edge_factor
 * outside 1..1024), RK_E_NOMEM. */
int rk_graph_rmat(rk_graph *g, unsigned scale, unsigned edge_factor,
                  uint64_t seed);

/* ---- reference PageRank ------------------------------------------------------
 *
 * Power iteration with networkx.pagerank()'s default semantics: start at 1/n,
 * x' = alpha * (sum of x[u] / outdeg(u) over in-edges + dangling / n)
 * + (1 - alpha) / n, where dangling is the rank held by nodes without
 * out-edges; stop once sum |x' - x| < n * tol and return x'. */

typedef struct rk_pagerank_params {
  double alpha;      /* damping, in [0, 1] */
  double tol;        /* per-node tolerance, > 0 */
  uint32_t max_iter; /* iterations allowed */
} rk_pagerank_params;

#define RK_PAGERANK_PARAMS_DEFAULT {0.85, 1e-6, 100}

/* What every PageRank backend returns, so that callers compare them alike. */
typedef struct rk_pagerank_result {
  double *ranks;       /* n ranks by dense index; free with _result_free */
  uint32_t n;
  uint32_t iterations; /* iterations computed */
  double l1_change;    /* sum |x' - x| of the last iteration */
  uint64_t messages;   /* messages sent; 0 for the reference */
} rk_pagerank_result;

/* RK_OK; RK_E_NOT_CONVERGED after max_iter iterations, with the last ranks in
 * result all the same; RK_E_INVAL (n == 0, bad params); RK_E_NOMEM. params
 * NULL means the defaults. result is zeroed on the other errors. */
int rk_pagerank_reference(const rk_graph *g, const rk_pagerank_params *params,
                          rk_pagerank_result *result);
/* RK_OK or RK_E_INVAL: the checks every backend applies to its params. */
int rk_pagerank_params_check(const rk_pagerank_params *params);
void rk_pagerank_result_free(rk_pagerank_result *result);

#ifdef __cplusplus
}
#endif
#endif /* RINGK_GRAPH_H */
