/* bench_runtime.c - rk_bench_runtime: the host -> kernel -> host round trip
 * on the CPU backend, beside two bare threads doing the least a round trip
 * can do, measured in the same run.
 *
 *   busy   round trips back to back: the kernel's worker is still spinning
 *          or yielding when the next message comes. Floor: two threads
 *          passing a counter through two atomic words, spinning.
 *   idle   one round trip every IDLE_NS: the worker has gone to sleep on
 *          its inbox by then, and the message must wake it. Floor: a thread
 *          asleep on a futex that the host bumps and wakes, answering
 *          through an atomic word the host spins on (Linux; elsewhere the
 *          row is left out).
 *
 * Each row prints the median and p99 of ROUNDS round trips (after WARMUP)
 * and the ratio to its floor.
 *
 *   K2K    two one-worker kernels bouncing one message HOPS times; the
 *          first stamps each arrival, and half of each round trip is one
 *          hop. Floor: the busy floor's round trips, halved.
 *   injection   host -> kernel as fast as the host can send, INJECT
 *          messages into a kernel that counts them, one rk_host_send a
 *          message or rk_host_send_many batches of RK_HOST_RUN; the time
 *          runs until the kernel has counted the last. Floor: one thread
 *          copying ready-made messages into the slots of a ring, with no
 *          queue protocol and no consumer (what the host could write at
 *          all). Ratio: ringk's rate over the floor's.
 *   through  host -> echo kernel -> host, INJECT messages with up to
 *          WINDOW in flight, one message a call each way or
 *          rk_host_send_many / rk_host_recv_many (RK_HOST_RUN a call);
 *          beside the same copy floor. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __linux__
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "ringk/runtime.h"

#define BR_FIELDS(F, A) F(uint64_t, n, 0)
RK_MESSAGE(br_msg, 0x0B31, 1, BR_FIELDS);

enum {
  WARMUP = 100,
  BUSY_ROUNDS = 20000,
  IDLE_ROUNDS = 300,
  HOPS = 2 * (WARMUP + BUSY_ROUNDS),
  INJECT = 1 << 20,
  INBOX = 4096,
  WINDOW = 1024
};
#define IDLE_NS 3000000ull /* past the workers' spin and yield phases */
#define WAIT_NS 5000000000ull

static int br_echo(rk_ctx *ctx, const rk_msg *msg) {
  br_msg m;
  int rc = br_msg_decode_msg(msg, &m);
  return rc != RK_OK ? rc : br_msg_send(ctx, RK_ADDR_HOST, &m);
}
RK_KERNEL_DEFINE(br_echo_kernel, br_echo, &br_msg_codec);

/* A bouncer's state: its peer, the hop after which the message goes to the
 * host, and (the first of the two) where to stamp its arrivals. */
typedef struct br_bounce_state {
  uint32_t peer;
  uint32_t last;
  uint64_t *stamps; /* kernel memory: stamps[n / 2] at even hops; or NULL */
} br_bounce_state;

static int br_bounce(rk_ctx *ctx, const rk_msg *msg) {
  br_msg m;
  int rc = br_msg_decode_msg(msg, &m);
  if (rc != RK_OK) return rc;
  const br_bounce_state *s = RK_STATE(ctx, br_bounce_state);
  if (s->stamps != NULL) s->stamps[m.n / 2] = rk_now_ns();
  m.n++;
  return br_msg_send(ctx, m.n >= s->last ? RK_ADDR_HOST : s->peer, &m);
}
RK_KERNEL_DEFINE(br_bounce_kernel, br_bounce, &br_msg_codec);

static int br_count(rk_ctx *ctx, const rk_msg *msg) {
  br_msg m;
  (void)ctx;
  return br_msg_decode_msg(msg, &m);
}
RK_KERNEL_DEFINE(br_sink_kernel, br_count, &br_msg_codec);

static void nap(uint64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
  nanosleep(&ts, NULL);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

typedef struct stats {
  double median, p99;
} stats;

static stats summarise(uint64_t *ns, uint32_t n) {
  qsort(ns, n, sizeof *ns, cmp_u64);
  stats s = {(double)ns[n / 2], (double)ns[(uint64_t)n * 99 / 100]};
  return s;
}

/* A runtime on the CPU backend, the one these benchmarks measure. */
static int rt_cpu(rk_runtime *rt) {
  rk_runtime_opts ro;
  memset(&ro, 0, sizeof ro);
  ro.backend = RK_BACKEND_CPU;
  return rk_runtime_init(rt, &ro);
}

/* Adds def (kernel 0, the only one) with an inbox of capacity slots (0: the
 * default), launches the runtime and activates the kernel. */
static int one_kernel(rk_runtime *rt, const rk_kernel_def *def, uint32_t capacity) {
  rk_kernel_opts o;
  memset(&o, 0, sizeof o);
  o.inbox_capacity = capacity;
  int rc = rk_kernel_add(rt, def, &o, NULL);
  if (rc == RK_OK) rc = rk_runtime_launch(rt);
  return rc == RK_OK ? rk_kernel_activate(rt, 0) : rc;
}

/* Terminates and closes rt: the first error of rc, terminate's and close's. */
static int rt_done(rk_runtime *rt, int rc) {
  int t = rk_runtime_terminate(rt, WAIT_NS);
  int c = rk_runtime_close(rt);
  return rc != RK_OK ? rc : t != RK_OK ? t : c;
}

/* n round trips through an echo kernel, pausing pause_ns before each. */
static int ringk_roundtrips(uint32_t n, uint64_t pause_ns, uint64_t *ns) {
  rk_runtime rt;
  int rc = rt_cpu(&rt);
  if (rc != RK_OK) return rc;
  const uint32_t id = 0;
  rc = one_kernel(&rt, &br_echo_kernel, 0);
  uint8_t buf[256];
  for (uint32_t i = 0; rc == RK_OK && i < WARMUP + n; i++) {
    if (pause_ns) nap(pause_ns);
    br_msg m = {i};
    rk_msg reply;
    uint64_t t0 = rk_now_ns();
    rc = RK_HOST_SEND(&rt, id, br_msg, &m, WAIT_NS);
    if (rc == RK_OK) rc = rk_host_recv(&rt, &reply, buf, sizeof buf, WAIT_NS);
    if (rc == RK_OK && br_msg_decode_msg(&reply, &m) == RK_OK && m.n != i) rc = RK_E_MALFORMED;
    if (i >= WARMUP) ns[i - WARMUP] = rk_now_ns() - t0;
  }
  return rt_done(&rt, rc);
}

/* HOPS hops between two bouncers; ns[i] is the i-th round trip after
 * WARMUP, from the first kernel's stamps. */
static int ringk_k2k(uint64_t *ns) {
  rk_runtime rt;
  int rc = rt_cpu(&rt);
  if (rc != RK_OK) return rc;
  uint64_t *stamps = NULL, *host = malloc((HOPS / 2) * sizeof *host);
  br_bounce_state st[2] = {{1, HOPS, NULL}, {0, HOPS, NULL}};
  rc = host == NULL ? RK_E_NOMEM : rk_mem_alloc(&rt, (HOPS / 2) * sizeof *stamps, (void **)&stamps);
  st[0].stamps = stamps;
  for (uint32_t k = 0; rc == RK_OK && k < 2; k++) {
    rk_kernel_opts o;
    memset(&o, 0, sizeof o);
    o.state = &st[k];
    o.state_size = sizeof st[k];
    rc = rk_kernel_add(&rt, &br_bounce_kernel, &o, NULL);
  }
  if (rc == RK_OK) rc = rk_runtime_launch(&rt);
  for (uint32_t k = 0; rc == RK_OK && k < 2; k++) rc = rk_kernel_activate(&rt, k);
  br_msg m = {0};
  if (rc == RK_OK) rc = RK_HOST_SEND(&rt, 0, br_msg, &m, WAIT_NS);
  uint8_t buf[256];
  rk_msg reply;
  if (rc == RK_OK) rc = rk_host_recv(&rt, &reply, buf, sizeof buf, 60 * WAIT_NS);
  if (rc == RK_OK) rc = br_msg_decode_msg(&reply, &m);
  if (rc == RK_OK && m.n != HOPS) rc = RK_E_MALFORMED;
  if (rc == RK_OK) rc = rk_mem_copy_out(&rt, host, stamps, (HOPS / 2) * sizeof *host);
  for (uint32_t i = 0; rc == RK_OK && i < BUSY_ROUNDS; i++)
    ns[i] = host[WARMUP + i + 1] - host[WARMUP + i];
  free(host);
  return rt_done(&rt, rc);
}

/* INJECT messages into a counting kernel, in batches of `batch` (1: one
 * rk_host_send each); *rate in messages a second, until the last counted. */
static int ringk_inject(uint32_t batch, double *rate) {
  rk_runtime rt;
  int rc = rt_cpu(&rt);
  if (rc != RK_OK) return rc;
  const uint32_t id = 0;
  rc = one_kernel(&rt, &br_sink_kernel, INBOX);
  static br_msg m[RK_HOST_RUN];
  uint64_t t0 = rk_now_ns();
  for (uint32_t i = 0; rc == RK_OK && i < INJECT; i += batch) {
    for (uint32_t k = 0; k < batch; k++) m[k].n = i + k;
    rc = batch == 1 ? RK_HOST_SEND(&rt, id, br_msg, m, WAIT_NS)
                    : RK_HOST_SEND_MANY(&rt, id, br_msg, m, batch, WAIT_NS, NULL);
  }
  rk_kernel_telemetry t = {0};
  while (rc == RK_OK && t.processed < INJECT && rk_now_ns() - t0 < WAIT_NS)
    rc = rk_kernel_telemetry_get(&rt, id, &t);
  if (rc == RK_OK && (t.processed != INJECT || t.errors != 0)) rc = RK_E_TIMEOUT;
  *rate = INJECT * 1e9 / (double)(rk_now_ns() - t0);
  return rt_done(&rt, rc);
}

/* INJECT messages through an echo kernel and back, at most WINDOW in
 * flight, one a call (batch 1) or RK_HOST_RUN a call each way. */
static int ringk_through(uint32_t batch, double *rate) {
  rk_runtime rt;
  int rc = rt_cpu(&rt);
  if (rc != RK_OK) return rc;
  const uint32_t id = 0;
  rc = one_kernel(&rt, &br_echo_kernel, INBOX);
  static br_msg m[RK_HOST_RUN];
  static rk_msg replies[RK_HOST_RUN];
  static uint8_t buf[RK_HOST_RUN * 256];
  const uint32_t slot = rk_host_slot_size(&rt);
  uint64_t sent = 0, got = 0, t0 = rk_now_ns();
  while (rc == RK_OK && got < INJECT) {
    uint64_t room = WINDOW - (sent - got), left = INJECT - sent;
    uint32_t n = (uint32_t)(room < batch ? room : batch);
    if (n > left) n = (uint32_t)left;
    for (uint32_t k = 0; k < n; k++) m[k].n = sent + k;
    uint32_t k = 0;
    if (n == 1) rc = RK_HOST_SEND(&rt, id, br_msg, m, WAIT_NS), k = rc == RK_OK;
    else if (n > 1) rc = RK_HOST_SEND_MANY(&rt, id, br_msg, m, n, WAIT_NS, &k);
    sent += k;
    if (rc != RK_OK) break;
    int r = batch == 1 ? rk_host_recv(&rt, replies, buf, slot, 0)
                       : rk_host_recv_many(&rt, replies, buf, sizeof buf, batch, &k, 0);
    if (r == RK_OK) got += batch == 1 ? 1 : k;
    else if (r != RK_E_EMPTY) rc = r;
  }
  *rate = INJECT * 1e9 / (double)(rk_now_ns() - t0);
  return rt_done(&rt, rc);
}

/* ---- floors ----------------------------------------------------------------- */

/* The injection floor: one thread copying INJECT ready-made messages into
 * the slots of a ring laid out as the inbox's, with no queue protocol and no
 * consumer: the most messages a second the host could write at all. */
static double floor_copy(void) {
  enum { SLOT = RK_SLOT_ALIGN * ((sizeof(rk_slot) + RK_HEADER_SIZE + br_msg_max_payload +
                                  RK_SLOT_ALIGN - 1) / RK_SLOT_ALIGN) };
  uint8_t msg[RK_HEADER_SIZE + br_msg_max_payload];
  memset(msg, 0x5a, sizeof msg);
  uint8_t *ring = malloc((size_t)INBOX * SLOT);
  if (ring == NULL) return 0;
  uint64_t t0 = rk_now_ns();
  for (uint32_t i = 0; i < INJECT; i++) {
    uint8_t *slot = ring + (size_t)(i % INBOX) * SLOT;
    memcpy(slot + sizeof(rk_slot), msg, sizeof msg);
    __atomic_store_n((uint64_t *)slot, i + 1, __ATOMIC_RELAXED); /* as a seq */
  }
  double rate = INJECT * 1e9 / (double)(rk_now_ns() - t0);
  free(ring);
  return rate;
}

typedef struct pingpong {
  uint32_t ping;        /* host -> partner: round number */
  char pad0_[60];
  uint32_t pong;        /* partner -> host */
  char pad1_[60];
  uint32_t rounds;
  int sleep;            /* the partner sleeps on ping (futex) between rounds */
} pingpong;

static void *partner_main(void *arg) {
  pingpong *p = (pingpong *)arg;
  for (uint32_t i = 1; i <= p->rounds; i++) {
    /* acquire: pairs with the host's release of ping */
    while (__atomic_load_n(&p->ping, __ATOMIC_ACQUIRE) != i) {
#ifdef __linux__
      if (p->sleep) syscall(SYS_futex, &p->ping, FUTEX_WAIT_PRIVATE, i - 1, NULL, NULL, 0);
#endif
    }
    /* release: pairs with the host's acquire of pong */
    __atomic_store_n(&p->pong, i, __ATOMIC_RELEASE);
  }
  return NULL;
}

static int floor_roundtrips(uint32_t n, uint64_t pause_ns, int sleep, uint64_t *ns) {
  pingpong p;
  memset(&p, 0, sizeof p);
  p.rounds = WARMUP + n;
  p.sleep = sleep;
  pthread_t t;
  if (pthread_create(&t, NULL, partner_main, &p) != 0) return RK_E_NOMEM;
  for (uint32_t i = 1; i <= p.rounds; i++) {
    if (pause_ns) nap(pause_ns);
    uint64_t t0 = rk_now_ns();
    __atomic_store_n(&p.ping, i, __ATOMIC_RELEASE);
#ifdef __linux__
    if (sleep) syscall(SYS_futex, &p.ping, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
#endif
    while (__atomic_load_n(&p.pong, __ATOMIC_ACQUIRE) != i) {
    }
    if (i > WARMUP) ns[i - 1 - WARMUP] = rk_now_ns() - t0;
  }
  pthread_join(t, NULL);
  return RK_OK;
}

static void row(const char *what, stats r, stats f, const char *floor_is) {
  printf("| %s, median | %.2f us | %.2f us | %.2f | %s |\n", what, r.median / 1e3, f.median / 1e3,
         r.median / f.median, floor_is);
  printf("| %s, p99 | %.2f us | %.2f us | %.2f | %s |\n", what, r.p99 / 1e3, f.p99 / 1e3,
         r.p99 / f.p99, floor_is);
}

static void ns_row(const char *what, stats r, stats f, const char *floor_is) {
  printf("| %s, median | %.0f ns | %.0f ns | %.2f | %s |\n", what, r.median, f.median,
         r.median / f.median, floor_is);
  printf("| %s, p99 | %.0f ns | %.0f ns | %.2f | %s |\n", what, r.p99, f.p99, r.p99 / f.p99,
         floor_is);
}

static void rate_row(const char *what, double r, double f, const char *floor_is) {
  printf("| %s | %.2f M msg/s | %.2f M msg/s | %.2f | %s |\n", what, r / 1e6, f / 1e6, r / f,
         floor_is);
}

int main(void) {
  uint64_t *a = malloc(BUSY_ROUNDS * sizeof *a), *b = malloc(BUSY_ROUNDS * sizeof *b);
  if (a == NULL || b == NULL) return 1;
  printf("| measure | ringk | floor | ratio | floor is |\n|---|---|---|---|---|\n");
  int rc = ringk_roundtrips(BUSY_ROUNDS, 0, a);
  if (rc == RK_OK) rc = floor_roundtrips(BUSY_ROUNDS, 0, 0, b);
  if (rc == RK_OK)
    row("host round trip, busy", summarise(a, BUSY_ROUNDS), summarise(b, BUSY_ROUNDS),
        "two threads passing a counter through atomic words, spinning");
#ifdef __linux__
  if (rc == RK_OK) rc = ringk_roundtrips(IDLE_ROUNDS, IDLE_NS, a);
  if (rc == RK_OK) rc = floor_roundtrips(IDLE_ROUNDS, IDLE_NS, 1, b);
  if (rc == RK_OK)
    row("host round trip, idle 3 ms", summarise(a, IDLE_ROUNDS), summarise(b, IDLE_ROUNDS),
        "a thread asleep on a futex, woken, answering through an atomic word");
#endif
  if (rc == RK_OK) rc = ringk_k2k(a);
  if (rc == RK_OK) rc = floor_roundtrips(BUSY_ROUNDS, 0, 0, b);
  if (rc == RK_OK) {
    for (uint32_t i = 0; i < BUSY_ROUNDS; i++) a[i] /= 2, b[i] /= 2;
    ns_row("K2K one-way latency, CPU workers", summarise(a, BUSY_ROUNDS),
           summarise(b, BUSY_ROUNDS), "half a round trip of the busy floor");
  }
  double one = 0, many = 0, copy = floor_copy();
  if (rc == RK_OK) rc = ringk_inject(1, &one);
  if (rc == RK_OK) rc = ringk_inject(RK_HOST_RUN, &many);
  if (rc == RK_OK && copy == 0) rc = RK_E_NOMEM;
  if (rc == RK_OK) {
    const char *floor_is = "one thread copying the messages into a ring's slots, no consumer";
    rate_row("host->kernel injection, rk_host_send", one, copy, floor_is);
    rate_row("host->kernel injection, rk_host_send_many", many, copy, floor_is);
  }
  if (rc == RK_OK) rc = ringk_through(1, &one);
  if (rc == RK_OK) rc = ringk_through(RK_HOST_RUN, &many);
  if (rc == RK_OK) {
    const char *floor_is = "one thread copying the messages into a ring's slots, no consumer";
    rate_row("host->kernel->host, one a call", one, copy, floor_is);
    rate_row("host->kernel->host, rk_host_send_many / rk_host_recv_many", many, copy, floor_is);
  }
  free(a);
  free(b);
  if (rc != RK_OK) fprintf(stderr, "rk_bench_runtime: %s\n", rk_strerror(rc));
  return rc == RK_OK ? 0 : 1;
}
