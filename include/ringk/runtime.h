/* runtime.h - launching ring kernels on a backend and talking to them.
 *
 * Handles follow libuv: the caller owns the rk_runtime struct, rk_runtime_init
 * opens it and rk_runtime_close ends it (a second close is RK_E_STATE, not a
 * crash). Lifecycle, checked on every call:
 *
 *   init -> add kernels -> launch -> (activate <-> deactivate per kernel)
 *        -> terminate -> close
 *
 * Kernel ids are assigned by rk_kernel_add in order from 0; they are the
 * addresses K2K sends use, resolved into a routing table at launch. Kernels
 * start inactive: messages sent to them wait in their inbox until activate.
 * After terminate, messages still queued are not delivered; they are counted
 * in the kernel's `undelivered` telemetry. */
#ifndef RINGK_RUNTIME_H
#define RINGK_RUNTIME_H

#include "ringk/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rk_backend_kind {
  RK_BACKEND_AUTO = 0, /* CUDA when built in and a GPU is present, else CPU */
  RK_BACKEND_CPU = 1,
  RK_BACKEND_CUDA = 2
} rk_backend_kind;

typedef struct rk_runtime_opts {
  rk_backend_kind backend;
  int device;                 /* CUDA device ordinal */
  uint32_t to_host_capacity;  /* slots in the kernel->host queue; 0: 4096 */
  uint32_t to_host_slot;      /* its slot bytes; 0: the largest inbox slot */
  uint32_t full_spins;        /* polls of a full queue in a send; 0: 1<<20 */
} rk_runtime_opts;

typedef struct rk_runtime {
  struct rk_rt *impl_;        /* NULL when closed */
} rk_runtime;

typedef struct rk_kernel_opts {
  uint32_t inbox_capacity;    /* slots, a power of two; 0: 1024 */
  uint32_t workers;           /* CPU threads / GPU blocks; 0: 1 */
  uint32_t threads_per_worker;/* GPU threads per block; 0: backend default */
  const void *state;          /* initial state, copied at add; may be NULL */
  size_t state_size;          /* bytes of state */
  int in_order;               /* GPU: each warp runs its batch's handlers one
                                 lane after the other, in queue order (a
                                 one-warp worker is then FIFO, as a CPU worker
                                 always is); 0: every lane runs its own
                                 message at once, each lane a worker */
  uint32_t max_payload;       /* largest payload the inbox takes, in bytes;
                                 its slots are sized to it, and a larger
                                 message is refused with RK_E_OVERSIZE. 0:
                                 the largest its types can encode; more than
                                 that: RK_E_INVAL */
  uint32_t inbox_shards;      /* queues the inbox is made of, each of
                                 inbox_capacity slots: a power of two, at
                                 most workers and RK_QUEUE_MAX_SHARDS; 0: 1.
                                 Not in a group. See below. */
} rk_kernel_opts;

/* A sharded inbox (inbox_shards > 1) is for a kernel that many workers
 * send to at once: each queue's head hands out claims one CAS at a time,
 * and shards add heads. A sender's messages all go to one of them (CPU
 * worker w's to queue w % shards, a GPU worker's to its block's, block b %
 * shards, the host's to queue 0), so each sender's messages still arrive
 * in the order sent. The kernel's CPU worker w takes from queue w %
 * shards first and from the others when that one is empty; its GPU block
 * b takes from queue b % shards every other round and from each of the
 * others in turn between. A send is refused (RK_E_FULL) when its
 * sender's queue is full, even if another has room. Telemetry sums the
 * queues (the high-water mark is the largest of one queue). */

/* What a kernel has done so far; readable at any time after launch. The
 * counters are published after a handler returns (on the GPU, by a worker
 * of one warp within 64 rounds of its loop), so a message the handler sent
 * can reach its receiver (or the host) before they count it; once
 * rk_kernel_deactivate or rk_runtime_terminate has returned they are exact. */
typedef struct rk_kernel_telemetry {
  uint64_t processed;
  uint64_t errors;
  uint64_t sent;
  uint64_t send_failed;
  uint64_t last_activity_ns;   /* rk_now_ns() clock; 0 if never active */
  uint64_t queue_depth;        /* messages waiting in the inbox */
  uint64_t undelivered;        /* after terminate: messages left unhandled */
  int32_t last_error;
  int active;
  rk_queue_stats inbox;
} rk_kernel_telemetry;

int rk_runtime_init(rk_runtime *rt, const rk_runtime_opts *opts);
int rk_runtime_close(rk_runtime *rt);
const char *rk_runtime_backend(const rk_runtime *rt);

int rk_kernel_add(rk_runtime *rt, const rk_kernel_def *def,
                  const rk_kernel_opts *opts, uint32_t *id);
/* Adds the members of a group as kernels first_id, first_id + 1, ...,
 * member i with opts[i] (opts may be NULL: defaults). Every member must
 * have the same number of workers (RK_E_INVAL). On CUDA, worker b of each
 * member runs in block b of one grid, and a member's messages to another
 * member of its block go through a queue in that block's shared memory
 * (up to RK_GROUP_LOCAL_BYTES of it a member; a member whose slots are
 * too large for two of them there is reached through its inbox, as from
 * anywhere else). Messages from the host and from other kernels still
 * arrive through the inbox. Local queues are counted in the inbox
 * telemetry as of the member's last acknowledged control change, and
 * exactly after terminate. On the CPU, thread w runs worker w of every
 * member, a message of each in turn: a member's send into the full inbox
 * of another member of its group waits for a thread that is its own, so
 * it fails once full_spins run out (never, with UINT32_MAX, until stop);
 * size the inboxes members send each other to what they hold at once. */
int rk_group_add(rk_runtime *rt, const rk_group_def *def, const rk_kernel_opts *opts,
                 uint32_t *first_id);
int rk_runtime_launch(rk_runtime *rt);
int rk_kernel_activate(rk_runtime *rt, uint32_t id);
int rk_kernel_deactivate(rk_runtime *rt, uint32_t id);
/* Stops every kernel; waits up to timeout_ns for them to leave their loops.
 * RK_E_TIMEOUT if one did not, the device fault (RK_E_DEVICE) if one killed
 * them; the runtime is terminated regardless. */
int rk_runtime_terminate(rk_runtime *rt, uint64_t timeout_ns);

/* Host -> kernel: encodes msg straight into the kernel's inbox. Waits up to
 * timeout_ns while the inbox is full (0: fail at once with RK_E_FULL). */
int rk_host_send(rk_runtime *rt, uint32_t kernel, const rk_msg_codec *codec,
                 const void *msg, uint64_t corr_id, uint64_t timeout_ns);
#define RK_HOST_SEND(rt, kernel, type, msgp, timeout_ns) \
  rk_host_send((rt), (kernel), &type##_codec, (msgp), 0, (timeout_ns))

/* Host -> kernel, n messages of one type in order: message i is at
 * (const char *)msgs + i * stride. Consecutive slots are claimed together
 * (one claim for as many as there is room for, up to RK_HOST_RUN), so a
 * batch costs far less a message than rk_host_send. Waits up to timeout_ns
 * in all while the inbox is full (0: sends what fits). *sent (may be NULL)
 * is how many went, always the first ones: RK_OK when all n did; else the
 * error that stopped the rest, e.g. RK_E_FULL / RK_E_TIMEOUT, or
 * RK_E_OVERSIZE for message *sent. */
int rk_host_send_many(rk_runtime *rt, uint32_t kernel, const rk_msg_codec *codec,
                      const void *msgs, size_t stride, uint32_t n, uint64_t corr_id,
                      uint64_t timeout_ns, uint32_t *sent);
#define RK_HOST_RUN 64
#define RK_HOST_SEND_MANY(rt, kernel, type, msgs, n, timeout_ns, sent)                 \
  rk_host_send_many((rt), (kernel), &type##_codec, (msgs), sizeof(type), (n), 0, \
                    (timeout_ns), (sent))

/* Kernel -> host: copies the oldest message into buf (cap bytes, at least
 * rk_host_slot_size()) and decodes its header into *msg, whose payload then
 * points into buf. Waits up to timeout_ns (RK_E_TIMEOUT; 0: RK_E_EMPTY).
 * After terminate it drains, without waiting, every message the kernels
 * sent to the host, then answers RK_E_EMPTY. */
int rk_host_recv(rk_runtime *rt, rk_msg *msg, uint8_t *buf, uint32_t cap,
                 uint64_t timeout_ns);
/* Kernel -> host, many at once: waits up to timeout_ns for the first
 * message as rk_host_recv does, then takes, without waiting, those behind
 * it in the host queue with one claim, up to max and to what buf holds
 * (cap bytes: message i is copied to buf + i * rk_host_slot_size() and its
 * header decoded into msgs[i]). *got is how many; RK_OK when it is at
 * least one, else rk_host_recv's error. A message that fails to decode is
 * left out and the call answers RK_E_MALFORMED, the good ones in *got. */
int rk_host_recv_many(rk_runtime *rt, rk_msg *msgs, uint8_t *buf, size_t cap, uint32_t max,
                      uint32_t *got, uint64_t timeout_ns);
uint32_t rk_host_slot_size(const rk_runtime *rt);

int rk_kernel_telemetry_get(rk_runtime *rt, uint32_t id, rk_kernel_telemetry *out);
/* Copies a kernel's state out (consistent when it is inactive or stopped). */
int rk_kernel_state_read(rk_runtime *rt, uint32_t id, void *dst, size_t size);
/* Kernel memory: buffers handlers reach through pointers in their state
 * (device memory on CUDA, plain heap on the CPU). The host must not
 * dereference them; it copies in and out. rk_mem_free(NULL) is a no-op. */
int rk_mem_alloc(rk_runtime *rt, size_t bytes, void **ptr);
int rk_mem_free(rk_runtime *rt, void *ptr);
int rk_mem_copy_in(rk_runtime *rt, void *dst, const void *src, size_t bytes);
int rk_mem_copy_out(rk_runtime *rt, void *dst, const void *src, size_t bytes);

/* First device/handler fault of the runtime: RK_OK or the error, with the
 * kernel's id in *kernel (may be NULL). */
int rk_runtime_fault(rk_runtime *rt, uint32_t *kernel);
const char *rk_kernel_name(const rk_runtime *rt, uint32_t id);

#ifdef __cplusplus
}
#endif
#endif /* RINGK_RUNTIME_H */
