/* test_group.c - a group of ring kernels (rk_group_add): pl_trio, three
 * pl_stage kernels that the CUDA backend runs in one block, passing
 * messages between them through local queues in shared memory.
 *
 * They must answer as three kernels apart do: every value, in order, each
 * counted once by each stage. A member held by deactivate keeps what its
 * peers send it, counted as queued, and after terminate as undelivered.
 * Four members, one of them with lanes, the most a group has, answer
 * the same. Misuse of rk_group_add is refused with a named error and adds
 * nothing.
 * argv[1] names the backend. */
#include "rt_util.h"

enum { STAGES = 3, N_MSGS = 5000 };

/* x -> x + 1 -> (x + 1) * 3 -> ((x + 1) * 3)^2 -> host */
static int64_t trio_of(int64_t x) { return (x + 1) * 3 * (x + 1) * 3; }

/* Adds pl_trio (ids 0, 1, 2: it must come first) doing the above, each
 * member with `workers` workers, in order when there is one. */
static void add_trio(rk_runtime *rt, uint32_t workers) {
  pl_stage_state st[STAGES];
  rk_kernel_opts o[STAGES];
  memset(st, 0, sizeof st);
  memset(o, 0, sizeof o);
  const pl_op ops[STAGES] = {PL_ADD, PL_MUL, PL_SQUARE};
  const int64_t args[STAGES] = {1, 3, 0};
  for (uint32_t i = 0; i < STAGES; i++) {
    st[i].op = ops[i];
    st[i].arg = args[i];
    st[i].next = i + 1 < STAGES ? i + 1 : RK_ADDR_HOST;
    o[i].inbox_capacity = 256;
    o[i].workers = workers;
    o[i].in_order = 1;
    o[i].state = &st[i];
    o[i].state_size = sizeof st[i];
  }
  uint32_t first = UINT32_MAX;
  CHECK_OK(rk_group_add(rt, &pl_trio, o, &first));
  CHECK_EQ_INT(first, 0);
}

static void activate_all(rk_runtime *rt) {
  for (uint32_t i = 0; i < STAGES; i++) CHECK_OK(rk_kernel_activate(rt, i));
}

/* After terminate: each of the first `stages` kernels took in what the one
 * before sent, and handled it all (or left it, counted). */
static void check_stages(rk_runtime *rt, uint32_t stages, uint64_t sent) {
  uint64_t in = sent;
  for (uint32_t s = 0; s < stages; s++) {
    rk_kernel_telemetry t = rt_telemetry(rt, s);
    CHECK_EQ_INT(t.inbox.enqueued, in);
    CHECK_EQ_INT(t.processed + t.undelivered, in);
    CHECK_EQ_INT(t.inbox.dequeued, t.processed);
    CHECK_EQ_INT(t.errors, 0);
    CHECK_EQ_INT(t.sent, t.processed);
    in = t.sent;
  }
}

static void check_accounts(rk_runtime *rt, uint64_t sent) { check_stages(rt, STAGES, sent); }

/* What test_flow's replies must be. */
typedef struct flow_check {
  uint32_t workers;
  uint8_t seen[N_MSGS];
} flow_check;

/* Each index once, with its value; in order with one worker a member. */
static int flow_ok(const pl_num *r, uint64_t received, void *arg) {
  flow_check *f = (flow_check *)arg;
  return r->index < N_MSGS && !f->seen[r->index]++ &&
         r->value == trio_of((int64_t)r->index - 1000) &&
         (f->workers > 1 || r->index == received);
}

/* N_MSGS through the trio. One worker a member: in order. More: each
 * value exactly once, in any order. */
static void test_flow(int argc, char **argv, uint32_t workers) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  add_trio(&rt, workers);
  CHECK_OK(rk_runtime_launch(&rt));
  activate_all(&rt);
  static flow_check f;
  memset(&f, 0, sizeof f);
  f.workers = workers;
  CHECK_EQ_INT(rt_stream(&rt, 0, N_MSGS, -1000, flow_ok, &f), 0);
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  check_accounts(&rt, N_MSGS);
  for (uint32_t s = 0; s < STAGES; s++) CHECK_EQ_INT(rt_telemetry(&rt, s).processed, N_MSGS);
  CHECK_OK(rk_runtime_close(&rt));
}

/* The middle member held: what the first sends it waits, counted; then
 * the last held at terminate: what it holds is undelivered. */
static void test_held(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  add_trio(&rt, 1);
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_OK(rk_kernel_activate(&rt, 0));
  CHECK_OK(rk_kernel_activate(&rt, 2));
  for (uint64_t i = 0; i < 10; i++) {
    pl_num m = rt_num(i, (int64_t)i);
    CHECK_OK(RK_HOST_SEND(&rt, 0, pl_num, &m, 5 * RT_SEC));
  }
  RT_WAIT_FOR(rt_telemetry(&rt, 1).queue_depth == 10, 5 * RT_SEC);
  CHECK_EQ_INT(rt_telemetry(&rt, 1).queue_depth, 10);
  CHECK_EQ_INT(rt_telemetry(&rt, 1).processed, 0);
  pl_num r;
  CHECK_EQ_INT(rt_recv_num(&rt, &r, 20 * RT_MS), RK_E_TIMEOUT);
  CHECK_OK(rk_kernel_activate(&rt, 1));
  for (uint64_t i = 0; i < 10; i++) {
    r = rt_num(UINT64_MAX, 0);
    CHECK_OK(rt_recv_num(&rt, &r, 5 * RT_SEC));
    CHECK_EQ_INT(r.index, i);
    CHECK_EQ_INT(r.value, trio_of((int64_t)i));
  }
  CHECK_OK(rk_kernel_deactivate(&rt, 2));
  for (uint64_t i = 10; i < 17; i++) {
    pl_num m = rt_num(i, (int64_t)i);
    CHECK_OK(RK_HOST_SEND(&rt, 0, pl_num, &m, 5 * RT_SEC));
  }
  RT_WAIT_FOR(rt_telemetry(&rt, 2).queue_depth == 7, 5 * RT_SEC);
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  rk_kernel_telemetry t = rt_telemetry(&rt, 2);
  CHECK_EQ_INT(t.processed, 10);
  CHECK_EQ_INT(t.undelivered, 7);
  CHECK_EQ_INT(t.inbox.high_water >= 7, 1);
  check_accounts(&rt, 17);
  CHECK_OK(rk_runtime_close(&rt));
}

/* pl_quad: four members, one with lanes: x -> x + 1 -> (x + 1) * K ->
 * * 3 -> + 5, K being pl_lanes' factor (1 on the CPU, 528 on a GPU's 32
 * lanes). In order, every value right. */
static int64_t quad_k;

static int quad_ok(const pl_num *r, uint64_t received, void *arg) {
  (void)arg;
  return r->index == received && r->value == ((int64_t)r->index + 1) * quad_k * 3 + 5;
}

static void test_quad(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  pl_stage_state st[4];
  rk_kernel_opts o[4];
  memset(st, 0, sizeof st);
  memset(o, 0, sizeof o);
  const pl_op ops[4] = {PL_ADD, PL_ADD /* unused: pl_lanes */, PL_MUL, PL_ADD};
  const int64_t args[4] = {1, 0, 3, 5};
  for (uint32_t i = 0; i < 4; i++) {
    st[i].op = ops[i];
    st[i].arg = args[i];
    st[i].next = i + 1 < 4 ? i + 1 : RK_ADDR_HOST;
    o[i].inbox_capacity = 64;
    o[i].in_order = 1;
    o[i].state = &st[i];
    o[i].state_size = sizeof st[i];
  }
  uint32_t first = UINT32_MAX;
  CHECK_OK(rk_group_add(&rt, &pl_quad, o, &first));
  CHECK_EQ_INT(first, 0);
  CHECK_OK(rk_runtime_launch(&rt));
  for (uint32_t i = 0; i < 4; i++) CHECK_OK(rk_kernel_activate(&rt, i));
  quad_k = strcmp(rk_runtime_backend(&rt), "cuda") == 0 ? 528 : 1;
  CHECK_EQ_INT(rt_stream(&rt, 0, 1000, 0, quad_ok, NULL), 0);
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  check_stages(&rt, 4, 1000);
  CHECK_OK(rk_runtime_close(&rt));
}

static void test_misuse(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  const rk_kernel_def *five[5] = {&pl_stage, &pl_stage, &pl_stage, &pl_stage, &pl_stage};
  rk_group_def one = {"one", five, 1, NULL}, many = {"many", five, 5, NULL};
  uint32_t first = UINT32_MAX;
  CHECK_EQ_INT(rk_group_add(&rt, NULL, NULL, &first), RK_E_INVAL);
  CHECK_EQ_INT(rk_group_add(&rt, &one, NULL, &first), RK_E_INVAL);
  CHECK_EQ_INT(rk_group_add(&rt, &many, NULL, &first), RK_E_INVAL);
  /* members with different worker counts cannot share blocks */
  pl_stage_state st;
  memset(&st, 0, sizeof st);
  st.next = RK_ADDR_HOST;
  rk_kernel_opts o[STAGES];
  memset(o, 0, sizeof o);
  for (uint32_t i = 0; i < STAGES; i++) {
    o[i].state = &st;
    o[i].state_size = sizeof st;
  }
  o[2].workers = 2;
  CHECK_EQ_INT(rk_group_add(&rt, &pl_trio, o, &first), RK_E_INVAL);
  CHECK_EQ_INT(first, UINT32_MAX);
  /* a bad member's options: refused the same way */
  o[2].workers = 0;
  o[1].state_size = 0;
  CHECK_EQ_INT(rk_group_add(&rt, &pl_trio, o, &first), RK_E_INVAL);
  /* nothing was added: the next kernel is still id 0 */
  CHECK_EQ_INT(rt_add_stage(&rt, PL_ADD, 0, RK_ADDR_HOST, 16), 0);
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_EQ_INT(rk_group_add(&rt, &pl_trio, NULL, &first), RK_E_STATE);
  CHECK_OK(rk_runtime_close(&rt));

  /* On the GPU a block holds at most 1024 threads: three members of 512
   * do not fit in one, and the launch says so instead of failing later. */
  rt_open(argc, argv, &rt);
  memset(o, 0, sizeof o);
  for (uint32_t i = 0; i < STAGES; i++) {
    o[i].state = &st;
    o[i].state_size = sizeof st;
    o[i].threads_per_worker = 512;
  }
  CHECK_OK(rk_group_add(&rt, &pl_trio, o, &first));
  int rc = rk_runtime_launch(&rt);
  CHECK_EQ_INT(rc, strcmp(rk_runtime_backend(&rt), "cuda") == 0 ? RK_E_INVAL : RK_OK);
  CHECK_OK(rk_runtime_close(&rt));
}

int main(int argc, char **argv) {
  test_misuse(argc, argv);
  test_flow(argc, argv, 1);
  test_flow(argc, argv, 2);
  test_held(argc, argv);
  test_quad(argc, argv);
  return CHECK_DONE("test_group");
}
