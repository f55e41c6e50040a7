/* testutil.h - helpers shared by the core tests: a seeded PRNG, a checksum
 * and scale factors read from the environment.
 *
 * The tests must be reproducible, so randomness comes from a seeded
 * splitmix64 stream rather than rand(); a failing seed is printed and can be
 * replayed with RK_TEST_SEED. */
#ifndef RK_TESTS_CORE_TESTUTIL_H
#define RK_TESTS_CORE_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Next value of the splitmix64 stream whose state is *s. */
uint64_t tu_rand(uint64_t *s);
/* Uniform in [0, n) for n > 0 (the tiny modulo bias does not matter here). */
uint32_t tu_rand_below(uint64_t *s, uint32_t n);
/* Fills n bytes at p from the stream. */
void tu_rand_fill(uint64_t *s, void *p, size_t n);

/* 32-bit FNV-1a of n bytes, seeded with h (use TU_FNV_SEED to start). */
#define TU_FNV_SEED 2166136261u
uint32_t tu_fnv1a(uint32_t h, const void *p, size_t n);

/* The test seed: RK_TEST_SEED if set, else dflt. Printed, for replays. */
uint64_t tu_seed(uint64_t dflt);
/* A positive multiplier read from the environment variable name (e.g.
 * RK_STRESS_SCALE), dflt when unset or not a positive number. */
double tu_env_scale(const char *name, double dflt);

#endif
