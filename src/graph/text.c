/* text.c - the loaders' cursor over an in-memory file: tokens, line endings
 * (LF or CRLF) and error messages that name the file, the line, what was
 * expected and what was found instead. Nothing here allocates. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "graph/graph_int.h"

/* Longest token quoted back in a message; the rest is elided. */
enum { QUOTE_MAX = 24 };

static inline int is_blank(char c) { return c == ' ' || c == '\t'; }

/* Whether q (< t->end) ends a line: LF, or CR as part of CRLF or as the
 * file's last byte. A lone CR elsewhere is junk. */
static inline int is_eol_at(const rk_text *t, const char *q) {
  return *q == '\n' || (*q == '\r' && (q + 1 == t->end || q[1] == '\n'));
}

static inline int in_token(const rk_text *t, const char *q) {
  return !is_blank(*q) && !is_eol_at(t, q);
}

int rk_text_at_eol(const rk_text *t) {
  return t->p == t->end || is_eol_at(t, t->p);
}

static inline int at_token_end(const rk_text *t) {
  return t->p == t->end || !in_token(t, t->p);
}

void rk_text_skip_blanks(rk_text *t) {
  while (t->p < t->end && is_blank(*t->p)) t->p++;
}

void rk_text_next_line(rk_text *t) {
  const char *nl = memchr(t->p, '\n', (size_t)(t->end - t->p));
  if (nl) {
    t->p = nl + 1;
    t->line++;
  } else {
    t->p = t->end;
  }
}

int rk_text_skip_empty_lines(rk_text *t, char comment) {
  for (;;) {
    rk_text_skip_blanks(t);
    if (t->p == t->end) return 0;
    if (!rk_text_at_eol(t) && *t->p != comment) return 1;
    rk_text_next_line(t);
  }
}

int rk_text_fail(rk_text *t, int code, const char *fmt, ...) {
  if (!t->err) return code;
  t->err->line = t->line;
  int k = snprintf(t->err->msg, sizeof t->err->msg, "%s:%ld: ", t->name, t->line);
  if (k < 0 || (size_t)k >= sizeof t->err->msg) return code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->err->msg + k, sizeof t->err->msg - (size_t)k, fmt, ap);
  va_end(ap);
  return code;
}

/* The token at the cursor, quoted and escaped so junk bytes print safely. */
static void describe_found(const rk_text *t, char *out, size_t size) {
  if (t->p == t->end) {
    snprintf(out, size, "end of file");
    return;
  }
  if (rk_text_at_eol(t)) {
    snprintf(out, size, "end of line");
    return;
  }
  size_t k = 0;
  out[k++] = '\'';
  const char *q = t->p;
  for (; q < t->end && q - t->p < QUOTE_MAX && in_token(t, q); q++) {
    unsigned char c = (unsigned char)*q;
    if (c >= 0x20 && c < 0x7f && c != '\\')
      out[k++] = (char)c;
    else
      k += (size_t)snprintf(out + k, size - k, "\\x%02x", c);
  }
  int more = q < t->end && in_token(t, q);
  snprintf(out + k, size - k, "%s'", more ? "..." : "");
}

int rk_text_expected(rk_text *t, int code, const char *what) {
  char found[4 * QUOTE_MAX + 8];
  describe_found(t, found, sizeof found);
  return rk_text_fail(t, code, "expected %s, found %s", what, found);
}

int rk_text_u64(rk_text *t, const char *what, uint64_t *out) {
  rk_text_skip_blanks(t);
  const char *start = t->p;
  if (t->p < t->end && *t->p == '-' && t->p + 1 < t->end &&
      t->p[1] >= '0' && t->p[1] <= '9')
    return rk_text_expected(t, RK_E_RANGE, what); /* negative */
  uint64_t v = 0;
  for (; t->p < t->end && *t->p >= '0' && *t->p <= '9'; t->p++) {
    unsigned d = (unsigned)(*t->p - '0');
    if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10)) {
      t->p = start;
      return rk_text_expected(t, RK_E_RANGE, what); /* over 2^64-1 */
    }
    v = v * 10 + d;
  }
  if (t->p == start || !at_token_end(t)) {
    t->p = start;
    return rk_text_expected(t, RK_E_PARSE, what);
  }
  *out = v;
  return RK_OK;
}

int rk_text_word(rk_text *t, const char *what, const char **word, size_t *len) {
  rk_text_skip_blanks(t);
  const char *start = t->p;
  while (!at_token_end(t)) t->p++;
  if (t->p == start) return rk_text_expected(t, RK_E_PARSE, what);
  *word = start;
  *len = (size_t)(t->p - start);
  return RK_OK;
}

int rk_text_end_line(rk_text *t, const char *what) {
  rk_text_skip_blanks(t);
  if (!rk_text_at_eol(t)) return rk_text_expected(t, RK_E_PARSE, what);
  rk_text_next_line(t);
  return RK_OK;
}
