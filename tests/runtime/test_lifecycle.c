/* test_lifecycle.c - the runtime's state machine, call by call.
 *
 * Every public call is made in every state (created, launched, terminated,
 * closed) and must either work or answer with its named error; plus the
 * behaviours the lifecycle promises: inactive kernels hold their messages,
 * a full inbox is RK_E_FULL / RK_E_TIMEOUT and counted, terminate reports
 * what it left undelivered, and close works from any state. */
#include "rt_util.h"

static void test_created_state(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  pl_num m = rt_num(0, 0);
  uint8_t buf[256];
  rk_msg msg;
  CHECK_EQ_INT(rk_runtime_launch(&rt), RK_E_INVAL);  /* no kernels yet */
  uint32_t k = rt_add_stage(&rt, PL_ADD, 1, RK_ADDR_HOST, 16);
  CHECK_EQ_INT(k, 0);
  CHECK_EQ_INT(rk_kernel_activate(&rt, k), RK_E_STATE);
  CHECK_EQ_INT(rk_kernel_deactivate(&rt, k), RK_E_STATE);
  CHECK_EQ_INT(rk_runtime_terminate(&rt, RT_SEC), RK_E_STATE);
  CHECK_EQ_INT(RK_HOST_SEND(&rt, k, pl_num, &m, 0), RK_E_STATE);
  CHECK_EQ_INT(rk_host_recv(&rt, &msg, buf, sizeof buf, 0), RK_E_STATE);
  CHECK_EQ_INT(rk_host_slot_size(&rt), 0);
  CHECK_EQ_INT(rk_runtime_fault(&rt, NULL), RK_OK);
  /* Bad kernel options. */
  rk_kernel_opts o;
  memset(&o, 0, sizeof o);
  o.inbox_capacity = 3;
  CHECK_EQ_INT(rk_kernel_add(&rt, &pl_stage, &o, NULL), RK_E_INVAL);
  o.inbox_capacity = 0;
  o.state_size = 8; /* size without state */
  CHECK_EQ_INT(rk_kernel_add(&rt, &pl_stage, &o, NULL), RK_E_INVAL);
  CHECK_EQ_INT(rk_kernel_add(&rt, NULL, NULL, NULL), RK_E_INVAL);
  /* State is readable before launch: it is the initial state. */
  pl_stage_state s;
  CHECK_OK(rk_kernel_state_read(&rt, k, &s, sizeof s));
  CHECK_EQ_INT(s.arg, 1);
  CHECK_EQ_INT(rk_kernel_state_read(&rt, k, &s, 3), RK_E_INVAL);
  CHECK_EQ_INT(rk_kernel_state_read(&rt, 7, &s, sizeof s), RK_E_NO_KERNEL);
  CHECK(strcmp(rk_kernel_name(&rt, k), "pl_stage") == 0);
  CHECK(rk_kernel_name(&rt, 9) == NULL);
  /* Closing a runtime that never launched is fine. */
  CHECK_OK(rk_runtime_close(&rt));
  CHECK_EQ_INT(rk_runtime_close(&rt), RK_E_STATE);
}

static void test_hold_and_full(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  uint32_t k = rt_add_stage(&rt, PL_ADD, 100, RK_ADDR_HOST, 4);
  CHECK_EQ_INT(rk_kernel_add(&rt, &pl_stage, NULL, NULL), RK_OK);
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_EQ_INT(rk_kernel_add(&rt, &pl_stage, NULL, NULL), RK_E_STATE);
  CHECK_EQ_INT(rk_runtime_launch(&rt), RK_E_STATE);
  CHECK_EQ_INT(rk_kernel_deactivate(&rt, k), RK_E_STATE); /* starts inactive */
  CHECK_EQ_INT(rk_kernel_activate(&rt, 5), RK_E_NO_KERNEL);
  CHECK(rk_host_slot_size(&rt) >= RK_HEADER_SIZE + pl_num_max_payload);

  /* Inactive: the inbox fills and holds. */
  for (uint64_t i = 0; i < 4; i++) {
    pl_num m = rt_num(i, (int64_t)i);
    CHECK_OK(RK_HOST_SEND(&rt, k, pl_num, &m, 0));
  }
  pl_num m = rt_num(4, 4);
  CHECK_EQ_INT(RK_HOST_SEND(&rt, k, pl_num, &m, 0), RK_E_FULL);
  uint64_t t0 = rk_now_ns();
  CHECK_EQ_INT(RK_HOST_SEND(&rt, k, pl_num, &m, 2 * RT_MS), RK_E_TIMEOUT);
  CHECK(rk_now_ns() - t0 >= 2 * RT_MS);
  rk_kernel_telemetry t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.inbox.rejected_full, 2);
  CHECK_EQ_INT(t.queue_depth, 4);
  CHECK_EQ_INT(t.processed, 0);
  CHECK_EQ_INT(t.active, 0);

  /* Active: all four come out, in order. */
  CHECK_OK(rk_kernel_activate(&rt, k));
  CHECK_EQ_INT(rk_kernel_activate(&rt, k), RK_E_STATE);
  for (uint64_t i = 0; i < 4; i++) {
    pl_num r = rt_num(UINT64_MAX, 0);
    CHECK_OK(rt_recv_num(&rt, &r, 5 * RT_SEC));
    CHECK_EQ_INT(r.index, i);
    CHECK_EQ_INT(r.value, (int64_t)i + 100);
  }
  /* Deactivated again: a new message is held, not processed. */
  CHECK_OK(rk_kernel_deactivate(&rt, k));
  CHECK_OK(RK_HOST_SEND(&rt, k, pl_num, &m, RT_SEC));
  struct timespec ts = {0, 20000000};
  nanosleep(&ts, NULL);
  t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.processed, 4);
  CHECK_EQ_INT(t.queue_depth, 1);
  uint8_t buf[256];
  rk_msg msg;
  CHECK_EQ_INT(rk_host_recv(&rt, &msg, buf, sizeof buf, 0), RK_E_EMPTY);
  CHECK_EQ_INT(rk_host_recv(&rt, &msg, buf, sizeof buf, RT_MS), RK_E_TIMEOUT);
  CHECK_EQ_INT(rk_host_recv(&rt, &msg, buf, 8, 0), RK_E_INVAL);
  CHECK_OK(rk_kernel_activate(&rt, k));
  pl_num r = rt_num(UINT64_MAX, 0);
  CHECK_OK(rt_recv_num(&rt, &r, 5 * RT_SEC));
  CHECK_EQ_INT(r.index, 4);

  /* Terminate with messages held: they are reported undelivered. */
  CHECK_OK(rk_kernel_deactivate(&rt, k));
  for (uint64_t i = 0; i < 3; i++) CHECK_OK(RK_HOST_SEND(&rt, k, pl_num, &m, RT_SEC));
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.undelivered, 3);
  CHECK_EQ_INT(t.processed, 5);

  /* Terminated: only draining and reading remain. */
  CHECK_EQ_INT(RK_HOST_SEND(&rt, k, pl_num, &m, 0), RK_E_TERMINATED);
  CHECK_EQ_INT(rk_kernel_activate(&rt, k), RK_E_STATE);
  CHECK_EQ_INT(rk_kernel_deactivate(&rt, k), RK_E_STATE);
  CHECK_EQ_INT(rk_runtime_terminate(&rt, RT_SEC), RK_E_STATE);
  CHECK_EQ_INT(rk_runtime_launch(&rt), RK_E_STATE);
  CHECK_EQ_INT(rk_host_recv(&rt, &msg, buf, sizeof buf, 0), RK_E_EMPTY);
  CHECK_OK(rk_runtime_close(&rt));
  CHECK_EQ_INT(rk_runtime_close(&rt), RK_E_STATE);
}

static void test_close_while_running(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  uint32_t k = rt_add_stage(&rt, PL_FAIL_NEG, 0, RK_ADDR_HOST, 64);
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_OK(rk_kernel_activate(&rt, k));
  pl_num bad = rt_num(0, -1);
  pl_num good = rt_num(1, 1);
  CHECK_OK(RK_HOST_SEND(&rt, k, pl_num, &bad, RT_SEC));
  CHECK_OK(RK_HOST_SEND(&rt, k, pl_num, &good, RT_SEC));
  pl_num r = rt_num(UINT64_MAX, 0);
  CHECK_OK(rt_recv_num(&rt, &r, 5 * RT_SEC));
  CHECK_EQ_INT(r.index, 1);
  /* The counters follow the handler's return; its reply can come first. */
  RT_WAIT_FOR(rt_telemetry(&rt, k).processed + rt_telemetry(&rt, k).errors == 2, 5 * RT_SEC);
  rk_kernel_telemetry t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.errors, 1);
  CHECK_EQ_INT(t.processed, 1);
  CHECK_EQ_INT(t.last_error, RK_E_HANDLER);
  /* close without terminate stops the kernels itself. */
  CHECK_OK(rk_runtime_close(&rt));
}

static void test_null_handles(void) {
  rk_runtime_opts o;
  memset(&o, 0, sizeof o);
  CHECK_EQ_INT(rk_runtime_init(NULL, NULL), RK_E_INVAL);
  CHECK_EQ_INT(rk_runtime_close(NULL), RK_E_INVAL);
  CHECK_EQ_INT(rk_runtime_launch(NULL), RK_E_INVAL);
  CHECK_EQ_INT(rk_kernel_activate(NULL, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_runtime_terminate(NULL, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_runtime_fault(NULL, NULL), RK_E_INVAL);
  CHECK(strcmp(rk_runtime_backend(NULL), "none") == 0);
  rk_runtime rt;
  o.backend = (rk_backend_kind)9;
  CHECK_EQ_INT(rk_runtime_init(&rt, &o), RK_E_INVAL);
  o.backend = RK_BACKEND_CPU;
  o.to_host_capacity = 6;
  CHECK_EQ_INT(rk_runtime_init(&rt, &o), RK_E_INVAL);
#ifndef RK_HAVE_CUDA
  o.to_host_capacity = 0;
  o.backend = RK_BACKEND_CUDA;
  CHECK_EQ_INT(rk_runtime_init(&rt, &o), RK_E_NO_BACKEND);
#endif
}

int main(int argc, char **argv) {
  test_created_state(argc, argv);
  test_hold_and_full(argc, argv);
  test_close_while_running(argc, argv);
  test_null_handles();
  return CHECK_DONE("test_lifecycle");
}
