/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t tu_rand(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint32_t tu_rand_below(uint64_t *s, uint32_t n) {
  return (uint32_t)(tu_rand(s) % n);
}

void tu_rand_fill(uint64_t *s, void *p, size_t n) {
  uint8_t *b = (uint8_t *)p;
  while (n > 0) {
    uint64_t r = tu_rand(s);
    size_t k = n < sizeof r ? n : sizeof r;
    memcpy(b, &r, k);
    b += k;
    n -= k;
  }
}

uint32_t tu_fnv1a(uint32_t h, const void *p, size_t n) {
  const uint8_t *b = (const uint8_t *)p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
  return h;
}

uint64_t tu_seed(uint64_t dflt) {
  const char *e = getenv("RK_TEST_SEED");
  uint64_t seed = e && *e ? strtoull(e, NULL, 0) : dflt;
  printf("seed %llu (replay with RK_TEST_SEED=%llu)\n", (unsigned long long)seed,
         (unsigned long long)seed);
  return seed;
}

double tu_env_scale(const char *name, double dflt) {
  const char *e = getenv(name);
  if (e == NULL || *e == '\0') return dflt;
  char *end;
  double v = strtod(e, &end);
  return *end == '\0' && v > 0 ? v : dflt;
}
