/* test_cuda_runtime.c - the CUDA backend under load and at its limits.
 *
 * The shared runtime tests (tests/runtime, run with "cuda") check the
 * lifecycle and the three-kernel pipeline message by message on one worker.
 * This adds what only a many-worker GPU run shows: a three-stage K2K
 * pipeline of many blocks and warps checked value by value (every index
 * once, every value right), which drives the bridge both ways under load;
 * telemetry read while kernels run; control changes timed; and a runtime
 * that cannot be resident refused with RK_E_OCCUPANCY, and a second runtime
 * on a device that already runs one refused with RK_E_BUSY, instead of
 * hanging. */
#include "rt_util.h"

#define N_MSGS 20000u

/* 8 blocks of 2 warps a stage: 16 concurrent handlers. */
static uint32_t add_wide_stage(rk_runtime *rt, pl_op op, int64_t arg, uint32_t next) {
  return rt_add_stage_wide(rt, op, arg, next, 512, 8, 64);
}

static void test_wide_pipeline(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  /* host -> k0 (square) -> k1 (+7) -> k2 (*3) -> host */
  uint32_t k2 = add_wide_stage(&rt, PL_MUL, 3, RK_ADDR_HOST);
  uint32_t k1 = add_wide_stage(&rt, PL_ADD, 7, k2);
  uint32_t k0 = add_wide_stage(&rt, PL_SQUARE, 0, k1);
  CHECK_OK(rk_runtime_launch(&rt));
  uint64_t t0 = rk_now_ns();
  CHECK_OK(rk_kernel_activate(&rt, k0));
  CHECK_OK(rk_kernel_activate(&rt, k1));
  CHECK_OK(rk_kernel_activate(&rt, k2));
  printf("three activations: %.1f us\n", (double)(rk_now_ns() - t0) / 1e3);
  static uint8_t seen[N_MSGS];
  memset(seen, 0, sizeof seen);
  uint32_t sent = 0, got = 0, bad = 0;
  uint64_t deadline = rk_now_ns() + 30 * RT_SEC;
  while (got < N_MSGS && rk_now_ns() < deadline) {
    while (sent < N_MSGS) {
      pl_num m = rt_num(sent, (int64_t)sent - 5000);
      if (RK_HOST_SEND(&rt, k0, pl_num, &m, 0) != RK_OK) break;
      sent++;
    }
    pl_num r;
    while (rt_recv_num(&rt, &r, 0) == RK_OK) {
      int64_t v = (int64_t)r.index - 5000;
      if (r.index >= N_MSGS || seen[r.index] || r.value != (v * v + 7) * 3) bad++;
      else seen[r.index] = 1;
      got++;
    }
  }
  CHECK_EQ_INT(got, N_MSGS);
  CHECK_EQ_INT(bad, 0);
  /* Telemetry is live: counters are in mapped memory (published after the
   * handlers return, so the last replies can come first). */
  uint64_t processed = 0;
  for (uint32_t k = 0; k < 3; k++) {
    RT_WAIT_FOR(rt_telemetry(&rt, k).processed == N_MSGS, 5 * RT_SEC);
    rk_kernel_telemetry t = rt_telemetry(&rt, k);
    processed += t.processed;
    CHECK_EQ_INT(t.errors, 0);
    CHECK_EQ_INT(t.send_failed, 0);
    CHECK(t.last_activity_ns != 0 && t.last_activity_ns <= rk_now_ns() + RT_SEC);
  }
  CHECK_EQ_INT(processed, 3ull * N_MSGS);
  pl_stage_state st;
  CHECK_OK(rk_kernel_state_read(&rt, k1, &st, sizeof st));
  CHECK_EQ_INT(st.seen, N_MSGS);
  t0 = rk_now_ns();
  CHECK_OK(rk_kernel_deactivate(&rt, k0));
  printf("deactivate: %.1f us\n", (double)(rk_now_ns() - t0) / 1e3);
  t0 = rk_now_ns();
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  printf("terminate: %.1f us\n", (double)(rk_now_ns() - t0) / 1e3);
  CHECK_OK(rk_runtime_close(&rt));
}

static void test_occupancy(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  rk_kernel_opts o;
  memset(&o, 0, sizeof o);
  o.workers = 1u << 20; /* far more blocks than can ever be resident */
  CHECK_OK(rk_kernel_add(&rt, &pl_stage, &o, NULL));
  CHECK_EQ_INT(rk_runtime_launch(&rt), RK_E_OCCUPANCY);
  CHECK_OK(rk_runtime_close(&rt));
  /* A bad thread count is refused too. */
  rt_open(argc, argv, &rt);
  o.workers = 1;
  o.threads_per_worker = 48;
  CHECK_OK(rk_kernel_add(&rt, &pl_stage, &o, NULL));
  CHECK_EQ_INT(rk_runtime_launch(&rt), RK_E_INVAL);
  CHECK_OK(rk_runtime_close(&rt));
}

/* A launches; B's launch is refused while A runs and leaves A working;
 * once A is closed, B launches. */
static void test_second_runtime(int argc, char **argv) {
  rk_runtime a, b;
  rt_open(argc, argv, &a);
  uint32_t ka = rt_add_stage(&a, PL_ADD, 1, RK_ADDR_HOST, 64);
  CHECK_OK(rk_runtime_launch(&a));
  CHECK_OK(rk_kernel_activate(&a, ka));
  rt_open(argc, argv, &b);
  uint32_t kb = rt_add_stage(&b, PL_ADD, 2, RK_ADDR_HOST, 64);
  CHECK_EQ_INT(rk_runtime_launch(&b), RK_E_BUSY);
  pl_num m = rt_num(7, 40), r = rt_num(0, 0);
  CHECK_OK(RK_HOST_SEND(&a, ka, pl_num, &m, 5 * RT_SEC));
  CHECK_OK(rt_recv_num(&a, &r, 5 * RT_SEC));
  CHECK_EQ_INT(r.index, 7);
  CHECK_EQ_INT(r.value, 41);
  CHECK_OK(rk_runtime_terminate(&a, 5 * RT_SEC));
  CHECK_OK(rk_runtime_close(&a));
  CHECK_OK(rk_runtime_close(&b));
  rt_open(argc, argv, &b);
  kb = rt_add_stage(&b, PL_ADD, 2, RK_ADDR_HOST, 64);
  CHECK_OK(rk_runtime_launch(&b));
  CHECK_OK(rk_kernel_activate(&b, kb));
  CHECK_OK(RK_HOST_SEND(&b, kb, pl_num, &m, 5 * RT_SEC));
  CHECK_OK(rt_recv_num(&b, &r, 5 * RT_SEC));
  CHECK_EQ_INT(r.value, 42);
  CHECK_OK(rk_runtime_terminate(&b, 5 * RT_SEC));
  CHECK_OK(rk_runtime_close(&b));
}

int main(void) {
  char *argv[] = {"test_cuda_runtime", "cuda", NULL};
  test_wide_pipeline(2, argv);
  test_occupancy(2, argv);
  test_second_runtime(2, argv);
  return CHECK_DONE("test_cuda_runtime");
}
