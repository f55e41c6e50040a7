/* graph_int.h - what the graph sources share and the public header hides:
 * the two-pass CSR builder, the id map, the text cursor of the loaders and
 * the 64-bit mixer behind both hashing and the generator's seeding. */
#ifndef RK_GRAPH_INT_H
#define RK_GRAPH_INT_H

#include <stdint.h>
#include "ringk/graph.h"

/* splitmix64's finalizer: a cheap bijective scramble of 64 bits. */
static inline uint64_t rk_mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* ---- CSR builder ------------------------------------------------------------
 * Edges are streamed twice in the same order, in batches of at most
 * RK_CSR_BATCH: once to count degrees, once to place them. Producers that
 * can replay their edges (the generator) so never hold an edge list.
 * Sequence: begin (with the number of edges to come), add each batch of at
 * most b->batch edges (counted), reserve, add the same batches again
 * (placed), end. rk_csr_begin
 * zeroes g; on any error the caller ends the builder (ok 0) and frees g.
 * Each node's lists keep the stream's order.
 *
 * Why batches: a graph's offsets and lists are far larger than the caches,
 * and an edge touched them at random, two cache misses a side. A batch is
 * first grouped, stably, by blocks of nodes (a counting sort on the high
 * bits), so that the offsets of the block being written stay in cache. */
#define RK_CSR_BATCH (1u << 22)

typedef struct rk_csr_builder {
  rk_graph *g;
  size_t batch;      /* edges a batch holds at most: RK_CSR_BATCH, or all */
  unsigned shift;    /* a node's block: node >> shift */
  uint32_t nblocks;
  uint64_t *at;      /* nblocks + 1: where each block's edges go */
  uint32_t *key;     /* a batch's nodes, grouped by block */
  uint32_t *val;     /* the other end of each */
  int placing;       /* set by rk_csr_reserve: rk_csr_add places */
} rk_csr_builder;

int rk_csr_begin(rk_csr_builder *b, rk_graph *g, uint32_t n, uint64_t m);
/* Counts the batch's k edges src[i] -> dst[i] before rk_csr_reserve,
 * places them after. */
void rk_csr_add(rk_csr_builder *b, const uint32_t *src, const uint32_t *dst, size_t k);
int rk_csr_reserve(rk_csr_builder *b);
/* Frees the builder's scratch; with ok, turns the offsets into the CSR's. */
void rk_csr_end(rk_csr_builder *b, int ok);

/* ---- id map -----------------------------------------------------------------
 * Original ids in order of first appearance (ids[i] is index i's id) and an
 * open-addressing table from id to index. The graph adopts the map: its ids
 * field then aliases map->ids. */
struct rk_id_slot {
  uint64_t id;
  uint32_t index1; /* index + 1; 0 marks an empty slot */
};

struct rk_id_map {
  uint64_t *ids;
  uint32_t count;
  uint32_t ids_cap;
  struct rk_id_slot *slots;
  uint64_t mask; /* slot count - 1; the count is a power of two */
};

int rk_id_map_init(struct rk_id_map *map);
/* Index of id, giving it the next index when new. RK_E_RANGE past
 * RK_GRAPH_MAX_NODES ids, RK_E_NOMEM. */
int rk_id_map_intern(struct rk_id_map *map, uint64_t id, uint32_t *index);
int rk_id_map_find(const struct rk_id_map *map, uint64_t id, uint32_t *index);
void rk_id_map_free(struct rk_id_map *map);

/* ---- edge list --------------------------------------------------------------
 * What the loaders collect before the node count is known. */
typedef struct rk_edge_list {
  uint32_t *src, *dst;
  uint64_t len, cap;
} rk_edge_list;

int rk_edge_list_reserve(rk_edge_list *e, uint64_t cap);
int rk_edge_list_grow(rk_edge_list *e);
void rk_edge_list_free(rk_edge_list *e);

static inline int rk_edge_list_push(rk_edge_list *e, uint32_t u, uint32_t v) {
  if (e->len == e->cap) {
    int rc = rk_edge_list_grow(e);
    if (rc) return rc;
  }
  e->src[e->len] = u;
  e->dst[e->len] = v;
  e->len++;
  return RK_OK;
}

/* ---- text cursor ------------------------------------------------------------
 * Loaders parse the whole file in place; the cursor knows the line number so
 * every error can name it. */
typedef struct rk_text {
  const char *p, *end;
  long line;
  const char *name;
  rk_graph_error *err;
} rk_text;

#if defined(__GNUC__)
#define RK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define RK_PRINTF(f, a)
#endif

/* Records "NAME:LINE: <message>" in t->err and returns code. */
int rk_text_fail(rk_text *t, int code, const char *fmt, ...) RK_PRINTF(3, 4);
/* rk_text_fail with "expected WHAT, found <the token at the cursor>". */
int rk_text_expected(rk_text *t, int code, const char *what);
void rk_text_skip_blanks(rk_text *t);
int rk_text_at_eol(const rk_text *t);
/* Moves past the next newline, or to the end. */
void rk_text_next_line(rk_text *t);
/* Skips blank lines and lines whose first non-blank is comment; returns
 * nonzero while text remains. */
int rk_text_skip_empty_lines(rk_text *t, char comment);
/* An unsigned decimal token after optional blanks; what names it in errors. */
int rk_text_u64(rk_text *t, const char *what, uint64_t *out);
/* A token of non-blanks after optional blanks. */
int rk_text_word(rk_text *t, const char *what, const char **word, size_t *len);
/* Only blanks remain on this line: moves to the next one. */
int rk_text_end_line(rk_text *t, const char *what);

/* The format parsers behind rk_graph_parse(): g is zeroed on entry. */
int rk_load_snap(rk_graph *g, rk_text *t);
int rk_load_mtx(rk_graph *g, rk_text *t);

#endif
