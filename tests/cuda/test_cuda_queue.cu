/* test_cuda_queue.cu - many-producer many-consumer stress of the MPMC queue
 * in device memory, with checksums.
 *
 * Every thread of the producer blocks sends its own numbered messages with
 * the per-thread RK_HD path (rk_queue_reserve/commit, what handlers use;
 * the lanes that reserve at the same moment claim together, and a pause
 * before some sends varies which lanes those are). In the shared run,
 * consumer warps take them with the warp-batch claim (rk_warp_take), the
 * same at a cursor (rk_warp_take_at, what ring kernels use), or one by one
 * (rk_queue_peek); in the sole run one warp takes them all at a sole
 * cursor (no CAS, as from a one-warp kernel's inbox); in the set run the
 * queue is a set of four (a sharded inbox), producer block b sends to
 * queue b % 4, and consumer warps take from each queue in turn.
 * Each consumer writes what it found at each queue position into a record.
 * The host then checks: every (producer, number) once - no loss, no
 * duplicate -, the payload checksum, and, per producer, numbers rising with
 * queue position (FIFO per producer). A small queue keeps it full, so the
 * full and wrap-around paths run all the time. Producers and consumers are
 * one grid sized by the occupancy API, so they are co-resident.
 *
 * First, on the host (so it runs without a GPU too): the geometry the CUDA
 * bridge keeps of a queue in mapped memory (rk_qgeom) finds the same slots
 * as the queue itself, at its own address and at another. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
extern "C" {
#include "core/testutil.h"
}
#include "ringk/cuda_queue.cuh"

#define Q_CAP 256u
#define Q_SLOT 48u
#define PER_PRODUCER 64u /* scaled by RK_STRESS_SCALE (sanitizer runs use less) */
#define THREADS 128u

typedef struct msg_t {
  uint32_t producer, number;
  uint64_t value;
} msg_t;

__host__ __device__ static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

__device__ static void produce(rk_queue *q, uint32_t producer, uint32_t per) {
  for (uint32_t i = 0; i < per; i++) {
    msg_t m = {producer, i, mix(((uint64_t)producer << 32) | i)};
    rk_slot_ref ref;
    if ((producer + i) % 3 == 0) __nanosleep(100);
    while (rk_queue_reserve(q, sizeof m, &ref) != RK_OK) __nanosleep(32);
    memcpy(ref.data, &m, sizeof m);
    rk_queue_commit(q, &ref, sizeof m);
  }
}

__device__ static void record(const rk_slot_ref *ref, uint64_t *rec, unsigned long long *sum) {
  msg_t m;
  memcpy(&m, ref->data, sizeof m);
  rec[ref->pos] = ((uint64_t)m.producer << 32) | m.number;
  atomicAdd(sum, (unsigned long long)m.value);
}

/* cur: take at a cursor (NULL: rk_warp_take). A set of queues (q its
 * first; no cursor) is taken from as a ring kernel's block takes from a
 * sharded inbox: its own queue every other round, the others in turn
 * between; queue s records at rec + s * total. */
__device__ static void consume_batch(rk_queue *set, rk_cursor *cur, uint64_t total, uint64_t *rec,
                                     unsigned long long *sum, unsigned long long *done) {
  uint32_t lane = threadIdx.x % RK_WARP;
  for (uint32_t round = 0;; round++) {
    uint32_t s = (blockIdx.x + (round & 1 ? 1 + round / 2 : 0)) & (set->shards - 1);
    rk_queue *q = rk_queue_shard(set, s);
    uint64_t pos;
    uint32_t n = cur ? rk_warp_take_at(q, RK_WARP, cur, &pos) : rk_warp_take(q, RK_WARP, &pos);
    if (lane < n) {
      rk_slot_ref ref;
      rk_slot_ref_set(&ref, rk_queue_slot(q, pos + lane), pos + lane, 0);
      record(&ref, rec + s * total, sum);
      rk_queue_release(q, &ref);
    }
    unsigned long long d = 0;
    if (lane == 0) d = n ? atomicAdd(done, n) + n : atomicAdd(done, 0);
    if (__shfl_sync(RK_FULL_MASK, d, 0) >= total) return;
    if (n == 0) __nanosleep(64);
  }
}

__device__ static void consume_single(rk_queue *q, uint64_t total, uint64_t *rec,
                                      unsigned long long *sum, unsigned long long *done) {
  for (;;) {
    rk_slot_ref ref;
    if (rk_queue_peek(q, &ref) == RK_OK) {
      record(&ref, rec, sum);
      rk_queue_release(q, &ref);
      if (atomicAdd(done, 1) + 1 >= total) return;
    } else if (atomicAdd(done, 0) >= total) {
      return;
    } else {
      __nanosleep(64);
    }
  }
}

__global__ void stress(rk_queue *q, uint32_t producer_blocks, uint32_t per, uint64_t total,
                       uint64_t *rec, unsigned long long *sum, unsigned long long *done,
                       int sole) {
  uint32_t warp = threadIdx.x / RK_WARP;
  if (blockIdx.x < producer_blocks) {
    produce(rk_queue_shard(q, blockIdx.x), blockIdx.x * blockDim.x + threadIdx.x, per);
  } else if (q->shards > 1) {
    consume_batch(q, NULL, total, rec, sum, done);
  } else if (sole) {
    if (blockIdx.x != producer_blocks || warp != 0) return;
    rk_cursor cur = rk_cursor_init(q, 1);
    consume_batch(q, &cur, total, rec, sum, done);
  } else if (warp % 3 == 0) {
    consume_batch(q, NULL, total, rec, sum, done);
  } else if (warp % 3 == 1) {
    rk_cursor cur = rk_cursor_init(q, 0);
    consume_batch(q, &cur, total, rec, sum, done);
  } else {
    consume_single(q, total, rec, sum, done);
  }
}

#define CU_OK(call) CHECK_EQ_INT((int)(call), (int)cudaSuccess)

/* rk_qgeom_of and rk_qgeom_slot agree with the queue's header and
 * rk_queue_slot over three laps, for odd and round slot sizes; a geometry
 * made for another address (the GPU's view of mapped memory) finds each
 * slot at the same offset from it (a second buffer stands for it). */
static void test_geometry(void) {
  static const uint32_t caps[] = {16, 256}, slots[] = {1, 48, 100, 4096};
  for (int c = 0; c < 2; c++) {
    for (int z = 0; z < 4; z++) {
      size_t bytes = rk_queue_bytes(caps[c], slots[z]);
      uint8_t *mem = (uint8_t *)aligned_alloc(RK_CACHELINE, bytes);
      uint8_t *other = (uint8_t *)aligned_alloc(RK_CACHELINE, bytes);
      CHECK(mem != NULL && other != NULL);
      if (mem == NULL || other == NULL) {
        free(mem);
        free(other);
        return;
      }
      CHECK_OK(rk_queue_init(mem, bytes, caps[c], slots[z]));
      rk_queue *q = (rk_queue *)mem;
      rk_qgeom g = rk_qgeom_of(q, q), h = rk_qgeom_of(q, other);
      CHECK_EQ_INT(g.capacity, caps[c]);
      CHECK_EQ_INT(g.slot_size, slots[z]);
      uint32_t bad = 0;
      for (uint64_t pos = 0; pos < 3ull * caps[c]; pos++) {
        uint8_t *want = (uint8_t *)rk_queue_slot(q, pos);
        bad += (uint8_t *)rk_qgeom_slot(g, pos) != want;
        bad += (uint8_t *)rk_qgeom_slot(h, pos) - other != want - mem;
        bad += want + sizeof(rk_slot) + slots[z] > mem + bytes;
      }
      CHECK_EQ_INT(bad, 0);
      free(mem);
      free(other);
    }
  }
}

/* One stress run; sole: a single consumer warp with a sole cursor;
 * shards > 1: a set of queues, producer block b sending to queue b % shards. */
static void run_stress(int sole, uint32_t shards) {
  int sms = 0, per_sm = 0;
  CU_OK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  CU_OK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, stress, THREADS, 0));
  uint32_t blocks = (uint32_t)(sms * (per_sm < 2 ? per_sm : 2));
  uint32_t producer_blocks = blocks / 2;
  uint64_t producers = (uint64_t)producer_blocks * THREADS;
  uint32_t per = (uint32_t)(PER_PRODUCER * tu_env_scale("RK_STRESS_SCALE", 1.0));
  if (sole) per = per / 4 ? per / 4 : 1; /* one warp drains them all */
  if (per == 0) per = 1;
  uint64_t total = producers * per;
  printf("%s: %u blocks x %u threads: %llu producers, %s, %u queue(s), %llu messages\n",
         sole ? "sole" : "shared", blocks, THREADS, (unsigned long long)producers,
         sole ? "one consumer warp" : "the other blocks consume", shards,
         (unsigned long long)total);
  size_t qbytes = rk_queue_set_bytes(shards, Q_CAP, Q_SLOT), step = rk_queue_shard_bytes(Q_CAP, Q_SLOT);
  void *img = aligned_alloc(RK_CACHELINE, (qbytes + RK_CACHELINE - 1) & ~(size_t)(RK_CACHELINE - 1));
  CHECK_OK(rk_queue_set_init(img, qbytes, shards, Q_CAP, Q_SLOT));
  rk_queue *q;
  uint64_t *rec;
  unsigned long long *counters;
  CU_OK(cudaMalloc(&q, qbytes));
  CU_OK(cudaMalloc(&rec, shards * total * sizeof *rec));
  CU_OK(cudaMalloc(&counters, 2 * sizeof *counters));
  CU_OK(cudaMemcpy(q, img, qbytes, cudaMemcpyHostToDevice));
  CU_OK(cudaMemset(rec, 0xFF, shards * total * sizeof *rec));
  CU_OK(cudaMemset(counters, 0, 2 * sizeof *counters));
  cudaEvent_t e0, e1;
  CU_OK(cudaEventCreate(&e0));
  CU_OK(cudaEventCreate(&e1));
  CU_OK(cudaEventRecord(e0));
  stress<<<blocks, THREADS>>>(q, producer_blocks, per, total, rec, counters, counters + 1, sole);
  CU_OK(cudaGetLastError());
  CU_OK(cudaEventRecord(e1));
  CU_OK(cudaDeviceSynchronize());
  float ms = 0;
  CU_OK(cudaEventElapsedTime(&ms, e0, e1));
  printf("moved %llu messages in %.2f ms (%.1f M msg/s)\n", (unsigned long long)total, ms,
         (double)total / ms / 1e3);

  uint64_t *h = (uint64_t *)malloc(shards * total * sizeof *h);
  unsigned long long hc[2];
  CU_OK(cudaMemcpy(h, rec, shards * total * sizeof *h, cudaMemcpyDeviceToHost));
  CU_OK(cudaMemcpy(hc, counters, sizeof hc, cudaMemcpyDeviceToHost));
  CHECK_EQ_INT(hc[1], total);
  uint32_t *next = (uint32_t *)calloc(producers, sizeof *next);
  unsigned long long sum = 0;
  uint64_t lost = 0, disorder = 0, misrouted = 0, moved = 0;
  for (uint32_t s = 0; s < shards; s++) {
    rk_queue hq;
    CU_OK(cudaMemcpy(&hq, (char *)q + s * step, sizeof hq, cudaMemcpyDeviceToHost));
    CHECK_EQ_INT(hq.head, hq.tail);
    moved += hq.tail;
    for (uint64_t pos = 0; pos < hq.tail && pos < total; pos++) {
      uint64_t r = h[s * total + pos];
      uint32_t p = (uint32_t)(r >> 32), n = (uint32_t)r;
      if (r == UINT64_MAX || p >= producers) {
        lost++;
        continue;
      }
      /* each producer in its block's queue, its numbers in order there:
       * FIFO per producer, and so no duplicates */
      misrouted += p / THREADS % shards != s;
      if (n != next[p]) disorder++;
      next[p] = n + 1;
      sum += mix(((uint64_t)p << 32) | n);
    }
  }
  CHECK_EQ_INT(moved, total);
  for (uint64_t p = 0; p < producers; p++)
    if (next[p] != per) lost++;
  CHECK_EQ_INT(lost, 0);
  CHECK_EQ_INT(disorder, 0);
  CHECK_EQ_INT(misrouted, 0);
  CHECK(sum == hc[0]);
  free(next);
  free(h);
  free(img);
  cudaFree(q);
  cudaFree(rec);
  cudaFree(counters);
}

int main(void) {
  test_geometry();
  int ndev = 0;
  if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev == 0) {
    if (rk_test_failures) return CHECK_DONE("test_cuda_queue");
    printf("skipped: no CUDA device (the geometry checks passed)\n");
    return RK_TEST_SKIP;
  }
  run_stress(0, 1);
  run_stress(1, 1);
  run_stress(0, 4);
  return CHECK_DONE("test_cuda_queue");
}
