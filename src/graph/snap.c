/* snap.c - SNAP edge lists ("FROM TO" a line, '#' comments) into a graph
 * whose nodes are numbered in order of first appearance. */
#include <stdlib.h>
#include "graph/graph_int.h"

static const char NODE_ID[] = "a node id (an unsigned 64-bit integer)";

/* Edge lists usually come sorted by source: remembering the last source
 * spares most of the id lookups. */
typedef struct snap_state {
  struct rk_id_map map;
  rk_edge_list edges;
  uint64_t last_from;
  uint32_t last_u;
  int have_last;
} snap_state;

static int intern_from(snap_state *s, uint64_t from, uint32_t *u) {
  if (s->have_last && from == s->last_from) {
    *u = s->last_u;
    return RK_OK;
  }
  int rc = rk_id_map_intern(&s->map, from, u);
  s->last_from = from;
  s->last_u = *u;
  s->have_last = rc == RK_OK;
  return rc;
}

/* Parses one "FROM TO" line and appends its edge. */
static int parse_edge(rk_text *t, snap_state *s) {
  uint64_t from, to;
  uint32_t u, v;
  int rc = rk_text_u64(t, NODE_ID, &from);
  if (!rc) rc = rk_text_u64(t, NODE_ID, &to);
  if (rc) return rc;
  rc = intern_from(s, from, &u);
  if (!rc) rc = rk_id_map_intern(&s->map, to, &v);
  if (rc == RK_E_RANGE)
    return rk_text_fail(t, rc, "more than %u distinct node ids",
                        RK_GRAPH_MAX_NODES);
  if (!rc) rc = rk_edge_list_push(&s->edges, u, v);
  if (!rc) rc = rk_text_end_line(t, "end of line after two node ids");
  return rc;
}

/* Moves the id map into g, which owns it from then on. */
static int adopt_ids(rk_graph *g, struct rk_id_map *map) {
  g->id_map = malloc(sizeof *g->id_map);
  if (!g->id_map) return RK_E_NOMEM;
  *g->id_map = *map;
  g->ids = map->ids;
  return RK_OK;
}

int rk_load_snap(rk_graph *g, rk_text *t) {
  snap_state s = {0};
  int rc = rk_id_map_init(&s.map);
  while (!rc && rk_text_skip_empty_lines(t, '#')) rc = parse_edge(t, &s);
  if (!rc && s.edges.len == 0)
    rc = rk_text_fail(t, RK_E_PARSE, "expected at least one edge, found none");
  if (!rc)
    rc = rk_graph_from_edges(g, s.map.count, s.edges.len, s.edges.src, s.edges.dst);
  rk_edge_list_free(&s.edges);
  if (!rc) rc = adopt_ids(g, &s.map);
  if (rc) {
    rk_graph_free(g);
    rk_id_map_free(&s.map);
  }
  return rc;
}
