/* error.h - ringk's error codes.
 *
 * Every fallible call returns 0 (RK_OK) or one of these negative codes, the
 * libuv way: callers compare against names, print rk_strerror(), and never
 * parse text. Codes are stable: new ones are appended, none renumbered. */
#ifndef RINGK_ERROR_H
#define RINGK_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#define RK_ERRNO_MAP(X)                                                        \
  X(INVAL,         -1, "invalid argument")                                     \
  X(NOMEM,         -2, "out of memory")                                        \
  X(FULL,          -3, "queue full")                                           \
  X(EMPTY,         -4, "queue empty")                                          \
  X(TIMEOUT,       -5, "timed out")                                            \
  X(OVERSIZE,      -6, "message larger than the queue's slot")                 \
  X(TRUNCATED,     -7, "message truncated: fewer bytes than its header says")  \
  X(MAGIC,         -8, "bad magic: bytes are not a ringk message")             \
  X(VERSION,       -9, "unsupported wire format version")                      \
  X(UNKNOWN_TYPE, -10, "unknown message type")                                 \
  X(MALFORMED,    -11, "malformed message payload")                            \
  X(STATE,        -12, "invalid lifecycle transition for the current state")   \
  X(NO_KERNEL,    -13, "no such kernel")                                       \
  X(NO_BACKEND,   -14, "backend not available")                                \
  X(DEVICE,       -15, "device fault")                                         \
  X(HANDLER,      -16, "kernel handler returned an error")                     \
  X(IO,           -17, "I/O error")                                            \
  X(PARSE,        -18, "parse error")                                          \
  X(NOT_CONVERGED,-19, "did not converge within the iteration limit")          \
  X(TERMINATED,   -20, "kernel terminated")                                    \
  X(RANGE,        -21, "value out of range")                                   \
  X(OCCUPANCY,    -22, "kernels cannot all be resident on the device at once") \
  X(NOT_SUPPORTED,-23, "operation not supported by this backend")              \
  X(INACTIVE,     -24, "kernel is not active")                                \
  X(BUSY,         -25, "device is held by another launched runtime")

typedef enum rk_errno {
  RK_OK = 0,
#define RK_ERRNO_ENUM(name, code, text) RK_E_##name = code,
  RK_ERRNO_MAP(RK_ERRNO_ENUM)
#undef RK_ERRNO_ENUM
  RK_E_LAST_ = -26
} rk_errno;

/* Human-readable text for a code; never NULL, also for unknown codes. */
const char *rk_strerror(int err);
/* The code's symbolic name, e.g. "RK_E_FULL"; "RK_E_UNKNOWN" for others. */
const char *rk_err_name(int err);

#ifdef __cplusplus
}
#endif
#endif /* RINGK_ERROR_H */
