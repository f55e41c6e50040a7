/* cuda_backend.cu - ring kernels as persistent grids on an NVIDIA GPU.
 *
 * launch places memory in two blocks: one mapped pinned host block for what
 * the host touches (control blocks, worker stats, busy words, host->kernel
 * queues, the kernel->host queue) and one device block for what only the
 * GPU polls (routing table, K2K inboxes, the host-bound staging queue,
 * control mirrors, kernel state). The device block is laid out in a host
 * image (queues initialised by rk_queue_init) and copied once. Then the
 * bridge grid starts (cuda_bridge.cu), then one grid per ring kernel, or
 * per group (its members' warps side by side in each block, with local
 * queues in shared memory: cuda_loop.cuh), each on its own non-blocking
 * stream, all inactive, after an occupancy check
 * that they can all be resident at once: a persistent grid that does not
 * fit would wait forever for blocks that never exit.
 *
 * The host never reads device memory in a loop: it polls mapped memory and
 * uses a copy on a non-blocking stream for state, inbox counters and
 * kernel memory. A device fault kills every grid of the context; the kernel
 * whose warp was busy (a word each warp keeps in mapped memory) is named. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cuda_internal.h"

extern "C" {
#include "core/backend.h"
#include "core/log.h"
}

#define RK_CUDA_DEFAULT_THREADS 32u
#define RK_CUDA_START_TIMEOUT_NS 5000000000ull
#define RK_CUDA_MAX_CONCURRENT 128u /* resident grids per device (sm_90) */
#define RK_ALIGN 256u
#define RK_CUDA_MAX_DEVICES 64

typedef struct cuda_kernel {
  size_t inbox_off, state_off, accept_off; /* device block */
  size_t local_out_off;                    /* device block, group members */
  size_t host_in_off, stats_off, busy_off; /* mapped block */
  uint32_t threads, nwarps;
  uint32_t local_cap;                      /* slots of its local queue; 0: none */
} cuda_kernel;

/* What one grid is launched with: a kernel's own, or a group's. */
typedef struct cuda_grid {
  const void *entry;
  uint32_t blocks, threads, members;
  size_t shared;
} cuda_grid;

typedef struct cuda_backend {
  int device;
  uint32_t nstreams;     /* kernels + the bridge (last) */
  cudaStream_t *streams;
  uint32_t started;      /* ring-kernel grids launched so far */
  int bridge_started;
  cuda_kernel *kernels;
  uint8_t *host;         /* mapped block, host address */
  uint8_t *host_dev;     /* the same, device address */
  size_t host_bytes;
  uint8_t *dev;          /* device block */
  size_t dev_bytes;
  size_t routes_off, hin_off, mirror_off, tails_off, live_off, staging_off;
  size_t ctl_off, started_off, to_host_off, head_off;
  rk_queue *left;        /* after join: host copy of the staging queue */
  uint64_t left_pos;     /* next of its messages to hand out */
  int fault;             /* sticky: RK_E_DEVICE once a grid died */
  uint32_t fault_kernel;
  int holds_device;      /* this runtime owns its device's hold */
} cuda_backend;

/* One launched runtime per device and process. While persistent grids are
 * resident, the driver calls that wait for the device to go idle - growing
 * the stack limit, freeing pinned memory - would wait forever, and a second
 * runtime's occupancy check cannot see the first one's grids; a second
 * launch is refused with RK_E_BUSY instead of hanging. */
static int cuda_held[RK_CUDA_MAX_DEVICES];

static int cuda_hold_device(cuda_backend *be) {
  if (be->device < 0 || be->device >= RK_CUDA_MAX_DEVICES) return RK_E_INVAL;
  int free_ = 0;
  /* acq_rel: a release of the hold happens-before the next holder's launch. */
  if (!__atomic_compare_exchange_n(&cuda_held[be->device], &free_, 1, 0, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    rk_log(RK_LOG_ERROR, "cuda: device %d already runs another runtime's kernels; "
                         "terminate and close it first", be->device);
    return RK_E_BUSY;
  }
  be->holds_device = 1;
  return RK_OK;
}

static void cuda_unhold_device(cuda_backend *be) {
  /* release: everything this runtime did with the device before the next holder. */
  if (be->holds_device) __atomic_store_n(&cuda_held[be->device], 0, __ATOMIC_RELEASE);
  be->holds_device = 0;
}

static int cu_check(cudaError_t e, const char *what) {
  if (e == cudaSuccess) return RK_OK;
  rk_log(RK_LOG_ERROR, "cuda: %s: %s", what, cudaGetErrorString(e));
  return e == cudaErrorMemoryAllocation ? RK_E_NOMEM : RK_E_DEVICE;
}
#define CU(call) cu_check((call), #call)

int rk_cuda_available(void) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    cudaGetLastError(); /* leave no error behind for the caller */
    return 0;
  }
  /* The build must hold code this device can run (SASS or PTX). */
  cudaFuncAttributes a;
  if (cudaFuncGetAttributes(&a, rk_bridge_entry()) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return 1;
}

static size_t bump(size_t *top, size_t bytes) {
  size_t off = *top;
  *top += (bytes + RK_ALIGN - 1) & ~(size_t)(RK_ALIGN - 1);
  return off;
}

/* Slots of a group member's local queue: as many as its inbox, at most,
 * that fit in RK_GROUP_LOCAL_BYTES; 0 when not even two do. */
static uint32_t local_capacity(const rk_kernel_rec *k) {
  uint32_t c = k->opts.inbox_capacity;
  while (c >= RK_QUEUE_MIN_CAPACITY && rk_queue_bytes(c, k->slot_size) > RK_GROUP_LOCAL_BYTES)
    c /= 2;
  return k->group && c >= RK_QUEUE_MIN_CAPACITY ? c : 0;
}

/* Offsets of everything, in both blocks. */
static void cuda_layout(rk_rt *rt, cuda_backend *be) {
  size_t h = 0, d = 0;
  uint32_t n = rt->nkernels;
  be->ctl_off = bump(&h, n * sizeof(rk_kernel_control));
  be->started_off = bump(&h, sizeof(uint64_t));
  be->to_host_off = bump(&h, rk_queue_bytes(rt->opts.to_host_capacity, rt->to_host_slot));
  be->routes_off = bump(&d, n * sizeof(rk_queue *));
  be->hin_off = bump(&d, n * sizeof(rk_qgeom));
  be->mirror_off = bump(&d, n * sizeof(rk_kernel_control));
  be->tails_off = bump(&d, n * sizeof(uint64_t));
  be->head_off = bump(&d, sizeof(uint64_t));
  be->live_off = bump(&d, sizeof(uint32_t));
  be->staging_off = bump(&d, rk_queue_bytes(rt->opts.to_host_capacity, rt->to_host_slot));
  for (uint32_t i = 0; i < n; i++) {
    rk_kernel_rec *k = &rt->kernels[i];
    cuda_kernel *ck = &be->kernels[i];
    size_t qb = rk_queue_bytes(k->opts.inbox_capacity, k->slot_size);
    size_t set = rk_queue_set_bytes(k->opts.inbox_shards, k->opts.inbox_capacity, k->slot_size);
    ck->threads = k->opts.threads_per_worker ? k->opts.threads_per_worker : RK_CUDA_DEFAULT_THREADS;
    ck->nwarps = ck->threads / RK_WARP;
    ck->host_in_off = bump(&h, qb);
    ck->stats_off = bump(&h, k->opts.workers * sizeof(rk_worker_stats));
    ck->busy_off = bump(&h, (size_t)k->opts.workers * ck->nwarps * sizeof(uint32_t));
    ck->inbox_off = bump(&d, set);
    ck->accept_off = bump(&d, k->def->ntypes * sizeof(uint16_t));
    ck->state_off = bump(&d, k->opts.state_size);
    ck->local_cap = local_capacity(k);
    if (ck->local_cap) ck->local_out_off = bump(&d, k->opts.workers * sizeof(rk_queue));
  }
  be->host_bytes = h;
  be->dev_bytes = d;
}

/* Writes the device block's initial image: queues, routes, ids, state. img
 * must be 64-byte aligned, as rk_queue_init requires of every queue. */
static int cuda_image(rk_rt *rt, cuda_backend *be, uint8_t *img) {
  uint32_t live = 0;
  for (uint32_t i = 0; i < rt->nkernels; i++) {
    rk_kernel_rec *k = &rt->kernels[i];
    cuda_kernel *ck = &be->kernels[i];
    uint32_t shards = k->opts.inbox_shards;
    int rc = rk_queue_set_init(img + ck->inbox_off,
                               rk_queue_set_bytes(shards, k->opts.inbox_capacity, k->slot_size),
                               shards, k->opts.inbox_capacity, k->slot_size);
    if (rc != RK_OK) return rc;
    ((rk_queue **)(img + be->routes_off))[i] = (rk_queue *)(be->dev + ck->inbox_off);
    ((rk_qgeom *)(img + be->hin_off))[i] = rk_qgeom_of(k->host_in, be->host_dev + ck->host_in_off);
    rk_kernel_accept_ids(k->def, (uint16_t *)(img + ck->accept_off));
    if (k->opts.state_size) memcpy(img + ck->state_off, k->init_state, k->opts.state_size);
    live += k->opts.workers;
  }
  memcpy(img + be->live_off, &live, sizeof live);
  return rk_queue_init(img + be->staging_off,
                       rk_queue_bytes(rt->opts.to_host_capacity, rt->to_host_slot),
                       rt->opts.to_host_capacity, rt->to_host_slot);
}

/* Lays out the mapped block and points the core's records into it. */
static int cuda_host_init(rk_rt *rt, cuda_backend *be) {
  memset(be->host, 0, be->host_bytes);
  rt->to_host = (rk_queue *)(be->host + be->to_host_off);
  rt->to_host_wakes = 0; /* the bridge commits from the device: no wake-up */
  int rc = rk_queue_init(rt->to_host, rk_queue_bytes(rt->opts.to_host_capacity, rt->to_host_slot),
                         rt->opts.to_host_capacity, rt->to_host_slot);
  for (uint32_t i = 0; rc == RK_OK && i < rt->nkernels; i++) {
    rk_kernel_rec *k = &rt->kernels[i];
    cuda_kernel *ck = &be->kernels[i];
    k->ctl = (rk_kernel_control *)(be->host + be->ctl_off) + i;
    k->stats = (rk_worker_stats *)(be->host + ck->stats_off);
    k->host_in = (rk_queue *)(be->host + ck->host_in_off);
    rc = rk_queue_init(k->host_in, rk_queue_bytes(k->opts.inbox_capacity, k->slot_size),
                       k->opts.inbox_capacity, k->slot_size);
  }
  return rc;
}

static int cuda_alloc(rk_rt *rt, cuda_backend *be) {
  int rc = CU(cudaHostAlloc((void **)&be->host, be->host_bytes, cudaHostAllocMapped));
  if (rc == RK_OK) rc = CU(cudaHostGetDevicePointer((void **)&be->host_dev, be->host, 0));
  /* stream-ordered: neither this nor the free waits on other grids */
  if (rc == RK_OK) rc = CU(cudaMallocAsync((void **)&be->dev, be->dev_bytes, cudaStreamPerThread));
  if (rc == RK_OK) rc = cuda_host_init(rt, be);
  if (rc != RK_OK) return rc;
  /* 64-byte aligned like the device block, or rk_queue_init refuses the
   * queues in it (dev_bytes is a multiple of RK_ALIGN). */
  uint8_t *img = (uint8_t *)aligned_alloc(RK_ALIGN, be->dev_bytes);
  if (img == NULL) return RK_E_NOMEM;
  memset(img, 0, be->dev_bytes);
  rc = cuda_image(rt, be, img);
  if (rc == RK_OK)
    rc = CU(cudaMemcpyAsync(be->dev, img, be->dev_bytes, cudaMemcpyHostToDevice, cudaStreamPerThread));
  if (rc == RK_OK) rc = CU(cudaStreamSynchronize(cudaStreamPerThread));
  free(img);
  return rc;
}

#define HOST_DEV(be, off) ((be)->host_dev + (off))

static rk_bridge_params cuda_bridge_params(rk_rt *rt, cuda_backend *be) {
  rk_bridge_params p;
  p.ctl_host = (const rk_kernel_control *)HOST_DEV(be, be->ctl_off);
  p.ctl_mirror = (rk_kernel_control *)(be->dev + be->mirror_off);
  p.host_in = (const rk_qgeom *)(be->dev + be->hin_off);
  p.inbox = (rk_queue *const *)(be->dev + be->routes_off);
  p.host_in_tail = (uint64_t *)(be->dev + be->tails_off);
  p.staging = (rk_queue *)(be->dev + be->staging_off);
  p.to_host = rk_qgeom_of(rt->to_host, HOST_DEV(be, be->to_host_off));
  p.to_host_head = (uint64_t *)(be->dev + be->head_off);
  p.live = (const uint32_t *)(be->dev + be->live_off);
  p.started = (uint64_t *)HOST_DEV(be, be->started_off);
  p.nkernels = rt->nkernels;
  return p;
}

static rk_cuda_kparams cuda_kparams(rk_rt *rt, cuda_backend *be, uint32_t i, int64_t offset) {
  rk_kernel_rec *k = &rt->kernels[i];
  cuda_kernel *ck = &be->kernels[i];
  rk_cuda_kparams p;
  p.routes = (rk_queue *const *)(be->dev + be->routes_off);
  p.to_host = (rk_queue *)(be->dev + be->staging_off);
  p.stats = (rk_worker_stats *)HOST_DEV(be, ck->stats_off);
  p.busy = (uint32_t *)HOST_DEV(be, ck->busy_off);
  p.ctl = (const rk_kernel_control *)(be->dev + be->mirror_off) + i;
  p.state = be->dev + ck->state_off;
  p.accept = (const uint16_t *)(be->dev + ck->accept_off);
  p.live = (uint32_t *)(be->dev + be->live_off);
  p.local_out = ck->local_cap ? (rk_queue *)(be->dev + ck->local_out_off) : NULL;
  p.clock_offset = offset;
  p.kernel_id = i;
  p.nkernels = rt->nkernels;
  p.naccept = k->def->ntypes;
  p.full_spins = rt->opts.full_spins;
  p.in_order = k->opts.in_order != 0;
  p.shards = k->opts.inbox_shards;
  p.inbox = (rk_queue *)(be->dev + ck->inbox_off);
  p.shard_bytes = rk_queue_shard_bytes(k->opts.inbox_capacity, k->slot_size);
  return p;
}

#define SMEM_ALIGN(x) (((x) + 127u) & ~(size_t)127u)

static size_t cuda_member_shared(rk_rt *rt, cuda_backend *be, uint32_t i) {
  const rk_kernel_rec *k = &rt->kernels[i];
  return SMEM_ALIGN(rk_cuda_shared_bytes(be->kernels[i].nwarps, k->def->lanes, rt->nkernels,
                                         k->def->ntypes));
}

/* A group's launch parameters: each member's, where its warps start, and
 * where its shared memory and local queue lie, in *shared bytes. */
static rk_cuda_group_params cuda_group_params(rk_rt *rt, cuda_backend *be, uint32_t first,
                                              int64_t offset, size_t *shared) {
  rk_cuda_group_params g;
  memset(&g, 0, sizeof g);
  g.nmembers = rt->kernels[first].group->nmembers;
  g.first_id = first;
  size_t off = 0;
  for (uint32_t m = 0; m < g.nmembers; m++) {
    g.m[m] = cuda_kparams(rt, be, first + m, offset);
    g.warp0[m + 1] = g.warp0[m] + be->kernels[first + m].nwarps;
    g.smem_off[m] = (uint32_t)off;
    off += cuda_member_shared(rt, be, first + m);
  }
  for (uint32_t m = 0; m < g.nmembers; m++) {
    const cuda_kernel *ck = &be->kernels[first + m];
    if (ck->local_cap == 0) continue;
    g.local_off[m] = (uint32_t)off;
    g.local_cap[m] = ck->local_cap;
    g.slot_size[m] = rt->kernels[first + m].slot_size;
    off += SMEM_ALIGN(rk_queue_bytes(ck->local_cap, g.slot_size[m]));
  }
  *shared = off;
  return g;
}

/* The grid that kernel i leads: its own, or its group's when it is the
 * group's member 0. members 0: i runs in another kernel's grid. */
static cuda_grid cuda_grid_of(rk_rt *rt, cuda_backend *be, uint32_t i) {
  const rk_kernel_rec *k = &rt->kernels[i];
  cuda_grid g = {k->def->cuda_entry, k->opts.workers, be->kernels[i].threads, 1,
                 cuda_member_shared(rt, be, i)};
  if (k->group == NULL) return g;
  g.members = k->member == 0 ? k->group->nmembers : 0;
  if (g.members == 0) return g;
  g.entry = k->group->cuda_entry;
  rk_cuda_group_params gp = cuda_group_params(rt, be, i, 0, &g.shared);
  g.threads = gp.warp0[g.members] * RK_WARP;
  return g;
}

/* Aggregate co-residency: with b_k blocks of grid k fitting per SM, the
 * grids fit at once only if sum(blocks_k / (b_k * SMs)) <= 1; each b_k is
 * bound by its scarcest resource, so the sum bounds every resource. */
static int cuda_occupancy(rk_rt *rt, cuda_backend *be) {
  int sms = 0;
  int rc = CU(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, be->device));
  if (rc != RK_OK) return rc;
  if (rt->nkernels + 1 > RK_CUDA_MAX_CONCURRENT) return RK_E_OCCUPANCY;
  int per_sm = 0, optin = 0;
  rc = CU(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, be->device));
  if (rc != RK_OK) return rc;
  rc = CU(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, rk_bridge_entry(),
                                                         RK_BRIDGE_THREADS, 0));
  if (rc != RK_OK) return rc;
  double load = per_sm ? 1.0 / ((double)per_sm * sms) : 2.0;
  for (uint32_t i = 0; i < rt->nkernels && load <= 1.0; i++) {
    uint32_t t = be->kernels[i].threads;
    if (rt->kernels[i].def->cuda_entry == NULL || t % RK_WARP || t / RK_WARP > RK_CUDA_MAX_WARPS) {
      rk_log(RK_LOG_ERROR, "cuda: kernel %s: no device code or bad thread count %u",
             rt->kernels[i].def->name, t);
      return RK_E_INVAL;
    }
    cuda_grid g = cuda_grid_of(rt, be, i);
    if (g.members == 0) continue; /* counted with its group */
    if (g.entry == NULL || g.threads / RK_WARP > RK_CUDA_MAX_WARPS) {
      rk_log(RK_LOG_ERROR, "cuda: group %s: no device code or %u threads (at most %u)",
             rt->kernels[i].group->name, g.threads, RK_CUDA_MAX_WARPS * RK_WARP);
      return RK_E_INVAL;
    }
    /* Beyond the default 48 KiB a block must opt in (a kernel with lanes
     * of many warps: 4 KiB of scratch a warp); past the device's limit it
     * has no room at all. */
    per_sm = 0;
    if (g.shared <= (size_t)optin) {
      rc = CU(cudaFuncSetAttribute(g.entry, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                   (int)g.shared));
      if (rc == RK_OK)
        rc = CU(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, g.entry, (int)g.threads,
                                                               g.shared));
      if (rc != RK_OK) return rc;
    }
    load += per_sm ? (double)g.blocks / ((double)per_sm * sms) : 2.0;
  }
  if (load > 1.0) {
    rk_log(RK_LOG_ERROR, "cuda: kernels need %.0f%% of the device to be resident at once",
           load * 100.0);
    return RK_E_OCCUPANCY;
  }
  return RK_OK;
}

/* Starts the bridge and waits for it to run; its first %globaltimer read,
 * against the host clock around the wait, gives the offset that turns
 * device times into rk_now_ns() for telemetry. */
static int cuda_start_bridge(rk_rt *rt, cuda_backend *be, int64_t *offset) {
  rk_bridge_params bp = cuda_bridge_params(rt, be);
  cudaStream_t s = be->streams[rt->nkernels];
  void *args[] = {&bp};
  uint64_t t0 = rk_now_ns();
  int rc = CU(cudaLaunchKernel(rk_bridge_entry(), dim3(1), dim3(RK_BRIDGE_THREADS), args, 0, s));
  if (rc != RK_OK) return rc;
  be->bridge_started = 1;
  const uint64_t *started = (const uint64_t *)(be->host + be->started_off);
  uint64_t g;
  /* acquire: pairs with the bridge's release of its start time. */
  while ((g = rk_load_acquire_u64(started)) == 0) {
    cudaError_t e = cudaStreamQuery(s);
    if (e == cudaSuccess) e = cudaErrorLaunchFailure; /* it cannot end by itself */
    if (e != cudaErrorNotReady) return cu_check(e, "bridge start");
    if (rk_now_ns() - t0 > RK_CUDA_START_TIMEOUT_NS) return RK_E_TIMEOUT;
  }
  uint64_t t1 = rk_now_ns();
  *offset = (int64_t)(t0 / 2 + t1 / 2) - (int64_t)g;
  return RK_OK;
}

/* Asks every grid to stop, as terminate would: for a launch that failed
 * half way. The bridge, if it runs, mirrors it to the kernels. */
static void cuda_stop_all(rk_rt *rt) {
  for (uint32_t i = 0; i < rt->nkernels; i++) {
    rk_kernel_control *c = rt->kernels[i].ctl;
    rk_store_release_u32(&c->stop, 1);
    /* release: the flag before the epoch the bridge acquires. */
    rk_store_release_u32(&c->epoch, rk_load_relaxed_u32(&c->epoch) + 1);
  }
}

/* The driver grows the per-thread stack lazily, at the first launch of a
 * grid that needs more, and growing it waits for the device to go idle:
 * with persistent grids already resident that wait never ends (a kernel
 * whose handlers keep large messages on the stack would hang its launch).
 * So the stack is sized for every grid of the runtime before the first
 * starts, with 1 KiB over the largest frame for calls the compiler did not
 * inline. */
static int cuda_reserve_stack(rk_rt *rt, cuda_backend *be) {
  cudaFuncAttributes a;
  int rc = CU(cudaFuncGetAttributes(&a, rk_bridge_entry()));
  size_t need = a.localSizeBytes;
  for (uint32_t i = 0; rc == RK_OK && i < rt->nkernels; i++) {
    cuda_grid g = cuda_grid_of(rt, be, i);
    if (g.members == 0) continue;
    rc = CU(cudaFuncGetAttributes(&a, g.entry));
    if (a.localSizeBytes > need) need = a.localSizeBytes;
  }
  size_t cur = 0;
  if (rc == RK_OK) rc = CU(cudaDeviceGetLimit(&cur, cudaLimitStackSize));
  need = (need + 1024 + 255) & ~(size_t)255;
  if (rc == RK_OK && need > cur) rc = CU(cudaDeviceSetLimit(cudaLimitStackSize, need));
  return rc;
}

static int cuda_streams(rk_rt *rt, cuda_backend *be) {
  be->nstreams = rt->nkernels + 1;
  be->streams = (cudaStream_t *)calloc(be->nstreams, sizeof(cudaStream_t));
  if (be->streams == NULL) return RK_E_NOMEM;
  for (uint32_t i = 0; i < be->nstreams; i++) {
    /* non-blocking: never ordered behind the legacy default stream */
    int rc = CU(cudaStreamCreateWithFlags(&be->streams[i], cudaStreamNonBlocking));
    if (rc != RK_OK) return rc;
  }
  return RK_OK;
}

/* Launches every grid, a group's on the stream of its member 0. */
static int cuda_launch_kernels(rk_rt *rt, cuda_backend *be, int64_t offset) {
  for (uint32_t i = 0; i < rt->nkernels; i++) {
    cuda_grid g = cuda_grid_of(rt, be, i);
    if (g.members == 0) continue;
    rk_cuda_kparams kp;
    rk_cuda_group_params gp;
    void *args[1];
    if (rt->kernels[i].group) {
      gp = cuda_group_params(rt, be, i, offset, &g.shared);
      args[0] = &gp;
    } else {
      kp = cuda_kparams(rt, be, i, offset);
      args[0] = &kp;
    }
    int rc = CU(cudaLaunchKernel(g.entry, dim3(g.blocks), dim3(g.threads), args, g.shared,
                                 be->streams[i]));
    if (rc != RK_OK) return rc;
    be->started = i + g.members;
  }
  return RK_OK;
}

static int cuda_wait_resident(rk_rt *rt, cuda_backend *be);

static int cuda_launch(rk_rt *rt) {
  cuda_backend *be = (cuda_backend *)calloc(1, sizeof *be);
  if (be == NULL) return RK_E_NOMEM;
  rt->backend = be;
  be->device = rt->opts.device;
  be->kernels = (cuda_kernel *)calloc(rt->nkernels, sizeof(cuda_kernel));
  if (be->kernels == NULL) return RK_E_NOMEM;
  int rc = cuda_hold_device(be);
  if (rc == RK_OK) rc = CU(cudaSetDevice(be->device));
  if (rc == RK_OK) {
    cuda_layout(rt, be);
    rc = cuda_occupancy(rt, be);
  }
  if (rc == RK_OK) rc = cuda_alloc(rt, be);
  if (rc == RK_OK) rc = cuda_reserve_stack(rt, be);
  if (rc == RK_OK) rc = cuda_streams(rt, be);
  int64_t offset = 0;
  if (rc == RK_OK) rc = cuda_start_bridge(rt, be, &offset);
  if (rc == RK_OK) rc = cuda_launch_kernels(rt, be, offset);
  if (rc == RK_OK) rc = cuda_wait_resident(rt, be);
  if (rc != RK_OK && be->host != NULL) cuda_stop_all(rt);
  return rc;
}

static void cuda_notify(rk_rt *rt, uint32_t kernel) {
  /* The bridge polls the control blocks; nothing to wake. */
  (void)rt;
  (void)kernel;
}

/* Names the kernel a fault came from: the first with a busy warp (a warp
 * marks itself busy before it runs handlers). */
static uint32_t cuda_fault_kernel(rk_rt *rt, cuda_backend *be) {
  for (uint32_t i = 0; i < rt->nkernels; i++) {
    cuda_kernel *ck = &be->kernels[i];
    const uint32_t *busy = (const uint32_t *)(be->host + ck->busy_off);
    for (uint32_t w = 0; w < rt->kernels[i].opts.workers * ck->nwarps; w++)
      if (rk_load_relaxed_u32(&busy[w])) return i;
  }
  return 0;
}

/* Looks at every launched grid once: RK_OK if all are done, RK_E_EMPTY if
 * some still run, RK_E_DEVICE (sticky, named) if the context faulted. */
static int cuda_poll_grids(rk_rt *rt, cuda_backend *be) {
  if (be->fault) return be->fault;
  int running = 0;
  for (uint32_t i = 0; i < be->nstreams; i++) {
    if (i < rt->nkernels ? i >= be->started : !be->bridge_started) continue;
    cudaError_t e = cudaStreamQuery(be->streams[i]);
    if (e == cudaErrorNotReady) {
      running = 1;
    } else if (e != cudaSuccess) {
      be->fault_kernel = cuda_fault_kernel(rt, be);
      be->fault = RK_E_DEVICE;
      rk_log(RK_LOG_ERROR, "cuda: device fault in kernel %s: %s",
             rt->kernels[be->fault_kernel].def->name, cudaGetErrorString(e));
      /* relaxed: read by this host only; the core finds it there too. */
      rk_store_relaxed_i32(&rt->kernels[be->fault_kernel].ctl->fault, RK_E_DEVICE);
      return be->fault;
    }
  }
  return running ? RK_E_EMPTY : RK_OK;
}

/* Blocks of kernel i whose loop has started (each flags its stats line). */
static uint32_t cuda_resident(rk_rt *rt, uint32_t i) {
  uint32_t n = 0;
  for (uint32_t b = 0; b < rt->kernels[i].opts.workers; b++)
    n += rk_load_relaxed_u32(&rt->kernels[i].stats[b].running) != 0;
  return n;
}

/* Waits for every block of every grid to run. The occupancy check sums
 * each kernel's share of the device, but the block scheduler packs blocks
 * of different sizes as it goes, and a block left without room would never
 * start (persistent grids never make room): the kernels' messages to it
 * would wait forever. Refused as RK_E_OCCUPANCY instead. */
static int cuda_wait_resident(rk_rt *rt, cuda_backend *be) {
  uint64_t t0 = rk_now_ns();
  for (uint32_t i = 0; i < rt->nkernels; i++) {
    uint32_t n;
    while ((n = cuda_resident(rt, i)) < rt->kernels[i].opts.workers) {
      int rc = cuda_poll_grids(rt, be);
      if (rc != RK_E_EMPTY) return rc == RK_OK ? RK_E_DEVICE : rc; /* none may end yet */
      if (rk_now_ns() - t0 > RK_CUDA_START_TIMEOUT_NS) {
        rk_log(RK_LOG_ERROR, "cuda: kernel %s: %u of %u blocks could be placed on the device",
               rt->kernels[i].def->name, n, rt->kernels[i].opts.workers);
        return RK_E_OCCUPANCY;
      }
    }
  }
  return RK_OK;
}

static int cuda_join(rk_rt *rt, uint64_t timeout_ns) {
  cuda_backend *be = (cuda_backend *)rt->backend;
  uint64_t t0 = rk_now_ns();
  for (;;) {
    int rc = cuda_poll_grids(rt, be);
    /* A faulted context has no grids left running: they are joined, and
     * the fault stays reported through poll_fault. */
    if (rc != RK_E_EMPTY) return RK_OK;
    if (rk_now_ns() - t0 >= timeout_ns) return RK_E_TIMEOUT;
    struct timespec ts = {0, 20000};
    nanosleep(&ts, NULL);
  }
}

static int cuda_copy_out(cuda_backend *be, void *dst, const void *src, size_t size) {
  int rc = CU(cudaSetDevice(be->device));
  if (rc == RK_OK)
    rc = CU(cudaMemcpyAsync(dst, src, size, cudaMemcpyDeviceToHost, cudaStreamPerThread));
  if (rc == RK_OK) rc = CU(cudaStreamSynchronize(cudaStreamPerThread));
  return rc;
}

static int cuda_state_read(rk_rt *rt, uint32_t kernel, void *dst, size_t size) {
  cuda_backend *be = (cuda_backend *)rt->backend;
  if (be->fault) return be->fault;
  return cuda_copy_out(be, dst, be->dev + be->kernels[kernel].state_off, size);
}

/* A host message passes through two queues (host_in, then the inbox once
 * the bridge forwards it): count it once, as enqueued where it now is. */
static int cuda_inbox_stats(rk_rt *rt, uint32_t kernel, rk_queue_stats *out) {
  cuda_backend *be = (cuda_backend *)rt->backend;
  rk_queue_stats h;
  rk_queue_stats_get(rt->kernels[kernel].host_in, &h);
  memset(out, 0, sizeof *out);
  const cuda_kernel *ck = &be->kernels[kernel];
  const rk_kernel_opts *o = &rt->kernels[kernel].opts;
  /* the inbox's queues, then a group member's local queues */
  uint32_t nlocal = ck->local_cap ? o->workers : 0;
  size_t step = rk_queue_shard_bytes(o->inbox_capacity, rt->kernels[kernel].slot_size);
  for (uint32_t i = 0; !be->fault && i < o->inbox_shards + nlocal; i++) {
    size_t at = i < o->inbox_shards ? ck->inbox_off + i * step
                                    : ck->local_out_off + (i - o->inbox_shards) * sizeof(rk_queue);
    rk_queue q;
    rk_queue_stats one;
    int rc = cuda_copy_out(be, &q, be->dev + at, sizeof q);
    if (rc != RK_OK) return rc;
    rk_queue_stats_get(&q, &one);
    rk_queue_stats_add(out, &one);
  }
  out->enqueued += h.depth;
  out->depth += h.depth;
  out->rejected_full += h.rejected_full;
  out->rejected_oversize += h.rejected_oversize;
  if (h.high_water > out->high_water) out->high_water = h.high_water;
  return RK_OK;
}

static int cuda_poll_fault(rk_rt *rt, uint32_t *kernel) {
  cuda_backend *be = (cuda_backend *)rt->backend;
  if (be == NULL) return RK_OK;
  int rc = cuda_poll_grids(rt, be);
  if (rc != RK_E_DEVICE) return RK_OK;
  if (kernel) *kernel = be->fault_kernel;
  return rc;
}

/* Kernel memory: stream-ordered on the per-thread stream, so that neither
 * allocation nor free waits for the resident grids (cudaFree would). */
static int cuda_mem_alloc(rk_rt *rt, size_t bytes, void **ptr) {
  int rc = CU(cudaSetDevice(rt->opts.device));
  if (rc == RK_OK) rc = CU(cudaMallocAsync(ptr, bytes, cudaStreamPerThread));
  if (rc == RK_OK) rc = CU(cudaStreamSynchronize(cudaStreamPerThread));
  return rc;
}

static void cuda_mem_free(rk_rt *rt, void *ptr) {
  if (CU(cudaSetDevice(rt->opts.device)) != RK_OK) return;
  if (CU(cudaFreeAsync(ptr, cudaStreamPerThread)) == RK_OK)
    CU(cudaStreamSynchronize(cudaStreamPerThread));
}

static int cuda_mem_copy(rk_rt *rt, void *dst, const void *src, size_t bytes, int to_device) {
  int rc = CU(cudaSetDevice(rt->opts.device));
  if (rc == RK_OK)
    rc = CU(cudaMemcpyAsync(dst, src, bytes, to_device ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost,
                            cudaStreamPerThread));
  if (rc == RK_OK) rc = CU(cudaStreamSynchronize(cudaStreamPerThread));
  return rc;
}

/* Host-bound messages still in the staging queue when the grids stopped
 * (the host queue was full): copied out once, then handed out in order. */
static int cuda_leftover(rk_rt *rt, uint8_t *buf, uint32_t cap, uint32_t *len) {
  cuda_backend *be = (cuda_backend *)rt->backend;
  if (be->fault) return RK_E_EMPTY; /* device memory is gone with the context */
  if (be->left == NULL) {
    size_t bytes = rk_queue_bytes(rt->opts.to_host_capacity, rt->to_host_slot);
    be->left = (rk_queue *)aligned_alloc(RK_ALIGN, (bytes + RK_ALIGN - 1) & ~(size_t)(RK_ALIGN - 1));
    if (be->left == NULL) return RK_E_NOMEM;
    int rc = cuda_copy_out(be, be->left, be->dev + be->staging_off, bytes);
    if (rc != RK_OK) {
      free(be->left);
      be->left = NULL;
      return rc;
    }
    be->left_pos = be->left->tail;
  }
  if (be->left_pos >= be->left->head) return RK_E_EMPTY;
  rk_slot *s = rk_queue_slot(be->left, be->left_pos);
  /* Every claimed slot was committed before its grid exited. */
  if (s->seq != be->left_pos + 1 || s->len > cap) return RK_E_MALFORMED;
  memcpy(buf, s + 1, s->len);
  *len = s->len;
  be->left_pos++;
  return RK_OK;
}

static void cuda_release(rk_rt *rt) {
  cuda_backend *be = (cuda_backend *)rt->backend;
  if (be == NULL) return;
  if (!rt->joined && cuda_join(rt, UINT64_MAX) != RK_OK) return; /* a failed launch's grids */
  for (uint32_t i = 0; be->streams && i < be->nstreams; i++)
    if (be->streams[i]) CU(cudaStreamDestroy(be->streams[i]));
  if (be->dev && CU(cudaFreeAsync(be->dev, cudaStreamPerThread)) == RK_OK)
    CU(cudaStreamSynchronize(cudaStreamPerThread));
  if (be->host) CU(cudaFreeHost(be->host));
  free(be->left);
  cuda_unhold_device(be);
  rt->to_host = NULL;
  free(be->streams);
  free(be->kernels);
  free(be);
  rt->backend = NULL;
}

extern "C" const rk_backend_ops rk_cuda_backend = {
    "cuda", cuda_launch, cuda_notify, cuda_join, cuda_state_read, cuda_inbox_stats,
    cuda_poll_fault, cuda_mem_alloc, cuda_mem_free, cuda_mem_copy, cuda_leftover,
    cuda_release,
};
