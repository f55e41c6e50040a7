/* rmat.c - the R-MAT generator with Graph500's parameters, built straight
 * into CSR: the edge stream is generated twice from the same seed (count,
 * then place), a batch at a time, so no edge list is ever held. Integer
 * arithmetic only, so the graph is the same on every platform. */
#include <stdlib.h>
#include <string.h>
#include "graph/graph_int.h"

/* Quadrant probabilities a, a+b, a+b+c as thresholds on 32 random bits. */
#define RK_P32(p) ((uint32_t)((p) * 4294967296.0 + 0.5))
static const uint32_t RMAT_A = RK_P32(0.57);
static const uint32_t RMAT_AB = RK_P32(0.57 + 0.19);
static const uint32_t RMAT_ABC = RK_P32(0.57 + 0.19 + 0.19);

/* xoshiro256**, seeded through splitmix64 as its authors recommend. */
typedef struct rmat_rng {
  uint64_t s[4];
  uint64_t bits;  /* a draw's unused upper half */
  int have_bits;
} rmat_rng;

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static void rng_seed(rmat_rng *r, uint64_t seed) {
  memset(r, 0, sizeof *r);
  for (int i = 0; i < 4; i++) {
    seed += 0x9e3779b97f4a7c15ull;
    r->s[i] = rk_mix64(seed);
  }
}

static uint64_t rng_next(rmat_rng *r) {
  uint64_t *s = r->s;
  uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return out;
}

/* 32 random bits; each 64-bit draw serves two levels of the recursion. */
static uint32_t rng_u32(rmat_rng *r) {
  if (r->have_bits) {
    r->have_bits = 0;
    return (uint32_t)r->bits;
  }
  uint64_t x = rng_next(r);
  r->bits = x >> 32;
  r->have_bits = 1;
  return (uint32_t)x;
}

/* A seeded bijection of [0, 2^scale): multiplication by an odd number and
 * xor with a right shift are each invertible modulo 2^scale. */
typedef struct rmat_scramble {
  uint64_t mul1, mul2, mask;
  unsigned shift;
} rmat_scramble;

static uint32_t scramble(const rmat_scramble *p, uint64_t x) {
  x = (x * p->mul1) & p->mask;
  x ^= x >> p->shift;
  x = (x * p->mul2) & p->mask;
  x ^= x >> p->shift;
  return (uint32_t)x;
}

/* One edge: at each level pick a quadrant of the adjacency matrix. */
static void rmat_edge(rmat_rng *r, unsigned scale, uint64_t *u, uint64_t *v) {
  uint64_t a = 0, b = 0;
  for (unsigned level = 0; level < scale; level++) {
    uint32_t x = rng_u32(r);
    a = (a << 1) | (x >= RMAT_AB);
    b = (b << 1) | ((x >= RMAT_A && x < RMAT_AB) || x >= RMAT_ABC);
  }
  *u = a;
  *v = b;
}

/* The m edges of the stream, a batch of the builder's at a time into u
 * and v, added to the builder. */
static void rmat_stream(rk_csr_builder *csr, unsigned scale, uint64_t m, uint64_t seed,
                        const rmat_scramble *sc, uint32_t *u, uint32_t *v) {
  rmat_rng r;
  rng_seed(&r, seed);
  for (uint64_t e = 0; e < m; e += csr->batch) {
    size_t k = m - e < csr->batch ? (size_t)(m - e) : csr->batch;
    for (size_t i = 0; i < k; i++) {
      uint64_t a, b;
      rmat_edge(&r, scale, &a, &b);
      u[i] = scramble(sc, a);
      v[i] = scramble(sc, b);
    }
    rk_csr_add(csr, u, v, k);
  }
}

int rk_graph_rmat(rk_graph *g, unsigned scale, unsigned edge_factor,
                  uint64_t seed) {
  memset(g, 0, sizeof *g);
  if (scale < 1 || scale > 30 || edge_factor < 1 || edge_factor > 1024)
    return RK_E_RANGE;
  uint64_t n = 1ull << scale, m = n * edge_factor;
  /* The scramble's constants come from the seed but not from the stream the
   * edges use, so the two stay independent. */
  rmat_scramble sc = {rk_mix64(seed ^ 0x5ca1ab1eull) | 1,
                      rk_mix64(seed ^ 0xdecafbadull) | 1, n - 1, scale / 2 + 1};
  rk_csr_builder csr;
  int rc = rk_csr_begin(&csr, g, (uint32_t)n, m);
  uint32_t *u = malloc(csr.batch * sizeof *u), *v = malloc(csr.batch * sizeof *v);
  if (!rc && (!u || !v)) rc = RK_E_NOMEM;
  if (!rc) {
    rmat_stream(&csr, scale, m, seed, &sc, u, v);
    rc = rk_csr_reserve(&csr);
  }
  if (!rc) rmat_stream(&csr, scale, m, seed, &sc, u, v);
  rk_csr_end(&csr, rc == RK_OK);
  free(u);
  free(v);
  if (rc) rk_graph_free(g);
  return rc;
}
