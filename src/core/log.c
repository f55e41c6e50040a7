/* log.c - see log.h. */
#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int log_threshold = RK_LOG_WARN;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void log_read_env(void) {
  static const char *const names[] = {"error", "warn", "info", "debug"};
  const char *v = getenv("RK_LOG");
  if (v == NULL) return;
  for (int i = 0; i < 4; i++)
    if (strcmp(v, names[i]) == 0) log_threshold = i;
}

void rk_log(rk_log_level level, const char *fmt, ...) {
  static const char *const tags[] = {"error", "warn", "info", "debug"};
  pthread_once(&log_once, log_read_env);
  if ((int)level > log_threshold) return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "ringk: %s: ", tags[level]);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}
