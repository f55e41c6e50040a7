/* bench_queue.c - rk_bench_queue: what moving a ringk message costs on the CPU,
 * printed beside the floor (memcpy) and a peer (Concurrency Kit's ck_ring)
 * measured in the same run.
 *
 * Messages are real ringk messages: the 48-byte header plus a bq_msg payload
 * whose array length makes the whole message exactly 64 or 256 bytes. Every
 * path below does the same work per message: encode it (header + payload),
 * move it through a bounded ring of capacity CAPACITY whose slots hold
 * exactly one message of that size, decode and validate it.
 *
 *   encode+decode  no ring at all: the codec alone (goal: <= 50 ns at 256 B).
 *   copy floor   encode into a buffer, memcpy into a ring slot, memcpy out,
 *                  decode: what any copying queue must cost, without sync.
 *   ringk 0-copy   rk_queue_reserve, encode into the slot, commit; peek,
 *                  decode out of the slot, release.
 *   ringk copy     encode into a buffer, rk_queue_try_enqueue (copies in),
 *                  rk_queue_try_dequeue (copies out), decode.
 *   ck_ring        encode into a record, ck_ring_enqueue_mpmc_<rec> (copies
 *                  the record in), ck_ring_dequeue_mpmc_<rec> (copies it
 *                  out), decode: ck's typed-record MPMC ring
 *                  (CK_RING_PROTOTYPE), records the size of the message.
 *
 * One thread moves bursts of BURST messages in, then out. The MPMC runs use
 * 1 or 2 producer/consumer pairs of threads; a thread that finds its ring
 * full or empty spins briefly, then yields (the same policy for every ring).
 * Each figure is the best of REPS runs; run the program twice to see the
 * spread. Without libck-dev the ck_ring columns read "n/a". */
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ringk/schema.h"

#ifdef RK_BENCH_HAVE_CK
#include <ck_ring.h>
#endif

/* 48 + 12 + 4 * data_count bytes: 64 with one element, 256 with 49. */
#define BQ_FIELDS(F, A)                                                       \
  F(uint32_t, node, 0)                                                        \
  F(uint32_t, iter, 0)                                                        \
  A(uint32_t, data, 49)
RK_MESSAGE(bq_msg, 0x0B01, 1, BQ_FIELDS);
RK_STATIC_ASSERT(bq_msg_max_size == 256, "the large message is 256 bytes");

enum { CAPACITY = 1024, BURST = 32, REPS = 5 };
#define MT_STALL_NS 20000000000ull /* a run takes well under a second */

#define BQ_INLINE static inline __attribute__((always_inline))

typedef enum path { P_RINGK_ZERO, P_RINGK_COPY, P_CK } path;

/* Message count for one run: full, or a quick smoke run (--quick). */
static uint64_t st_msgs = 1u << 21, mt_msgs = 1u << 22;
static int reps = REPS;

/* ---- messages ------------------------------------------------------------ */

static bq_msg make_proto(uint32_t size) {
  bq_msg m;
  memset(&m, 0, sizeof m);
  m.iter = 7;
  m.data_count = (size - RK_HEADER_SIZE - 12) / 4;
  for (uint32_t k = 0; k < m.data_count; k++) m.data[k] = k * 2654435761u;
  return m;
}

/* Encodes message number i (header + payload) into dst of cap bytes;
 * returns its length, 0 if it does not fit. */
BQ_INLINE uint32_t encode_msg(bq_msg *m, uint32_t i, uint8_t *dst, uint32_t cap) {
  m->node = i;
  int64_t n = bq_msg_encode(m, dst + RK_HEADER_SIZE, cap - RK_HEADER_SIZE);
  if (n < 0) return 0;
  rk_msg_header h;
  rk_header_init(&h, bq_msg_type_id, bq_msg_schema, (uint32_t)n);
  h.seq = i;
  rk_header_encode(&h, dst);
  return RK_HEADER_SIZE + (uint32_t)n;
}

/* Validates and decodes len bytes at src; folds the values into *sink so
 * that the work cannot be optimised away. Returns 0, or 1 on a bad message. */
BQ_INLINE int decode_msg(const uint8_t *src, uint32_t len, uint64_t *sink) {
  rk_msg msg;
  bq_msg out;
  int rc = rk_msg_decode(src, len, &msg);
  if (rc == RK_OK) rc = bq_msg_decode_msg(&msg, &out);
  if (rc != RK_OK || out.data_count == 0) return 1;
  *sink += out.node + out.data[out.data_count - 1];
  return 0;
}

/* ---- ck_ring, records of 64 and 256 bytes -------------------------------- */

#ifdef RK_BENCH_HAVE_CK
struct rec64 { uint8_t b[64]; };
struct rec256 { uint8_t b[256]; };
CK_RING_PROTOTYPE(rec64, rec64)
CK_RING_PROTOTYPE(rec256, rec256)

BQ_INLINE bool ck_put(ck_ring_t *r, void *slots, void *rec, uint32_t size) {
  return size == 64 ? ck_ring_enqueue_mpmc_rec64(r, slots, rec)
                    : ck_ring_enqueue_mpmc_rec256(r, slots, rec);
}

BQ_INLINE bool ck_get(ck_ring_t *r, void *slots, void *rec, uint32_t size) {
  return size == 64 ? ck_ring_dequeue_mpmc_rec64(r, slots, rec)
                    : ck_ring_dequeue_mpmc_rec256(r, slots, rec);
}
#else
typedef struct ck_ring { int unused; } ck_ring_t;
BQ_INLINE bool ck_put(ck_ring_t *r, void *slots, void *rec, uint32_t size) {
  (void)r, (void)slots, (void)rec, (void)size;
  return false;
}
BQ_INLINE bool ck_get(ck_ring_t *r, void *slots, void *rec, uint32_t size) {
  return ck_put(r, slots, rec, size);
}
#endif

static int have_ck(void) {
#ifdef RK_BENCH_HAVE_CK
  return 1;
#else
  return 0;
#endif
}

/* ---- the rings under test ------------------------------------------------ */

typedef struct rings {
  uint32_t size;       /* message and slot/record size */
  rk_queue *q;
  ck_ring_t *ck;
  uint8_t *ck_slots;   /* CAPACITY records of size bytes */
  uint8_t *plain;      /* CAPACITY slots for the copy floor */
} rings;

static void *xalloc(size_t n) {
  void *p = aligned_alloc(RK_CACHELINE, (n + RK_CACHELINE - 1) & ~(size_t)(RK_CACHELINE - 1));
  if (p == NULL) {
    fprintf(stderr, "rk_bench_queue: out of memory\n");
    exit(1);
  }
  return p;
}

static void rings_init(rings *r, uint32_t size) {
  r->size = size;
  if (rk_queue_create(&r->q, CAPACITY, size) != RK_OK) exit(1);
  r->ck = xalloc(sizeof *r->ck);
#ifdef RK_BENCH_HAVE_CK
  ck_ring_init(r->ck, CAPACITY);
#endif
  r->ck_slots = xalloc((size_t)CAPACITY * size);
  r->plain = xalloc((size_t)CAPACITY * size);
}

static void rings_free(rings *r) {
  rk_queue_destroy(r->q);
  free(r->ck);
  free(r->ck_slots);
  free(r->plain);
}

/* ---- one thread ----------------------------------------------------------- */

/* Counters a single-thread loop keeps; bad must stay 0. */
typedef struct st_acc {
  uint64_t sink;
  uint64_t bad;
} st_acc;

static void st_codec(rings *r, bq_msg *m, uint64_t n, st_acc *a) {
  uint8_t buf[256] __attribute__((aligned(16)));
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len = encode_msg(m, i, buf, r->size);
    a->bad += decode_msg(buf, len, &a->sink);
  }
}

static void st_memcpy(rings *r, bq_msg *m, uint64_t n, st_acc *a) {
  uint8_t in[256] __attribute__((aligned(16))), out[256] __attribute__((aligned(16)));
  uint32_t lens[BURST];
  for (uint32_t i = 0; i < n; i += BURST) {
    for (uint32_t k = 0; k < BURST; k++) {
      lens[k] = encode_msg(m, i + k, in, r->size);
      memcpy(r->plain + (size_t)((i + k) % CAPACITY) * r->size, in, lens[k]);
    }
    for (uint32_t k = 0; k < BURST; k++) {
      memcpy(out, r->plain + (size_t)((i + k) % CAPACITY) * r->size, lens[k]);
      a->bad += decode_msg(out, lens[k], &a->sink);
    }
  }
}

static void st_ringk_zero(rings *r, bq_msg *m, uint64_t n, st_acc *a) {
  rk_slot_ref ref;
  for (uint32_t i = 0; i < n; i += BURST) {
    for (uint32_t k = 0; k < BURST; k++) {
      if (rk_queue_reserve(r->q, r->size, &ref) != RK_OK) {
        a->bad++;
        continue;
      }
      rk_queue_commit(r->q, &ref, encode_msg(m, i + k, ref.data, r->size));
    }
    for (uint32_t k = 0; k < BURST; k++) {
      if (rk_queue_peek(r->q, &ref) != RK_OK) {
        a->bad++;
        continue;
      }
      a->bad += decode_msg(ref.data, ref.len, &a->sink);
      rk_queue_release(r->q, &ref);
    }
  }
}

static void st_ringk_copy(rings *r, bq_msg *m, uint64_t n, st_acc *a) {
  uint8_t in[256] __attribute__((aligned(16))), out[256] __attribute__((aligned(16)));
  for (uint32_t i = 0; i < n; i += BURST) {
    for (uint32_t k = 0; k < BURST; k++) {
      uint32_t len = encode_msg(m, i + k, in, r->size);
      a->bad += rk_queue_try_enqueue(r->q, in, len) != RK_OK;
    }
    for (uint32_t k = 0; k < BURST; k++) {
      uint32_t len = 0;
      if (rk_queue_try_dequeue(r->q, out, sizeof out, &len) != RK_OK) a->bad++;
      else a->bad += decode_msg(out, len, &a->sink);
    }
  }
}

static void st_ck(rings *r, bq_msg *m, uint64_t n, st_acc *a) {
  uint8_t in[256] __attribute__((aligned(16))), out[256] __attribute__((aligned(16)));
  for (uint32_t i = 0; i < n; i += BURST) {
    for (uint32_t k = 0; k < BURST; k++) {
      encode_msg(m, i + k, in, r->size);
      a->bad += !ck_put(r->ck, r->ck_slots, in, r->size);
    }
    for (uint32_t k = 0; k < BURST; k++) {
      if (!ck_get(r->ck, r->ck_slots, out, r->size)) a->bad++;
      else a->bad += decode_msg(out, r->size, &a->sink);
    }
  }
}

typedef void (*st_fn)(rings *r, bq_msg *m, uint64_t n, st_acc *a);

/* Best ns per message of REPS runs of fn; exits on any bad message. */
static double st_best(st_fn fn, rings *r, uint64_t *sink) {
  bq_msg m = make_proto(r->size);
  double best = 1e30;
  for (int rep = 0; rep < reps; rep++) {
    st_acc a = {0, 0};
    uint64_t t0 = rk_now_ns();
    fn(r, &m, st_msgs, &a);
    double ns = (double)(rk_now_ns() - t0) / (double)st_msgs;
    if (a.bad) {
      fprintf(stderr, "rk_bench_queue: %llu bad messages\n", (unsigned long long)a.bad);
      exit(1);
    }
    *sink += a.sink;
    if (ns < best) best = ns;
  }
  return best;
}

/* ---- several threads ------------------------------------------------------ */

typedef struct mt_run {
  rings *r;
  path how;
  uint64_t per_producer;
  uint64_t total;
  uint64_t consumed;   /* flushed by consumers in batches */
  uint64_t bad;
  uint64_t sink;
  uint64_t deadline;   /* rk_now_ns() past which a waiting thread gives up */
  int stalled;         /* set by a thread that gave up */
  pthread_barrier_t start;
} mt_run;

typedef struct mt_thread {
  mt_run *run;
  uint32_t id;
  uint64_t t_start, t_end;  /* rk_now_ns() after the barrier, at the end */
  pthread_t tid;
} mt_thread;

/* Spin a little, then give the core away: with more threads than cores a
 * spinning waiter would only delay the thread it waits for. Returns 0 once
 * the run is past its deadline (a ring that stopped moving: every thread
 * then leaves, and the run is reported as stalled instead of hanging). */
BQ_INLINE int wait_turn(mt_run *run, uint32_t *spins) {
  if (++*spins < 64) {
    rk_cpu_relax();
    return 1;
  }
  sched_yield();
  if ((*spins & 1023) == 0 && rk_now_ns() > run->deadline)
    __atomic_store_n(&run->stalled, 1, __ATOMIC_RELAXED);
  return !__atomic_load_n(&run->stalled, __ATOMIC_RELAXED);
}

static void *mt_producer(void *arg) {
  mt_thread *t = arg;
  mt_run *run = t->run;
  rings *r = run->r;
  bq_msg m = make_proto(r->size);
  uint8_t in[256] __attribute__((aligned(16)));
  uint32_t base = t->id << 24;
  pthread_barrier_wait(&run->start);
  t->t_start = rk_now_ns();
  for (uint32_t i = 0; i < run->per_producer; i++) {
    uint32_t spins = 0;
    if (run->how == P_RINGK_ZERO) {
      rk_slot_ref ref;
      while (rk_queue_reserve(r->q, r->size, &ref) != RK_OK)
        if (!wait_turn(run, &spins)) return NULL;
      rk_queue_commit(r->q, &ref, encode_msg(&m, base + i, ref.data, r->size));
    } else if (run->how == P_RINGK_COPY) {
      uint32_t len = encode_msg(&m, base + i, in, r->size);
      while (rk_queue_try_enqueue(r->q, in, len) != RK_OK)
        if (!wait_turn(run, &spins)) return NULL;
    } else {
      encode_msg(&m, base + i, in, r->size);
      while (!ck_put(r->ck, r->ck_slots, in, r->size))
        if (!wait_turn(run, &spins)) return NULL;
    }
  }
  t->t_end = rk_now_ns();
  return NULL;
}

/* Takes one message by the run's path; 1 if one was taken. */
BQ_INLINE int take_one(mt_run *run, uint8_t *out, uint64_t *bad, uint64_t *sink) {
  rings *r = run->r;
  if (run->how == P_RINGK_ZERO) {
    rk_slot_ref ref;
    if (rk_queue_peek(r->q, &ref) != RK_OK) return 0;
    *bad += decode_msg(ref.data, ref.len, sink);
    rk_queue_release(r->q, &ref);
    return 1;
  }
  if (run->how == P_RINGK_COPY) {
    uint32_t len;
    if (rk_queue_try_dequeue(r->q, out, 256, &len) != RK_OK) return 0;
    *bad += decode_msg(out, len, sink);
    return 1;
  }
  if (!ck_get(r->ck, r->ck_slots, out, r->size)) return 0;
  *bad += decode_msg(out, r->size, sink);
  return 1;
}

static void *mt_consumer(void *arg) {
  mt_thread *t = arg;
  mt_run *run = t->run;
  uint8_t out[256] __attribute__((aligned(16)));
  uint64_t unflushed = 0, bad = 0, sink = 0;
  uint32_t spins = 0;
  pthread_barrier_wait(&run->start);
  t->t_start = rk_now_ns();
  for (;;) {
    if (take_one(run, out, &bad, &sink)) {
      spins = 0;
      /* The shared count is touched once per 256 messages, not per message. */
      if (++unflushed == 256) {
        __atomic_fetch_add(&run->consumed, unflushed, __ATOMIC_RELAXED);
        unflushed = 0;
      }
      continue;
    }
    /* Empty: publish what we took, stop when everything was taken. */
    __atomic_fetch_add(&run->consumed, unflushed, __ATOMIC_RELAXED);
    unflushed = 0;
    if (__atomic_load_n(&run->consumed, __ATOMIC_RELAXED) >= run->total) break;
    if (!wait_turn(run, &spins)) break;
  }
  __atomic_fetch_add(&run->bad, bad, __ATOMIC_RELAXED);
  __atomic_fetch_add(&run->sink, sink, __ATOMIC_RELAXED);
  t->t_end = rk_now_ns();
  return NULL;
}

/* One run of `pairs` producers and consumers; returns messages per second
 * from the first thread's start to the last one's end (the main thread's
 * own clock could be read late on a busy machine), or -1 if the ring
 * stopped moving for MT_STALL_NS. */
static double mt_once(rings *r, path how, uint32_t pairs, uint64_t *sink) {
  static const char *const names[] = {"ringk 0-copy", "ringk copy", "ck_ring"};
  mt_run run;
  memset(&run, 0, sizeof run);
  run.r = r;
  run.how = how;
  run.per_producer = mt_msgs / pairs;
  run.total = run.per_producer * pairs;
  run.deadline = rk_now_ns() + MT_STALL_NS;
  pthread_barrier_init(&run.start, NULL, 2 * pairs);
  mt_thread th[8];
  for (uint32_t i = 0; i < 2 * pairs; i++) {
    th[i] = (mt_thread){&run, i / 2, 0, 0, 0};
    if (pthread_create(&th[i].tid, NULL, i % 2 ? mt_consumer : mt_producer, &th[i])) exit(1);
  }
  uint64_t first = UINT64_MAX, last = 0;
  for (uint32_t i = 0; i < 2 * pairs; i++) {
    pthread_join(th[i].tid, NULL);
    if (th[i].t_start < first) first = th[i].t_start;
    if (th[i].t_end > last) last = th[i].t_end;
  }
  double secs = (double)(last - first) / 1e9;
  pthread_barrier_destroy(&run.start);
  if (run.stalled) {
    fprintf(stderr, "rk_bench_queue: %s, %u B, %u pair(s): stalled, %llu of %llu messages "
                    "taken in %.0f s; the run was abandoned\n",
            names[how], r->size, pairs, (unsigned long long)run.consumed,
            (unsigned long long)run.total, MT_STALL_NS / 1e9);
    return -1;
  }
  if (run.bad || run.consumed != run.total) {
    fprintf(stderr, "rk_bench_queue: %llu bad, %llu of %llu taken\n",
            (unsigned long long)run.bad, (unsigned long long)run.consumed,
            (unsigned long long)run.total);
    exit(1);
  }
  *sink += run.sink;
  return (double)run.total / secs;
}

/* The best of the runs; -1 as soon as one stalls (the ring's state is
 * then unknown, and the next run would stall as well). */
static double mt_best(rings *r, path how, uint32_t pairs, uint64_t *sink) {
  double best = 0;
  for (int rep = 0; rep < reps; rep++) {
    double rate = mt_once(r, how, pairs, sink);
    if (rate < 0) return rate;
    if (rate > best) best = rate;
  }
  return best;
}

/* ---- output ---------------------------------------------------------------- */

static FILE *out_file;

/* printf to stdout and, with --out, to the file too. */
__attribute__((format(printf, 1, 2))) static void emit(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  if (out_file) {
    va_start(ap, fmt);
    vfprintf(out_file, fmt, ap);
    va_end(ap);
  }
}

static void cpu_model(char *buf, size_t cap) {
  snprintf(buf, cap, "unknown CPU");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (f == NULL) return;
  char line[256];
  while (fgets(line, sizeof line, f)) {
    char *colon = strchr(line, ':');
    if (strncmp(line, "model name", 10) == 0 && colon) {
      snprintf(buf, cap, "%s", colon + 2);
      buf[strcspn(buf, "\n")] = '\0';
      break;
    }
  }
  fclose(f);
}

/* A figure with prec decimals, or "stalled" for a run abandoned (< 0). */
static void emit_value(double v, int prec) {
  if (v < 0) emit(" stalled |");
  else emit(" %.*f |", prec, v);
}

/* A ck_ring figure, or n/a without libck. */
static void emit_ck(double v, int prec) {
  if (have_ck()) emit_value(v, prec);
  else emit(" n/a |");
}

static void emit_ratio(double num, double den) {
  if (have_ck() && den > 0 && num > 0) emit(" %.2f |", num / den);
  else emit(" n/a |");
}

static void report_single(uint64_t *sink) {
  emit("\n### One thread: ns per message (encode + enqueue + dequeue + decode)\n\n"
       "Bursts of %d messages in, then out; ring capacity %d; best of %d runs of "
       "%llu messages.\n\n",
       BURST, CAPACITY, reps, (unsigned long long)st_msgs);
  emit("| message | encode+decode | copy floor | ringk 0-copy | ringk copy | ck_ring "
       "| ck_ring ÷ ringk 0-copy | copy floor ÷ ringk 0-copy |\n"
       "|---|---:|---:|---:|---:|---:|---:|---:|\n");
  static const uint32_t sizes[] = {64, 256};
  for (int s = 0; s < 2; s++) {
    rings r;
    rings_init(&r, sizes[s]);
    double codec = st_best(st_codec, &r, sink);
    double floor = st_best(st_memcpy, &r, sink);
    double zero = st_best(st_ringk_zero, &r, sink);
    double copy = st_best(st_ringk_copy, &r, sink);
    double ck = have_ck() ? st_best(st_ck, &r, sink) : 0;
    emit("| %u B | %.1f | %.1f | %.1f | %.1f |", sizes[s], codec, floor, zero, copy);
    emit_ck(ck, 1);
    emit_ratio(ck, zero);
    emit(" %.2f |\n", floor / zero);
    if (sizes[s] == 256)
      emit("\nEncode + decode of a 256-byte message: %.1f ns (goal: <= 50 ns): %s.\n",
           codec, codec <= 50 ? "met" : "NOT met");
    rings_free(&r);
  }
}

/* Returns how many ringk runs stalled (a bug; a stalled ck_ring is the
 * peer's, reported in the table). */
static int report_mpmc(uint64_t *sink) {
  int stalls = 0;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  emit("\n### MPMC throughput: million messages per second\n\n"
       "Each producer encodes and enqueues, each consumer dequeues and decodes; "
       "ring capacity %d; best of %d runs of %llu messages. This machine has %ld "
       "core(s): 2 pairs = 4 threads%s.\n\n",
       CAPACITY, reps, (unsigned long long)mt_msgs, cores,
       cores < 4 ? ", more threads than cores (oversubscribed)" : "");
  emit("| message | pairs | ringk 0-copy | ringk copy | ck_ring | copy floor, 1 thread "
       "| ringk 0-copy ÷ ck_ring | ringk copy ÷ ck_ring |\n"
       "|---|---:|---:|---:|---:|---:|---:|---:|\n");
  static const uint32_t sizes[] = {64, 256};
  for (int s = 0; s < 2; s++) {
    rings r;
    rings_init(&r, sizes[s]);
    double floor = 1e3 / st_best(st_memcpy, &r, sink);
    for (uint32_t pairs = 1; pairs <= 2; pairs++) {
      double zero = mt_best(&r, P_RINGK_ZERO, pairs, sink) / 1e6;
      double copy = mt_best(&r, P_RINGK_COPY, pairs, sink) / 1e6;
      double ck = have_ck() ? mt_best(&r, P_CK, pairs, sink) / 1e6 : 0;
      emit("| %u B | %u |", sizes[s], pairs);
      emit_value(zero, 2);
      emit_value(copy, 2);
      emit_ck(ck, 2);
      emit(" %.2f |", floor);
      emit_ratio(zero, ck);
      emit_ratio(copy, ck);
      emit("\n");
      stalls += zero < 0 || copy < 0;
    }
    rings_free(&r);
  }
  return stalls;
}

static void usage(void) {
  fprintf(stderr, "usage: rk_bench_queue [--out FILE] [--quick]\n"
                  "  --out FILE  also write the markdown tables to FILE\n"
                  "  --quick     one short run of each (a smoke test, not a measurement)\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *out_path = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) out_path = argv[++i];
    else if (strcmp(argv[i], "--quick") == 0) st_msgs = mt_msgs = 1u << 14, reps = 1;
    else usage();
  }
  if (out_path && (out_file = fopen(out_path, "w")) == NULL) {
    perror(out_path);
    return 1;
  }

  char model[128], date[32];
  cpu_model(model, sizeof model);
  time_t now = time(NULL);
  strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
  emit("## rk_bench_queue\n\n%s; %s; %ld online core(s).\n", date, model,
       sysconf(_SC_NPROCESSORS_ONLN));
  if (!have_ck()) emit("\nck_ring: not built (libck-dev not found); its columns read n/a.\n");

  uint64_t sink = 0;
  report_single(&sink);
  int stalls = report_mpmc(&sink);
  emit("\n(checksum of decoded values: %llu)\n", (unsigned long long)sink);
  if (out_file) fclose(out_file);
  return stalls ? 1 : 0;
}
