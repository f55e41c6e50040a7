/* mtx.c - Matrix Market coordinate files as adjacency matrices: entry
 * (ROW, COL) is the edge ROW -> COL between 1-based node indices. */
#include <string.h>
#include <strings.h>
#include "graph/graph_int.h"

typedef struct mtx_header {
  int has_value;          /* integer or real: one value column to skip */
  int symmetric;
  uint32_t n;
  uint64_t entries;
} mtx_header;

/* Case-insensitive match of the next word against one of the choices,
 * returning its position or an error naming them all. */
static int word_choice(rk_text *t, const char *what, const char *const *choices,
                       int count, int *choice) {
  const char *w;
  size_t len;
  rk_text_skip_blanks(t);
  const char *start = t->p;
  int rc = rk_text_word(t, what, &w, &len);
  if (rc) return rc;
  for (int i = 0; i < count; i++)
    if (strlen(choices[i]) == len && strncasecmp(w, choices[i], len) == 0) {
      *choice = i;
      return RK_OK;
    }
  t->p = start;
  return rk_text_expected(t, RK_E_PARSE, what);
}

static int parse_banner(rk_text *t, mtx_header *h) {
  static const char *const banner[] = {"%%MatrixMarket"};
  static const char *const object[] = {"matrix"};
  static const char *const format[] = {"coordinate"};
  static const char *const field[] = {"pattern", "integer", "real"};
  static const char *const symmetry[] = {"general", "symmetric"};
  int b, o, f, field_i = 0, sym = 0;
  int rc = word_choice(t, "the '%%MatrixMarket' banner", banner, 1, &b);
  if (!rc) rc = word_choice(t, "'matrix'", object, 1, &o);
  if (!rc) rc = word_choice(t, "'coordinate'", format, 1, &f);
  if (!rc) rc = word_choice(t, "'pattern', 'integer' or 'real'", field, 3, &field_i);
  if (!rc) rc = word_choice(t, "'general' or 'symmetric'", symmetry, 2, &sym);
  if (!rc) rc = rk_text_end_line(t, "end of line after the banner");
  h->has_value = field_i != 0;
  h->symmetric = sym == 1;
  return rc;
}

static int parse_size(rk_text *t, mtx_header *h) {
  static const char SIZE[] = "the size line 'ROWS COLUMNS ENTRIES'";
  uint64_t rows, cols;
  if (!rk_text_skip_empty_lines(t, '%')) return rk_text_expected(t, RK_E_PARSE, SIZE);
  int rc = rk_text_u64(t, "the row count", &rows);
  if (!rc) rc = rk_text_u64(t, "the column count", &cols);
  if (!rc) rc = rk_text_u64(t, "the entry count", &h->entries);
  if (rc) return rc;
  if (rows != cols)
    return rk_text_fail(t, RK_E_PARSE,
                        "expected a square matrix, found %llu rows and %llu columns",
                        (unsigned long long)rows, (unsigned long long)cols);
  if (rows == 0)
    return rk_text_fail(t, RK_E_PARSE, "expected at least one row, found 0");
  if (rows > RK_GRAPH_MAX_NODES)
    return rk_text_fail(t, RK_E_RANGE, "expected at most %u rows, found %llu",
                        RK_GRAPH_MAX_NODES, (unsigned long long)rows);
  h->n = (uint32_t)rows;
  return rk_text_end_line(t, "end of line after the size line");
}

/* A 1-based index in 1..n, returned 0-based. */
static int parse_index(rk_text *t, const char *what, uint32_t n, uint32_t *out) {
  uint64_t v;
  int rc = rk_text_u64(t, what, &v);
  if (rc) return rc;
  if (v == 0 || v > n)
    return rk_text_fail(t, RK_E_RANGE, "expected %s in 1..%u, found %llu", what,
                        n, (unsigned long long)v);
  *out = (uint32_t)(v - 1);
  return RK_OK;
}

static int parse_entry(rk_text *t, const mtx_header *h, rk_edge_list *edges) {
  uint32_t u = 0, v = 0; /* set by parse_index on success; -O3 cannot see it */
  const char *value;
  size_t len;
  int rc = parse_index(t, "a row index", h->n, &u);
  if (!rc) rc = parse_index(t, "a column index", h->n, &v);
  if (!rc && h->has_value) rc = rk_text_word(t, "a value", &value, &len);
  if (!rc) rc = rk_text_end_line(t, "end of line after the entry");
  if (!rc) rc = rk_edge_list_push(edges, u, v);
  if (!rc && h->symmetric && u != v) rc = rk_edge_list_push(edges, v, u);
  return rc;
}

static int parse_entries(rk_text *t, const mtx_header *h, rk_edge_list *edges) {
  uint64_t done = 0;
  for (; done < h->entries && rk_text_skip_empty_lines(t, '%'); done++) {
    int rc = parse_entry(t, h, edges);
    if (rc) return rc;
  }
  if (done < h->entries)
    return rk_text_fail(t, RK_E_PARSE, "expected %llu entries, found %llu",
                        (unsigned long long)h->entries, (unsigned long long)done);
  if (rk_text_skip_empty_lines(t, '%'))
    return rk_text_fail(t, RK_E_PARSE,
                        "expected end of file after the %llu declared entries, "
                        "found more", (unsigned long long)h->entries);
  return RK_OK;
}

/* Room for every declared entry, but no more than the text could hold (an
 * entry takes at least 4 bytes), so a lying size line cannot force a huge
 * allocation. */
static int reserve_edges(rk_edge_list *edges, const mtx_header *h, const rk_text *t) {
  uint64_t fit = (uint64_t)(t->end - t->p) / 4 + 1;
  uint64_t want = h->entries < fit ? h->entries : fit;
  return rk_edge_list_reserve(edges, h->symmetric ? want * 2 : want);
}

int rk_load_mtx(rk_graph *g, rk_text *t) {
  mtx_header h = {0};
  rk_edge_list edges = {0};
  int rc = parse_banner(t, &h);
  if (!rc) rc = parse_size(t, &h);
  if (!rc) rc = reserve_edges(&edges, &h, t);
  if (!rc) rc = parse_entries(t, &h, &edges);
  if (!rc) rc = rk_graph_from_edges(g, h.n, edges.len, edges.src, edges.dst);
  if (!rc) g->id_base = 1;
  rk_edge_list_free(&edges);
  return rc;
}
