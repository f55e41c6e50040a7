/* graph.c - the CSR graph's lifecycle: the two-pass builder, building from an
 * edge list, id lookup and freeing. */
#include <stdlib.h>
#include <string.h>
#include "graph/graph_int.h"

int rk_csr_begin(rk_graph *g, uint32_t n) {
  memset(g, 0, sizeof *g);
  g->n = n;
  g->out_off = calloc((size_t)n + 1, sizeof *g->out_off);
  g->in_off = calloc((size_t)n + 1, sizeof *g->in_off);
  return g->out_off && g->in_off ? RK_OK : RK_E_NOMEM;
}

/* Turns the counts left at off[u + 1] into start offsets by a running sum:
 * off[u] = start of u, off[n] = total. */
static uint64_t counts_to_starts(uint64_t *off, uint32_t n) {
  for (uint64_t u = 1; u <= n; u++) off[u] += off[u - 1];
  return off[n];
}

int rk_csr_reserve(rk_graph *g) {
  g->m = counts_to_starts(g->out_off, g->n);
  counts_to_starts(g->in_off, g->n);
  if (g->m > SIZE_MAX / sizeof(uint32_t)) return RK_E_NOMEM;
  /* One extra element keeps malloc(0) out of the picture for m == 0. */
  g->out_dst = malloc((size_t)g->m * sizeof *g->out_dst + 1);
  g->in_src = malloc((size_t)g->m * sizeof *g->in_src + 1);
  return g->out_dst && g->in_src ? RK_OK : RK_E_NOMEM;
}

/* Placing advanced each off[u] to the end of u's list, which is the start of
 * u + 1's: shifting by one restores the offsets. */
static void ends_to_starts(uint64_t *off, uint32_t n) {
  memmove(off + 1, off, (size_t)n * sizeof *off);
  off[0] = 0;
}

void rk_csr_end(rk_graph *g) {
  ends_to_starts(g->out_off, g->n);
  ends_to_starts(g->in_off, g->n);
}

int rk_graph_from_edges(rk_graph *g, uint32_t n, uint64_t m,
                        const uint32_t *src, const uint32_t *dst) {
  memset(g, 0, sizeof *g);
  if (n == 0 || n > RK_GRAPH_MAX_NODES || (m && (!src || !dst)))
    return RK_E_INVAL;
  for (uint64_t e = 0; e < m; e++)
    if (src[e] >= n || dst[e] >= n) return RK_E_INVAL;
  int rc = rk_csr_begin(g, n);
  if (rc == RK_OK) {
    for (uint64_t e = 0; e < m; e++) rk_csr_count(g, src[e], dst[e]);
    rc = rk_csr_reserve(g);
  }
  if (rc) {
    rk_graph_free(g);
    return rc;
  }
  for (uint64_t e = 0; e < m; e++) rk_csr_place(g, src[e], dst[e]);
  rk_csr_end(g);
  return RK_OK;
}

int rk_graph_index_of(const rk_graph *g, uint64_t id, uint32_t *index) {
  if (g->id_map) return rk_id_map_find(g->id_map, id, index);
  if (id < g->id_base || id - g->id_base >= g->n) return RK_E_RANGE;
  *index = (uint32_t)(id - g->id_base);
  return RK_OK;
}

void rk_graph_free(rk_graph *g) {
  free(g->out_off);
  free(g->out_dst);
  free(g->in_off);
  free(g->in_src);
  if (g->id_map) {
    rk_id_map_free(g->id_map); /* owns g->ids */
    free(g->id_map);
  }
  memset(g, 0, sizeof *g);
}
