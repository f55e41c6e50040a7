/* test_fault_flow.c - messages under pressure: terminate and close while
 * messages are in flight, a consumer that stops for seconds while producers
 * wait with timeouts, and an inbox held full.
 *
 * The invariant throughout: nothing is lost silently. Every message the
 * host sent is, in the end, exactly one of: received by the host, left in
 * an inbox and reported as undelivered, or consumed by a handler that
 * reported an error (a send refused because the runtime was stopping).
 * argv[1] names the backend. */
#include <pthread.h>
#include <stdatomic.h>

#include "fault_kernels.h"
#include "rt_util.h"

enum { STAGES = 3 };

/* What one three-stage run accounted for. */
typedef struct flow_count {
  uint64_t sent;        /* host sends accepted */
  uint64_t received;    /* messages the host received */
  uint64_t undelivered; /* left in inboxes at terminate */
  uint64_t errors;      /* consumed but not forwarded (counted errors) */
} flow_count;

/* x -> x + 1 -> (x + 1) * 3 -> ((x + 1) * 3)^2 -> host. */
static int64_t pipeline_of(int64_t x) { return (x + 1) * 3 * (x + 1) * 3; }

/* Adds, launches and activates the three stages; ids[0] is the first. */
static void start_pipeline(rk_runtime *rt, uint32_t cap, uint32_t *ids) {
  ids[2] = rt_add_stage(rt, PL_SQUARE, 0, RK_ADDR_HOST, cap);
  ids[1] = rt_add_stage(rt, PL_MUL, 3, ids[2], cap);
  ids[0] = rt_add_stage(rt, PL_ADD, 1, ids[1], cap);
  CHECK_OK(rk_runtime_launch(rt));
  for (int s = 0; s < STAGES; s++) CHECK_OK(rk_kernel_activate(rt, ids[s]));
}

/* Receives whatever the host queue holds (after terminate), checking each
 * message's value and that indices rise: one worker per stage keeps order. */
static uint64_t drain_host(rk_runtime *rt, uint64_t *next_index) {
  uint64_t n = 0;
  pl_num r;
  while (rt_recv_num(rt, &r, 0) == RK_OK) {
    CHECK(r.index >= *next_index);
    CHECK_EQ_INT(r.value, pipeline_of((int64_t)r.index));
    *next_index = r.index + 1;
    n++;
  }
  return n;
}

/* Sums per-stage telemetry after terminate and checks each stage's own
 * conservation: what came in was handled, failed, or is still there. */
static void account(rk_runtime *rt, const uint32_t *ids, flow_count *c) {
  uint64_t in = c->sent;
  for (int s = 0; s < STAGES; s++) {
    rk_kernel_telemetry t = rt_telemetry(rt, ids[s]);
    CHECK_EQ_INT(t.inbox.enqueued, in);
    CHECK_EQ_INT(t.processed + t.errors + t.undelivered, in);
    CHECK_EQ_INT(t.sent, t.processed);
    CHECK_EQ_INT(t.undelivered, t.queue_depth);
    c->undelivered += t.undelivered;
    c->errors += t.errors;
    in = t.sent;
  }
}

/* Sends n messages (waiting up to 1 ms for room, stopping at the first
 * timeout), then terminates at once, with messages at every stage. */
static flow_count run_and_terminate(int argc, char **argv, uint32_t cap, uint64_t n,
                                    uint64_t recv_first) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  uint32_t ids[STAGES];
  start_pipeline(&rt, cap, ids);
  flow_count c = {0, 0, 0, 0};
  uint64_t next_index = 0;
  for (uint64_t i = 0; i < n; i++) {
    pl_num m = rt_num(i, (int64_t)i);
    int rc = RK_HOST_SEND(&rt, ids[0], pl_num, &m, RT_MS);
    if (rc == RK_E_TIMEOUT) break;
    CHECK_OK(rc);
    c.sent++;
  }
  /* Take a few while the kernels run, so the host queue moves too. */
  for (uint64_t i = 0; i < recv_first; i++) {
    pl_num r;
    if (rt_recv_num(&rt, &r, RT_SEC) != RK_OK) break;
    CHECK_EQ_INT(r.value, pipeline_of((int64_t)r.index));
    next_index = r.index + 1;
    c.received++;
  }
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  c.received += drain_host(&rt, &next_index);
  account(&rt, ids, &c);
  CHECK_EQ_INT(c.received + c.undelivered + c.errors, c.sent);
  CHECK_OK(rk_runtime_close(&rt));
  return c;
}

/* Saturation: every queue full and every stage stuck in a send to the next
 * one. With a huge full_spins the stages would wait forever; terminate must
 * still stop them (each abandons the message in hand, with an error). */
static void saturate(int argc, char **argv, rk_runtime *rt, uint32_t *ids, uint64_t *sent) {
  rk_runtime_opts o;
  memset(&o, 0, sizeof o);
  o.to_host_capacity = 16;
  o.full_spins = UINT32_MAX;
  rt_open_opts(argc, argv, &o, rt);
  start_pipeline(rt, 16, ids);
  *sent = 0;
  for (;;) {
    pl_num m = rt_num(*sent, (int64_t)*sent);
    int rc = RK_HOST_SEND(rt, ids[0], pl_num, &m, 50 * RT_MS);
    if (rc != RK_OK) {
      CHECK_EQ_INT(rc, RK_E_TIMEOUT);
      break;
    }
    (*sent)++;
  }
}

static void test_terminate_saturated(int argc, char **argv) {
  rk_runtime rt;
  uint32_t ids[STAGES];
  flow_count c = {0, 0, 0, 0};
  saturate(argc, argv, &rt, ids, &c.sent);
  uint64_t t0 = rk_now_ns();
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  CHECK(rk_now_ns() - t0 < RT_SEC);
  uint64_t next_index = 0;
  c.received = drain_host(&rt, &next_index);
  account(&rt, ids, &c);
  CHECK_EQ_INT(c.received + c.undelivered + c.errors, c.sent);
  /* The exact buffering is the CPU backend's (a GPU backend also buffers
   * in device queues between the host's and the kernels'). */
  if (strcmp(rk_runtime_backend(&rt), "cpu") == 0) {
    /* 16 in the host queue and 16 per stage: a stage's inbox holds 15
     * waiting messages and the slot of the one in the stage's hands (a
     * slot is released only when its handler returns). */
    CHECK_EQ_INT(c.sent, 16 + STAGES * 16);
    CHECK_EQ_INT(c.received, 16);
    CHECK(c.errors >= 1 && c.errors <= STAGES);
    /* The last stage abandons its message: nobody drains the host queue.
     * An earlier stage may still hand its message on, into the slot the
     * stage after it freed by stopping, before it sees its own stop. */
    rk_kernel_telemetry last = rt_telemetry(&rt, ids[STAGES - 1]);
    CHECK_EQ_INT(last.send_failed, 1);
    CHECK_EQ_INT(last.last_error, RK_E_FULL);
  }
  CHECK_OK(rk_runtime_close(&rt));
}

/* close without terminate, every stage stuck in a send: it stops them and
 * frees everything (ASan checks the freeing), promptly. */
static void test_close_saturated(int argc, char **argv) {
  rk_runtime rt;
  uint32_t ids[STAGES];
  uint64_t sent;
  saturate(argc, argv, &rt, ids, &sent);
  uint64_t t0 = rk_now_ns();
  CHECK_OK(rk_runtime_close(&rt));
  CHECK(rk_now_ns() - t0 < RT_SEC);
  CHECK_EQ_INT(rk_runtime_close(&rt), RK_E_STATE);
}

static void test_terminate_in_flight(int argc, char **argv) {
  /* Bursts of various sizes, terminated at once or after a few receives:
   * where each message ends up varies, the sum never does. */
  static const struct { uint32_t cap; uint64_t n, recv_first; } runs[] = {
      {1024, 3000, 0}, {64, 5000, 0}, {16, 2000, 100}, {256, 800, 10}, {4, 100, 0}};
  uint64_t sent = 0, undelivered = 0;
  for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
    flow_count c = run_and_terminate(argc, argv, runs[i].cap, runs[i].n, runs[i].recv_first);
    sent += c.sent;
    undelivered += c.undelivered;
  }
  CHECK(sent > 0);
  printf("terminate in flight: %llu sent, %llu left undelivered\n",
         (unsigned long long)sent, (unsigned long long)undelivered);
}

/* ---- a consumer that stops for seconds ----------------------------------- */

/* Each producer sends BEFORE_STALL messages while the consumer runs, then
 * waits for it to be stopped: otherwise, on a fast machine, every message
 * could be through before the stall and nothing would test it. */
enum { PRODUCERS = 2, PER_PRODUCER = 1500, BEFORE_STALL = 60 };

typedef struct producer {
  rk_runtime *rt;
  uint32_t kernel;
  uint32_t id;
  atomic_int *stalled; /* set once the consumer is deactivated */
  uint64_t timeouts;   /* sends that timed out and were retried */
  int failed;          /* an error other than RK_E_TIMEOUT */
  pthread_t thread;
} producer;

/* Sends PER_PRODUCER numbered messages, retrying each one that times out,
 * so that every message is sent exactly once and in order. */
static void *producer_main(void *arg) {
  producer *p = (producer *)arg;
  for (uint64_t i = 0; i < PER_PRODUCER && !p->failed; i++) {
    /* acquire: pairs with the release after rk_kernel_deactivate returned. */
    while (i == BEFORE_STALL && !atomic_load_explicit(p->stalled, memory_order_acquire)) {
      struct timespec nap = {0, 1000000};
      nanosleep(&nap, NULL);
    }
    pl_num m = rt_num((uint64_t)p->id << 32 | i, (int64_t)i);
    int rc;
    while ((rc = RK_HOST_SEND(p->rt, p->kernel, pl_num, &m, 20 * RT_MS)) == RK_E_TIMEOUT)
      p->timeouts++;
    if (rc != RK_OK) p->failed = 1;
  }
  return NULL;
}

static void test_stalled_consumer(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  uint32_t k = rt_add_stage(&rt, PL_ADD, 7, RK_ADDR_HOST, 32);
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_OK(rk_kernel_activate(&rt, k));
  atomic_int stalled = 0;
  producer p[PRODUCERS];
  for (uint32_t i = 0; i < PRODUCERS; i++) {
    p[i] = (producer){&rt, k, i, &stalled, 0, 0, 0};
    CHECK_EQ_INT(pthread_create(&p[i].thread, NULL, producer_main, &p[i]), 0);
  }
  /* Let some through, then stop the consumer for 1.5 s. */
  uint64_t next[PRODUCERS] = {0};
  uint64_t got = 0;
  for (; got < PRODUCERS * BEFORE_STALL - 20; got++) {
    pl_num r;
    if (rt_recv_num(&rt, &r, 5 * RT_SEC) != RK_OK) break;
    uint32_t who = (uint32_t)(r.index >> 32);
    CHECK(who < PRODUCERS);
    if (who >= PRODUCERS) break;
    CHECK_EQ_INT(r.index & 0xFFFFFFFFu, next[who]);
    next[who]++;
  }
  CHECK_OK(rk_kernel_deactivate(&rt, k));
  /* release: the producers go on only after the consumer has stopped. */
  atomic_store_explicit(&stalled, 1, memory_order_release);
  struct timespec stall = {1, 500000000};
  nanosleep(&stall, NULL);
  rk_kernel_telemetry held = rt_telemetry(&rt, k);
  CHECK_EQ_INT(held.queue_depth, 32); /* full, and held */
  CHECK_OK(rk_kernel_activate(&rt, k));
  /* Everything arrives after the restart, per producer in order. */
  for (; got < PRODUCERS * PER_PRODUCER; got++) {
    pl_num r;
    if (rt_recv_num(&rt, &r, 5 * RT_SEC) != RK_OK) break;
    uint32_t who = (uint32_t)(r.index >> 32);
    CHECK(who < PRODUCERS);
    if (who >= PRODUCERS) break;
    uint64_t i = r.index & 0xFFFFFFFFu;
    CHECK_EQ_INT(i, next[who]);
    CHECK_EQ_INT(r.value, (int64_t)i + 7);
    next[who] = i + 1;
  }
  uint64_t timeouts = 0;
  for (uint32_t i = 0; i < PRODUCERS; i++) {
    CHECK_EQ_INT(pthread_join(p[i].thread, NULL), 0);
    CHECK_EQ_INT(p[i].failed, 0);
    CHECK_EQ_INT(next[i], PER_PRODUCER);
    timeouts += p[i].timeouts;
  }
  CHECK_EQ_INT(got, PRODUCERS * PER_PRODUCER);
  /* 1.5 s of 20 ms timeouts: dozens per producer, each one counted. */
  CHECK(timeouts >= PRODUCERS * 20);
  /* A GPU block publishes its counts after the handlers' replies are on
   * their way, so they may trail the last reply for a moment (long enough,
   * under compute-sanitizer, to read 2984 of 3000). */
  RT_WAIT_FOR(rt_telemetry(&rt, k).processed == PRODUCERS * PER_PRODUCER, 5 * RT_SEC);
  rk_kernel_telemetry t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.inbox.rejected_full, timeouts);
  CHECK_EQ_INT(t.processed, PRODUCERS * PER_PRODUCER);
  CHECK_EQ_INT(t.errors, 0);
  CHECK_EQ_INT(t.inbox.high_water, 32);
  printf("stalled consumer: %u messages, %llu producer timeouts, none lost\n",
         PRODUCERS * PER_PRODUCER, (unsigned long long)timeouts);
  CHECK_OK(rk_runtime_close(&rt));
}

/* ---- an inbox held full --------------------------------------------------- */

typedef struct pusher {
  rk_runtime *rt;
  uint32_t kernel;
  uint64_t full, timeouts, other;
  pthread_t thread;
} pusher;

/* Tries for 300 ms to get into a held-full inbox, alternating an immediate
 * attempt and a short wait. */
static void *pusher_main(void *arg) {
  pusher *p = (pusher *)arg;
  uint64_t end = rk_now_ns() + 300 * RT_MS;
  pl_num m = rt_num(UINT32_MAX, -1);
  for (int i = 0; rk_now_ns() < end; i++) {
    int rc = RK_HOST_SEND(p->rt, p->kernel, pl_num, &m, i & 1 ? RT_MS : 0);
    if (rc == RK_E_FULL) p->full++;
    else if (rc == RK_E_TIMEOUT) p->timeouts++;
    else p->other++;
  }
  return NULL;
}

static void test_held_full(int argc, char **argv) {
  rk_runtime rt;
  rt_open(argc, argv, &rt);
  uint32_t k = rt_add_stage(&rt, PL_ADD, 0, RK_ADDR_HOST, 8);
  CHECK_OK(rk_runtime_launch(&rt));
  for (uint64_t i = 0; i < 8; i++) {
    pl_num m = rt_num(i, (int64_t)i);
    CHECK_OK(RK_HOST_SEND(&rt, k, pl_num, &m, 0));
  }
  pusher p[2];
  for (int i = 0; i < 2; i++) {
    p[i] = (pusher){&rt, k, 0, 0, 0, 0};
    CHECK_EQ_INT(pthread_create(&p[i].thread, NULL, pusher_main, &p[i]), 0);
  }
  uint64_t rejected = 0;
  for (int i = 0; i < 2; i++) {
    CHECK_EQ_INT(pthread_join(p[i].thread, NULL), 0);
    CHECK_EQ_INT(p[i].other, 0);
    CHECK(p[i].full > 0 && p[i].timeouts > 0);
    rejected += p[i].full + p[i].timeouts;
  }
  rk_kernel_telemetry t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.queue_depth, 8);
  CHECK_EQ_INT(t.inbox.enqueued, 8);
  CHECK_EQ_INT(t.inbox.rejected_full, rejected);
  CHECK_EQ_INT(t.inbox.high_water, 8);
  /* Released: exactly the eight that got in, in order, nothing else. */
  CHECK_OK(rk_kernel_activate(&rt, k));
  for (uint64_t i = 0; i < 8; i++) {
    pl_num r = rt_num(UINT64_MAX, 0);
    CHECK_OK(rt_recv_num(&rt, &r, 5 * RT_SEC));
    CHECK_EQ_INT(r.index, i);
  }
  pl_num r;
  CHECK_EQ_INT(rt_recv_num(&rt, &r, 20 * RT_MS), RK_E_TIMEOUT);
  CHECK_OK(rk_runtime_terminate(&rt, 5 * RT_SEC));
  t = rt_telemetry(&rt, k);
  CHECK_EQ_INT(t.processed, 8);
  CHECK_EQ_INT(t.undelivered, 0);
  CHECK_OK(rk_runtime_close(&rt));
}

int main(int argc, char **argv) {
  test_terminate_in_flight(argc, argv);
  test_terminate_saturated(argc, argv);
  test_close_saturated(argc, argv);
  test_stalled_consumer(argc, argv);
  test_held_full(argc, argv);
  return CHECK_DONE("test_fault_flow");
}
