/* check.h - the assertion macros every ringk test uses.
 *
 * A failed CHECK prints file:line and the expression and counts the failure;
 * the test keeps going so one run shows every broken case. CHECK_EQ_INT
 * prints both values and, for ringk error codes, their names. */
#ifndef RK_TESTS_CHECK_H
#define RK_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include "ringk/error.h"

static int rk_test_failures;

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      rk_test_failures++;                                                     \
    }                                                                         \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                    \
  do {                                                                        \
    long long rk_a_ = (long long)(a), rk_b_ = (long long)(b);                 \
    if (rk_a_ != rk_b_) {                                                     \
      fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld [%s] vs %lld [%s])\n", \
              __FILE__, __LINE__, #a, #b, rk_a_, rk_err_name((int)rk_a_),     \
              rk_b_, rk_err_name((int)rk_b_));                                \
      rk_test_failures++;                                                     \
    }                                                                         \
  } while (0)

#define CHECK_OK(expr) CHECK_EQ_INT((expr), RK_OK)

/* Ends main(): prints a one-line verdict and returns the exit status. */
#define CHECK_DONE(name)                                                      \
  (rk_test_failures ? (fprintf(stderr, "%s: %d check(s) failed\n", name,      \
                               rk_test_failures), 1)                          \
                    : (printf("%s: all checks passed\n", name), 0))

/* Exit status CTest reads as "skipped" (SKIP_RETURN_CODE). */
#define RK_TEST_SKIP 77

/* Where the public data (graphs/) is: $RK_SHARED_DATA, else the folder
 * beside the checkout that the build names. */
#ifndef RK_TEST_SHARED_DATA
#define RK_TEST_SHARED_DATA "../shared/data"
#endif
static inline const char *rk_test_shared_data(void) {
  const char *env = getenv("RK_SHARED_DATA");
  return env && *env ? env : RK_TEST_SHARED_DATA;
}

#endif
