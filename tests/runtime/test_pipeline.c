/* test_pipeline.c - three ring kernels in a row, checked value by value.
 *
 * host -> square -> add 7 -> multiply by 3 -> host. Every number sent must
 * come back exactly once, in order, as 3 * (i*i + 7 ...), and the telemetry
 * of each kernel must account for every message. Also checks K2K sends to a
 * kernel id that does not exist, oversize K2K messages, and types a kernel
 * does not accept: each fails with its named error and is counted; and
 * kernels whose inbox is sharded (runtime.h). */
#include "rt_util.h"

#define N_MSGS 20000

static int64_t expected(int64_t v) { return (v * v + 7) * 3; }

/* Every reply in order, with the value for its index. */
static int in_order(const pl_num *r, uint64_t received, void *arg) {
  (void)arg;
  return r->index == received && r->value == expected((int64_t)received - 5000);
}

static void test_three_stages(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  /* Ids are assigned in order: 0, 1, 2. */
  uint32_t a = rt_add_stage(&rt, PL_SQUARE, 0, 1, 256);
  uint32_t b = rt_add_stage(&rt, PL_ADD, 7, 2, 256);
  uint32_t c = rt_add_stage(&rt, PL_MUL, 3, RK_ADDR_HOST, 256);
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_OK(rk_kernel_activate(&rt, a));
  CHECK_OK(rk_kernel_activate(&rt, b));
  CHECK_OK(rk_kernel_activate(&rt, c));

  CHECK_EQ_INT(rt_stream(&rt, a, N_MSGS, -5000, in_order, NULL), 0);

  uint32_t ids[3] = {a, b, c};
  for (int i = 0; i < 3; i++) {
    /* The counters follow the handler's return; its message can come first. */
    RT_WAIT_FOR(rt_telemetry(&rt, ids[i]).processed == N_MSGS, 5 * RT_SEC);
    rk_kernel_telemetry t = rt_telemetry(&rt, ids[i]);
    CHECK_EQ_INT(t.processed, N_MSGS);
    CHECK_EQ_INT(t.sent, N_MSGS);
    CHECK_EQ_INT(t.errors, 0);
    CHECK_EQ_INT(t.queue_depth, 0);
    CHECK_EQ_INT(t.inbox.enqueued, N_MSGS);
    CHECK(t.inbox.high_water >= 1 && t.inbox.high_water <= 256);
    CHECK(t.last_activity_ns > 0);
    CHECK_EQ_INT(t.active, 1);
  }
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  pl_stage_state s;
  CHECK_OK(rk_kernel_state_read(&rt, b, &s, sizeof s));
  CHECK_EQ_INT(s.seen, N_MSGS);
  CHECK_EQ_INT(s.last_index, N_MSGS - 1);
  CHECK_OK(rk_runtime_close(&rt));
}

static uint64_t handled(rk_runtime *rt, const uint32_t *ids) {
  uint64_t n = 0;
  for (int i = 0; i < 4; i++) {
    rk_kernel_telemetry t = rt_telemetry(rt, ids[i]);
    n += t.processed + t.errors;
  }
  return n;
}

/* A stage whose next hop is wrong in each of the ways a send can fail. */
static void test_send_errors(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  uint32_t sink = rt_add_stage(&rt, PL_ADD, 0, RK_ADDR_HOST, 64);
  uint32_t to_nowhere = rt_add_stage(&rt, PL_ADD, 0, 99, 64);
  uint32_t to_big = rt_add_stage(&rt, PL_BLOB, 300, sink, 64);
  uint32_t to_note = rt_add_stage(&rt, PL_NOTE, 0, sink, 64);
  CHECK_OK(rk_runtime_launch(&rt));
  uint32_t ids[4] = {sink, to_nowhere, to_big, to_note};
  for (int i = 0; i < 4; i++) CHECK_OK(rk_kernel_activate(&rt, ids[i]));

  pl_num m = rt_num(1, 1);
  CHECK_OK(RK_HOST_SEND(&rt, to_nowhere, pl_num, &m, RT_SEC));
  CHECK_OK(RK_HOST_SEND(&rt, to_big, pl_num, &m, RT_SEC));
  CHECK_OK(RK_HOST_SEND(&rt, to_note, pl_num, &m, RT_SEC));
  /* The host cannot send a type the kernel does not accept. */
  pl_note n = {1};
  CHECK_EQ_INT(RK_HOST_SEND(&rt, sink, pl_note, &n, RT_SEC), RK_E_UNKNOWN_TYPE);
  CHECK_EQ_INT(RK_HOST_SEND(&rt, 42, pl_num, &m, RT_SEC), RK_E_NO_KERNEL);
  /* An array count over its maximum is refused before anything is queued. */
  pl_blob blob;
  blob.bytes_count = 513;
  CHECK_EQ_INT(pl_blob_payload_size(&blob), RK_E_RANGE);

  /* Wait for the three handlers and the sink to have run. */
  RT_WAIT_FOR(handled(&rt, ids) == 4, 10 * RT_SEC);
  rk_kernel_telemetry t = rt_telemetry(&rt, to_nowhere);
  CHECK_EQ_INT(t.errors, 1);
  CHECK_EQ_INT(t.send_failed, 1);
  CHECK_EQ_INT(t.last_error, RK_E_NO_KERNEL);
  t = rt_telemetry(&rt, to_big);
  CHECK_EQ_INT(t.errors, 1);
  CHECK_EQ_INT(t.last_error, RK_E_OVERSIZE);
  CHECK_EQ_INT(rt_telemetry(&rt, sink).inbox.rejected_oversize, 1);
  /* The note reaches the sink, which rejects the unknown type. */
  t = rt_telemetry(&rt, to_note);
  CHECK_EQ_INT(t.processed, 1);
  CHECK_EQ_INT(t.sent, 1);
  t = rt_telemetry(&rt, sink);
  CHECK_EQ_INT(t.errors, 1);
  CHECK_EQ_INT(t.last_error, RK_E_UNKNOWN_TYPE);
  CHECK_EQ_INT(t.processed, 0);
  CHECK_OK(rk_runtime_close(&rt));
}

/* A kernel defined with lanes: each message is one handler call by all
 * lanes (a warp on the GPU) that share scratch and sums; it is counted
 * once, forwarded once, and an error on lane 0 is counted once. */
static void test_lanes(int argc, char **argv) {
  enum { N = 3000 };
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  pl_stage_state s;
  memset(&s, 0, sizeof s);
  s.next = RK_ADDR_HOST;
  rk_kernel_opts o;
  memset(&o, 0, sizeof o);
  o.inbox_capacity = 256;
  o.workers = 2;
  o.threads_per_worker = 64;
  o.state = &s;
  o.state_size = sizeof s;
  uint32_t k;
  CHECK_OK(rk_kernel_add(&rt, &pl_lanes, &o, &k));
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_OK(rk_kernel_activate(&rt, k));
  int64_t lanes = strcmp(rk_runtime_backend(&rt), "cuda") == 0 ? 32 : 1;
  static uint8_t seen[N];
  memset(seen, 0, sizeof seen);
  uint64_t sent = 0, got = 0, bad = 0, negative = 0;
  while (got + negative < N) {
    while (sent < N && sent - got - negative < 200) {
      pl_num m = rt_num(sent, sent % 10 == 9 ? -1 : (int64_t)sent + 1);
      CHECK_OK(RK_HOST_SEND(&rt, k, pl_num, &m, 5 * RT_SEC));
      negative += m.value < 0;
      sent++;
    }
    pl_num r = rt_num(UINT64_MAX, 0);
    if (rt_recv_num(&rt, &r, 10 * RT_SEC) != RK_OK) break;
    if (r.index >= N || seen[r.index] || r.value != ((int64_t)r.index + 1) * lanes * (lanes + 1) / 2)
      bad++;
    else
      seen[r.index] = 1;
    got++;
  }
  CHECK_EQ_INT(got, N - N / 10);
  CHECK_EQ_INT(bad, 0);
  RT_WAIT_FOR(rt_telemetry(&rt, k).processed + rt_telemetry(&rt, k).errors == N, 5 * RT_SEC);
  rk_kernel_telemetry t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.processed, N - N / 10);
  CHECK_EQ_INT(t.errors, N / 10);
  CHECK_EQ_INT(t.last_error, RK_E_RANGE);
  CHECK_EQ_INT(t.sent, N - N / 10);
  CHECK_OK(rk_runtime_close(&rt));
}

/* Options a sharded inbox refuses: a count that is not a power of two,
 * more queues than workers or than RK_QUEUE_MAX_SHARDS, and a group. */
static void test_shard_opts(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  rk_kernel_opts o = rt_opts(64, 0);
  o.workers = 4;
  o.inbox_shards = 3;
  CHECK_EQ_INT(rk_kernel_add(&rt, &pl_stage, &o, NULL), RK_E_INVAL);
  o.inbox_shards = 8;
  CHECK_EQ_INT(rk_kernel_add(&rt, &pl_stage, &o, NULL), RK_E_INVAL);
  o.workers = 64;
  o.inbox_shards = 64;
  CHECK_EQ_INT(rk_kernel_add(&rt, &pl_stage, &o, NULL), RK_E_INVAL);
  rk_kernel_opts g[3] = {rt_opts(64, 0), rt_opts(64, 0), rt_opts(64, 0)};
  for (int i = 0; i < 3; i++) g[i].workers = 2;
  g[1].inbox_shards = 2;
  uint32_t first = 0;
  CHECK_EQ_INT(rk_group_add(&rt, &pl_trio, g, &first), RK_E_INVAL);
  o.workers = 4;
  o.inbox_shards = 4;
  uint32_t id = UINT32_MAX;
  CHECK_OK(rk_kernel_add(&rt, &pl_stage, &o, &id));
  CHECK_EQ_INT(id, 0); /* nothing refused was added */
  CHECK_OK(rk_runtime_close(&rt));
}

/* host -> square (4 workers) -> add 7 (4 workers, 4 queues) -> multiply
 * by 3 (4 workers, 2 queues) -> host. The middle stage is held while the
 * first fills its queues from every worker; each number comes back once,
 * right, and the queues' counters add up: depth while held, every message
 * once enqueued and dequeued, and messages held at terminate counted as
 * undelivered. */
static void test_sharded(int argc, char **argv) {
  enum { N = 1000, HELD = 300, CAP = 1024 };
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  rk_kernel_opts o = rt_opts(CAP, 0);
  o.workers = 4;
  o.threads_per_worker = 64;
  o.inbox_shards = 2;
  uint32_t c = rt_add_stage_opts(&rt, PL_MUL, 3, RK_ADDR_HOST, o);
  o.inbox_shards = 4;
  uint32_t b = rt_add_stage_opts(&rt, PL_ADD, 7, c, o);
  o.inbox_shards = 1;
  uint32_t a = rt_add_stage_opts(&rt, PL_SQUARE, 0, b, o);
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_OK(rk_kernel_activate(&rt, a));
  CHECK_OK(rk_kernel_activate(&rt, c));
  for (uint32_t i = 0; i < N; i++) {
    pl_num m = rt_num(i, (int64_t)i - 500);
    CHECK_OK(RK_HOST_SEND(&rt, a, pl_num, &m, 5 * RT_SEC));
  }
  RT_WAIT_FOR(rt_telemetry(&rt, a).processed == N, 10 * RT_SEC);
  rk_kernel_telemetry t = rt_telemetry(&rt, b);
  CHECK_EQ_INT(t.queue_depth, N);
  CHECK_EQ_INT(t.inbox.enqueued, N);
  CHECK_EQ_INT(t.inbox.dequeued, 0);
  CHECK(t.inbox.high_water >= 1 && t.inbox.high_water <= N);
  CHECK_OK(rk_kernel_activate(&rt, b));
  static uint8_t seen[N];
  memset(seen, 0, sizeof seen);
  uint32_t got = 0, bad = 0;
  pl_num r;
  while (got < N && rt_recv_num(&rt, &r, 10 * RT_SEC) == RK_OK) {
    int64_t v = (int64_t)r.index - 500;
    if (r.index >= N || seen[r.index] || r.value != (v * v + 7) * 3) bad++;
    else seen[r.index] = 1;
    got++;
  }
  CHECK_EQ_INT(got, N);
  CHECK_EQ_INT(bad, 0);
  uint32_t ids[3] = {a, b, c};
  for (int i = 0; i < 3; i++) {
    RT_WAIT_FOR(rt_telemetry(&rt, ids[i]).processed == N, 5 * RT_SEC);
    t = rt_telemetry(&rt, ids[i]);
    CHECK_EQ_INT(t.processed, N);
    CHECK_EQ_INT(t.sent, N);
    CHECK_EQ_INT(t.errors + t.send_failed, 0);
    CHECK_EQ_INT(t.inbox.enqueued, N);
    CHECK_EQ_INT(t.inbox.dequeued, N);
    CHECK_EQ_INT(t.queue_depth, 0);
  }
  /* held again, then stopped with messages in its queues */
  CHECK_OK(rk_kernel_deactivate(&rt, b));
  for (uint32_t i = 0; i < HELD; i++) {
    pl_num m = rt_num(N + i, 1);
    CHECK_OK(RK_HOST_SEND(&rt, a, pl_num, &m, 5 * RT_SEC));
  }
  RT_WAIT_FOR(rt_telemetry(&rt, a).processed == N + HELD, 10 * RT_SEC);
  CHECK_EQ_INT(rt_telemetry(&rt, b).queue_depth, HELD);
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  t = rt_telemetry(&rt, b);
  CHECK_EQ_INT(t.undelivered, HELD);
  CHECK_EQ_INT(t.processed, N);
  CHECK_EQ_INT(rt_recv_num(&rt, &r, 0), RK_E_EMPTY);
  CHECK_OK(rk_runtime_close(&rt));
}

int main(int argc, char **argv) {
  test_shard_opts(argc, argv);
  test_sharded(argc, argv);
  test_three_stages(argc, argv);
  test_lanes(argc, argv);
  test_send_errors(argc, argv);
  return CHECK_DONE("test_pipeline");
}
