/* test_queue_stress.c - the slot queue under several producers and
 * consumers at once: no message lost, none duplicated, none damaged, and
 * each producer's messages seen in order by every consumer.
 *
 * Each message is a full ringk message (header + payload) whose payload
 * names its producer and per-producer sequence number and carries a
 * variable-length body with its checksum. Producers rotate through the
 * waiting copy, the zero-copy and the non-waiting copy enqueue and runs of
 * up to RUN_MAX messages claimed together (rk_queue_reserve_run), consumers
 * through the matching dequeues and runs (rk_queue_take_run), so every path
 * meets every other. At the
 * end a table of (producer, seq) counts must hold exactly one everywhere,
 * and the queue's counters must match what the threads saw.
 *
 * The same with sets of queues (a sharded inbox): producer p sends to
 * queue p % shards, consumers take from every queue in turn.
 *
 * Also: a consumer asleep on an empty queue is woken by the next enqueue.
 *
 * RK_STRESS_SCALE multiplies the message counts (sanitized builds use 0.1). */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ringk/schema.h"
#include "testutil.h"

enum { BODY_MAX = 200, MAX_PRODUCERS = 8, MAX_THREADS = 16, RUN_MAX = 9 };

#define STRESS_FIELDS(F, A)                                                   \
  F(uint32_t, producer, 0)                                                    \
  F(uint32_t, seq, 0)                                                         \
  F(uint32_t, sum, 0)                                                         \
  A(uint8_t, body, BODY_MAX)
RK_MESSAGE(stress_msg, 0x0E01, 1, STRESS_FIELDS);

/* Long enough never to expire unless the queue is broken (then the test
 * fails instead of hanging). */
static const uint64_t WAIT_NS = 30ull * 1000 * 1000 * 1000;
static const uint64_t POLL_NS = 1000 * 1000;

typedef struct config {
  uint32_t producers, consumers, capacity, per_producer;
  uint32_t shards; /* queues in the set: producer p sends to queue p % shards */
} config;

typedef struct shared {
  rk_queue *q;              /* the set's first queue */
  uint64_t poll_ns;         /* a waiting dequeue's wait: 0 in a set, where a
                               queue whose producers are done would make
                               every visit wait it out */
  config cfg;
  uint8_t *seen;            /* [producer * per_producer + seq]: times consumed */
  uint64_t consumed;        /* messages taken so far, all consumers */
  pthread_barrier_t start;
} shared;

typedef struct worker {
  shared *sh;
  uint32_t id;
  uint64_t errors;          /* consumer: bad messages; producer: failed sends */
  uint64_t taken;           /* consumer: messages taken */
  uint64_t full;            /* producer: RK_E_FULL from the non-waiting form */
  pthread_t thread;
} worker;

/* The message (producer p, number seq): body length and bytes derive from
 * (p, seq), so a consumer can tell a swapped body from the right one. */
static void make_msg(uint32_t p, uint32_t seq, stress_msg *m) {
  uint64_t rng = ((uint64_t)p << 32) | seq;
  m->producer = p;
  m->seq = seq;
  m->body_count = (uint32_t)(tu_rand(&rng) % (BODY_MAX + 1));
  tu_rand_fill(&rng, m->body, m->body_count);
  m->sum = tu_fnv1a(tu_fnv1a(TU_FNV_SEED, &seq, 4), m->body, m->body_count);
}

/* Writes header + payload of m to dst; the caller sized dst. */
static uint32_t encode_msg(const stress_msg *m, uint8_t *dst) {
  int64_t n = stress_msg_payload_size(m);
  rk_msg_header h;
  rk_header_init(&h, stress_msg_type_id, stress_msg_schema, (uint32_t)n);
  h.sender = m->producer;
  h.seq = m->seq;
  rk_header_encode(&h, dst);
  stress_msg_write(m, dst + RK_HEADER_SIZE);
  return RK_HEADER_SIZE + (uint32_t)n;
}

/* Enqueues m by one of three paths; counts RK_E_FULL retries in *full. */
static int produce_one(rk_queue *q, const stress_msg *m, uint32_t path, uint64_t *full) {
  uint8_t buf[stress_msg_max_size];
  if (path == 0) return rk_queue_enqueue(q, buf, encode_msg(m, buf), WAIT_NS);
  if (path == 1) {
    rk_slot_ref ref;
    uint32_t len = RK_HEADER_SIZE + (uint32_t)stress_msg_payload_size(m);
    int rc = rk_queue_reserve_wait(q, len, &ref, WAIT_NS);
    if (rc != RK_OK) return rc;
    rk_queue_commit(q, &ref, encode_msg(m, ref.data));
    return RK_OK;
  }
  uint32_t len = encode_msg(m, buf);
  int rc;
  while ((rc = rk_queue_try_enqueue(q, buf, len)) == RK_E_FULL) {
    (*full)++;
    sched_yield();
  }
  return rc;
}

/* Enqueues producer p's messages seq .. seq + n - 1 as one run, or the
 * first part of them that there is room for; returns how many. */
static uint32_t produce_run(rk_queue *q, uint32_t p, uint32_t seq, uint32_t n) {
  uint64_t pos;
  uint32_t got;
  while ((got = rk_queue_reserve_run(q, n, &pos)) == 0) sched_yield();
  for (uint32_t i = 0; i < got; i++) {
    stress_msg m;
    make_msg(p, seq + i, &m);
    rk_slot_ref ref;
    rk_slot_ref_set(&ref, rk_queue_slot(q, pos + i), pos + i, q->slot_size);
    rk_queue_publish(&ref, encode_msg(&m, ref.data));
  }
  rk_queue_note_commit(q, pos + got - 1);
  return got;
}

static void *producer_main(void *arg) {
  worker *w = arg;
  shared *sh = w->sh;
  stress_msg m;
  pthread_barrier_wait(&sh->start);
  rk_queue *q = rk_queue_shard(sh->q, w->id);
  for (uint32_t seq = 0; seq < sh->cfg.per_producer;) {
    uint32_t path = (seq + w->id) % 4, left = sh->cfg.per_producer - seq;
    if (path == 3) {
      uint32_t n = 1 + seq % RUN_MAX;
      seq += produce_run(q, w->id, seq, n < left ? n : left);
      continue;
    }
    make_msg(w->id, seq, &m);
    if (produce_one(q, &m, path, &w->full) != RK_OK) w->errors++;
    seq++;
  }
  return NULL;
}

/* Checks one received message; last[p] is the last seq seen from p. */
static int message_ok(shared *sh, const uint8_t *data, uint32_t len, int64_t *last) {
  rk_msg msg;
  stress_msg m;
  if (rk_msg_decode(data, len, &msg) != RK_OK) return 0;
  if (RK_HEADER_SIZE + msg.hdr.payload_len != len) return 0;
  if (stress_msg_decode_msg(&msg, &m) != RK_OK) return 0;
  if (m.producer >= sh->cfg.producers || m.seq >= sh->cfg.per_producer) return 0;
  if (msg.hdr.sender != m.producer || msg.hdr.seq != m.seq) return 0;
  if ((int64_t)m.seq <= last[m.producer]) return 0; /* reordered or repeated */
  last[m.producer] = m.seq;
  if (tu_fnv1a(tu_fnv1a(TU_FNV_SEED, &m.seq, 4), m.body, m.body_count) != m.sum) return 0;
  stress_msg want;
  make_msg(m.producer, m.seq, &want);
  if (want.body_count != m.body_count || want.sum != m.sum) return 0;
  /* relaxed: the counts are read after every thread is joined. */
  __atomic_fetch_add(&sh->seen[(size_t)m.producer * sh->cfg.per_producer + m.seq], 1,
                     __ATOMIC_RELAXED);
  return 1;
}

/* Takes messages by one of four paths: one (three ways), or a run of up to
 * RUN_MAX claimed together; *n is how many. RK_E_TIMEOUT or RK_E_EMPTY when
 * none came. */
static int consume(shared *sh, rk_queue *q, uint32_t path, int64_t *last, uint64_t *errors,
                   uint32_t *n) {
  uint8_t buf[stress_msg_max_size];
  uint32_t len;
  int rc;
  *n = 1;
  if (path == 3) {
    uint64_t pos;
    *n = rk_queue_take_run(q, RUN_MAX, &pos);
    for (uint32_t i = 0; i < *n; i++) {
      rk_slot_ref ref;
      rk_slot_ref_set(&ref, rk_queue_slot(q, pos + i), pos + i, 0);
      if (!message_ok(sh, ref.data, ref.slot->len, last)) (*errors)++;
      rk_queue_release(q, &ref);
    }
    return *n ? RK_OK : RK_E_EMPTY;
  }
  if (path == 1) {
    rk_slot_ref ref;
    rc = rk_queue_peek_wait(q, &ref, sh->poll_ns);
    if (rc != RK_OK) return rc;
    if (!message_ok(sh, ref.data, ref.len, last)) (*errors)++;
    rk_queue_release(q, &ref);
    return RK_OK;
  }
  rc = path == 0 ? rk_queue_dequeue(q, buf, sizeof buf, &len, sh->poll_ns)
                 : rk_queue_try_dequeue(q, buf, sizeof buf, &len);
  if (rc == RK_OK && !message_ok(sh, buf, len, last)) (*errors)++;
  return rc;
}

static void *consumer_main(void *arg) {
  worker *w = arg;
  shared *sh = w->sh;
  const uint64_t total = (uint64_t)sh->cfg.producers * sh->cfg.per_producer;
  int64_t last[MAX_PRODUCERS];
  for (int i = 0; i < MAX_PRODUCERS; i++) last[i] = -1;
  pthread_barrier_wait(&sh->start);
  for (uint64_t n = 0;; n++) {
    uint32_t k = 0;
    /* each call on the next queue of the set, its own first */
    rk_queue *q = rk_queue_shard(sh->q, (uint32_t)(w->id + n));
    int rc = consume(sh, q, (uint32_t)((n + w->id) % 4), last, &w->errors, &k);
    if (rc == RK_OK) {
      w->taken += k;
      __atomic_fetch_add(&sh->consumed, k, __ATOMIC_RELAXED);
    } else if (rc == RK_E_EMPTY) {
      sched_yield();
    } else if (rc != RK_E_TIMEOUT) {
      w->errors++;
    }
    if (__atomic_load_n(&sh->consumed, __ATOMIC_RELAXED) >= total) break;
  }
  return NULL;
}

static void run_config(config cfg) {
  shared sh;
  memset(&sh, 0, sizeof sh);
  sh.cfg = cfg;
  sh.poll_ns = cfg.shards > 1 ? 0 : POLL_NS;
  const uint64_t total = (uint64_t)cfg.producers * cfg.per_producer;
  uint32_t slot = stress_msg_max_size;
  CHECK_OK(rk_queue_set_create(&sh.q, cfg.shards, cfg.capacity, slot));
  sh.seen = calloc(total, 1);
  if (sh.q == NULL || sh.seen == NULL) abort();
  pthread_barrier_init(&sh.start, NULL, cfg.producers + cfg.consumers);

  worker w[MAX_THREADS];
  uint32_t nw = cfg.producers + cfg.consumers;
  if (cfg.producers > MAX_PRODUCERS || nw > MAX_THREADS) abort();
  uint64_t t0 = rk_now_ns();
  for (uint32_t i = 0; i < nw; i++) {
    int is_producer = i < cfg.producers;
    w[i] = (worker){&sh, is_producer ? i : i - cfg.producers, 0, 0, 0, 0};
    if (pthread_create(&w[i].thread, NULL, is_producer ? producer_main : consumer_main, &w[i]))
      abort();
  }
  uint64_t errors = 0, taken = 0, full = 0;
  for (uint32_t i = 0; i < nw; i++) {
    pthread_join(w[i].thread, NULL);
    errors += w[i].errors;
    taken += w[i].taken;
    full += w[i].full;
  }
  double secs = (double)(rk_now_ns() - t0) / 1e9;

  uint64_t missing = 0, dup = 0;
  for (uint64_t i = 0; i < total; i++) {
    missing += sh.seen[i] == 0;
    dup += sh.seen[i] > 1;
  }
  rk_queue_stats s;
  rk_queue_set_stats(sh.q, &s);
  printf("%ux%u %u x cap %-4u %9llu msgs %6.2f s %6.2f M msg/s  errors %llu missing %llu "
         "dup %llu full %llu high-water %llu\n",
         cfg.producers, cfg.consumers, cfg.shards, cfg.capacity, (unsigned long long)total, secs,
         (double)total / secs / 1e6, (unsigned long long)errors,
         (unsigned long long)missing, (unsigned long long)dup,
         (unsigned long long)s.rejected_full, (unsigned long long)s.high_water);
  CHECK_EQ_INT(errors, 0);
  CHECK_EQ_INT(missing, 0);
  CHECK_EQ_INT(dup, 0);
  CHECK_EQ_INT(taken, total);
  CHECK_EQ_INT(s.enqueued, total);
  CHECK_EQ_INT(s.dequeued, total);
  CHECK_EQ_INT(s.depth, 0);
  CHECK_EQ_INT(s.rejected_oversize, 0);
  /* Only the non-waiting form's refusals count: the waits never ran out. */
  CHECK_EQ_INT(s.rejected_full, full);
  CHECK(s.high_water >= 1 && s.high_water <= cfg.capacity);

  pthread_barrier_destroy(&sh.start);
  free(sh.seen);
  rk_queue_destroy(sh.q);
}

/* ---- a consumer asleep on an empty queue -------------------------------- */

typedef struct sleeper {
  rk_queue *q;
  int rc;
  uint32_t len;
  uint8_t buf[64];
} sleeper;

static void *sleeper_main(void *arg) {
  sleeper *s = (sleeper *)arg;
  s->rc = rk_queue_dequeue(s->q, s->buf, sizeof s->buf, &s->len, WAIT_NS);
  return NULL;
}

/* A commit wakes the queue's sleepers (bumps wake_seq) when there are
 * any and costs nothing more when there are none; a dequeue that has
 * waited long enough to sleep says so in `sleepers`, takes the message
 * that arrives, and leaves, announcing it. */
static void test_sleeper(void) {
  rk_queue *q = NULL;
  CHECK_OK(rk_queue_create(&q, 4, 64));
  if (q == NULL) return;
  uint8_t buf[64];
  uint32_t len;
  uint32_t seq = q->wake_seq;
  CHECK_OK(rk_queue_enqueue(q, "none", 5, 0));
  CHECK_EQ_INT(q->wake_seq, seq);
  q->sleepers = 1; /* as a sleeper would announce itself */
  CHECK_OK(rk_queue_enqueue(q, "one", 4, 0));
  CHECK_EQ_INT(q->wake_seq, seq + 1);
  q->sleepers = 0;
  CHECK_OK(rk_queue_dequeue(q, buf, sizeof buf, &len, 0));
  CHECK_OK(rk_queue_dequeue(q, buf, sizeof buf, &len, 0));

  sleeper s;
  memset(&s, 0, sizeof s);
  s.q = q;
  s.rc = RK_E_STATE;
  pthread_t t;
  CHECK_EQ_INT(pthread_create(&t, NULL, sleeper_main, &s), 0);
  /* relaxed: the count itself is what is checked */
  uint64_t t0 = rk_now_ns();
  uint32_t asleep;
  while ((asleep = rk_load_relaxed_u32(&q->sleepers)) == 0 && rk_now_ns() - t0 < WAIT_NS)
    sched_yield();
  CHECK_EQ_INT(asleep, 1);
  CHECK_OK(rk_queue_enqueue(q, "wake", 5, 0));
  CHECK_EQ_INT(pthread_join(t, NULL), 0);
  CHECK_OK(s.rc);
  CHECK_EQ_INT(s.len, 5);
  CHECK(memcmp(s.buf, "wake", 5) == 0);
  CHECK_EQ_INT(rk_load_relaxed_u32(&q->sleepers), 0);
  rk_queue_destroy(q);
}

int main(void) {
  double scale = tu_env_scale("RK_STRESS_SCALE", 1.0);
  test_sleeper();
  /* producers x consumers, capacity, messages in all at scale 1, and
   * queues in the set (consumers take from each in turn). Small
   * capacities force the full and empty paths and fast slot reuse. */
  static const struct { uint32_t p, c, cap, total, shards; } cases[] = {
      {1, 1, 1024, 3000000, 1}, {2, 2, 64, 3000000, 1}, {4, 4, 256, 3000000, 1},
      {4, 1, 8, 1000000, 1},    {1, 4, 2, 500000, 1},   {4, 4, 64, 3000000, 4},
      {3, 2, 8, 1000000, 2},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint32_t per = (uint32_t)(cases[i].total * scale / cases[i].p);
    config cfg = {cases[i].p, cases[i].c, cases[i].cap, per < 1000 ? 1000 : per,
                  cases[i].shards};
    run_config(cfg);
  }
  return CHECK_DONE("test_queue_stress");
}
