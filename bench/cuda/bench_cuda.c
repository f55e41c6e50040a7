/* bench_cuda.c - rk_bench_cuda: ringk's CUDA backend measured beside the
 * bare GPU programs that bound it, all in one process, printed as one
 * markdown table (ratio = ringk / floor).
 *
 *   rk_bench_cuda [--warps W] [--shards S] [--out FILE] [--only NAME[,NAME...]]
 *
 * NAMEs: startup, latency, host, throughput, injection (default: all).
 *
 * 1. K2K one-way latency. Two one-warp bk_bounce kernels (separate grids, so
 *    separate SMs; the SM ids are printed) bounce a ping; kernel A stamps
 *    each arrival with clock64, one round trip = two K2K messages.
 *    Floor: two blocks of one plain kernel passing a device-scope
 *    acquire/release flag back and forth, timed the same way. That is what
 *    every K2K message must do at least: publish with a release where the
 *    other SM polls with an acquire; ringk adds the queue, the header and
 *    the loop around the handler. Goal <= 1.3x.
 *    Then the same two kernels as the group bk_pair, which runs them in one
 *    block and passes their messages through local queues in shared
 *    memory. Floor: two warps of one block passing a block-scope flag in
 *    shared memory. Goal <= 100 ns one way.
 *    Beside each, a peer: two warps passing a message through two queues
 *    (in device or shared memory) with the calls a one-warp ring kernel
 *    makes for a hop and nothing else, against the same floor; what the
 *    ring kernels take beyond it is the loop's and the handler's.
 * 2. Host -> kernel -> host round trip: rk_host_send to a bk_bounce that
 *    answers at once, rk_host_recv its reply, timed on the host.
 *    Floor: a one-thread kernel echoing a flag in mapped pinned memory, the
 *    least a resident kernel needs to answer the host (ringk goes through
 *    the same memory, via its bridge grid). Beside it, an empty kernel
 *    launch + cudaStreamSynchronize: what answering costs without a
 *    resident kernel. Goal <= 1.3x the ping.
 * 3. K2K throughput at 16..4096-byte payloads: a bk_source kernel, whose
 *    warps run tokens that each send a burst to a bk_sink<N> kernel, one
 *    block of W warps a SM on each side; the sink's `processed` telemetry
 *    is sampled over a window after a warm-up.
 *    Floor: a bare MPMC ring of the same slot size (48 + payload) and
 *    capacity, laid out by rk_queue_init, the same number of producer and
 *    consumer warps in one plain kernel, both sides warp-batched
 *    (rk_warp_reserve / rk_warp_take), every message filling its slot:
 *    the best the queue's own claims allow. A second row puts the same
 *    ring beside it with claims by fetch-add (a warp's 32 positions with
 *    one atomicAdd, never retried, each lane then waiting for its slot):
 *    what the slots allow without the CAS. Each source lane runs a token,
 *    and the sends its warp's lanes make together are claimed together.
 *    Goal >= 200 M msg/s at 64 B and >= 0.8x the ring at every size.
 *    Then the same with both kernels' inboxes sharded (runtime.h) into S
 *    queues (--shards, default 32), each source block sending to its own:
 *    floor, the bare ring as a set of S queues, producer block b filling
 *    queue b % S, each consumer block looking at queue b % S each round
 *    and at one other when it is empty (a ring kernel's block goes to its
 *    own and to the others on alternate rounds).
 * 4. Host -> GPU injection: rk_host_send as fast as it goes for a window to
 *    a bk_sink kernel (the bridge moves up to 32 messages per PCIe round
 *    trip), until the kernel has counted every message; and again with
 *    rk_host_send_many, RK_HOST_RUN messages a call.
 *    Floor: pinned host -> device cudaMemcpy bandwidth, the PCIe ceiling
 *    (payload GB/s against it; each message also carries a 48-byte header).
 * 5. Start-up: rk_runtime_init to three kernels launched and active, with
 *    the CUDA context already made (cudaFree(0)); the median of 5, run
 *    before the others so that the first run (in the notes) also pays for
 *    loading the kernels' code. Floor: mapped memory, streams and three
 *    resident echo grids until all three answer. Goal <= 5 ms.
 *
 * Exits 77 when no GPU is usable, 1 if a benchmark failed (the others
 * still run). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_cuda.h"

#define LAT_WARMUP 1000u           /* round trips not counted */
#define LAT_ROUNDS 20000u          /* round trips counted */
#define WAIT_NS 5000000000ull      /* longest wait for any one reply */
#define RING_CAP 4096u             /* K2K inbox and bare ring slots */
#define BURST 32u                  /* messages a token sends */
#define WARMUP_NS 50000000ull      /* throughput: before the window */
#define WINDOW_NS 250000000ull     /* throughput: the window */
#define INJECT_NS 250000000ull     /* injection: sending time */
#define H2D_BYTES (64u << 20)
#define H2D_REPS 10u
#define START_REPS 5u
#define WARP 32u                    /* threads a warp (RK_WARP is device-side) */
#define MAX_WARPS 32u               /* 1024 threads a block */
#define HOST_SLOT ((uint32_t)RK_HEADER_SIZE + (uint32_t)bk_ping_max_payload)

typedef struct bench {
  uint32_t warps;      /* per block, one block a SM on each side */
  uint32_t sms;
  FILE *file;          /* --out, or NULL */
  const char *only;    /* --only, or NULL for every benchmark */
  uint32_t shards;     /* --shards: queues of the sharded inbox rows */
  int failed;
} bench;

/* ---- output ----------------------------------------------------------------- */

__attribute__((format(printf, 2, 3))) static void emit(bench *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (b->file) {
    va_list aq;
    va_copy(aq, ap);
    vfprintf(b->file, fmt, aq);
    va_end(aq);
  }
  vprintf(fmt, ap);
  va_end(ap);
  fflush(stdout);
}

typedef enum unit { U_TIME, U_RATE, U_GBPS } unit;

static void fmt_value(char *buf, size_t cap, unit u, double v) {
  if (u == U_RATE && v < 1e6) snprintf(buf, cap, "%.1f k msg/s", v / 1e3);
  else if (u == U_RATE) snprintf(buf, cap, "%.1f M msg/s", v / 1e6);
  else if (u == U_GBPS) snprintf(buf, cap, "%.2f GB/s", v);
  else if (v < 1e4) snprintf(buf, cap, "%.0f ns", v);
  else if (v < 1e7) snprintf(buf, cap, "%.2f us", v / 1e3);
  else snprintf(buf, cap, "%.2f ms", v / 1e6);
}

static void row(bench *b, const char *what, unit u, double ringk, double floor,
                const char *goal, const char *floor_is, const char *notes) {
  char r[32], f[32];
  fmt_value(r, sizeof r, u, ringk);
  fmt_value(f, sizeof f, u, floor);
  emit(b, "| %s | %s | %s | %.3g | %s | %s | %s |\n", what, r, f, ringk / floor, goal,
       floor_is, notes);
}

static void fail(bench *b, const char *what, int rc) {
  fprintf(stderr, "rk_bench_cuda: %s: %s\n", what, rk_strerror(rc));
  b->failed = 1;
}

/* ---- statistics --------------------------------------------------------------- */

typedef struct stats {
  double median, p99;
} stats;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Sorts v[skip..n) and summarises it. */
static stats summarise(double *v, uint32_t n, uint32_t skip) {
  v += skip;
  n -= skip;
  qsort(v, n, sizeof *v, cmp_double);
  stats s = {v[n / 2], v[(uint64_t)n * 99 / 100]};
  return s;
}

/* The median and the p99 rows of one latency beside one floor. */
static void latency_rows(bench *b, const char *what, stats r, stats f, const char *goal,
                         const char *floor_is, const char *notes) {
  char name[96];
  snprintf(name, sizeof name, "%s, median", what);
  row(b, name, U_TIME, r.median, f.median, goal, floor_is, notes);
  snprintf(name, sizeof name, "%s, p99", what);
  row(b, name, U_TIME, r.p99, f.p99, goal, floor_is, notes);
}

/* One-way times from n + 1 stamps taken once a round trip on one SM:
 * cycles halved, in ns at the clock rate the whole run shows. */
static void oneway_ns(const bk_stamp *s, uint32_t n, double *out) {
  double ns_per_clk = (double)(s[n].gt - s[0].gt) / (double)(s[n].clk - s[0].clk);
  for (uint32_t i = 0; i < n; i++) out[i] = (double)(s[i + 1].clk - s[i].clk) * ns_per_clk / 2;
}

/* ---- runtime helpers ---------------------------------------------------------- */

/* Only pings come back to the host: small host-bound slots. */
static int rt_open(rk_runtime *rt) {
  rk_runtime_opts o = {RK_BACKEND_CUDA, 0, 0, HOST_SLOT, 0};
  return rk_runtime_init(rt, &o);
}

/* Terminates and closes rt; a fault is named. Returns the first error. */
static int rt_end(rk_runtime *rt, int rc) {
  uint32_t k = 0;
  if (rk_runtime_fault(rt, &k) != RK_OK)
    fprintf(stderr, "rk_bench_cuda: device fault in kernel %s\n", rk_kernel_name(rt, k));
  int t = rk_runtime_terminate(rt, WAIT_NS);
  if (rc == RK_OK && t != RK_E_STATE) rc = t;
  int c = rk_runtime_close(rt);
  return rc != RK_OK ? rc : c;
}

/* Adds def with `workers` blocks of `threads`; an inbox of `shards` queues
 * of `capacity` slots (0: the default). */
static int add_kernel(rk_runtime *rt, const rk_kernel_def *def, uint32_t workers,
                      uint32_t threads, uint32_t capacity, uint32_t shards, const void *state,
                      size_t size) {
  rk_kernel_opts o = {capacity, workers, threads, state, size, 0, 0, shards};
  return rk_kernel_add(rt, def, &o, NULL);
}

static int add_bounce(rk_runtime *rt, uint32_t peer, bk_stamp *stamps, uint64_t nstamps) {
  bk_bounce_state s = {peer, 0, stamps, nstamps};
  return add_kernel(rt, &bk_bounce, 1, WARP, 0, 1, &s, sizeof s);
}

/* Launches rt and activates kernels 0..n-1. */
static int start(rk_runtime *rt, uint32_t n) {
  int rc = rk_runtime_launch(rt);
  for (uint32_t i = 0; rc == RK_OK && i < n; i++) rc = rk_kernel_activate(rt, i);
  return rc;
}

static int recv_ping(rk_runtime *rt, bk_ping *p) {
  uint8_t buf[HOST_SLOT];
  rk_msg m;
  int rc = rk_host_recv(rt, &m, buf, sizeof buf, WAIT_NS);
  return rc == RK_OK ? bk_ping_decode_msg(&m, p) : rc;
}

static int processed(rk_runtime *rt, uint32_t id, uint64_t *n) {
  rk_kernel_telemetry t;
  int rc = rk_kernel_telemetry_get(rt, id, &t);
  *n = t.processed;
  return rc;
}

/* ---- 1. K2K latency ------------------------------------------------------------ */

/* Adds kernels 0 and 1 bouncing to each other, kernel 0 stamping: apart,
 * or as the group bk_pair (one block). */
static int add_bouncers(rk_runtime *rt, int colocated, bk_stamp *stamps, uint64_t nstamps) {
  if (!colocated) {
    int rc = add_bounce(rt, 1, stamps, nstamps);
    return rc == RK_OK ? add_bounce(rt, 0, NULL, 0) : rc;
  }
  bk_bounce_state s[2] = {{1, 0, stamps, nstamps}, {0, 0, NULL, 0}};
  rk_kernel_opts o[2] = {{0, 1, WARP, &s[0], sizeof s[0], 0, 0, 1},
                         {0, 1, WARP, &s[1], sizeof s[1], 0, 0, 1}};
  return rk_group_add(rt, &bk_pair, o, NULL);
}

/* Bounces a ping A -> B -> A n times; stamps[] are A's arrivals. */
static int k2k_pingpong(uint32_t n, int colocated, bk_stamp *stamps, uint32_t smid[2]) {
  rk_runtime rt;
  void *mem = NULL;
  size_t bytes = ((size_t)n + 1) * sizeof *stamps;
  int rc = rt_open(&rt);
  if (rc != RK_OK) return rc;
  rc = rk_mem_alloc(&rt, bytes, &mem);
  if (rc == RK_OK) rc = add_bouncers(&rt, colocated, (bk_stamp *)mem, (uint64_t)n + 1);
  if (rc == RK_OK) rc = start(&rt, 2);
  bk_ping p = {0, 2 * (uint64_t)n + 1};
  if (rc == RK_OK) rc = RK_HOST_SEND(&rt, 0, bk_ping, &p, WAIT_NS);
  if (rc == RK_OK) rc = recv_ping(&rt, &p);
  if (rc == RK_OK && p.hop != p.last) rc = RK_E_MALFORMED;
  if (rc == RK_OK) rc = rk_mem_copy_out(&rt, stamps, mem, bytes);
  for (uint32_t k = 0; rc == RK_OK && k < 2; k++) {
    bk_bounce_state s;
    rc = rk_kernel_state_read(&rt, k, &s, sizeof s);
    smid[k] = s.smid;
  }
  rk_mem_free(&rt, mem);
  return rt_end(&rt, rc);
}

/* The queue calls of a hop alone (bk_peer_queue_hop) beside the same
 * floor f as the ring kernels' rows above them: how much of a hop is the
 * queue protocol, and how much the loop and the handler around it. */
static void queue_hop_rows(bench *b, uint32_t n, int shared, bk_stamp *st, double *buf, stats f,
                           const char *what, const char *floor_is) {
  int rc = bk_peer_queue_hop(n, shared, st);
  if (rc != RK_OK) {
    fail(b, what, rc);
    return;
  }
  oneway_ns(st, n, buf);
  stats q = summarise(buf, n, LAT_WARMUP);
  char notes[128];
  snprintf(notes, sizeof notes,
           "2 warps: sole take at a cursor, reserve + commit, release; no loop, header, "
           "handler; %u round trips", LAT_ROUNDS);
  latency_rows(b, what, q, f, "-", floor_is, notes);
}

static void bench_k2k_latency(bench *b) {
  uint32_t n = LAT_WARMUP + LAT_ROUNDS, smid[2], fsmid[2];
  bk_stamp *st = malloc(((size_t)n + 1) * sizeof *st);
  double *rk = malloc(n * sizeof *rk), *fl = malloc(n * sizeof *fl);
  int rc = st && rk && fl ? RK_OK : RK_E_NOMEM;
  if (rc == RK_OK) rc = k2k_pingpong(n, 0, st, smid);
  if (rc == RK_OK) oneway_ns(st, n, rk);
  if (rc == RK_OK) rc = bk_floor_flag_pingpong(n, st, fsmid);
  if (rc == RK_OK) {
    oneway_ns(st, n, fl);
    stats r = summarise(rk, n, LAT_WARMUP), f = summarise(fl, n, LAT_WARMUP);
    char notes[96];
    snprintf(notes, sizeof notes, "ringk SMs %u/%u, floor SMs %u/%u; %u round trips",
             smid[0], smid[1], fsmid[0], fsmid[1], LAT_ROUNDS);
    latency_rows(b, "K2K one-way latency", r, f, "<= 1.3x",
                 "acquire/release flag ping-pong, 2 blocks", notes);
    queue_hop_rows(b, n, 0, st, rk, f, "K2K one-way latency, queue calls alone",
                   "acquire/release flag ping-pong, 2 blocks");
  } else {
    fail(b, "K2K latency", rc);
  }
  /* the same two kernels as a group: one block, a local queue each */
  rc = st && rk && fl ? RK_OK : RK_E_NOMEM;
  if (rc == RK_OK) rc = k2k_pingpong(n, 1, st, smid);
  if (rc == RK_OK) oneway_ns(st, n, rk);
  if (rc == RK_OK) rc = bk_floor_smem_pingpong(n, st);
  if (rc == RK_OK) {
    oneway_ns(st, n, fl);
    stats r = summarise(rk, n, LAT_WARMUP), f = summarise(fl, n, LAT_WARMUP);
    char notes[96];
    snprintf(notes, sizeof notes, "group bk_pair, SM %u/%u; %u round trips", smid[0], smid[1],
             LAT_ROUNDS);
    latency_rows(b, "K2K one-way latency, one block", r, f, "<= 100 ns",
                 "acquire/release flag ping-pong, 2 warps of 1 block", notes);
    queue_hop_rows(b, n, 1, st, rk, f, "K2K one-way latency, one block, queue calls alone",
                   "acquire/release flag ping-pong, 2 warps of 1 block");
  } else {
    fail(b, "K2K latency, one block", rc);
  }
  free(st);
  free(rk);
  free(fl);
}

/* ---- 2. host round trip --------------------------------------------------------- */

static int host_roundtrips(uint32_t n, double *ns) {
  rk_runtime rt;
  int rc = rt_open(&rt);
  if (rc != RK_OK) return rc;
  rc = add_bounce(&rt, 0, NULL, 0);
  if (rc == RK_OK) rc = start(&rt, 1);
  for (uint32_t i = 0; rc == RK_OK && i < n; i++) {
    bk_ping p = {0, 1};
    uint64_t t0 = rk_now_ns();
    rc = RK_HOST_SEND(&rt, 0, bk_ping, &p, WAIT_NS);
    if (rc == RK_OK) rc = recv_ping(&rt, &p);
    ns[i] = (double)(rk_now_ns() - t0);
  }
  return rt_end(&rt, rc);
}

static void bench_host_roundtrip(bench *b) {
  uint32_t n = LAT_WARMUP + LAT_ROUNDS;
  double *rk = malloc(n * sizeof *rk), *ping = malloc(n * sizeof *ping),
         *launch = malloc(n * sizeof *launch);
  int rc = rk && ping && launch ? RK_OK : RK_E_NOMEM;
  if (rc == RK_OK) rc = host_roundtrips(n, rk);
  if (rc == RK_OK) rc = bk_floor_mapped_ping(n, ping);
  if (rc == RK_OK) rc = bk_floor_launch_sync(n, launch);
  if (rc == RK_OK) {
    stats r = summarise(rk, n, LAT_WARMUP), p = summarise(ping, n, LAT_WARMUP),
          l = summarise(launch, n, LAT_WARMUP);
    const char *notes = "rk_host_send + rk_host_recv, one-warp echo kernel";
    latency_rows(b, "host round trip", r, p, "<= 1.3x",
                 "mapped-memory ping, 1-thread resident kernel", notes);
    latency_rows(b, "host round trip", r, l, "-", "empty kernel launch + cudaStreamSynchronize",
                 notes);
  } else {
    fail(b, "host round trip", rc);
  }
  free(rk);
  free(ping);
  free(launch);
}

/* ---- 3. K2K throughput ------------------------------------------------------------ */

typedef struct msg_size {
  const rk_kernel_def *sink;
  const rk_msg_codec *codec; /* max_payload is the size */
} msg_size;

static const msg_size sizes[] = {
    {&bk_sink16, &bk_m16_codec},   {&bk_sink64, &bk_m64_codec}, {&bk_sink256, &bk_m256_codec},
    {&bk_sink1k, &bk_m1k_codec}, {&bk_sink4k, &bk_m4k_codec},
};

static uint32_t pow2_at_least(uint32_t n) {
  uint32_t p = RK_QUEUE_MIN_CAPACITY;
  while (p < n) p *= 2;
  return p;
}

/* Messages a second the sink processed over the window, with errors and
 * refused sends of both kernels in *lost; *tokens is the source's token
 * handlings in the window and depth[] the two inboxes' depths at its end,
 * which tell a slow sink (its inbox full) from a slow source. Two tokens a
 * source lane keep every lane busy. Both inboxes are made of `shards`
 * queues of RING_CAP (the sink's) slots each. */
static int k2k_rate(const bench *b, const msg_size *sz, uint32_t shards, double *rate,
                    uint64_t *lost, uint64_t *tokens_handled, uint64_t depth[2]) {
  uint32_t threads = b->warps * WARP, tokens = 2 * b->sms * threads;
  rk_runtime rt;
  int rc = rt_open(&rt);
  if (rc != RK_OK) return rc;
  rc = add_kernel(&rt, sz->sink, b->sms, threads, RING_CAP, shards, NULL, 0);
  if (rc == RK_OK)
    rc = add_kernel(&rt, &bk_source, b->sms, threads, pow2_at_least(2 * tokens), shards, NULL, 0);
  if (rc == RK_OK) rc = start(&rt, 2);
  bk_go g = {0, sz->codec->type_id, sz->codec->max_payload, BURST};
  for (uint32_t i = 0; rc == RK_OK && i < tokens; i++) rc = RK_HOST_SEND(&rt, 1, bk_go, &g, WAIT_NS);
  uint64_t n0 = 0, n1 = 0, s0 = 0, s1 = 0, t0 = 0, t1 = 1;
  if (rc == RK_OK) {
    bk_sleep_ns(WARMUP_NS);
    rc = processed(&rt, 0, &n0);
    if (rc == RK_OK) rc = processed(&rt, 1, &s0);
    t0 = rk_now_ns();
  }
  if (rc == RK_OK) {
    bk_sleep_ns(WINDOW_NS);
    rc = processed(&rt, 0, &n1);
    if (rc == RK_OK) rc = processed(&rt, 1, &s1);
    t1 = rk_now_ns();
  }
  *rate = (double)(n1 - n0) * 1e9 / (double)(t1 - t0);
  *tokens_handled = s1 - s0;
  *lost = 0;
  for (uint32_t k = 0; rc == RK_OK && k < 2; k++) {
    rk_kernel_telemetry t;
    rc = rk_kernel_telemetry_get(&rt, k, &t);
    *lost += t.errors + t.send_failed;
    depth[k] = t.queue_depth;
  }
  return rt_end(&rt, rc);
}

/* One row: ringk's sink fed through an inbox of `shards` queues, beside
 * the bare ring (a set of as many queues) of the same slots. */
static void k2k_row(bench *b, const msg_size *sz, uint32_t shards) {
  uint32_t payload = sz->codec->max_payload;
  bk_ring_opts ro = {RK_HEADER_SIZE + payload, RING_CAP, b->sms, b->warps * WARP,
                     WARMUP_NS, WINDOW_NS, 0, shards};
  double rk = 0, fl = 0, faa = 0;
  uint64_t lost = 0, tokens = 0, depth[2] = {0, 0};
  int rc = k2k_rate(b, sz, shards, &rk, &lost, &tokens, depth);
  if (rc == RK_OK) rc = bk_floor_ring(&ro, &fl);
  /* The same single ring claiming by fetch-add: no retries, so the
   * atomic's rate. */
  ro.fetch_add = 1;
  ro.shards = 1;
  if (rc == RK_OK && shards == 1) rc = bk_floor_ring(&ro, &faa);
  if (rc != RK_OK) {
    fail(b, sz->codec->name, rc);
    return;
  }
  char what[96], floor[96], notes[256];
  snprintf(what, sizeof what, "K2K throughput, %u B%s", payload,
           shards > 1 ? ", sharded inbox" : "");
  snprintf(notes, sizeof notes,
           "%u+%u warps, slot %u B, %u x %u slots; errors+refused sends %llu; in the window "
           "%llu tokens handled, inbox depths at its end: sink %llu, source %llu",
           b->sms * b->warps, b->sms * b->warps, ro.slot_size, shards, RING_CAP,
           (unsigned long long)lost, (unsigned long long)tokens,
           (unsigned long long)depth[0], (unsigned long long)depth[1]);
  const char *goal = payload == 64 ? ">= 0.8x, >= 200 M msg/s" : ">= 0.8x";
  snprintf(floor, sizeof floor, "bare MPMC ring%s, warp-batched, same slots",
           shards > 1 ? "s (as many, as the inbox)" : "");
  row(b, what, U_RATE, rk, fl, goal, floor, notes);
  if (shards == 1)
    row(b, what, U_RATE, rk, faa, goal, "bare MPMC ring, warp-batched fetch-add claims, same slots",
        notes);
}

static void bench_k2k_throughput(bench *b) {
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    k2k_row(b, &sizes[i], 1);
    k2k_row(b, &sizes[i], b->shards);
  }
}

/* ---- 4. host -> GPU injection ------------------------------------------------------ */

/* Sends msg for INJECT_NS, one rk_host_send a message or (many) batches of
 * RK_HOST_RUN, then waits until the sink counted all of it. */
static int inject(const bench *b, const msg_size *sz, const void *msg, int many, double *rate) {
  rk_runtime rt;
  int rc = rt_open(&rt);
  if (rc != RK_OK) return rc;
  rc = add_kernel(&rt, sz->sink, b->sms, b->warps * WARP, RING_CAP, 1, NULL, 0);
  if (rc == RK_OK) rc = start(&rt, 1);
  uint64_t sent = 0, done = 0, t0 = rk_now_ns(), deadline;
  while (rc == RK_OK && ((sent & 63) != 0 || rk_now_ns() - t0 < INJECT_NS)) {
    uint32_t n = 0;
    rc = many ? rk_host_send_many(&rt, 0, sz->codec, msg, 0, RK_HOST_RUN, 0, WAIT_NS, &n)
              : rk_host_send(&rt, 0, sz->codec, msg, 0, WAIT_NS);
    sent += many ? n : rc == RK_OK;
  }
  for (deadline = rk_now_ns() + WAIT_NS; rc == RK_OK && done < sent;) {
    rc = processed(&rt, 0, &done);
    if (rc == RK_OK && rk_now_ns() > deadline) rc = RK_E_TIMEOUT;
  }
  *rate = (double)sent * 1e9 / (double)(rk_now_ns() - t0);
  return rt_end(&rt, rc);
}

static void bench_injection(bench *b) {
  double h2d = 0;
  int rc = bk_floor_h2d(H2D_BYTES, H2D_REPS, &h2d);
  if (rc != RK_OK) {
    fail(b, "pinned copy", rc);
    return;
  }
  static bk_m64 m64;
  static bk_m1k m1k;
  m64.bytes_count = sizeof m64.bytes;
  m1k.bytes_count = sizeof m1k.bytes;
  const void *msgs[] = {&m64, &m1k};
  const msg_size *sz[] = {&sizes[1], &sizes[3]};
  for (int i = 0; i < 4; i++) {
    double rate = 0;
    uint32_t payload = sz[i / 2]->codec->max_payload;
    int many = i % 2;
    rc = inject(b, sz[i / 2], msgs[i / 2], many, &rate);
    if (rc != RK_OK) {
      fail(b, "injection", rc);
      continue;
    }
    char what[64], notes[64];
    snprintf(what, sizeof what, "host->GPU injection, %u B%s", payload,
             many ? ", rk_host_send_many" : "");
    snprintf(notes, sizeof notes, "%.2f M msg/s (payload GB/s)", rate / 1e6);
    row(b, what, U_GBPS, rate * payload / 1e9, h2d, "-",
        "pinned cudaMemcpy H2D, 64 MiB", notes);
  }
}

/* ---- 5. start-up -------------------------------------------------------------------- */

static int startup_once(double *ns) {
  uint64_t t0 = rk_now_ns();
  rk_runtime rt;
  int rc = rt_open(&rt);
  if (rc != RK_OK) return rc;
  for (uint32_t i = 0; rc == RK_OK && i < 3; i++) rc = add_bounce(&rt, (i + 1) % 3, NULL, 0);
  if (rc == RK_OK) rc = start(&rt, 3);
  *ns = (double)(rk_now_ns() - t0);
  return rt_end(&rt, rc);
}

static void bench_startup(bench *b) {
  double rk[START_REPS], fl[START_REPS];
  int rc = RK_OK;
  for (uint32_t i = 0; rc == RK_OK && i < START_REPS; i++) {
    rc = startup_once(&rk[i]);
    if (rc == RK_OK) rc = bk_floor_start3(&fl[i]);
  }
  if (rc != RK_OK) {
    fail(b, "start-up", rc);
    return;
  }
  char notes[96];
  snprintf(notes, sizeof notes, "median of %u; the first (loads the kernels' code): %.2f ms, floor %.2f ms",
           START_REPS, rk[0] / 1e6, fl[0] / 1e6);
  stats r = summarise(rk, START_REPS, 0), f = summarise(fl, START_REPS, 0);
  row(b, "start-up, 3 kernels active, median", U_TIME, r.median, f.median, "<= 5 ms",
      "mapped memory + 3 resident echo grids answering", notes);
}

/* ---- main ------------------------------------------------------------------------------- */

static const char *const bench_names[] = {"startup", "latency", "host", "throughput",
                                          "injection"};
#define NBENCH (sizeof bench_names / sizeof bench_names[0])

/* Whether the comma-separated list names the benchmark. */
static int listed(const char *list, const char *name, size_t n) {
  for (const char *p = list;;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && !strncmp(p, name, n)) return 1;
    if (!end) return 0;
    p = end + 1;
  }
}

static int wanted(const bench *b, const char *name) {
  return b->only == NULL || listed(b->only, name, strlen(name));
}

/* Every name in --only is a benchmark's. */
static int only_valid(const char *list) {
  for (const char *p = list;;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    int known = 0;
    for (size_t i = 0; i < NBENCH; i++) known |= listed(bench_names[i], p, len);
    if (!known) return 0;
    if (!end) return 1;
    p = end + 1;
  }
}

static int parse_args(int argc, char **argv, bench *b) {
  b->warps = 4;
  b->shards = RK_QUEUE_MAX_SHARDS;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--warps") && v) {
      b->warps = (uint32_t)strtoul(v, NULL, 10);
      if (b->warps == 0 || b->warps > MAX_WARPS) return -1;
    } else if (!strcmp(a, "--shards") && v) {
      b->shards = (uint32_t)strtoul(v, NULL, 10);
      if (b->shards < 2 || b->shards > RK_QUEUE_MAX_SHARDS || (b->shards & (b->shards - 1)))
        return -1;
    } else if (!strcmp(a, "--only") && v) {
      b->only = v;
      if (!only_valid(v)) return -1;
    } else if (!strcmp(a, "--out") && v) {
      b->file = fopen(v, "w");
      if (b->file == NULL) return -1;
    } else {
      return -1;
    }
    i++;
  }
  return 0;
}


/* RK_E_NO_BACKEND from rk_runtime_init means no usable GPU: skip (77). */
static int gpu_usable(void) {
  rk_runtime rt;
  rk_runtime_opts o = {RK_BACKEND_CUDA, 0, 0, 0, 0};
  int rc = rk_runtime_init(&rt, &o);
  if (rc == RK_OK) rk_runtime_close(&rt);
  return rc != RK_E_NO_BACKEND;
}

int main(int argc, char **argv) {
  bench b;
  memset(&b, 0, sizeof b);
  if (parse_args(argc, argv, &b) != 0) {
    fprintf(stderr, "usage: rk_bench_cuda [--warps 1..32] [--shards 2..32] [--out FILE] "
                    "[--only startup,latency,host,throughput,injection]\n");
    return 2;
  }
  if (!gpu_usable()) {
    printf("rk_bench_cuda: skipped: no usable CUDA GPU (RK_E_NO_BACKEND)\n");
    return 77;
  }
  char name[256], when[32];
  int sms = 0, rc = bk_device_open(0, name, sizeof name, &sms);
  if (rc != RK_OK) {
    fail(&b, "device", rc);
    return 1;
  }
  b.sms = (uint32_t)sms;
  time_t now = time(NULL);
  strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
  emit(&b, "## rk_bench_cuda: %s, %d SMs, %u warps a block, %s\n\n", name, sms, b.warps, when);
  emit(&b, "| measure | ringk | floor | ratio | goal | floor measured as | notes |\n");
  emit(&b, "|---|---|---|---|---|---|---|\n");
  /* first, so that its first run also loads the kernels' code */
  if (wanted(&b, "startup")) bench_startup(&b);
  if (wanted(&b, "latency")) bench_k2k_latency(&b);
  if (wanted(&b, "host")) bench_host_roundtrip(&b);
  if (wanted(&b, "throughput")) bench_k2k_throughput(&b);
  if (wanted(&b, "injection")) bench_injection(&b);
  if (b.file) fclose(b.file);
  return b.failed ? 1 : 0;
}
