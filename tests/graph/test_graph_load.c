/* test_graph_load.c - the SNAP and Matrix Market loaders: what they accept,
 * the graph they build (CSR both ways, ids both ways), and every way they
 * refuse input, with the code and the line they report. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "ringk/graph.h"

static int parse(rk_graph *g, const char *text, const char *name,
                 rk_graph_format format, rk_graph_error *err) {
  return rk_graph_parse(g, text, strlen(text), name, format, err);
}

/* The graph's out-list of u as dense indices, compared to want[]. */
static int out_list_is(const rk_graph *g, uint32_t u, const uint32_t *want,
                       uint64_t count) {
  if (rk_graph_out_degree(g, u) != count) return 0;
  return count == 0 || memcmp(g->out_dst + g->out_off[u], want, count * sizeof *want) == 0;
}

static int in_list_is(const rk_graph *g, uint32_t v, const uint32_t *want,
                      uint64_t count) {
  if (rk_graph_in_degree(g, v) != count) return 0;
  return count == 0 || memcmp(g->in_src + g->in_off[v], want, count * sizeof *want) == 0;
}

static uint32_t index_of(const rk_graph *g, uint64_t id) {
  uint32_t v = UINT32_MAX;
  CHECK_OK(rk_graph_index_of(g, id, &v));
  return v;
}

/* Sparse 64-bit ids, comments, blank lines, tabs, CRLF, a self-loop and no
 * final newline: ids are numbered in order of first appearance. */
static void test_snap_ids_and_layout(void) {
  static const char text[] = "# comment\n"
                             "\n"
                             "10 5\n"
                             " \t5\t1000000000000  \n"
                             "   \n"
                             "18446744073709551615 10\r\n"
                             "  # indented comment\r\n"
                             "10 10";
  rk_graph g;
  rk_graph_error err;
  CHECK_OK(parse(&g, text, "t.txt", RK_GRAPH_SNAP, &err));
  CHECK_EQ_INT(g.n, 4);
  CHECK_EQ_INT(g.m, 4);
  static const uint64_t ids[] = {10, 5, 1000000000000ull, UINT64_MAX};
  for (uint32_t v = 0; v < 4; v++) {
    CHECK(rk_graph_id(&g, v) == ids[v]);
    CHECK_EQ_INT(index_of(&g, ids[v]), v);
  }
  uint32_t v;
  CHECK_EQ_INT(rk_graph_index_of(&g, 11, &v), RK_E_RANGE);
  CHECK_EQ_INT(rk_graph_index_of(&g, 0, &v), RK_E_RANGE);
  /* Edges 0->1, 1->2, 3->0, 0->0, in file order within each list. */
  CHECK(out_list_is(&g, 0, (uint32_t[]){1, 0}, 2));
  CHECK(out_list_is(&g, 1, (uint32_t[]){2}, 1));
  CHECK(out_list_is(&g, 2, NULL, 0));
  CHECK(out_list_is(&g, 3, (uint32_t[]){0}, 1));
  CHECK(in_list_is(&g, 0, (uint32_t[]){3, 0}, 2));
  CHECK(in_list_is(&g, 1, (uint32_t[]){0}, 1));
  CHECK(in_list_is(&g, 2, (uint32_t[]){1}, 1));
  CHECK(in_list_is(&g, 3, NULL, 0));
  CHECK_EQ_INT(g.out_off[4], 4);
  CHECK_EQ_INT(g.in_off[4], 4);
  rk_graph_free(&g);
  CHECK(g.n == 0 && g.out_off == NULL && g.ids == NULL);
  rk_graph_free(&g); /* freeing twice is harmless */
}

static void test_snap_duplicates_and_line_endings(void) {
  rk_graph g;
  CHECK_OK(parse(&g, "1 2\r\n1 2\r\n2 1\r\n", "crlf.txt", RK_GRAPH_SNAP, NULL));
  CHECK_EQ_INT(g.n, 2);
  CHECK_EQ_INT(g.m, 3);
  CHECK_EQ_INT(rk_graph_out_degree(&g, 0), 2); /* the duplicate counts twice */
  CHECK_EQ_INT(rk_graph_in_degree(&g, 1), 2);
  rk_graph_free(&g);
  CHECK_OK(parse(&g, "7 8\r", "cr-at-end.txt", RK_GRAPH_SNAP, NULL));
  CHECK_EQ_INT(g.m, 1);
  rk_graph_free(&g);
  /* A line far longer than any buffer a line reader would use. */
  char *blanks = malloc(200002);
  memset(blanks, ' ', 200000);
  memcpy(blanks + 199990, "3 4\n", 5);
  CHECK_OK(parse(&g, blanks, "long.txt", RK_GRAPH_SNAP, NULL));
  CHECK_EQ_INT(g.m, 1);
  rk_graph_free(&g);
  free(blanks);
}

/* Asserts that text fails with code at line, with msg containing needle, and
 * that the graph was left zeroed. */
static void expect_error(const char *text, size_t len, const char *name,
                         rk_graph_format format, int code, long line,
                         const char *needle) {
  rk_graph g;
  rk_graph_error err;
  int rc = rk_graph_parse(&g, text, len, name, format, &err);
  CHECK_EQ_INT(rc, code);
  CHECK_EQ_INT(err.line, line);
  if (!strstr(err.msg, needle)) {
    fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, needle);
    CHECK(strstr(err.msg, needle));
  }
  CHECK(g.n == 0 && g.m == 0 && g.out_off == NULL && g.id_map == NULL);
  rk_graph_free(&g);
}

#define EXPECT_ERROR(text, format, code, line, needle)                        \
  expect_error(text, sizeof text - 1, "f.txt", format, code, line, needle)

static void test_snap_errors(void) {
  const rk_graph_format S = RK_GRAPH_SNAP;
  EXPECT_ERROR("", S, RK_E_PARSE, 1, "f.txt:1: expected at least one edge, found none");
  EXPECT_ERROR("# only\n\n", S, RK_E_PARSE, 3, "expected at least one edge");
  EXPECT_ERROR("1 2\n3\n", S, RK_E_PARSE, 2,
               "f.txt:2: expected a node id (an unsigned 64-bit integer), found end of line");
  EXPECT_ERROR("1 2\n3", S, RK_E_PARSE, 2, "found end of file");
  EXPECT_ERROR("1 2\n3 x\n", S, RK_E_PARSE, 2, "found 'x'");
  EXPECT_ERROR("1 2 3\n", S, RK_E_PARSE, 1,
               "expected end of line after two node ids, found '3'");
  EXPECT_ERROR("1 2\n\n12abc 3\n", S, RK_E_PARSE, 3, "found '12abc'");
  EXPECT_ERROR("+1 2\n", S, RK_E_PARSE, 1, "found '+1'");
  EXPECT_ERROR("1,2\n", S, RK_E_PARSE, 1, "found '1,2'");
  EXPECT_ERROR("-1 2\n", S, RK_E_RANGE, 1, "found '-1'");
  EXPECT_ERROR("1 -2\n", S, RK_E_RANGE, 1, "found '-2'");
  EXPECT_ERROR("18446744073709551615 18446744073709551616\n", S, RK_E_RANGE, 1,
               "found '18446744073709551616'");
  EXPECT_ERROR("999999999999999999999999999999 1\n", S, RK_E_RANGE, 1,
               "found '999999999999999999999999...'");
  EXPECT_ERROR("1\r2\n", S, RK_E_PARSE, 1, "found '1\\x0d2'"); /* lone CR */
  EXPECT_ERROR("1 2\n3 4\0 5\n", S, RK_E_PARSE, 2, "found '4\\x00'");
  EXPECT_ERROR("1 2\n\xff\xfe 1\n", S, RK_E_PARSE, 2, "found '\\xff\\xfe'");
  rk_graph g;
  rk_graph_error err;
  CHECK_EQ_INT(rk_graph_parse(&g, NULL, 0, NULL, S, &err), RK_E_PARSE);
  CHECK(strstr(err.msg, "<memory>:1: expected at least one edge"));
  CHECK_EQ_INT(rk_graph_parse(&g, NULL, 5, NULL, S, &err), RK_E_INVAL);
  CHECK_EQ_INT(rk_graph_parse(&g, "1 2", 3, NULL, (rk_graph_format)9, &err), RK_E_INVAL);
}

/* Junk of every kind must be refused cleanly, never crash or leak: random
 * bytes drawn from an alphabet that makes near-valid text likely. */
static void test_snap_junk(void) {
  static const char alphabet[] = "0123456789 \t\r\n#-+x\0\xff";
  uint64_t s = 42;
  char buf[64];
  int accepted = 0;
  for (int round = 0; round < 20000; round++) {
    size_t len = (size_t)(round % (int)sizeof buf);
    for (size_t k = 0; k < len; k++) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      buf[k] = alphabet[(s >> 33) % (sizeof alphabet - 1)];
    }
    rk_graph g;
    rk_graph_error err;
    int rc = rk_graph_parse(&g, buf, len, "junk", RK_GRAPH_SNAP, &err);
    CHECK(rc == RK_OK || rc == RK_E_PARSE || rc == RK_E_RANGE);
    if (rc == RK_OK) {
      accepted++;
      CHECK(g.n >= 1 && g.out_off[g.n] == g.m && g.in_off[g.n] == g.m);
    } else {
      CHECK(strncmp(err.msg, "junk:", 5) == 0);
    }
    rk_graph_free(&g);
  }
  CHECK(accepted > 0); /* the alphabet does produce valid files */
}

static void test_mtx_general(void) {
  rk_graph g;
  /* Node 3 has no edges but exists: the size line declares it. */
  CHECK_OK(parse(&g,
                 "%%MatrixMarket matrix coordinate pattern general\n"
                 "% a comment\n"
                 "%\n"
                 "4 4 3\n"
                 "1 2\n"
                 "\n"
                 "4 1\n"
                 "1 1\n",
                 "g.txt", RK_GRAPH_AUTO, NULL)); /* found by its banner */
  CHECK_EQ_INT(g.n, 4);
  CHECK_EQ_INT(g.m, 3);
  CHECK(out_list_is(&g, 0, (uint32_t[]){1, 0}, 2));
  CHECK(out_list_is(&g, 3, (uint32_t[]){0}, 1));
  CHECK(out_list_is(&g, 2, NULL, 0));
  CHECK(in_list_is(&g, 0, (uint32_t[]){3, 0}, 2));
  for (uint32_t v = 0; v < 4; v++) {
    CHECK(rk_graph_id(&g, v) == v + 1);
    CHECK_EQ_INT(index_of(&g, v + 1), v);
  }
  uint32_t v;
  CHECK_EQ_INT(rk_graph_index_of(&g, 0, &v), RK_E_RANGE);
  CHECK_EQ_INT(rk_graph_index_of(&g, 5, &v), RK_E_RANGE);
  rk_graph_free(&g);
}

static void test_mtx_values_symmetric_and_case(void) {
  rk_graph g;
  CHECK_OK(parse(&g,
                 "%%MatrixMarket matrix coordinate real general\r\n"
                 "2 2 2\r\n"
                 "1 2 0.5\r\n"
                 "2 1 -3e4\r\n",
                 "r.mtx", RK_GRAPH_AUTO, NULL));
  CHECK_EQ_INT(g.m, 2);
  rk_graph_free(&g);
  CHECK_OK(parse(&g,
                 "%%MatrixMarket MATRIX Coordinate Integer General\n"
                 "2 2 1\n"
                 "2 1 7\n",
                 "i.mtx", RK_GRAPH_MTX, NULL));
  CHECK(out_list_is(&g, 1, (uint32_t[]){0}, 1));
  rk_graph_free(&g);
  /* symmetric: off-diagonal entries both ways, the diagonal once. */
  CHECK_OK(parse(&g,
                 "%%MatrixMarket matrix coordinate pattern symmetric\n"
                 "3 3 3\n"
                 "2 1\n"
                 "3 1\n"
                 "2 2\n",
                 "s.mtx", RK_GRAPH_AUTO, NULL));
  CHECK_EQ_INT(g.m, 5);
  CHECK(out_list_is(&g, 0, (uint32_t[]){1, 2}, 2));
  CHECK(out_list_is(&g, 1, (uint32_t[]){0, 1}, 2));
  CHECK(out_list_is(&g, 2, (uint32_t[]){0}, 1));
  rk_graph_free(&g);
}

static void test_mtx_errors(void) {
  const rk_graph_format M = RK_GRAPH_MTX;
  EXPECT_ERROR("1 2\n", M, RK_E_PARSE, 1,
               "expected the '%%MatrixMarket' banner, found '1'");
  EXPECT_ERROR("%%MatrixMarket matrix array real general\n", M, RK_E_PARSE, 1,
               "expected 'coordinate', found 'array'");
  EXPECT_ERROR("%%MatrixMarket vector coordinate real general\n", M, RK_E_PARSE, 1,
               "expected 'matrix', found 'vector'");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate complex general\n", M, RK_E_PARSE, 1,
               "expected 'pattern', 'integer' or 'real', found 'complex'");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate real skew-symmetric\n", M, RK_E_PARSE, 1,
               "expected 'general' or 'symmetric', found 'skew-symmetric'");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate real\n", M, RK_E_PARSE, 1,
               "expected 'general' or 'symmetric', found end of line");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate real general x\n", M, RK_E_PARSE, 1,
               "expected end of line after the banner, found 'x'");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate pattern general\n% no size\n", M,
               RK_E_PARSE, 3, "expected the size line 'ROWS COLUMNS ENTRIES', found end of file");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate pattern general\n3 3\n", M,
               RK_E_PARSE, 2, "expected the entry count, found end of line");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate pattern general\n2 3 1\n1 2\n", M,
               RK_E_PARSE, 2, "expected a square matrix, found 2 rows and 3 columns");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate pattern general\n0 0 0\n", M,
               RK_E_PARSE, 2, "expected at least one row, found 0");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate pattern general\n"
               "4294967296 4294967296 1\n1 1\n", M,
               RK_E_RANGE, 2, "expected at most 4294967294 rows, found 4294967296");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate pattern general\n3 3 2\n1 2\n4 1\n", M,
               RK_E_RANGE, 4, "f.txt:4: expected a row index in 1..3, found 4");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate pattern general\n3 3 1\n0 1\n", M,
               RK_E_RANGE, 3, "expected a row index in 1..3, found 0");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate pattern general\n3 3 1\n1 9\n", M,
               RK_E_RANGE, 3, "expected a column index in 1..3, found 9");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate pattern general\n3 3 1\n-1 2\n", M,
               RK_E_RANGE, 3, "expected a row index, found '-1'");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 2\n2 1\n", M,
               RK_E_PARSE, 4, "expected end of file after the 1 declared entries, found more");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate pattern general\n2 2 3\n1 2\n", M,
               RK_E_PARSE, 4, "expected 3 entries, found 1");
  /* A size line that lies about the entry count must not allocate for it. */
  EXPECT_ERROR("%%MatrixMarket matrix coordinate pattern general\n"
               "2 2 18446744073709551615\n1 2\n", M,
               RK_E_PARSE, 4, "expected 18446744073709551615 entries, found 1");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 2\n", M,
               RK_E_PARSE, 3, "expected a value, found end of line");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 2 5\n", M,
               RK_E_PARSE, 3, "expected end of line after the entry, found '5'");
}

/* rk_graph_load: files, the .mtx name rule and I/O errors. */
static void test_load_files(void) {
  char path[] = "/tmp/rk_graph_test_XXXXXX.mtx";
  int fd = mkstemps(path, 4);
  CHECK(fd >= 0);
  if (fd < 0) return;
  static const char body[] = "%%MatrixMarket matrix coordinate pattern general\n2 2 1\n2 1\n";
  CHECK(write(fd, body, sizeof body - 1) == (ssize_t)(sizeof body - 1));
  close(fd);
  rk_graph g;
  rk_graph_error err;
  CHECK_OK(rk_graph_load(&g, path, RK_GRAPH_AUTO, &err));
  CHECK_EQ_INT(g.m, 1);
  rk_graph_free(&g);
  /* As SNAP the banner is junk on line 1. */
  CHECK_EQ_INT(rk_graph_load(&g, path, RK_GRAPH_SNAP, &err), RK_E_PARSE);
  CHECK_EQ_INT(err.line, 1);
  CHECK(strstr(err.msg, path) == err.msg);
  unlink(path);
  CHECK_EQ_INT(rk_graph_load(&g, path, RK_GRAPH_AUTO, &err), RK_E_IO);
  CHECK_EQ_INT(err.line, 0);
  CHECK(strstr(err.msg, "cannot open"));
  CHECK_EQ_INT(rk_graph_load(&g, "/", RK_GRAPH_AUTO, &err), RK_E_IO);
  CHECK(strstr(err.msg, "/: cannot read"));
  CHECK(g.n == 0 && g.out_off == NULL);
}

static void test_from_edges(void) {
  rk_graph g;
  static const uint32_t src[] = {0, 1, 2}, dst[] = {1, 2, 0};
  CHECK_OK(rk_graph_from_edges(&g, 3, 3, src, dst));
  CHECK(rk_graph_id(&g, 2) == 2);
  CHECK(in_list_is(&g, 0, (uint32_t[]){2}, 1));
  rk_graph_free(&g);
  CHECK_EQ_INT(rk_graph_from_edges(&g, 2, 3, src, dst), RK_E_INVAL); /* 2 >= n */
  CHECK_EQ_INT(rk_graph_from_edges(&g, 0, 0, NULL, NULL), RK_E_INVAL);
  CHECK(g.out_off == NULL);
  CHECK_OK(rk_graph_from_edges(&g, 5, 0, NULL, NULL)); /* edgeless is a graph */
  CHECK_EQ_INT(g.m, 0);
  CHECK_EQ_INT(g.out_off[5], 0);
  rk_graph_free(&g);
}

/* Every list in the order of the edges, over more edges than one batch of
 * the builder and more nodes than one of its blocks: checked against a
 * plain CSR built here one edge at a time. */
static void test_from_edges_order(void) {
  const uint32_t n = 5003;
  const uint64_t m = 4500007;
  uint32_t *src = malloc(m * sizeof *src), *dst = malloc(m * sizeof *dst);
  uint64_t *out_off = calloc(n + 1, sizeof *out_off), *in_off = calloc(n + 1, sizeof *in_off);
  uint32_t *out_dst = malloc(m * sizeof *out_dst), *in_src = malloc(m * sizeof *in_src);
  CHECK(src && dst && out_off && in_off && out_dst && in_src);
  if (!src || !dst || !out_off || !in_off || !out_dst || !in_src) return;
  for (uint64_t e = 0; e < m; e++) {
    src[e] = (uint32_t)((e * 2654435761u) % n);
    dst[e] = (uint32_t)((e * 40503u + e / 7) % n);
    out_off[src[e] + 1]++;
    in_off[dst[e] + 1]++;
  }
  for (uint32_t u = 0; u < n; u++) {
    out_off[u + 1] += out_off[u];
    in_off[u + 1] += in_off[u];
  }
  for (uint64_t e = 0; e < m; e++) {
    out_dst[out_off[src[e]]++] = dst[e];
    in_src[in_off[dst[e]]++] = src[e];
  }
  rk_graph g;
  CHECK_OK(rk_graph_from_edges(&g, n, m, src, dst));
  CHECK_EQ_INT(g.m, m);
  /* out_off[u] now ends u's list, as g.out_off[u + 1] does */
  int same = g.m == m;
  for (uint32_t u = 0; same && u < n; u++)
    same = g.out_off[u + 1] == out_off[u] && g.in_off[u + 1] == in_off[u];
  CHECK(same);
  CHECK(same && !memcmp(g.out_dst, out_dst, m * sizeof *out_dst));
  CHECK(same && !memcmp(g.in_src, in_src, m * sizeof *in_src));
  rk_graph_free(&g);
  free(src);
  free(dst);
  free(out_off);
  free(in_off);
  free(out_dst);
  free(in_src);
}

int main(void) {
  test_snap_ids_and_layout();
  test_snap_duplicates_and_line_endings();
  test_snap_errors();
  test_snap_junk();
  test_mtx_general();
  test_mtx_values_symmetric_and_case();
  test_mtx_errors();
  test_load_files();
  test_from_edges();
  test_from_edges_order();
  return CHECK_DONE("test_graph_load");
}
