/* test_fault_handlers.c - handlers that fail and handlers that never return.
 *
 * A handler error is the kernel's problem, not the runtime's: it is
 * counted (errors, last_error), the message is consumed, and the kernel
 * goes on with the next one (in order, when the kernel runs in order). A handler stuck forever must not hang
 * the host: terminate gives up with RK_E_TIMEOUT within its timeout, close
 * refuses to free memory under the stuck worker (RK_E_TIMEOUT, the handle
 * stays open) and succeeds once the worker has left. argv[1] names the
 * backend; the blocking case needs host memory shared with the handler and
 * runs on the CPU only. */
#include "fault_kernels.h"
#include "rt_util.h"

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Message i's value: 0 (forwarded) for most, an error for some. */
static int64_t fail_value(uint64_t i) {
  if (i % 7 == 3) return RK_E_RANGE;  /* a ringk error, reported as is */
  if (i % 11 == 5) return 1234;       /* a positive result: RK_E_HANDLER */
  return 0;
}

/* in_order: the forwarded messages must come out in order; otherwise (on
 * the GPU, lanes handling a batch at once) each exactly once. */
static void test_handler_errors(int argc, char **argv, int in_order) {
  enum { N = 2000 };
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  rk_kernel_opts o = rt_opts(64, in_order);
  uint32_t k;
  CHECK_OK(rk_kernel_add(&rt, &ft_fail, &o, &k));
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_OK(rk_kernel_activate(&rt, k));
  uint64_t want_ok = 0, want_range = 0, want_handler = 0, got = 0;
  for (uint64_t i = 0; i < N; i++) {
    pl_num m = rt_num(i, fail_value(i));
    CHECK_OK(RK_HOST_SEND(&rt, k, pl_num, &m, 5 * RT_SEC));
    if (m.value == 0) want_ok++;
    else if (m.value < 0) want_range++;
    else want_handler++;
  }
  /* Every forwarded message arrives, none of the failed ones. */
  static uint8_t seen[N];
  memset(seen, 0, sizeof seen);
  uint64_t next = 0;
  for (; got < want_ok; got++) {
    pl_num r = rt_num(UINT64_MAX, 0);
    if (rt_recv_num(&rt, &r, 5 * RT_SEC) != RK_OK) break;
    while (fail_value(next) != 0) next++;
    if (in_order) CHECK_EQ_INT(r.index, next);
    CHECK(r.index < N && fail_value(r.index) == 0 && !seen[r.index]);
    if (r.index < N) seen[r.index] = 1;
    next++;
  }
  CHECK_EQ_INT(got, want_ok);
  RT_WAIT_FOR(rt_telemetry(&rt, k).errors == want_range + want_handler &&
                  rt_telemetry(&rt, k).processed == want_ok,
              5 * RT_SEC);
  rk_kernel_telemetry t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.processed, want_ok);
  CHECK_EQ_INT(t.errors, want_range + want_handler);
  CHECK_EQ_INT(t.sent, want_ok);
  CHECK_EQ_INT(t.send_failed, 0);
  CHECK_EQ_INT(t.queue_depth, 0);
  CHECK_EQ_INT(t.inbox.dequeued, N);
  /* The last message (1999: 1999 % 7 == 4, % 11 == 8) succeeded, but the
   * last error stays visible. */
  CHECK(t.last_error == RK_E_RANGE || t.last_error == RK_E_HANDLER);
  /* Handler errors are counted, not faults: the runtime is healthy. */
  CHECK_EQ_INT(rk_runtime_fault(&rt, NULL), RK_OK);
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  CHECK_EQ_INT(rt_telemetry(&rt, k).undelivered, 0);
  CHECK_OK(rk_runtime_close(&rt));
}

static uint32_t block_entered, block_release;

static uint32_t add_blocker(rk_runtime *rt) {
  ft_block_state s = {&block_entered, &block_release};
  rk_kernel_opts o;
  memset(&o, 0, sizeof o);
  o.inbox_capacity = 8;
  o.state = &s;
  o.state_size = sizeof s;
  uint32_t k = UINT32_MAX;
  CHECK_OK(rk_kernel_add(rt, &ft_block, &o, &k));
  return k;
}

/* Sends one message to the blocker and waits until it is stuck on it. */
static void get_stuck(rk_runtime *rt, uint32_t k) {
  rk_store_release_u32(&block_entered, 0);
  rk_store_release_u32(&block_release, 0);
  pl_num m = rt_num(0, 0);
  CHECK_OK(RK_HOST_SEND(rt, k, pl_num, &m, RT_SEC));
  RT_WAIT_FOR(rk_load_acquire_u32(&block_entered), 5 * RT_SEC);
  CHECK_EQ_INT(rk_load_acquire_u32(&block_entered), 1);
}

static void test_blocked_handler(void) {
  rk_runtime rt;
  rt_open(0, NULL, &rt);
  uint32_t k = add_blocker(&rt);
  uint32_t peer = rt_add_stage(&rt, PL_ADD, 1, RK_ADDR_HOST, 8);
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_OK(rk_kernel_activate(&rt, k));
  CHECK_OK(rk_kernel_activate(&rt, peer));
  get_stuck(&rt, k);
  /* The other kernel is unaffected while one is stuck. */
  pl_num m = rt_num(5, 5);
  CHECK_OK(RK_HOST_SEND(&rt, peer, pl_num, &m, RT_SEC));
  pl_num r = rt_num(UINT64_MAX, 0);
  CHECK_OK(rt_recv_num(&rt, &r, 5 * RT_SEC));
  CHECK_EQ_INT(r.value, 6);
  /* A second message waits in the inbox behind the stuck one. */
  CHECK_OK(RK_HOST_SEND(&rt, k, pl_num, &m, RT_SEC));
  /* terminate: RK_E_TIMEOUT after its timeout, not much later, not never. */
  uint64_t t0 = rk_now_ns();
  CHECK_EQ_INT(rk_runtime_terminate(&rt, 200 * RT_MS), RK_E_TIMEOUT);
  uint64_t took = rk_now_ns() - t0;
  CHECK(took >= 200 * RT_MS);
  CHECK(took < 2 * RT_SEC);
  /* The runtime is terminated regardless: no second terminate, no sends. */
  CHECK_EQ_INT(rk_runtime_terminate(&rt, RT_MS), RK_E_STATE);
  CHECK_EQ_INT(RK_HOST_SEND(&rt, peer, pl_num, &m, 0), RK_E_TERMINATED);
  CHECK_EQ_INT(rk_kernel_deactivate(&rt, k), RK_E_STATE);
  /* Workers not yet joined: undelivered is not final, so it reads 0. */
  rk_kernel_telemetry t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.processed, 0);
  CHECK_EQ_INT(t.queue_depth, 1);
  CHECK_EQ_INT(t.undelivered, 0);
  /* close will not free the stuck worker's memory: it times out (after its
   * own bounded wait) and leaves the handle open. */
  t0 = rk_now_ns();
  CHECK_EQ_INT(rk_runtime_close(&rt), RK_E_TIMEOUT);
  CHECK(rk_now_ns() - t0 < 10 * RT_SEC);
  CHECK(strcmp(rk_runtime_backend(&rt), "cpu") == 0);
  /* Once the handler returns, close completes and counts what was left. */
  rk_store_release_u32(&block_release, 1);
  sleep_ms(20);
  t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.processed, 1);
  CHECK_OK(rk_runtime_close(&rt));
  CHECK_EQ_INT(rk_runtime_close(&rt), RK_E_STATE);
}

/* A handler stuck while the kernel is deactivated: deactivate waits for the
 * worker's acknowledgement, which never comes, and reports RK_E_TIMEOUT. */
static void test_blocked_deactivate(void) {
  rk_runtime rt;
  rt_open(0, NULL, &rt);
  uint32_t k = add_blocker(&rt);
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_OK(rk_kernel_activate(&rt, k));
  get_stuck(&rt, k);
  uint64_t t0 = rk_now_ns();
  CHECK_EQ_INT(rk_kernel_deactivate(&rt, k), RK_E_TIMEOUT);
  CHECK(rk_now_ns() - t0 < 10 * RT_SEC);
  /* The kernel counts as inactive: the request stands once it can act. */
  CHECK_EQ_INT(rt_telemetry(&rt, k).active, 0);
  rk_store_release_u32(&block_release, 1);
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  CHECK_EQ_INT(rt_telemetry(&rt, k).processed, 1);
  CHECK_OK(rk_runtime_close(&rt));
}

int main(int argc, char **argv) {
  test_handler_errors(argc, argv, 1);
  test_handler_errors(argc, argv, 0);
  if (argc > 1 && strcmp(argv[1], "cuda") == 0) {
    printf("blocking-handler cases: CPU only (the handler spins on host memory)\n");
  } else {
    test_blocked_handler();
    test_blocked_deactivate();
  }
  return CHECK_DONE("test_fault_handlers");
}
