/* floors.cu - the bare GPU programs rk_bench_cuda measures ringk against
 * (see bench_cuda.h for each one's contract, bench_cuda.c for why each is
 * the right peer). None of this uses the runtime; the bare ring uses the
 * queue layout and functions of queue.h and cuda_queue.cuh directly (its
 * fetch-add form claims positions itself, the slots' protocol unchanged).
 *
 * Every kernel here stops by itself after BK_BUDGET_NS (%globaltimer) even
 * if the host never tells it to, and every host wait has a deadline, so a
 * floor that goes wrong ends in an error, not a hang. */
#include <cuda_runtime.h>

#include <cuda/atomic>
#include <stdio.h>
#include <stdlib.h>

#include "bench_cuda.h"
#include "ringk/cuda_queue.cuh"

#define BK_BUDGET_NS 5000000000ull /* longest a floor kernel runs */
#define BK_STOP UINT64_MAX          /* tells an echo kernel to leave */
#define BK_RING_MAGIC 0x424B5247u   /* first word of every bare-ring message */

static int bk_cuda(cudaError_t e, const char *what) {
  if (e == cudaSuccess) return RK_OK;
  fprintf(stderr, "rk_bench_cuda: %s: %s\n", what, cudaGetErrorString(e));
  return e == cudaErrorMemoryAllocation ? RK_E_NOMEM : RK_E_DEVICE;
}
#define CK(call) bk_cuda((call), #call)

int bk_device_open(int device, char *name, size_t cap, int *sms) {
  cudaDeviceProp p;
  int rc = CK(cudaSetDevice(device));
  if (rc == RK_OK) rc = CK(cudaFree(0));
  if (rc == RK_OK) rc = CK(cudaGetDeviceProperties(&p, device));
  if (rc != RK_OK) return rc;
  snprintf(name, cap, "%s", p.name);
  *sms = p.multiProcessorCount;
  return RK_OK;
}

/* ---- flag ping-pong between two blocks ----------------------------------- */

typedef struct bk_pp {
  uint64_t ping;            /* side 0 -> side 1; own 128-byte line each */
  uint8_t pad0_[120];
  uint64_t pong;            /* side 1 -> side 0 */
  uint8_t pad1_[120];
  uint32_t smid[2];
  uint32_t timed_out;
} bk_pp;

/* Spins until *flag == v; false once %globaltimer passes end. */
template <cuda::thread_scope S>
__device__ static bool bk_wait_flag(uint64_t *flag, uint64_t v, uint64_t end) {
  /* acquire: pairs with the other side's release, as a slot's seq would. */
  while (cuda::atomic_ref<uint64_t, S>(*flag).load(cuda::memory_order_acquire) != v)
    if (rk_cuda_globaltimer() > end) return false;
  return true;
}

/* Side 0 stamps, releases ping = i + 1 and waits for pong = i + 1; side 1
 * answers each ping. One thread a side: one sender, one receiver, as in a
 * one-warp ring kernel. Scope S: the narrowest that holds both sides. */
template <cuda::thread_scope S>
__device__ static void bk_pingpong_side(uint32_t side, uint64_t *ping, uint64_t *pong,
                                        uint32_t rounds, bk_stamp *stamps, uint32_t *timed_out) {
  uint64_t end = rk_cuda_globaltimer() + BK_BUDGET_NS;
  for (uint32_t i = 0; i <= rounds; i++) {
    bool ok = true;
    if (side == 0) {
      bk_stamp_now(&stamps[i]);
      if (i == rounds) break;
      /* release: pairs with side 1's acquire; a message would ride on it. */
      cuda::atomic_ref<uint64_t, S>(*ping).store(i + 1, cuda::memory_order_release);
      ok = bk_wait_flag<S>(pong, i + 1, end);
    } else if (i < rounds) {
      ok = bk_wait_flag<S>(ping, i + 1, end);
      /* release: pairs with side 0's acquire of pong. */
      if (ok) cuda::atomic_ref<uint64_t, S>(*pong).store(i + 1, cuda::memory_order_release);
    }
    if (!ok) {
      *timed_out = 1;
      return;
    }
  }
}

/* Two blocks, flags in global memory. */
__global__ void bk_flag_pingpong(bk_pp *pp, uint32_t rounds, bk_stamp *stamps) {
  if (threadIdx.x != 0) return;
  pp->smid[blockIdx.x] = bk_smid();
  bk_pingpong_side<cuda::thread_scope_device>(blockIdx.x, &pp->ping, &pp->pong, rounds, stamps,
                                              &pp->timed_out);
}

/* Two warps of one block, flags in shared memory (lane 0 of each). */
__global__ void bk_smem_pingpong(bk_pp *pp, uint32_t rounds, bk_stamp *stamps) {
  __shared__ uint64_t flags[2 * 16]; /* 128 bytes apart */
  if (threadIdx.x == 0) flags[0] = flags[16] = 0;
  __syncthreads();
  if (threadIdx.x % RK_WARP != 0) return;
  bk_pingpong_side<cuda::thread_scope_block>(threadIdx.x / RK_WARP, &flags[0], &flags[16], rounds,
                                             stamps, &pp->timed_out);
}

/* Runs one ping-pong kernel over a zeroed bk_pp and copies the stamps. */
static int bk_pingpong_run(void (*kernel)(bk_pp *, uint32_t, bk_stamp *), uint32_t blocks,
                           uint32_t threads, uint32_t rounds, bk_stamp *stamps, bk_pp *out) {
  bk_pp *pp = NULL;
  bk_stamp *d_stamps = NULL;
  size_t bytes = ((size_t)rounds + 1) * sizeof *stamps;
  int rc = CK(cudaMalloc(&pp, sizeof *pp));
  if (rc == RK_OK) rc = CK(cudaMalloc(&d_stamps, bytes));
  if (rc == RK_OK) rc = CK(cudaMemset(pp, 0, sizeof *pp));
  if (rc == RK_OK) {
    kernel<<<blocks, threads>>>(pp, rounds, d_stamps);
    rc = CK(cudaGetLastError());
  }
  if (rc == RK_OK) rc = CK(cudaDeviceSynchronize());
  if (rc == RK_OK) rc = CK(cudaMemcpy(out, pp, sizeof *out, cudaMemcpyDeviceToHost));
  if (rc == RK_OK) rc = CK(cudaMemcpy(stamps, d_stamps, bytes, cudaMemcpyDeviceToHost));
  if (rc == RK_OK && out->timed_out) rc = RK_E_TIMEOUT;
  cudaFree(pp);
  cudaFree(d_stamps);
  return rc;
}

int bk_floor_smem_pingpong(uint32_t rounds, bk_stamp *stamps) {
  bk_pp h;
  return bk_pingpong_run(bk_smem_pingpong, 1, 2 * RK_WARP, rounds, stamps, &h);
}

int bk_floor_flag_pingpong(uint32_t rounds, bk_stamp *stamps, uint32_t smid[2]) {
  bk_pp h;
  int rc = bk_pingpong_run(bk_flag_pingpong, 2, RK_WARP, rounds, stamps, &h);
  if (rc == RK_OK) memcpy(smid, h.smid, sizeof h.smid);
  return rc;
}

/* ---- a kernel echoing a flag in mapped memory ---------------------------- */

typedef cuda::atomic_ref<uint64_t, cuda::thread_scope_system> bk_sys_ref;

/* One echo kernel's words in mapped pinned memory, a host line each. */
typedef struct bk_echo {
  uint64_t ping;  /* host -> kernel */
  uint8_t pad0_[56];
  uint64_t pong;  /* kernel -> host */
  uint8_t pad1_[56];
} bk_echo;

/* Echoes each new value of e->ping into e->pong until it reads BK_STOP:
 * the least a persistent kernel must do to answer the host. */
__global__ void bk_mapped_echo(bk_echo *e) {
  uint64_t end = rk_cuda_globaltimer() + BK_BUDGET_NS, last = 0;
  while (last != BK_STOP && rk_cuda_globaltimer() < end) {
    /* acquire (system): pairs with the host's release of ping. */
    uint64_t v = bk_sys_ref(e->ping).load(cuda::memory_order_acquire);
    if (v != last) {
      /* release (system): what the kernel wrote before reaches the host first. */
      bk_sys_ref(e->pong).store(v, cuda::memory_order_release);
      last = v;
    }
  }
}

/* Host side: publishes v and spins until the kernel echoes it. */
static int bk_host_ping(bk_echo *e, uint64_t v, uint64_t deadline) {
  /* release: pairs with the kernel's system-scope acquire. */
  rk_store_release_u64(&e->ping, v);
  /* acquire: pairs with the kernel's release of pong. */
  while (rk_load_acquire_u64(&e->pong) != v)
    if (rk_now_ns() > deadline) return RK_E_TIMEOUT;
  return RK_OK;
}

/* n echo kernels, each on its own stream, over mapped lines e[0..n). */
typedef struct bk_echoes {
  bk_echo *e;
  cudaStream_t s[3];
  uint32_t n, launched;
} bk_echoes;

static int bk_echoes_start(bk_echoes *x, uint32_t n) {
  memset(x, 0, sizeof *x);
  x->n = n;
  bk_echo *dev = NULL;
  int rc = CK(cudaHostAlloc((void **)&x->e, n * sizeof *x->e, cudaHostAllocMapped));
  if (rc != RK_OK) return rc;
  memset(x->e, 0, n * sizeof *x->e);
  rc = CK(cudaHostGetDevicePointer((void **)&dev, x->e, 0));
  for (uint32_t i = 0; rc == RK_OK && i < n; i++) {
    rc = CK(cudaStreamCreateWithFlags(&x->s[i], cudaStreamNonBlocking));
    if (rc != RK_OK) break;
    bk_mapped_echo<<<1, 1, 0, x->s[i]>>>(dev + i);
    rc = CK(cudaGetLastError());
    if (rc == RK_OK) x->launched++;
  }
  return rc;
}

/* Stops the echo kernels (they also stop on their own after the budget). */
static int bk_echoes_stop(bk_echoes *x, int rc) {
  for (uint32_t i = 0; i < x->launched; i++)
    /* release: nothing to publish; the kernel just needs to see it. */
    rk_store_release_u64(&x->e[i].ping, BK_STOP);
  for (uint32_t i = 0; i < x->n; i++) {
    if (i < x->launched) {
      int r = CK(cudaStreamSynchronize(x->s[i]));
      if (rc == RK_OK) rc = r;
    }
    if (x->s[i]) cudaStreamDestroy(x->s[i]);
  }
  if (x->e) cudaFreeHost(x->e);
  return rc;
}

int bk_floor_mapped_ping(uint32_t rounds, double *ns) {
  bk_echoes x;
  int rc = bk_echoes_start(&x, 1);
  uint64_t deadline = rk_now_ns() + BK_BUDGET_NS;
  for (uint32_t i = 0; rc == RK_OK && i < rounds; i++) {
    uint64_t t0 = rk_now_ns();
    rc = bk_host_ping(&x.e[0], i + 1, deadline);
    ns[i] = (double)(rk_now_ns() - t0);
  }
  return bk_echoes_stop(&x, rc);
}

int bk_floor_start3(double *ns) {
  bk_echoes x;
  uint64_t t0 = rk_now_ns();
  int rc = bk_echoes_start(&x, 3);
  for (uint32_t i = 0; rc == RK_OK && i < 3; i++)
    rc = bk_host_ping(&x.e[i], 1, t0 + BK_BUDGET_NS);
  *ns = (double)(rk_now_ns() - t0);
  return bk_echoes_stop(&x, rc);
}

/* ---- kernel launch + synchronize ------------------------------------------ */

__global__ void bk_empty(void) {}

int bk_floor_launch_sync(uint32_t rounds, double *ns) {
  cudaStream_t s;
  int rc = CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  if (rc != RK_OK) return rc;
  for (uint32_t i = 0; rc == RK_OK && i < rounds; i++) {
    uint64_t t0 = rk_now_ns();
    bk_empty<<<1, 1, 0, s>>>();
    rc = CK(cudaGetLastError());
    if (rc == RK_OK) rc = CK(cudaStreamSynchronize(s));
    ns[i] = (double)(rk_now_ns() - t0);
  }
  cudaStreamDestroy(s);
  return rc;
}

/* ---- pinned host -> device copy ------------------------------------------- */

int bk_floor_h2d(size_t bytes, uint32_t reps, double *gbps) {
  void *h = NULL, *d = NULL;
  cudaStream_t s = NULL;
  int rc = CK(cudaHostAlloc(&h, bytes, cudaHostAllocDefault));
  if (rc == RK_OK) rc = CK(cudaMalloc(&d, bytes));
  if (rc == RK_OK) rc = CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  if (rc == RK_OK) memset(h, 0x5A, bytes);
  /* one copy first: the first touch of the pages is not bandwidth */
  if (rc == RK_OK) rc = CK(cudaMemcpyAsync(d, h, bytes, cudaMemcpyHostToDevice, s));
  if (rc == RK_OK) rc = CK(cudaStreamSynchronize(s));
  uint64_t t0 = rk_now_ns();
  for (uint32_t i = 0; rc == RK_OK && i < reps; i++)
    rc = CK(cudaMemcpyAsync(d, h, bytes, cudaMemcpyHostToDevice, s));
  if (rc == RK_OK) rc = CK(cudaStreamSynchronize(s));
  if (rc == RK_OK) *gbps = (double)bytes * reps / (double)(rk_now_ns() - t0);
  if (s) cudaStreamDestroy(s);
  cudaFree(d);
  cudaFreeHost(h);
  return rc;
}

/* ---- bare MPMC ring -------------------------------------------------------- */

typedef struct bk_ring_ctl {
  uint64_t consumed;   /* messages taken, summed per warp batch */
  uint8_t pad0_[120];
  uint32_t stop;       /* set by the host: leave */
  uint32_t bad;        /* messages whose first word or length was wrong */
  uint8_t pad1_[120];
} bk_ring_ctl;

/* Lane 0's answer for the whole warp: the host asked to stop, or time is up. */
__device__ static bool bk_ring_stopping(const bk_ring_ctl *c, uint64_t end) {
  int s = 0;
  /* relaxed: a request to leave; it orders nothing. */
  if (threadIdx.x % RK_WARP == 0)
    s = rk_load_relaxed_u32(&c->stop) != 0 || rk_cuda_globaltimer() > end;
  return __shfl_sync(RK_FULL_MASK, s, 0) != 0;
}

/* Fills the n slots at pos completely, 16 bytes a lane at a time, the
 * chunks of all n spread over the warp so that stores coalesce. */
__device__ static void bk_ring_fill(rk_queue *q, uint64_t pos, uint32_t n) {
  uint32_t chunks = q->slot_size / 16u; /* 48 + a multiple of 16 */
  for (uint32_t c = threadIdx.x % RK_WARP; c < n * chunks; c += RK_WARP) {
    uint32_t m = c / chunks;
    uint4 *dst = (uint4 *)(rk_queue_slot(q, pos + m) + 1) + c % chunks;
    *dst = make_uint4(c % chunks ? c : BK_RING_MAGIC, (uint32_t)(pos + m), c, c);
  }
}

/* A full queue backs off as rk_send_begin does (rk_cpu_relax). */
__device__ static void bk_ring_produce(rk_queue *q, bk_ring_ctl *c, uint64_t end) {
  while (!bk_ring_stopping(c, end)) {
    uint64_t pos;
    uint32_t n = rk_warp_reserve(q, RK_WARP, &pos);
    if (n == 0) {
      rk_cpu_relax();
      continue;
    }
    bk_ring_fill(q, pos, n);
    rk_warp_commit(q, pos, n, q->slot_size);
  }
}

/* Checks and hands back each lane's slot of the n taken at pos; lane 0
 * counts them. */
__device__ static void bk_ring_drain(rk_queue *q, bk_ring_ctl *c, uint64_t pos, uint32_t n) {
  uint32_t lane = threadIdx.x % RK_WARP;
  if (lane < n) {
    rk_slot_ref ref;
    rk_slot_ref_set(&ref, rk_queue_slot(q, pos + lane), pos + lane, 0);
    uint4 first = *(const uint4 *)ref.data;
    if (first.x != BK_RING_MAGIC || ref.slot->len != q->slot_size) atomicAdd(&c->bad, 1u);
    rk_queue_release(q, &ref);
  }
  /* relaxed: a count the host samples; it orders nothing. */
  if (lane == 0) rk_fetch_add_relaxed_u64(&c->consumed, n);
}

/* Queue i of a set of queues `stride` bytes apart, from its first. */
__device__ static rk_queue *bk_shard(rk_queue *q, size_t stride, uint32_t i) {
  return (rk_queue *)((char *)q + stride * i);
}

/* An empty queue backs off as the ring-kernel loop does (64 ns). With a
 * set of queues, a consumer looks at its own each round and, when that is
 * empty, at one other in turn (a ring kernel's block instead goes to its
 * own and to the others on alternate rounds, cuda_loop.cuh). */
__device__ static void bk_ring_consume(rk_queue *q0, size_t stride, uint32_t shards, uint32_t home,
                                       bk_ring_ctl *c, uint64_t end) {
  uint32_t away = home + 1;
  while (!bk_ring_stopping(c, end)) {
    uint64_t pos;
    rk_queue *q = bk_shard(q0, stride, home);
    uint32_t n = rk_warp_take(q, RK_WARP, &pos);
    if (n == 0 && shards > 1) {
      uint32_t i = away++ % shards;
      if (i == home) i = away++ % shards;
      q = bk_shard(q0, stride, i);
      n = rk_warp_take(q, RK_WARP, &pos);
    }
    if (n == 0) {
      __nanosleep(64);
      continue;
    }
    bk_ring_drain(q, c, pos, n);
  }
}

/* The fetch-add ring: a warp claims 32 positions with one atomicAdd on
 * head or tail, whatever their slots hold, and each lane then waits until
 * its slot's sequence says the slot is its own (free for the producer of
 * pos: pos; holding pos's message: pos + 1). No claim is ever retried, so
 * the rate is the atomic's, not the CAS's; but a claimed position must be
 * served, so a lane waits however long it takes, and only this benchmark's
 * end (stop or time) lets it leave. Returns 0 when the warp should leave. */
__device__ static int bk_faa_wait(const rk_queue *q, uint64_t pos, uint64_t want,
                                  const bk_ring_ctl *c, uint64_t end) {
  const rk_slot *s = rk_queue_slot(q, pos);
  uint32_t spins = 0;
  /* acquire: pairs with the release of the side that handed the slot over. */
  while (rk_load_acquire_u64(&s->seq) != want)
    /* relaxed: a request to leave; it orders nothing. */
    if ((++spins & 255u) == 0 && (rk_load_relaxed_u32(&c->stop) || rk_cuda_globaltimer() > end))
      return 0;
  return 1;
}

__device__ static void bk_faa_produce(rk_queue *q, bk_ring_ctl *c, uint64_t end) {
  uint32_t lane = threadIdx.x % RK_WARP;
  for (;;) {
    /* relaxed: the claim orders nothing; the slot's acquire below does. */
    uint64_t pos = lane == 0 ? rk_fetch_add_relaxed_u64(&q->head, RK_WARP) : 0;
    pos = __shfl_sync(RK_FULL_MASK, pos, 0);
    int ok = bk_faa_wait(q, pos + lane, pos + lane, c, end);
    if (!__all_sync(RK_FULL_MASK, ok)) return;
    bk_ring_fill(q, pos, RK_WARP);
    rk_warp_commit(q, pos, RK_WARP, q->slot_size);
  }
}

__device__ static void bk_faa_consume(rk_queue *q, bk_ring_ctl *c, uint64_t end) {
  uint32_t lane = threadIdx.x % RK_WARP;
  for (;;) {
    /* relaxed: as the producer's claim. */
    uint64_t pos = lane == 0 ? rk_fetch_add_relaxed_u64(&q->tail, RK_WARP) : 0;
    pos = __shfl_sync(RK_FULL_MASK, pos, 0);
    int ok = bk_faa_wait(q, pos + lane, pos + lane + 1, c, end);
    if (!__all_sync(RK_FULL_MASK, ok)) return;
    bk_ring_drain(q, c, pos, RK_WARP);
  }
}

/* The first `producers` blocks produce, the others consume; claims by CAS
 * (the queue's own warp calls) or by fetch-add (one queue). With a set of
 * `shards` queues, `stride` bytes apart, producer block b fills queue b %
 * shards and consumer block b looks at that queue first. */
__global__ void bk_bare_ring(rk_queue *q, size_t stride, uint32_t shards, bk_ring_ctl *c,
                             uint32_t producers, int fetch_add) {
  uint64_t end = rk_cuda_globaltimer() + BK_BUDGET_NS;
  if (fetch_add && blockIdx.x < producers) bk_faa_produce(q, c, end);
  else if (fetch_add) bk_faa_consume(q, c, end);
  else if (blockIdx.x < producers) bk_ring_produce(bk_shard(q, stride, blockIdx.x % shards), c, end);
  else bk_ring_consume(q, stride, shards, (blockIdx.x - producers) % shards, c, end);
}

/* Lays the set of o->shards queues out as the runtime lays out a sharded
 * inbox (rk_queue_set_init), in a 64-byte-aligned host image, and copies it
 * to the device; *stride is one queue's bytes, which the device side takes
 * as a parameter rather than reading it from a header, as a ring kernel's
 * loop does. */
static int bk_ring_alloc(const bk_ring_opts *o, rk_queue **q, size_t *stride) {
  *stride = rk_queue_shard_bytes(o->capacity, o->slot_size);
  size_t bytes = *stride * o->shards;
  if (*stride == 0) return RK_E_INVAL;
  void *img = aligned_alloc(RK_CACHELINE, bytes);
  if (img == NULL) return RK_E_NOMEM;
  int rc = rk_queue_set_init(img, bytes, o->shards, o->capacity, o->slot_size);
  if (rc == RK_OK) rc = CK(cudaMalloc((void **)q, bytes));
  if (rc == RK_OK) rc = CK(cudaMemcpy(*q, img, bytes, cudaMemcpyHostToDevice));
  free(img);
  return rc;
}

/* Reads the consumed count while the ring runs (a copy on its own stream). */
static int bk_ring_sample(const bk_ring_ctl *c, cudaStream_t s, uint64_t *n, uint64_t *t) {
  int rc = CK(cudaMemcpyAsync(n, &c->consumed, sizeof *n, cudaMemcpyDeviceToHost, s));
  if (rc == RK_OK) rc = CK(cudaStreamSynchronize(s));
  *t = rk_now_ns();
  return rc;
}

/* Producers and consumers are one grid, so they must all fit at once. */
static int bk_ring_fits(const bk_ring_opts *o) {
  int dev = 0, sms = 0, per_sm = 0;
  int rc = CK(cudaGetDevice(&dev));
  if (rc == RK_OK) rc = CK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  if (rc == RK_OK)
    rc = CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, bk_bare_ring, (int)o->threads, 0));
  if (rc == RK_OK && (uint64_t)per_sm * (uint64_t)sms < 2ull * o->blocks) rc = RK_E_OCCUPANCY;
  return rc;
}

int bk_floor_ring(const bk_ring_opts *o, double *msg_per_s) {
  rk_queue *q = NULL;
  bk_ring_ctl *c = NULL;
  cudaStream_t run = NULL, ctl = NULL;
  uint64_t n0 = 0, n1 = 0, t0 = 0, t1 = 0;
  uint32_t stop = 1, bad = 0;
  size_t stride = 0;
  int rc = bk_ring_fits(o);
  if (rc == RK_OK) rc = bk_ring_alloc(o, &q, &stride);
  if (rc == RK_OK) rc = CK(cudaMalloc(&c, sizeof *c));
  if (rc == RK_OK) rc = CK(cudaMemset(c, 0, sizeof *c));
  if (rc == RK_OK) rc = CK(cudaStreamCreateWithFlags(&run, cudaStreamNonBlocking));
  if (rc == RK_OK) rc = CK(cudaStreamCreateWithFlags(&ctl, cudaStreamNonBlocking));
  if (rc == RK_OK) {
    bk_bare_ring<<<2 * o->blocks, o->threads, 0, run>>>(q, stride, o->shards, c, o->blocks,
                                                         o->fetch_add);
    rc = CK(cudaGetLastError());
  }
  if (rc == RK_OK) {
    bk_sleep_ns(o->warmup_ns);
    rc = bk_ring_sample(c, ctl, &n0, &t0);
    bk_sleep_ns(o->window_ns);
    if (rc == RK_OK) rc = bk_ring_sample(c, ctl, &n1, &t1);
    int r = CK(cudaMemcpyAsync(&c->stop, &stop, sizeof stop, cudaMemcpyHostToDevice, ctl));
    if (r == RK_OK) r = CK(cudaStreamSynchronize(run));
    if (r == RK_OK) r = CK(cudaMemcpy(&bad, &c->bad, sizeof bad, cudaMemcpyDeviceToHost));
    if (rc == RK_OK) rc = r;
  }
  if (rc == RK_OK && bad != 0) {
    fprintf(stderr, "rk_bench_cuda: bare ring: %u malformed messages\n", bad);
    rc = RK_E_MALFORMED;
  }
  if (rc == RK_OK) *msg_per_s = (double)(n1 - n0) * 1e9 / (double)(t1 - t0);
  if (run) cudaStreamDestroy(run);
  if (ctl) cudaStreamDestroy(ctl);
  cudaFree(q);
  cudaFree(c);
  return rc;
}

/* ---- the queue calls of a hop, without the runtime ------------------------ */

#define BK_HOP_CAP 64u   /* slots of each inbox */
#define BK_HOP_LEN 48u   /* bytes a message: a wire header's worth */

/* Lane 0 sends a message carrying i to q (rk_queue_reserve, what a
 * handler's send does, then the bytes and the commit). False past end. */
__device__ static bool bk_hop_send(rk_queue *q, uint32_t i, uint64_t end) {
  bool ok = true;
  if (threadIdx.x % RK_WARP == 0) {
    rk_slot_ref ref;
    while (ok && rk_queue_reserve(q, BK_HOP_LEN, &ref) != RK_OK) ok = rk_cuda_globaltimer() < end;
    if (ok) {
      uint4 *d = (uint4 *)ref.data;
      d[0] = make_uint4(i, 1, 2, 3);
      d[1] = make_uint4(4, 5, 6, 7);
      d[2] = make_uint4(8, 9, 10, 11);
      rk_queue_commit(q, &ref, BK_HOP_LEN);
    }
  }
  return __shfl_sync(RK_FULL_MASK, ok, 0);
}

/* The whole warp takes the next message from q at cur (a one-warp ring
 * kernel's claim of its inbox: sole, one slot a poll once idle); lane 0
 * checks that it carries i and hands the slot back. False past end or on
 * a wrong message. */
__device__ static bool bk_hop_take(rk_queue *q, rk_cursor *cur, uint32_t i, uint64_t end) {
  uint64_t pos;
  uint32_t n;
  while ((n = rk_warp_take_at(q, 1, cur, &pos)) == 0)
    if (__shfl_sync(RK_FULL_MASK, rk_cuda_globaltimer() > end, 0)) return false;
  bool ok = true;
  if (threadIdx.x % RK_WARP == 0) {
    rk_slot_ref ref;
    rk_slot_ref_set(&ref, rk_qgeom_slot(cur->g, pos), pos, 0);
    ref.len = ref.slot->len;
    ok = ref.len == BK_HOP_LEN && ((const uint4 *)ref.data)[0].x == i;
    rk_queue_release(q, &ref);
  }
  return __shfl_sync(RK_FULL_MASK, ok, 0);
}

/* Side 0 stamps, sends i to side 1's inbox and takes the answer from its
 * own; side 1 answers each. One warp a side. */
__device__ static void bk_hop_side(uint32_t side, rk_queue *in, rk_queue *out, uint32_t rounds,
                                   bk_stamp *stamps, uint32_t *timed_out) {
  uint64_t end = rk_cuda_globaltimer() + BK_BUDGET_NS;
  rk_cursor cur = rk_cursor_init(in, 1);
  for (uint32_t i = 0; i <= rounds; i++) {
    bool ok = true;
    if (side == 0) {
      if (threadIdx.x % RK_WARP == 0) bk_stamp_now(&stamps[i]);
      if (i == rounds) break;
      ok = bk_hop_send(out, i, end) && bk_hop_take(in, &cur, i, end);
    } else if (i < rounds) {
      ok = bk_hop_take(in, &cur, i, end) && bk_hop_send(out, i, end);
    }
    if (!ok) {
      if (threadIdx.x % RK_WARP == 0) *timed_out = 1;
      return;
    }
  }
}

/* Two blocks, inboxes in device memory. */
__global__ void bk_hop_global(rk_queue *q0, rk_queue *q1, bk_pp *pp, uint32_t rounds,
                              bk_stamp *stamps) {
  if (threadIdx.x == 0) pp->smid[blockIdx.x] = bk_smid();
  bk_hop_side(blockIdx.x, blockIdx.x ? q1 : q0, blockIdx.x ? q0 : q1, rounds, stamps,
              &pp->timed_out);
}

/* Two warps of one block, inboxes of qb bytes in shared memory (as a
 * group's). */
__global__ void bk_hop_shared(bk_pp *pp, uint32_t rounds, bk_stamp *stamps, size_t qb) {
  extern __shared__ uint64_t bk_hop_smem[];
  rk_queue *q0 = (rk_queue *)bk_hop_smem, *q1 = (rk_queue *)((uint8_t *)bk_hop_smem + qb);
  uint32_t warp = threadIdx.x / RK_WARP;
  rk_queue_lay_out_warp(warp ? q1 : q0, BK_HOP_CAP, BK_HOP_LEN);
  __syncthreads();
  bk_hop_side(warp, warp ? q1 : q0, warp ? q0 : q1, rounds, stamps, &pp->timed_out);
}

int bk_peer_queue_hop(uint32_t rounds, int shared, bk_stamp *stamps) {
  bk_ring_opts o;
  memset(&o, 0, sizeof o);
  o.capacity = BK_HOP_CAP;
  o.slot_size = BK_HOP_LEN;
  o.shards = 1;
  rk_queue *q[2] = {NULL, NULL};
  bk_pp *pp = NULL, h;
  bk_stamp *d_stamps = NULL;
  size_t bytes = ((size_t)rounds + 1) * sizeof *stamps;
  size_t qb = rk_queue_bytes(BK_HOP_CAP, BK_HOP_LEN), stride = 0;
  int rc = CK(cudaMalloc(&pp, sizeof *pp));
  if (rc == RK_OK) rc = CK(cudaMemset(pp, 0, sizeof *pp));
  if (rc == RK_OK) rc = CK(cudaMalloc(&d_stamps, bytes));
  for (int i = 0; rc == RK_OK && !shared && i < 2; i++) rc = bk_ring_alloc(&o, &q[i], &stride);
  if (rc == RK_OK && shared) {
    rc = CK(cudaFuncSetAttribute(bk_hop_shared, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 (int)(2 * qb)));
    if (rc == RK_OK) bk_hop_shared<<<1, 2 * RK_WARP, 2 * qb>>>(pp, rounds, d_stamps, qb);
  } else if (rc == RK_OK) {
    bk_hop_global<<<2, RK_WARP>>>(q[0], q[1], pp, rounds, d_stamps);
  }
  if (rc == RK_OK) rc = CK(cudaGetLastError());
  if (rc == RK_OK) rc = CK(cudaDeviceSynchronize());
  if (rc == RK_OK) rc = CK(cudaMemcpy(&h, pp, sizeof h, cudaMemcpyDeviceToHost));
  if (rc == RK_OK) rc = CK(cudaMemcpy(stamps, d_stamps, bytes, cudaMemcpyDeviceToHost));
  if (rc == RK_OK && h.timed_out) rc = RK_E_TIMEOUT;
  cudaFree(q[0]);
  cudaFree(q[1]);
  cudaFree(pp);
  cudaFree(d_stamps);
  return rc;
}
