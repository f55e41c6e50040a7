/* test_fault_misuse.c - wrong handles, wrong sizes, wrong targets.
 *
 * NULL and closed handles on every call; queue capacities and slot sizes
 * at zero, at their maxima and one past them, down to a message of the
 * largest slot size making a round trip through a kernel; inboxes sized
 * below their types' maximum; and kernel to kernel sends into a
 * deactivated kernel, which holds them (or refuses them, counted, once its
 * inbox is full). Each ends with a named error or
 * the documented behaviour. argv[1] names the backend. */
#include "fault_kernels.h"
#include "rt_util.h"
#include "testutil.h"

/* Every call on a NULL handle, and on a closed one: RK_E_INVAL (close of
 * a closed handle: RK_E_STATE), NULL or 0, and no crash. */
static void check_dead_handle(rk_runtime *rt) {
  pl_num m = rt_num(0, 0);
  rk_msg msg;
  uint8_t buf[256];
  rk_kernel_telemetry t;
  void *p = &m;
  CHECK_EQ_INT(rk_kernel_add(rt, &pl_stage, NULL, NULL), RK_E_INVAL);
  CHECK_EQ_INT(rk_runtime_launch(rt), RK_E_INVAL);
  CHECK_EQ_INT(rk_kernel_activate(rt, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_kernel_deactivate(rt, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_runtime_terminate(rt, 0), RK_E_INVAL);
  CHECK_EQ_INT(RK_HOST_SEND(rt, 0, pl_num, &m, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_host_recv(rt, &msg, buf, sizeof buf, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_host_slot_size(rt), 0);
  CHECK_EQ_INT(rk_kernel_telemetry_get(rt, 0, &t), RK_E_INVAL);
  CHECK_EQ_INT(rk_kernel_state_read(rt, 0, buf, 8), RK_E_INVAL);
  CHECK_EQ_INT(rk_runtime_fault(rt, NULL), RK_E_INVAL);
  CHECK_EQ_INT(rk_mem_alloc(rt, 64, &p), RK_E_INVAL);
  CHECK_EQ_INT(rk_mem_free(rt, NULL), RK_E_INVAL);
  CHECK_EQ_INT(rk_mem_copy_in(rt, buf, buf, 8), RK_E_INVAL);
  CHECK_EQ_INT(rk_mem_copy_out(rt, buf, buf, 8), RK_E_INVAL);
  CHECK(rk_kernel_name(rt, 0) == NULL);
  CHECK(strcmp(rk_runtime_backend(rt), "none") == 0);
}

static void test_dead_handles(int argc, char **argv) {
  check_dead_handle(NULL);
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  CHECK_OK(rk_runtime_close(&rt));
  check_dead_handle(&rt);
  CHECK_EQ_INT(rk_runtime_close(&rt), RK_E_STATE);
  CHECK_EQ_INT(rk_runtime_close(NULL), RK_E_INVAL);
}

/* NULL arguments beside a live handle, in the launched state. */
static void test_null_arguments(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  uint32_t k = rt_add_stage(&rt, PL_ADD, 1, RK_ADDR_HOST, 8);
  CHECK_OK(rk_runtime_launch(&rt));
  pl_num m = rt_num(0, 0);
  rk_msg msg;
  uint8_t buf[256];
  CHECK_EQ_INT(rk_host_send(&rt, k, NULL, &m, 0, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_host_send(&rt, k, &pl_num_codec, NULL, 0, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_host_recv(&rt, NULL, buf, sizeof buf, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_host_recv(&rt, &msg, NULL, sizeof buf, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_kernel_telemetry_get(&rt, k, NULL), RK_E_INVAL);
  CHECK_EQ_INT(rk_kernel_telemetry_get(&rt, 99, NULL), RK_E_INVAL);
  CHECK_EQ_INT(rk_kernel_state_read(&rt, k, NULL, sizeof(pl_stage_state)), RK_E_INVAL);
  CHECK_EQ_INT(rk_mem_alloc(&rt, 64, NULL), RK_E_INVAL);
  void *p = &m;
  CHECK_EQ_INT(rk_mem_alloc(&rt, 0, &p), RK_E_INVAL);
  CHECK_OK(rk_mem_free(&rt, NULL));
  CHECK_EQ_INT(rk_mem_copy_in(&rt, NULL, buf, 8), RK_E_INVAL);
  CHECK_EQ_INT(rk_mem_copy_out(&rt, buf, NULL, 8), RK_E_INVAL);
  CHECK_OK(rk_mem_copy_in(&rt, NULL, NULL, 0));
  /* Nothing above reached the kernel. */
  rk_kernel_telemetry t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.inbox.enqueued, 0);
  CHECK_OK(rk_runtime_close(&rt));
}

/* ---- queue sizes ---------------------------------------------------------- */

static void test_queue_limits(void) {
  /* Capacity: a power of two in [2, RK_QUEUE_MAX_CAPACITY]. */
  CHECK_EQ_INT(rk_queue_bytes(0, 64), 0);
  CHECK_EQ_INT(rk_queue_bytes(1, 64), 0);
  CHECK_EQ_INT(rk_queue_bytes(3, 64), 0);
  CHECK(rk_queue_bytes(2, 64) > 0);
  CHECK(rk_queue_bytes(RK_QUEUE_MAX_CAPACITY, 64) > 0);
  CHECK_EQ_INT(rk_queue_bytes(RK_QUEUE_MAX_CAPACITY * 2u, 64), 0);
  CHECK_EQ_INT(rk_queue_bytes(UINT32_MAX, 64), 0);
  /* Slot size: 1 .. RK_QUEUE_MAX_SLOT; the largest queue's size fits. */
  CHECK_EQ_INT(rk_queue_bytes(2, 0), 0);
  CHECK_EQ_INT(rk_queue_bytes(2, RK_QUEUE_MAX_SLOT + 1u), 0);
  CHECK_EQ_INT(rk_queue_bytes(2, UINT32_MAX), 0);
  CHECK_EQ_INT(rk_queue_bytes(RK_QUEUE_MAX_CAPACITY, RK_QUEUE_MAX_SLOT),
               sizeof(rk_queue) + (size_t)RK_QUEUE_MAX_CAPACITY *
                                      rk_queue_stride_for(RK_QUEUE_MAX_SLOT));
  rk_queue *q = (rk_queue *)&q;
  CHECK_EQ_INT(rk_queue_create(&q, 0, 64), RK_E_INVAL);
  CHECK(q == NULL);
  CHECK_EQ_INT(rk_queue_create(&q, 2, 0), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_create(NULL, 2, 64), RK_E_INVAL);
  rk_queue_destroy(NULL);
  CHECK_EQ_INT(rk_queue_validate(NULL), RK_E_INVAL);
  /* rk_queue_init: misaligned or short memory is refused. */
  static _Alignas(64) uint8_t mem[1024];
  CHECK_EQ_INT(rk_queue_init(mem + 8, sizeof mem - 8, 2, 64), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_init(mem, rk_queue_bytes(4, 64) - 1, 4, 64), RK_E_INVAL);
  CHECK_EQ_INT(rk_queue_init(NULL, sizeof mem, 2, 64), RK_E_INVAL);
  CHECK_OK(rk_queue_init(mem, sizeof mem, 4, 64));
  CHECK_OK(rk_queue_validate((rk_queue *)mem));
  /* The smallest slot (1 byte) and the largest, with one message each of
   * exactly that size, and one byte more refused and counted. */
  static const uint32_t slots[] = {1, RK_QUEUE_MAX_SLOT};
  for (int i = 0; i < 2; i++) {
    uint32_t size = slots[i];
    CHECK_OK(rk_queue_create(&q, 2, size));
    if (q == NULL) continue;
    uint8_t *msg = calloc(1, (size_t)size + 1);
    uint8_t *out = malloc(size);
    CHECK(msg && out);
    if (!msg || !out) return;
    msg[0] = 0x5A;
    msg[size - 1] = 0xA5;
    CHECK_EQ_INT(rk_queue_enqueue(q, msg, size + 1, 0), RK_E_OVERSIZE);
    CHECK_OK(rk_queue_enqueue(q, msg, size, 0));
    CHECK_OK(rk_queue_enqueue(q, msg, 0, 0));
    CHECK_EQ_INT(rk_queue_enqueue(q, msg, 1, 0), RK_E_FULL);
    uint32_t len = 0;
    CHECK_EQ_INT(rk_queue_dequeue(q, out, size - 1, &len, 0), RK_E_INVAL);
    CHECK_OK(rk_queue_dequeue(q, out, size, &len, 0));
    CHECK_EQ_INT(len, size);
    CHECK(out[0] == msg[0] && out[size - 1] == msg[size - 1]);
    CHECK_OK(rk_queue_dequeue(q, out, size, &len, 0));
    CHECK_EQ_INT(len, 0);
    CHECK_EQ_INT(rk_queue_dequeue(q, out, size, &len, 0), RK_E_EMPTY);
    rk_queue_stats s;
    rk_queue_stats_get(q, &s);
    CHECK_EQ_INT(s.rejected_oversize, 1);
    CHECK_EQ_INT(s.rejected_full, 1);
    CHECK_EQ_INT(s.enqueued, 2);
    CHECK_EQ_INT(s.dequeued, 2);
    free(msg);
    free(out);
    rk_queue_destroy(q);
  }
}

/* Kernel and runtime options at and past the limits. */
static void test_runtime_limits(int argc, char **argv) {
  rk_runtime rt;
  rk_runtime_opts ro;
  memset(&ro, 0, sizeof ro);
  ro.to_host_capacity = RK_QUEUE_MAX_CAPACITY * 2u;
  CHECK_EQ_INT(rk_runtime_init(&rt, &ro), RK_E_INVAL);
  ro.to_host_capacity = 0;
  ro.to_host_slot = RK_QUEUE_MAX_SLOT + 1u;
  CHECK_EQ_INT(rk_runtime_init(&rt, &ro), RK_E_INVAL);
  rt_open(argc, argv, &rt);
  rk_kernel_opts o;
  memset(&o, 0, sizeof o);
  o.inbox_capacity = RK_QUEUE_MAX_CAPACITY * 2u;
  CHECK_EQ_INT(rk_kernel_add(&rt, &pl_stage, &o, NULL), RK_E_INVAL);
  o.inbox_capacity = 1;
  CHECK_EQ_INT(rk_kernel_add(&rt, &pl_stage, &o, NULL), RK_E_INVAL);
  o.inbox_capacity = 2;
  CHECK_EQ_INT(rk_kernel_add(&rt, &ft_too_big_sink, &o, NULL), RK_E_RANGE);
  /* Zero means the defaults: 1024 slots, one worker. */
  uint32_t k;
  memset(&o, 0, sizeof o);
  CHECK_OK(rk_kernel_add(&rt, &pl_stage, &o, &k));
  CHECK_OK(rk_runtime_launch(&rt));
  pl_num m = rt_num(0, 0);
  for (int i = 0; i < 1024; i++) CHECK_OK(RK_HOST_SEND(&rt, k, pl_num, &m, 0));
  CHECK_EQ_INT(RK_HOST_SEND(&rt, k, pl_num, &m, 0), RK_E_FULL);
  CHECK_OK(rk_runtime_close(&rt));
}

/* A message whose slot is RK_QUEUE_MAX_SLOT bytes, host -> kernel -> host,
 * byte for byte. The reply may take 10 s, divided by RK_STRESS_SCALE: a run
 * under compute-sanitizer (scale 0.05) moves 16 MiB many times slower. */
static void test_max_slot_round_trip(int argc, char **argv) {
  rk_runtime rt;
  rk_runtime_opts ro;
  memset(&ro, 0, sizeof ro);
  ro.to_host_capacity = 2;
  rt_open_opts(argc, argv, &ro, &rt);
  rk_kernel_opts o;
  memset(&o, 0, sizeof o);
  o.inbox_capacity = 2;
  uint32_t k;
  CHECK_OK(rk_kernel_add(&rt, &ft_echo, &o, &k));
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_EQ_INT(rk_host_slot_size(&rt), RK_QUEUE_MAX_SLOT);
  CHECK_OK(rk_kernel_activate(&rt, k));
  ft_huge *m = malloc(sizeof *m);
  uint8_t *buf = malloc(RK_QUEUE_MAX_SLOT);
  CHECK(m && buf);
  if (!m || !buf) return;
  m->bytes_count = FT_MAX_BYTES;
  for (uint32_t i = 0; i < FT_MAX_BYTES; i++) m->bytes[i] = (uint8_t)(i * 31u + 7u);
  CHECK_OK(RK_HOST_SEND(&rt, k, ft_huge, m, 5 * RT_SEC));
  m->bytes_count = FT_MAX_BYTES + 1u;
  CHECK_EQ_INT(RK_HOST_SEND(&rt, k, ft_huge, m, 0), RK_E_RANGE);
  rk_msg msg;
  CHECK_EQ_INT(rk_host_recv(&rt, &msg, buf, RK_QUEUE_MAX_SLOT - 1, 0), RK_E_INVAL);
  uint64_t wait = (uint64_t)(10 * RT_SEC / tu_env_scale("RK_STRESS_SCALE", 1.0));
  CHECK_OK(rk_host_recv(&rt, &msg, buf, RK_QUEUE_MAX_SLOT, wait));
  CHECK_EQ_INT(msg.hdr.payload_len, ft_huge_max_payload);
  memset(m, 0, sizeof *m);
  CHECK_OK(ft_huge_decode_msg(&msg, m));
  CHECK_EQ_INT(m->bytes_count, FT_MAX_BYTES);
  uint32_t bad = 0;
  for (uint32_t i = 0; i < FT_MAX_BYTES; i++) bad += m->bytes[i] != (uint8_t)(i * 31u + 7u);
  CHECK_EQ_INT(bad, 0);
  free(m);
  free(buf);
  CHECK_OK(rk_runtime_close(&rt));
}

/* A host queue whose slot is too small for what a kernel sends it: every
 * such send is refused as RK_E_OVERSIZE and counted, never truncated. */
static void test_small_host_slot(int argc, char **argv) {
  rk_runtime rt;
  rk_runtime_opts ro;
  memset(&ro, 0, sizeof ro);
  ro.to_host_slot = RK_HEADER_SIZE; /* room for a header, no payload */
  rt_open_opts(argc, argv, &ro, &rt);
  uint32_t k = rt_add_stage(&rt, PL_ADD, 1, RK_ADDR_HOST, 16);
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_OK(rk_kernel_activate(&rt, k));
  for (uint64_t i = 0; i < 10; i++) {
    pl_num m = rt_num(i, 0);
    CHECK_OK(RK_HOST_SEND(&rt, k, pl_num, &m, RT_SEC));
  }
  RT_WAIT_FOR(rt_telemetry(&rt, k).errors == 10, 5 * RT_SEC);
  rk_kernel_telemetry t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.errors, 10);
  CHECK_EQ_INT(t.send_failed, 10);
  CHECK_EQ_INT(t.sent, 0);
  CHECK_EQ_INT(t.last_error, RK_E_OVERSIZE);
  rk_msg msg;
  uint8_t buf[RK_HEADER_SIZE];
  CHECK_EQ_INT(rk_host_recv(&rt, &msg, buf, sizeof buf, 0), RK_E_EMPTY);
  CHECK_OK(rk_runtime_close(&rt));
}

/* An inbox sized below its types' maximum (rk_kernel_opts.max_payload):
 * at the maximum exactly every message fits; below it, a host send and a
 * kernel's send of a larger message are refused as RK_E_OVERSIZE and
 * counted, never truncated; above it the option is refused at add. */
static void test_small_inbox(int argc, char **argv) {
  const uint32_t num = (uint32_t)pl_num_max_payload;
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  rk_kernel_opts o = rt_opts(16, 1);
  o.max_payload = num + 1;
  CHECK_EQ_INT(rk_kernel_add(&rt, &pl_stage, &o, NULL), RK_E_INVAL);
  o.max_payload = num;
  uint32_t exact = rt_add_stage_opts(&rt, PL_ADD, 1, RK_ADDR_HOST, o);
  o.max_payload = num - 1;
  uint32_t small = rt_add_stage_opts(&rt, PL_ADD, 1, RK_ADDR_HOST, o);
  uint32_t feeder = rt_add_stage(&rt, PL_ADD, 1, small, 16);
  CHECK_OK(rk_runtime_launch(&rt));
  uint32_t ids[3] = {exact, small, feeder};
  for (int i = 0; i < 3; i++) CHECK_OK(rk_kernel_activate(&rt, ids[i]));
  pl_num m = rt_num(7, 41);
  CHECK_OK(RK_HOST_SEND(&rt, exact, pl_num, &m, RT_SEC));
  pl_num out = rt_num(0, 0);
  CHECK_OK(rt_recv_num(&rt, &out, 5 * RT_SEC));
  CHECK_EQ_INT(out.index, 7);
  CHECK_EQ_INT(out.value, 42);
  CHECK_EQ_INT(RK_HOST_SEND(&rt, small, pl_num, &m, RT_SEC), RK_E_OVERSIZE);
  CHECK_OK(RK_HOST_SEND(&rt, feeder, pl_num, &m, RT_SEC));
  RT_WAIT_FOR(rt_telemetry(&rt, feeder).errors == 1, 5 * RT_SEC);
  rk_kernel_telemetry t = rt_telemetry(&rt, feeder);
  CHECK_EQ_INT(t.send_failed, 1);
  CHECK_EQ_INT(t.last_error, RK_E_OVERSIZE);
  t = rt_telemetry(&rt, small);
  CHECK_EQ_INT(t.inbox.rejected_oversize, 2);
  CHECK_EQ_INT(t.processed, 0);
  rk_msg msg;
  uint8_t buf[256];
  CHECK_EQ_INT(rk_host_recv(&rt, &msg, buf, sizeof buf, 0), RK_E_EMPTY);
  CHECK_OK(rk_runtime_close(&rt));
}

/* ---- sends into a deactivated kernel -------------------------------------- */

static void test_send_to_deactivated(int argc, char **argv) {
  enum { HELD = 16, EXTRA = 5 };
  rk_runtime rt;
  rk_runtime_opts ro;
  memset(&ro, 0, sizeof ro);
  ro.full_spins = 1000; /* a refused K2K send gives up quickly */
  rt_open_opts(argc, argv, &ro, &rt);
  uint32_t sink = rt_add_stage(&rt, PL_ADD, 0, RK_ADDR_HOST, HELD);
  uint32_t src = rt_add_stage(&rt, PL_ADD, 0, sink, 64);
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_OK(rk_kernel_activate(&rt, src));
  /* The sink is inactive: it holds what it is sent, up to its capacity. */
  for (uint64_t i = 0; i < HELD + EXTRA; i++) {
    pl_num m = rt_num(i, (int64_t)i);
    CHECK_OK(RK_HOST_SEND(&rt, src, pl_num, &m, RT_SEC));
  }
  RT_WAIT_FOR(rt_telemetry(&rt, src).inbox.dequeued == HELD + EXTRA, 5 * RT_SEC);
  RT_WAIT_FOR(rt_telemetry(&rt, src).errors == EXTRA, 5 * RT_SEC);
  rk_kernel_telemetry ts = rt_telemetry(&rt, src);
  CHECK_EQ_INT(ts.processed, HELD);
  CHECK_EQ_INT(ts.errors, EXTRA);
  CHECK_EQ_INT(ts.send_failed, EXTRA);
  CHECK_EQ_INT(ts.last_error, RK_E_FULL);
  rk_kernel_telemetry tk = rt_telemetry(&rt, sink);
  CHECK_EQ_INT(tk.queue_depth, HELD);
  CHECK_EQ_INT(tk.processed, 0);
  CHECK_EQ_INT(tk.inbox.rejected_full, EXTRA);
  /* Activated: the held ones come out in order; the refused ones never. */
  CHECK_OK(rk_kernel_activate(&rt, sink));
  for (uint64_t i = 0; i < HELD; i++) {
    pl_num r = rt_num(UINT64_MAX, 0);
    CHECK_OK(rt_recv_num(&rt, &r, 5 * RT_SEC));
    CHECK_EQ_INT(r.index, i);
  }
  pl_num r;
  CHECK_EQ_INT(rt_recv_num(&rt, &r, 20 * RT_MS), RK_E_TIMEOUT);
  /* Deactivated again, then terminated: sends are refused outright. */
  CHECK_OK(rk_kernel_deactivate(&rt, sink));
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  pl_num m = rt_num(0, 0);
  CHECK_EQ_INT(RK_HOST_SEND(&rt, sink, pl_num, &m, RT_SEC), RK_E_TERMINATED);
  CHECK_EQ_INT(RK_HOST_SEND(&rt, src, pl_num, &m, 0), RK_E_TERMINATED);
  CHECK_EQ_INT(rt_telemetry(&rt, sink).undelivered, 0);
  CHECK_OK(rk_runtime_close(&rt));
}

int main(int argc, char **argv) {
  test_dead_handles(argc, argv);
  test_null_arguments(argc, argv);
  test_queue_limits();
  test_runtime_limits(argc, argv);
  test_max_slot_round_trip(argc, argv);
  test_small_host_slot(argc, argv);
  test_small_inbox(argc, argv);
  test_send_to_deactivated(argc, argv);
  return CHECK_DONE("test_fault_misuse");
}
