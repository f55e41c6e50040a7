/* log.h - leveled logging for set-up and tear-down paths, never the hot path.
 *
 * The level comes from the environment variable RK_LOG (error, warn, info,
 * debug; default warn), read once. Messages go to stderr prefixed "ringk:". */
#ifndef RK_CORE_LOG_H
#define RK_CORE_LOG_H

typedef enum rk_log_level {
  RK_LOG_ERROR = 0,
  RK_LOG_WARN = 1,
  RK_LOG_INFO = 2,
  RK_LOG_DEBUG = 3
} rk_log_level;

void rk_log(rk_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
