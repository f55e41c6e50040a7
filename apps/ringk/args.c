/* args.c - strict number parsing for command-line arguments. strtod and
 * strtoull alone accept leading blanks, signs, hex and partial input ("12x"
 * reads as 12, "-1" as 2^64-1); these wrappers accept only a whole decimal
 * number, so a typo is reported instead of silently changing a run. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int cli_error(int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("ringk: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return status;
}

int cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out) {
  if (!s || s[0] < '0' || s[0] > '9') return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

int cli_parse_double(const char *s, double lo, double hi, double *out) {
  /* A leading digit or '.' rules out blanks, signs, "inf" and "nan";
   * hexadecimal needs an 'x'. */
  if (!s || !s[0] || !strchr("0123456789.", s[0]) || strpbrk(s, "xX"))
    return -1;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || *end || !isfinite(v) || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}
