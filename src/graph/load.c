/* load.c - reading a graph file whole into memory, picking its format, and
 * the edge list the parsers fill before the node count is known. Reading
 * the file in one piece and parsing in place keeps loading at disk speed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "graph/graph_int.h"

static const char MTX_BANNER[] = "%%MatrixMarket";

int rk_edge_list_reserve(rk_edge_list *e, uint64_t cap) {
  if (cap <= e->cap) return RK_OK;
  if (cap > SIZE_MAX / sizeof(uint32_t)) return RK_E_NOMEM;
  uint32_t *src = realloc(e->src, (size_t)cap * sizeof *src);
  if (!src) return RK_E_NOMEM;
  e->src = src;
  uint32_t *dst = realloc(e->dst, (size_t)cap * sizeof *dst);
  if (!dst) return RK_E_NOMEM;
  e->dst = dst;
  e->cap = cap;
  return RK_OK;
}

int rk_edge_list_grow(rk_edge_list *e) {
  return rk_edge_list_reserve(e, e->cap ? e->cap * 2 : 4096);
}

void rk_edge_list_free(rk_edge_list *e) {
  free(e->src);
  free(e->dst);
  memset(e, 0, sizeof *e);
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

static rk_graph_format guess_format(const char *buf, size_t len,
                                    const char *name) {
  size_t k = sizeof MTX_BANNER - 1;
  if (len >= k && memcmp(buf, MTX_BANNER, k) == 0) return RK_GRAPH_MTX;
  return ends_with(name, ".mtx") ? RK_GRAPH_MTX : RK_GRAPH_SNAP;
}

int rk_graph_parse(rk_graph *g, const char *buf, size_t len, const char *name,
                   rk_graph_format format, rk_graph_error *err) {
  memset(g, 0, sizeof *g);
  if (err) memset(err, 0, sizeof *err);
  if (!name) name = "<memory>";
  if (!buf && len) return RK_E_INVAL;
  if (!buf) buf = ""; /* keeps pointer arithmetic and memchr on NULL away */
  rk_text t = {buf, buf + len, 1, name, err};
  if (format == RK_GRAPH_AUTO) format = guess_format(buf, len, name);
  int rc;
  switch (format) {
  case RK_GRAPH_SNAP: rc = rk_load_snap(g, &t); break;
  case RK_GRAPH_MTX: rc = rk_load_mtx(g, &t); break;
  default: return rk_text_fail(&t, RK_E_INVAL, "unknown format %d", (int)format);
  }
  /* Parse errors carry their own message; resource errors get one here. */
  if (rc && err && !err->msg[0]) rk_text_fail(&t, rc, "%s", rk_strerror(rc));
  return rc;
}

/* Reads all of f, growing the buffer past the size stat() saw so that
 * pipes and files that grow while read still come in whole. */
static int read_all(FILE *f, char **out, size_t *out_len) {
  struct stat st;
  size_t cap = 1 << 16;
  if (fstat(fileno(f), &st) == 0 && st.st_size > 0 &&
      (uint64_t)st.st_size < SIZE_MAX / 2)
    cap = (size_t)st.st_size + 1;
  char *buf = malloc(cap);
  size_t len = 0;
  for (;;) {
    if (!buf) return RK_E_NOMEM;
    len += fread(buf + len, 1, cap - len, f);
    if (len < cap) break;
    if (cap > SIZE_MAX / 2) {
      free(buf);
      return RK_E_NOMEM;
    }
    char *bigger = realloc(buf, cap * 2);
    if (!bigger) free(buf);
    buf = bigger;
    cap *= 2;
  }
  if (ferror(f)) {
    free(buf);
    return RK_E_IO;
  }
  *out = buf;
  *out_len = len;
  return RK_OK;
}

static int io_error(rk_graph_error *err, const char *path, const char *what,
                    int code) {
  if (err) {
    err->line = 0;
    snprintf(err->msg, sizeof err->msg, "%s: cannot %s: %s", path, what,
             code == RK_E_IO ? strerror(errno) : rk_strerror(code));
  }
  return code;
}

int rk_graph_load(rk_graph *g, const char *path, rk_graph_format format,
                  rk_graph_error *err) {
  memset(g, 0, sizeof *g);
  if (err) memset(err, 0, sizeof *err);
  FILE *f = fopen(path, "rb");
  if (!f) return io_error(err, path, "open", RK_E_IO);
  char *buf = NULL;
  size_t len = 0;
  int rc = read_all(f, &buf, &len);
  if (rc) {
    io_error(err, path, "read", rc);
    fclose(f);
    return rc;
  }
  fclose(f);
  rc = rk_graph_parse(g, buf, len, path, format, err);
  free(buf);
  return rc;
}
