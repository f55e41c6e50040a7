/* cuda_internal.h - what the CUDA backend's host half (cuda_backend.cu) and
 * its bridge kernel (cuda_bridge.cu) share.
 *
 * The bridge is one small resident grid per runtime that does all the GPU's
 * work on mapped host memory, so that ring kernels poll only device memory:
 * it mirrors each host control block into device memory, forwards
 * host->kernel queues into the kernels' device inboxes (only while a kernel
 * is active, so an inactive kernel's messages wait in its host queue, and
 * its capacity is the one the user asked for), and drains the device
 * staging queue that handlers send host-bound messages into, into the
 * mapped kernel->host queue.
 *
 * Being the only GPU consumer of each host queue and the only GPU producer
 * of the kernel->host queue, it never needs an atomic read-modify-write on
 * mapped memory: the host keeps the other side (CAS on host_in's head, on
 * to_host's tail) and each slot's sequence passes ownership. GPU atomics on
 * pinned host memory are not atomic as seen by the CPU (CUDA Programming
 * Guide, "Atomic Functions"), and over PCIe each costs a round trip; this
 * design needs neither. */
#ifndef RK_CUDA_INTERNAL_H
#define RK_CUDA_INTERNAL_H

#include <cuda_runtime.h>

#include "ringk/cuda_loop.cuh"

#define RK_BRIDGE_THREADS 64 /* warp 0: host->device; warp 1: device->host */

typedef struct rk_bridge_params {
  const rk_kernel_control *ctl_host; /* mapped, one line per kernel */
  rk_kernel_control *ctl_mirror;     /* device copies the ring kernels poll */
  const rk_qgeom *host_in;           /* device: each kernel's mapped host->kernel queue */
  rk_queue *const *inbox;            /* device inbox of each kernel */
  uint64_t *host_in_tail;            /* device: the bridge's own consume position */
  rk_queue *staging;                 /* device: handlers' host-bound sends */
  rk_qgeom to_host;                  /* the mapped kernel->host queue */
  uint64_t *to_host_head;            /* device: the bridge's own produce position */
  const uint32_t *live;              /* device: ring-kernel blocks still running */
  uint64_t *started;                 /* mapped: %globaltimer when the bridge began */
  uint32_t nkernels;
} rk_bridge_params;

/* The bridge's entry, for occupancy checks and launch. */
const void *rk_bridge_entry(void);

#endif
