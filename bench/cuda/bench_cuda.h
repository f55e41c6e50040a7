/* bench_cuda.h - what rk_bench_cuda's three parts share: the benchmark's
 * message types and ring kernels (kernels.c, compiled by nvcc), the bare
 * floors they are measured against (floors.cu), and the in-kernel stamp
 * both use so that ring kernel and floor are timed by the same clock.
 *
 * Message sizes are payload bytes: the K2K sizes start at 16, below the
 * 48-byte header, so a size cannot include it. Every bk_m<N> payload is
 * exactly N bytes (a u32 count, then N-4 bytes), and a queue carrying it
 * has slots of 48 + N bytes. */
#ifndef RK_BENCH_CUDA_H
#define RK_BENCH_CUDA_H

#include <time.h>

#include "ringk/runtime.h"

/* ---- in-kernel time stamps ---------------------------------------------- */

/* clock64 for fine steps, %globaltimer to turn cycles into ns over a whole
 * run (its ticks may be coarse, and the SM clock may not be the nominal). */
typedef struct bk_stamp {
  uint64_t clk;
  uint64_t gt;
} bk_stamp;

RK_INLINE RK_UNUSED void bk_stamp_now(bk_stamp *s) {
#if defined(__CUDA_ARCH__)
  s->clk = (uint64_t)clock64();
  s->gt = rk_cuda_globaltimer();
#else
  s->clk = s->gt = rk_now_ns();
#endif
}

RK_INLINE RK_UNUSED uint32_t bk_smid(void) {
#if defined(__CUDA_ARCH__)
  uint32_t id;
  asm volatile("mov.u32 %0, %%smid;" : "=r"(id));
  return id;
#else
  return 0;
#endif
}

/* ---- messages ------------------------------------------------------------- */

/* A ping bounced between kernels: hop counts the sends so far; the kernel
 * that makes hop reach `last` sends it to the host instead. */
#define BK_PING_FIELDS(F, A) \
  F(uint64_t, hop, 0)        \
  F(uint64_t, last, 0)
RK_MESSAGE(bk_ping, 0x0B01, 1, BK_PING_FIELDS);

/* A producer's token: send `burst` messages of type_id with `payload`
 * bytes to `target`, then pass the token on. */
#define BK_GO_FIELDS(F, A) \
  F(uint32_t, target, 0)   \
  F(uint32_t, type_id, 0)  \
  F(uint32_t, payload, 0)  \
  F(uint32_t, burst, 0)
RK_MESSAGE(bk_go, 0x0B02, 1, BK_GO_FIELDS);

#define BK_M16_FIELDS(F, A) A(uint8_t, bytes, 12)
#define BK_M64_FIELDS(F, A) A(uint8_t, bytes, 60)
#define BK_M256_FIELDS(F, A) A(uint8_t, bytes, 252)
#define BK_M1K_FIELDS(F, A) A(uint8_t, bytes, 1020)
#define BK_M4K_FIELDS(F, A) A(uint8_t, bytes, 4092)
RK_MESSAGE(bk_m16, 0x0B10, 1, BK_M16_FIELDS);
RK_MESSAGE(bk_m64, 0x0B11, 1, BK_M64_FIELDS);
RK_MESSAGE(bk_m256, 0x0B12, 1, BK_M256_FIELDS);
RK_MESSAGE(bk_m1k, 0x0B13, 1, BK_M1K_FIELDS);
RK_MESSAGE(bk_m4k, 0x0B14, 1, BK_M4K_FIELDS);

/* ---- ring kernels (kernels.c) -------------------------------------------- */

typedef struct bk_bounce_state {
  uint32_t peer;      /* kernel that gets the next hop */
  uint32_t smid;      /* SM the handler last ran on */
  bk_stamp *stamps;   /* kernel memory: stamps[hop / 2] at even hops; or NULL */
  uint64_t nstamps;
} bk_bounce_state;

#ifdef __cplusplus
extern "C" {
#endif
/* Bounces bk_ping to its peer, or to the host at the last hop. */
extern const rk_kernel_def bk_bounce;
/* Two bk_bounce kernels as a group: one block, local queues between them. */
extern const rk_group_def bk_pair;
/* Sends a token's burst of bk_m<N> messages, then re-sends the token to
 * itself so that any idle warp picks it up. */
extern const rk_kernel_def bk_source;
/* Accept bk_m<N> and check its framing; the runtime counts them
 * (telemetry `processed`). One definition per size: a kernel's slot size
 * is its largest accepted message. */
extern const rk_kernel_def bk_sink16, bk_sink64, bk_sink256, bk_sink1k, bk_sink4k;

/* ---- bare floors (floors.cu) --------------------------------------------- */

/* Makes `device` current and creates its context (cudaFree(0)); names it. */
int bk_device_open(int device, char *name, size_t cap, int *sms);
/* Two blocks of one kernel pass a device-scope acquire/release flag back and
 * forth rounds times; block 0 stamps rounds + 1 times; smid[] of each. */
int bk_floor_flag_pingpong(uint32_t rounds, bk_stamp *stamps, uint32_t smid[2]);
/* The same between two warps of one block, through a block-scope flag in
 * shared memory. */
int bk_floor_smem_pingpong(uint32_t rounds, bk_stamp *stamps);
/* Peer, not floor: the queue calls of a K2K hop without the runtime. Two
 * warps (two blocks, or with `shared` one block and shared-memory queues)
 * pass a 48-byte message back and forth rounds times through an inbox
 * each, with the calls a one-warp ring kernel makes (a sole take at a
 * cursor, rk_queue_reserve and commit, release); side 0 stamps rounds + 1
 * times. */
int bk_peer_queue_hop(uint32_t rounds, int shared, bk_stamp *stamps);
/* rounds host round trips through a one-thread kernel echoing a flag in
 * mapped pinned memory; ns[i] each. */
int bk_floor_mapped_ping(uint32_t rounds, double *ns);
/* rounds empty-kernel launches, each followed by cudaStreamSynchronize. */
int bk_floor_launch_sync(uint32_t rounds, double *ns);
/* Mapped memory, streams and three echo grids from nothing to all three
 * answering the host, in *ns. */
int bk_floor_start3(double *ns);
/* Pinned host -> device cudaMemcpyAsync bandwidth over bytes, in GB/s. */
int bk_floor_h2d(size_t bytes, uint32_t reps, double *gbps);

typedef struct bk_ring_opts {
  uint32_t slot_size;   /* bytes a slot holds; every message fills it */
  uint32_t capacity;    /* slots */
  uint32_t blocks;      /* blocks on each side (producers, consumers) */
  uint32_t threads;     /* threads a block */
  uint64_t warmup_ns, window_ns;
  int fetch_add;        /* claims by fetch-add (no retries) instead of CAS */
  uint32_t shards;      /* queues in a set, as a sharded inbox: producer
                           block b fills queue b % shards; CAS claims */
} bk_ring_opts;
/* A bare MPMC ring in device memory, warp-batched on both sides: messages
 * a second consumed over window_ns, after warmup_ns. */
int bk_floor_ring(const bk_ring_opts *o, double *msg_per_s);
#ifdef __cplusplus
}
#endif

static inline RK_UNUSED void bk_sleep_ns(uint64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
  nanosleep(&ts, NULL);
}

#endif
