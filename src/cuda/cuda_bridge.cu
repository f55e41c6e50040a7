/* cuda_bridge.cu - the bridge grid between mapped host memory and the ring
 * kernels' device memory (see cuda_internal.h for why it exists).
 *
 * One block of two warps. Warp 0 mirrors control blocks and forwards
 * host->kernel messages (one PCIe round trip polls 16 kernels' control
 * blocks and host queues at once); warp 1 forwards kernel->host messages.
 * Each moves up to 32 messages per PCIe round trip: lanes read 32 slot
 * sequences at once and rk_warp_copy spreads the bytes of a whole batch
 * over the lanes. The mapped queues' geometry is read from device memory
 * (rk_qgeom), so that the PCIe round trips of a message are only those its
 * sequences and bytes need: the poll, then its bytes, one way; the bytes'
 * writes and one fence, the other. */
#include "cuda_internal.h"

/* Kernels one poll looks at: a lane for each one's host queue, a lane for
 * its control block. */
#define RK_BRIDGE_GROUP (RK_WARP / 2)
/* Bytes of one kernel's host queue that full batches may move between two
 * polls (one batch always may): the polls also mirror the control blocks,
 * so this bounds how late any kernel's activation or stop is seen. A batch
 * of 32 64-byte messages takes about 11 us on an H200, of 1 KiB ones 90
 * us: up to five of the first go between polls, one of the second. */
#define RK_BRIDGE_BURST_BYTES 16384u

/* Polls the kernels base..base+15 in one PCIe round trip. Lane i < 16
 * looks at the next two slots of kernel base+i's host queue; lane 16 + i
 * copies its host control block into the device mirror when it changed.
 * Each lane makes one acquire load, so that none waits for another's.
 * Returns the ballot (bit i: kernel base+i) of kernels active with a
 * message waiting, *more those with a second one behind it, and
 * *stopped whether all have stop set. */
__device__ static uint32_t rk_bridge_poll(const rk_bridge_params &p, uint32_t base, int *stopped,
                                          uint32_t *more) {
  uint32_t lane = threadIdx.x % RK_WARP, k = base + lane % RK_BRIDGE_GROUP;
  int stop = 1, active = 0, ready = 0, next = 0;
  if (k < p.nkernels && lane < RK_BRIDGE_GROUP) {
    rk_qgeom q = p.host_in[k];
    uint64_t tail = p.host_in_tail[k];
    /* relaxed: a hint that a batch waits; rk_warp_ready re-reads it. */
    next = rk_sys_load_relaxed_u64(&rk_qgeom_slot(q, tail + 1)->seq) == tail + 2;
    /* acquire (system): pairs with the host's release of the seq; when
     * the message is there, it is ours to read (the barrier below passes
     * that on to the lanes that copy it). */
    ready = rk_sys_load_acquire_u64(&rk_qgeom_slot(q, tail)->seq) == tail + 1;
  } else if (k < p.nkernels) {
    const rk_kernel_control *h = &p.ctl_host[k];
    rk_kernel_control *m = &p.ctl_mirror[k];
    /* acquire (system): pairs with the host's release of epoch, which it
     * stores after the flags, so the flags read next are that new. */
    uint32_t e = rk_sys_load_acquire_u32(&h->epoch);
    if (e != rk_load_relaxed_u32(&m->epoch)) {
      /* relaxed: active and stop (one word), ordered after the acquire. */
      rk_store_relaxed_u64((uint64_t *)m, *(const volatile uint64_t *)h);
      /* release (device): the flags before the epoch ring kernels acquire. */
      rk_store_release_u32(&m->epoch, e);
    }
    stop = rk_load_relaxed_u32(&m->stop) != 0;
    active = rk_load_relaxed_u32(&m->active) != 0;
  }
  __syncwarp();
  /* the control lane's flags to its kernel's queue lane */
  stop = __shfl_down_sync(RK_FULL_MASK, stop, RK_BRIDGE_GROUP);
  active = __shfl_down_sync(RK_FULL_MASK, active, RK_BRIDGE_GROUP);
  ready = ready && !stop && active;
  *stopped = __all_sync(RK_FULL_MASK, lane >= RK_BRIDGE_GROUP || stop);
  *more = __ballot_sync(RK_FULL_MASK, ready && next);
  return __ballot_sync(RK_FULL_MASK, ready);
}

/* Moves up to 32 messages from kernel k's host queue into its inbox: the
 * one the poll saw (and acquired), or with `more` as many as are there.
 * Returns how many moved. */
__device__ static uint32_t rk_bridge_host_in(const rk_bridge_params &p, uint32_t k, int more) {
  uint32_t lane = threadIdx.x % RK_WARP;
  rk_qgeom src = p.host_in[k];
  rk_queue *dst = p.inbox[k];
  uint64_t tail = p.host_in_tail[k];
  int64_t dif0;
  /* acquires (system) the seqs, pairing with the host's releases */
  uint32_t n = more ? rk_warp_ready(src, tail, 1, RK_WARP, 1, &dif0) : 1;
  if (n == 0) return 0;
  uint64_t dpos;
  n = rk_warp_reserve(dst, n, &dpos);
  if (n == 0) return 0; /* inbox full: the messages wait in the host queue */
  uint32_t len = lane < n ? rk_qgeom_slot(src, tail + lane)->len : 0;
  rk_warp_copy(src, tail, rk_qgeom_of(dst, dst), dpos, n, len);
  rk_warp_commit(dst, dpos, n, len);
  if (lane < n) {
    /* release (system): our reads of the host slot finish before the host
     * producer of the next lap may overwrite it. */
    rk_sys_store_release_u64(&rk_qgeom_slot(src, tail + lane)->seq, tail + lane + src.capacity);
  }
  if (lane == 0) {
    p.host_in_tail[k] = tail + n;
    /* relaxed: tail is a statistic on the host side (depth); the slot
     * sequences above carry the ownership. */
    rk_sys_store_relaxed_u64(&src.q->tail, tail + n);
  }
  __syncwarp();
  return n;
}

/* Moves up to 32 staged host-bound messages into the mapped to_host queue.
 * *room counts the slots from the head already seen free: only the bridge
 * fills them, so they stay free, and the PCIe read that looks for more is
 * made only when they are used up - an empty staging queue costs no PCIe
 * traffic at all. Returns how many moved. */
__device__ static uint32_t rk_bridge_to_host(const rk_bridge_params &p, uint32_t *room,
                                             rk_cursor *staged) {
  uint32_t lane = threadIdx.x % RK_WARP;
  uint64_t head = *p.to_host_head;
  if (*room == 0) {
    int64_t dif0;
    /* acquires (system) the free slots' seqs, pairing with the host
     * consumer's releases: our writes come after its reads */
    *room = rk_warp_ready(p.to_host, head, 0, RK_WARP, 1, &dif0);
    if (*room == 0) return 0;
  }
  uint64_t spos;
  uint32_t n = rk_warp_take_at(p.staging, *room, staged, &spos);
  if (n == 0) return 0;
  *room -= n;
  rk_slot *ss = rk_qgeom_slot(staged->g, spos + lane);
  uint32_t len = lane < n ? ss->len : 0;
  rk_warp_copy(staged->g, spos, p.to_host, head, n, len);
  rk_slot *d = rk_qgeom_slot(p.to_host, head + lane);
  if (lane < n) d->len = len;
  /* release (system) by each lane for its chunks and len, then the
   * barrier: one fence for the whole batch (CUDA's __threadfence() then
   * __syncthreads() then one thread's flag, at warp scale). */
  cuda::atomic_thread_fence(cuda::memory_order_release, cuda::thread_scope_system);
  __syncwarp();
  if (lane < n) {
    /* relaxed (system): ordered after every lane's bytes by the fences and
     * the barrier above, which a second fence here would only repeat. */
    rk_sys_store_relaxed_u64(&d->seq, head + lane + 1);
    rk_slot_ref ref;
    rk_slot_ref_set(&ref, ss, spos + lane, len);
    rk_queue_release(p.staging, &ref);
  }
  if (lane == 0) {
    *p.to_host_head = head + n;
    /* relaxed: head is a statistic for the host (depth). */
    rk_sys_store_relaxed_u64(&p.to_host.q->head, head + n);
  }
  __syncwarp();
  return n;
}

__device__ static void rk_bridge_inbound(const rk_bridge_params &p) {
  for (;;) {
    int all_stopped = 1;
    for (uint32_t base = 0; base < p.nkernels; base += RK_BRIDGE_GROUP) {
      int stopped;
      uint32_t more;
      uint32_t ready = rk_bridge_poll(p, base, &stopped, &more);
      all_stopped &= stopped;
      for (; ready; ready &= ready - 1) {
        uint32_t i = (uint32_t)__ffs(ready) - 1;
        /* A full batch says more may wait: more batches go before the
         * next poll, each saving the poll's round trip (injection of
         * 64-byte messages, H200: 2.4 -> 2.9 M msg/s). */
        uint32_t burst = RK_WARP * p.host_in[base + i].slot_size;
        int again = (more >> i) & 1;
        for (uint32_t moved = 0;
             moved < RK_BRIDGE_BURST_BYTES && rk_bridge_host_in(p, base + i, again) == RK_WARP;
             moved += burst)
          again = 1;
      }
    }
    if (all_stopped) return;
  }
}

__device__ static void rk_bridge_outbound(const rk_bridge_params &p) {
  uint32_t room = 0; /* to_host slots known free from the head */
  /* this warp alone takes from the staging queue */
  rk_cursor staged = rk_cursor_init(p.staging, 1);
  /* The blocks still running are read only when the staging queue looks
   * empty: read first in every round, they put a round trip to L2 before
   * each poll of it. */
  for (uint32_t live = 1;;) {
    uint32_t n = rk_bridge_to_host(p, &room, &staged);
    if (n != 0) continue;
    if (live == 0) return; /* drained, or the host stopped reading */
    /* acquire: pairs with each ring block's release at exit; once none is
     * left, every staged message is in the staging queue, and the next
     * round's poll sees them all. */
    live = cuda::atomic_ref<const uint32_t, cuda::thread_scope_device>(*p.live)
               .load(cuda::memory_order_acquire);
    /* lane 0's value for all, so that the warp leaves the loop together */
    live = __shfl_sync(RK_FULL_MASK, live, 0);
    if (live != 0) __nanosleep(100);
  }
}

__global__ void __launch_bounds__(RK_BRIDGE_THREADS, 1) rk_bridge_kernel(rk_bridge_params p) {
  if (threadIdx.x == 0)
    /* release (system): the host reads it only to time the start. */
    rk_sys_store_release_u64(p.started, rk_cuda_globaltimer());
  if (threadIdx.x / RK_WARP == 0) rk_bridge_inbound(p);
  else rk_bridge_outbound(p);
}

const void *rk_bridge_entry(void) { return (const void *)rk_bridge_kernel; }
