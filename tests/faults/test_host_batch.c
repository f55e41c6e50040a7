/* test_host_batch.c - rk_host_send_many and rk_host_recv_many, the host's
 * batched send and receive.
 *
 * A batch arrives whole and in order, every value right, whatever its size
 * against the claim size (RK_HOST_RUN) and whatever the stride of the
 * caller's array; it takes the room there is and says how much went; it
 * stops at the first message that cannot go, after sending the ones before
 * it; and misuse is refused with a named error, sending nothing. A batched
 * receive takes what waits, in order, within max and the buffer. */
#include "fault_kernels.h"
#include "rt_util.h"

/* Receives n replies of a PL_ADD stage and checks them: index first + i,
 * value first + i + add. Returns how many were wrong or missing. */
static uint32_t recv_run(rk_runtime *rt, uint64_t first, uint32_t n, int64_t add) {
  uint32_t bad = 0;
  for (uint32_t i = 0; i < n; i++) {
    pl_num r = rt_num(UINT64_MAX, 0);
    if (rt_recv_num(rt, &r, 5 * RT_SEC) != RK_OK) return bad + (n - i);
    bad += r.index != first + i || r.value != (int64_t)(first + i) + add;
  }
  return bad;
}

static void test_order_and_values(int argc, char **argv) {
  enum { ADD = 7, MOST = 200 };
  static const uint32_t sizes[] = {1, 3, RK_HOST_RUN - 1, RK_HOST_RUN, RK_HOST_RUN + 1,
                                   2, 2 * RK_HOST_RUN + 1, MOST};
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  uint32_t k = rt_add_stage(&rt, PL_ADD, ADD, RK_ADDR_HOST, 256);
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_OK(rk_kernel_activate(&rt, k));
  pl_num batch[MOST];
  uint64_t next = 0;
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    uint32_t n = sizes[s], sent = UINT32_MAX;
    for (uint32_t i = 0; i < n; i++) batch[i] = rt_num(next + i, (int64_t)(next + i));
    CHECK_OK(RK_HOST_SEND_MANY(&rt, k, pl_num, batch, n, 5 * RT_SEC, &sent));
    CHECK_EQ_INT(sent, n);
    CHECK_EQ_INT(recv_run(&rt, next, n, ADD), 0);
    next += n;
  }
  /* Messages inside a larger record: the stride steps over the rest. */
  struct wide {
    char before[24];
    pl_num m;
    char after[40];
  } wide[10];
  memset(wide, 0x5a, sizeof wide);
  for (uint32_t i = 0; i < 10; i++) wide[i].m = rt_num(next + i, (int64_t)(next + i));
  uint32_t sent = 0;
  CHECK_OK(rk_host_send_many(&rt, k, &pl_num_codec, &wide[0].m, sizeof wide[0], 10, 0,
                             5 * RT_SEC, &sent));
  CHECK_EQ_INT(sent, 10);
  CHECK_EQ_INT(recv_run(&rt, next, 10, ADD), 0);
  next += 10;
  /* The same message n times: stride 0. */
  pl_num one = rt_num(next, (int64_t)next);
  CHECK_OK(rk_host_send_many(&rt, k, &pl_num_codec, &one, 0, 5, 0, 5 * RT_SEC, NULL));
  for (int i = 0; i < 5; i++) CHECK_EQ_INT(recv_run(&rt, next, 1, ADD), 0);
  RT_WAIT_FOR(rt_telemetry(&rt, k).processed == next + 5, 5 * RT_SEC);
  CHECK_EQ_INT(rt_telemetry(&rt, k).processed, next + 5);
  CHECK_OK(rk_runtime_close(&rt));
}

/* A held kernel: a batch takes the room there is and reports it; with a
 * timeout it waits for room, and once the kernel runs the rest goes. */
static void test_room(int argc, char **argv) {
  enum { CAP = 16, N = 40 };
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  uint32_t k = rt_add_stage(&rt, PL_ADD, 0, RK_ADDR_HOST, CAP);
  CHECK_OK(rk_runtime_launch(&rt));
  pl_num batch[N];
  for (uint32_t i = 0; i < N; i++) batch[i] = rt_num(i, (int64_t)i);
  uint32_t sent = UINT32_MAX;
  CHECK_EQ_INT(RK_HOST_SEND_MANY(&rt, k, pl_num, batch, N, 0, &sent), RK_E_FULL);
  CHECK_EQ_INT(sent, CAP);
  uint64_t t0 = rk_now_ns();
  CHECK_EQ_INT(RK_HOST_SEND_MANY(&rt, k, pl_num, batch + CAP, 5, 2 * RT_MS, &sent),
               RK_E_TIMEOUT);
  CHECK(rk_now_ns() - t0 >= 2 * RT_MS);
  CHECK_EQ_INT(sent, 0);
  rk_kernel_telemetry t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.inbox.rejected_full, 2);
  CHECK_EQ_INT(t.queue_depth, CAP);
  CHECK_EQ_INT(t.processed, 0);
  CHECK_OK(rk_kernel_activate(&rt, k));
  CHECK_EQ_INT(recv_run(&rt, 0, CAP, 0), 0);
  /* More than the inbox holds, the kernel draining it meanwhile. */
  CHECK_OK(RK_HOST_SEND_MANY(&rt, k, pl_num, batch + CAP, N - CAP, 5 * RT_SEC, &sent));
  CHECK_EQ_INT(sent, N - CAP);
  CHECK_EQ_INT(recv_run(&rt, CAP, N - CAP, 0), 0);
  CHECK_OK(rk_runtime_close(&rt));
}

/* A message too large for the inbox's slots, or malformed, ends the batch:
 * the ones before it went, it and the ones after did not. */
static void test_stops_at_bad(int argc, char **argv) {
  enum { SLOT_PAYLOAD = 100 };
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  rk_kernel_opts o = rt_opts(16, 1);
  o.max_payload = SLOT_PAYLOAD;
  uint32_t k = UINT32_MAX;
  CHECK_OK(rk_kernel_add(&rt, &ft_blob_echo, &o, &k));
  CHECK_OK(rk_runtime_launch(&rt));
  static const uint32_t counts[] = {10, 20, 200, 30};
  pl_blob b[4];
  memset(b, 0, sizeof b);
  for (int i = 0; i < 4; i++) {
    b[i].bytes_count = counts[i];
    memset(b[i].bytes, 'a' + i, counts[i]);
  }
  uint32_t sent = UINT32_MAX;
  CHECK_EQ_INT(RK_HOST_SEND_MANY(&rt, k, pl_blob, b, 4, RT_SEC, &sent), RK_E_OVERSIZE);
  CHECK_EQ_INT(sent, 2);
  /* a count past the type's maximum: the codec's error, as rk_host_send's */
  pl_blob bad = b[0];
  bad.bytes_count = 600;
  int single = RK_HOST_SEND(&rt, k, pl_blob, &bad, 0);
  CHECK(single < 0);
  CHECK_EQ_INT(RK_HOST_SEND_MANY(&rt, k, pl_blob, &bad, 1, 0, &sent), single);
  CHECK_EQ_INT(sent, 0);
  rk_kernel_telemetry t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.inbox.rejected_oversize, 1);
  CHECK_EQ_INT(t.queue_depth, 2);
  CHECK_OK(rk_kernel_activate(&rt, k));
  uint8_t buf[1024];
  for (int i = 0; i < 2; i++) {
    rk_msg msg;
    CHECK_OK(rk_host_recv(&rt, &msg, buf, sizeof buf, 5 * RT_SEC));
    pl_blob got;
    CHECK_OK(pl_blob_decode_msg(&msg, &got));
    CHECK_EQ_INT(got.bytes_count, counts[i]);
    CHECK(memcmp(got.bytes, b[i].bytes, counts[i]) == 0);
  }
  rk_msg msg;
  CHECK_EQ_INT(rk_host_recv(&rt, &msg, buf, sizeof buf, 20 * RT_MS), RK_E_TIMEOUT);
  CHECK_OK(rk_runtime_close(&rt));
}

static void test_misuse(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  uint32_t k = rt_add_stage(&rt, PL_ADD, 0, RK_ADDR_HOST, 16);
  pl_num m[2] = {rt_num(0, 0), rt_num(1, 1)};
  uint32_t sent = UINT32_MAX;
  CHECK_EQ_INT(RK_HOST_SEND_MANY(&rt, k, pl_num, m, 2, 0, &sent), RK_E_STATE);
  CHECK_EQ_INT(sent, 0);
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_EQ_INT(RK_HOST_SEND_MANY(NULL, k, pl_num, m, 2, 0, &sent), RK_E_INVAL);
  CHECK_EQ_INT(rk_host_send_many(&rt, k, NULL, m, sizeof m[0], 2, 0, 0, &sent), RK_E_INVAL);
  CHECK_EQ_INT(RK_HOST_SEND_MANY(&rt, k, pl_num, NULL, 2, 0, &sent), RK_E_INVAL);
  CHECK_EQ_INT(RK_HOST_SEND_MANY(&rt, 9, pl_num, m, 2, 0, &sent), RK_E_NO_KERNEL);
  pl_note note[2] = {{1}, {2}};
  CHECK_EQ_INT(RK_HOST_SEND_MANY(&rt, k, pl_note, note, 2, 0, &sent), RK_E_UNKNOWN_TYPE);
  CHECK_EQ_INT(sent, 0);
  /* nothing to send is no error, with or without an array */
  sent = UINT32_MAX;
  CHECK_OK(RK_HOST_SEND_MANY(&rt, k, pl_num, NULL, 0, 0, &sent));
  CHECK_EQ_INT(sent, 0);
  CHECK_OK(RK_HOST_SEND_MANY(&rt, k, pl_num, m, 0, 0, NULL));
  CHECK_EQ_INT(rt_telemetry(&rt, k).queue_depth, 0);
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  CHECK_EQ_INT(RK_HOST_SEND_MANY(&rt, k, pl_num, m, 2, 0, &sent), RK_E_TERMINATED);
  CHECK_EQ_INT(sent, 0);
  CHECK_OK(rk_runtime_close(&rt));
}

/* rk_host_recv_many: what waits in the host queue comes out together, in
 * order, as much as max and the buffer allow; then a timeout, as from
 * rk_host_recv; misuse is refused; after terminate what is left drains. */
static void test_recv_many(int argc, char **argv) {
  enum { N = 100, MAX = 64 };
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  uint32_t k = rt_add_stage(&rt, PL_ADD, 1, RK_ADDR_HOST, 256);
  rk_msg msgs[MAX];
  uint32_t got = UINT32_MAX;
  static uint8_t buf[MAX * 1024];
  CHECK_EQ_INT(rk_host_recv_many(&rt, msgs, buf, sizeof buf, MAX, &got, 0), RK_E_STATE);
  CHECK_EQ_INT(got, 0);
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_OK(rk_kernel_activate(&rt, k));
  const uint32_t slot = rk_host_slot_size(&rt);
  CHECK(slot > 0 && slot <= 1024);
  CHECK_EQ_INT(rk_host_recv_many(&rt, msgs, buf, slot - 1, MAX, &got, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_host_recv_many(&rt, msgs, buf, sizeof buf, 0, &got, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_host_recv_many(&rt, NULL, buf, sizeof buf, MAX, &got, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_host_recv_many(&rt, msgs, buf, sizeof buf, MAX, NULL, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_host_recv_many(&rt, msgs, buf, sizeof buf, MAX, &got, 0), RK_E_EMPTY);
  CHECK_EQ_INT(rk_host_recv_many(&rt, msgs, buf, sizeof buf, MAX, &got, RT_MS), RK_E_TIMEOUT);
  CHECK_EQ_INT(got, 0);

  pl_num batch[N];
  for (uint32_t i = 0; i < N; i++) batch[i] = rt_num(i, (int64_t)i);
  CHECK_OK(RK_HOST_SEND_MANY(&rt, k, pl_num, batch, N, 5 * RT_SEC, NULL));
  RT_WAIT_FOR(rt_telemetry(&rt, k).processed == N, 5 * RT_SEC);
  struct timespec settle = {0, 50000000}; /* the GPU's bridge drains its staging queue */
  nanosleep(&settle, NULL);
  /* all N wait: MAX, then what the buffer holds (10 slots), then the rest */
  static const uint32_t want[] = {MAX, 10, N - MAX - 10};
  const size_t caps[] = {sizeof buf, 10 * (size_t)slot + slot - 1, sizeof buf};
  uint64_t next = 0;
  for (int c = 0; c < 3; c++) {
    CHECK_OK(rk_host_recv_many(&rt, msgs, buf, caps[c], MAX, &got, RT_SEC));
    CHECK_EQ_INT(got, want[c]);
    for (uint32_t i = 0; i < got; i++, next++) {
      pl_num r = rt_num(UINT64_MAX, 0);
      CHECK_OK(pl_num_decode_msg(&msgs[i], &r));
      CHECK_EQ_INT(r.index, next);
      CHECK_EQ_INT(r.value, (int64_t)next + 1);
      CHECK((const uint8_t *)msgs[i].payload >= buf + (size_t)i * slot &&
            (const uint8_t *)msgs[i].payload < buf + (size_t)(i + 1) * slot);
    }
  }
  CHECK_EQ_INT(next, N);
  CHECK_EQ_INT(rk_host_recv_many(&rt, msgs, buf, sizeof buf, MAX, &got, RT_MS), RK_E_TIMEOUT);

  /* after terminate: what was left comes out, then RK_E_EMPTY at once */
  CHECK_OK(RK_HOST_SEND_MANY(&rt, k, pl_num, batch, 5, 5 * RT_SEC, NULL));
  RT_WAIT_FOR(rt_telemetry(&rt, k).processed == N + 5, 5 * RT_SEC);
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  uint32_t left = 0;
  while (rk_host_recv_many(&rt, msgs, buf, sizeof buf, MAX, &got, RT_SEC) == RK_OK) left += got;
  CHECK_EQ_INT(left, 5);
  CHECK_EQ_INT(rk_host_recv_many(&rt, msgs, buf, sizeof buf, MAX, &got, RT_SEC), RK_E_EMPTY);
  CHECK_OK(rk_runtime_close(&rt));
}

int main(int argc, char **argv) {
  test_misuse(argc, argv);
  test_order_and_values(argc, argv);
  test_room(argc, argv);
  test_stops_at_bad(argc, argv);
  test_recv_many(argc, argv);
  return CHECK_DONE("test_host_batch");
}
