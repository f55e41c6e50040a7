/* rt_util.h - helpers shared by the runtime tests: picking the backend from
 * the command line (so each test runs on the CPU and, as a "gpu" test, on
 * CUDA) and building stages of the pl_stage pipeline. */
#ifndef RK_TESTS_RT_UTIL_H
#define RK_TESTS_RT_UTIL_H

#include <string.h>
#include <time.h>

#include "check.h"
#include "pipeline_kernels.h"

#define RT_SEC 1000000000ull
#define RT_MS 1000000ull

/* Opens a runtime with opts (NULL: defaults) on the backend named by
 * argv[1] ("cpu" by default). Exits with RK_TEST_SKIP when that backend is
 * not available here. */
static inline void rt_open_opts(int argc, char **argv, const rk_runtime_opts *opts,
                                rk_runtime *rt) {
  rk_runtime_opts o;
  memset(&o, 0, sizeof o);
  if (opts) o = *opts;
  o.backend = argc > 1 && strcmp(argv[1], "cuda") == 0 ? RK_BACKEND_CUDA : RK_BACKEND_CPU;
  int rc = rk_runtime_init(rt, &o);
  if (rc == RK_E_NO_BACKEND) {
    printf("skipped: backend %s not available (%s)\n", argc > 1 ? argv[1] : "cpu",
           rk_strerror(rc));
    exit(RK_TEST_SKIP);
  }
  if (rc != RK_OK) {
    fprintf(stderr, "rk_runtime_init: %s\n", rk_strerror(rc));
    exit(1);
  }
}

static inline void rt_open(int argc, char **argv, rk_runtime *rt) {
  rt_open_opts(argc, argv, NULL, rt);
}

/* Kernel options: an inbox of capacity slots (0: the default), in queue
 * order or not, everything else the default. */
static inline rk_kernel_opts rt_opts(uint32_t capacity, int in_order) {
  rk_kernel_opts o;
  memset(&o, 0, sizeof o);
  o.inbox_capacity = capacity;
  o.in_order = in_order;
  return o;
}

/* Adds a pl_stage kernel doing op(arg) and forwarding to next, with the
 * given inbox capacity, workers and GPU threads per worker (0: defaults).
 * On the GPU its lanes handle their messages at once (not in order). */
static inline uint32_t rt_add_stage_opts(rk_runtime *rt, pl_op op, int64_t arg, uint32_t next,
                                         rk_kernel_opts o) {
  pl_stage_state s;
  memset(&s, 0, sizeof s);
  s.op = op;
  s.arg = arg;
  s.next = next;
  o.state = &s;
  o.state_size = sizeof s;
  uint32_t id = UINT32_MAX;
  CHECK_OK(rk_kernel_add(rt, &pl_stage, &o, &id));
  return id;
}

static inline uint32_t rt_add_stage_wide(rk_runtime *rt, pl_op op, int64_t arg, uint32_t next,
                                         uint32_t capacity, uint32_t workers, uint32_t threads) {
  rk_kernel_opts o = rt_opts(capacity, 0);
  o.workers = workers;
  o.threads_per_worker = threads;
  return rt_add_stage_opts(rt, op, arg, next, o);
}

/* One worker of the backend's default size that handles messages in queue
 * order (on the GPU too), as the tests of ordering need. */
static inline uint32_t rt_add_stage(rk_runtime *rt, pl_op op, int64_t arg, uint32_t next,
                                    uint32_t capacity) {
  return rt_add_stage_opts(rt, op, arg, next, rt_opts(capacity, 1));
}

static inline pl_num rt_num(uint64_t index, int64_t value) {
  pl_num m;
  m.index = index;
  m.value = value;
  return m;
}

/* Receives one pl_num from the host queue (fails the check otherwise). */
static inline int rt_recv_num(rk_runtime *rt, pl_num *out, uint64_t timeout_ns) {
  uint8_t buf[1024];
  rk_msg msg;
  int rc = rk_host_recv(rt, &msg, buf, sizeof buf, timeout_ns);
  if (rc != RK_OK) return rc;
  return pl_num_decode_msg(&msg, out);
}

/* Polls cond every 100 us until it holds or timeout_ns passes. */
#define RT_WAIT_FOR(cond, timeout_ns)                                      \
  do {                                                                     \
    uint64_t rt_t0_ = rk_now_ns();                                         \
    while (!(cond) && rk_now_ns() - rt_t0_ < (timeout_ns)) {               \
      struct timespec rt_ts_ = {0, 100000};                                \
      nanosleep(&rt_ts_, NULL);                                            \
    }                                                                      \
  } while (0)

/* Judges one reply of rt_stream: nonzero if it is right, the received-th
 * (from 0) to come back. */
typedef int (*rt_reply_ok)(const pl_num *reply, uint64_t received, void *arg);

/* Sends pl_num {i, i + offset} for i < n to kernel `to`, keeping at most
 * 200 in flight so that the host queue never fills, and has ok() judge
 * each reply. Returns how many were wrong or never came. */
static inline uint64_t rt_stream(rk_runtime *rt, uint32_t to, uint64_t n, int64_t offset,
                                 rt_reply_ok ok, void *arg) {
  uint64_t sent = 0, received = 0, bad = 0;
  while (received < n) {
    while (sent < n && sent - received < 200) {
      pl_num m = rt_num(sent, (int64_t)sent + offset);
      CHECK_OK(RK_HOST_SEND(rt, to, pl_num, &m, 5 * RT_SEC));
      sent++;
    }
    pl_num r = rt_num(UINT64_MAX, 0);
    int rc = rt_recv_num(rt, &r, 10 * RT_SEC);
    if (rc != RK_OK) {
      CHECK_OK(rc);
      break;
    }
    bad += !ok(&r, received, arg);
    received++;
  }
  return bad + (n - received);
}

static inline rk_kernel_telemetry rt_telemetry(rk_runtime *rt, uint32_t id) {
  rk_kernel_telemetry t;
  CHECK_OK(rk_kernel_telemetry_get(rt, id, &t));
  return t;
}

#endif
