/* runtime.c - the backend-independent half of the runtime.
 *
 * It owns what must behave the same on every backend: the lifecycle state
 * machine and its RK_E_STATE answers, argument checks, kernel ids and slot
 * sizes, the control-block protocol (active/stop/epoch, acknowledged by each
 * worker), host send/receive over the host-visible queues, and telemetry
 * sums. Backends (src/cpu, src/cuda) only place memory and run workers; see
 * core/backend.h. */
#include <stdlib.h>

#include "core/backend.h"
#include "core/log.h"
#include "core/wait.h"

#define RK_DEFAULT_INBOX 1024u
#define RK_DEFAULT_TO_HOST 4096u
#define RK_DEFAULT_FULL_SPINS (1u << 20)
#define RK_CLOSE_TIMEOUT_NS 5000000000ull   /* terminate on close: 5 s */
#define RK_ACK_TIMEOUT_NS 5000000000ull     /* deactivate waits for acks */

static rk_rt *rt_of(const rk_runtime *rt) { return rt ? rt->impl_ : NULL; }
static int rt_fault(rk_rt *rt, uint32_t *kernel);

static const rk_backend_ops *pick_backend(rk_backend_kind kind) {
  switch (kind) {
  case RK_BACKEND_CPU: return &rk_cpu_backend;
#ifdef RK_HAVE_CUDA
  case RK_BACKEND_CUDA: return rk_cuda_available() ? &rk_cuda_backend : NULL;
  case RK_BACKEND_AUTO: return rk_cuda_available() ? &rk_cuda_backend : &rk_cpu_backend;
#else
  case RK_BACKEND_CUDA: return NULL;
  case RK_BACKEND_AUTO: return &rk_cpu_backend;
#endif
  }
  return NULL;
}

int rk_runtime_init(rk_runtime *handle, const rk_runtime_opts *opts) {
  if (handle == NULL) return RK_E_INVAL;
  handle->impl_ = NULL;
  rk_runtime_opts o = {RK_BACKEND_AUTO, 0, 0, 0, 0};
  if (opts) o = *opts;
  if ((unsigned)o.backend > RK_BACKEND_CUDA) return RK_E_INVAL;
  if (o.to_host_capacity == 0) o.to_host_capacity = RK_DEFAULT_TO_HOST;
  if (o.full_spins == 0) o.full_spins = RK_DEFAULT_FULL_SPINS;
  if (rk_queue_bytes(o.to_host_capacity, o.to_host_slot ? o.to_host_slot : RK_HEADER_SIZE) == 0)
    return RK_E_INVAL;
  const rk_backend_ops *ops = pick_backend(o.backend);
  if (ops == NULL) return RK_E_NO_BACKEND;
  rk_rt *rt = calloc(1, sizeof *rt);
  if (rt == NULL) return RK_E_NOMEM;
  rt->ops = ops;
  rt->opts = o;
  rt->state = RK_RT_CREATED;
  handle->impl_ = rt;
  rk_log(RK_LOG_INFO, "runtime created on the %s backend", ops->name);
  return RK_OK;
}

const char *rk_runtime_backend(const rk_runtime *handle) {
  rk_rt *rt = rt_of(handle);
  return rt ? rt->ops->name : "none";
}

int rk_kernel_accepts(const rk_kernel_def *def, uint16_t type_id) {
  for (uint32_t i = 0; i < def->ntypes; i++)
    if (def->types[i]->type_id == type_id) return 1;
  return 0;
}

static int kernel_opts_apply(const rk_kernel_def *def, const rk_kernel_opts *in,
                             rk_kernel_rec *k) {
  rk_kernel_opts o;
  memset(&o, 0, sizeof o);
  if (in) o = *in;
  if (o.inbox_capacity == 0) o.inbox_capacity = RK_DEFAULT_INBOX;
  if (o.workers == 0) o.workers = 1;
  if (o.inbox_shards == 0) o.inbox_shards = 1;
  if ((o.state == NULL) != (o.state_size == 0)) return RK_E_INVAL;
  uint32_t max_payload = 0;
  for (uint32_t i = 0; i < def->ntypes; i++) {
    if (def->types[i] == NULL) return RK_E_INVAL;
    if (def->types[i]->max_payload > max_payload) max_payload = def->types[i]->max_payload;
  }
  if (o.max_payload > max_payload) return RK_E_INVAL;
  /* A caller that never sends the largest its types allow (a bounded array
   * filled part way) trades it for smaller slots: less memory to walk. */
  if (o.max_payload) max_payload = o.max_payload;
  if (max_payload > RK_QUEUE_MAX_SLOT - RK_HEADER_SIZE) return RK_E_RANGE;
  k->slot_size = RK_HEADER_SIZE + max_payload;
  if (rk_queue_set_bytes(o.inbox_shards, o.inbox_capacity, k->slot_size) == 0) return RK_E_INVAL;
  /* every queue of the inbox has a worker that looks at it first */
  if (o.inbox_shards > o.workers) return RK_E_INVAL;
  if (o.state_size) {
    k->init_state = malloc(o.state_size);
    if (k->init_state == NULL) return RK_E_NOMEM;
    memcpy(k->init_state, o.state, o.state_size);
  }
  o.state = NULL; /* the caller's pointer is not kept */
  k->opts = o;
  k->def = def;
  return RK_OK;
}

int rk_kernel_add(rk_runtime *handle, const rk_kernel_def *def,
                  const rk_kernel_opts *opts, uint32_t *id) {
  rk_rt *rt = rt_of(handle);
  if (rt == NULL || def == NULL || def->handler == NULL || def->ntypes == 0 ||
      def->types == NULL)
    return RK_E_INVAL;
  if (rt->state != RK_RT_CREATED) return RK_E_STATE;
  if (rt->nkernels == rt->cap_kernels) {
    uint32_t cap = rt->cap_kernels ? rt->cap_kernels * 2 : 8;
    rk_kernel_rec *k = realloc(rt->kernels, cap * sizeof *k);
    if (k == NULL) return RK_E_NOMEM;
    rt->kernels = k;
    rt->cap_kernels = cap;
  }
  rk_kernel_rec *k = &rt->kernels[rt->nkernels];
  memset(k, 0, sizeof *k);
  int rc = kernel_opts_apply(def, opts, k);
  if (rc != RK_OK) return rc;
  if (id) *id = rt->nkernels;
  rt->nkernels++;
  return RK_OK;
}

/* Forgets the kernels added from id first on (a group that failed). */
static void kernels_truncate(rk_rt *rt, uint32_t first) {
  while (rt->nkernels > first) free(rt->kernels[--rt->nkernels].init_state);
}

int rk_group_add(rk_runtime *handle, const rk_group_def *def, const rk_kernel_opts *opts,
                 uint32_t *first_id) {
  rk_rt *rt = rt_of(handle);
  if (rt == NULL || def == NULL || def->members == NULL || def->nmembers < 2 ||
      def->nmembers > RK_GROUP_MAX)
    return RK_E_INVAL;
  if (rt->state != RK_RT_CREATED) return RK_E_STATE;
  uint32_t first = rt->nkernels;
  int rc = RK_OK;
  for (uint32_t i = 0; rc == RK_OK && i < def->nmembers; i++) {
    rc = rk_kernel_add(handle, def->members[i], opts ? &opts[i] : NULL, NULL);
    if (rc == RK_OK && rt->kernels[first + i].opts.workers != rt->kernels[first].opts.workers)
      rc = RK_E_INVAL; /* worker b of every member shares block b */
    /* a group's thread (CPU) sleeps on one queue of each member, and its
     * members poll their inboxes seldom (CUDA): one queue each */
    if (rc == RK_OK && rt->kernels[first + i].opts.inbox_shards != 1) rc = RK_E_INVAL;
  }
  if (rc != RK_OK) {
    kernels_truncate(rt, first);
    return rc;
  }
  for (uint32_t i = 0; i < def->nmembers; i++) {
    rt->kernels[first + i].group = def;
    rt->kernels[first + i].member = i;
  }
  if (first_id) *first_id = first;
  return RK_OK;
}

int rk_runtime_launch(rk_runtime *handle) {
  rk_rt *rt = rt_of(handle);
  if (rt == NULL) return RK_E_INVAL;
  if (rt->state != RK_RT_CREATED) return RK_E_STATE;
  if (rt->nkernels == 0) return RK_E_INVAL;
  uint32_t slot = rt->opts.to_host_slot;
  for (uint32_t i = 0; !slot && i < rt->nkernels; i++)
    if (rt->kernels[i].slot_size > rt->to_host_slot) rt->to_host_slot = rt->kernels[i].slot_size;
  if (slot) rt->to_host_slot = slot;
  int rc = rt->ops->launch(rt);
  if (rc != RK_OK) {
    rk_log(RK_LOG_ERROR, "launch on %s failed: %s", rt->ops->name, rk_strerror(rc));
    rt->ops->release(rt);  /* joins whatever workers had started */
    return rc;
  }
  rt->state = RK_RT_LAUNCHED;
  rk_log(RK_LOG_INFO, "launched %u kernel(s) on %s", rt->nkernels, rt->ops->name);
  return RK_OK;
}

/* Publishes a control change: the flag first, then the epoch (both release)
 * so that a worker that reads the new epoch (acquire) sees the new flag. */
static uint32_t control_publish(rk_rt *rt, uint32_t id, uint32_t *flag, uint32_t value) {
  rk_kernel_control *c = rt->kernels[id].ctl;
  rk_store_release_u32(flag, value);
  uint32_t epoch = rk_load_relaxed_u32(&c->epoch) + 1;
  rk_store_release_u32(&c->epoch, epoch);
  rt->ops->notify(rt, id);
  return epoch;
}

/* Waits until every worker of kernel id acknowledged epoch, i.e. has left
 * any handler it was in when the change was published. */
static int control_wait_acks(rk_rt *rt, uint32_t id, uint32_t epoch, uint64_t timeout_ns) {
  rk_kernel_rec *k = &rt->kernels[id];
  uint64_t deadline = rk_deadline(timeout_ns);
  rk_backoff b;
  rk_backoff_reset(&b);
  for (uint32_t w = 0; w < k->opts.workers;) {
    /* acquire: pairs with the worker's release of epoch_seen. */
    if (rk_load_acquire_u64(&k->stats[w].epoch_seen) >= epoch) {
      w++;
      continue;
    }
    int fault = rt_fault(rt, NULL);
    if (fault != RK_OK) return fault;
    if (rk_now_ns() >= deadline) return RK_E_TIMEOUT;
    rk_backoff_wait(&b);
  }
  return RK_OK;
}

static int kernel_set_active(rk_runtime *handle, uint32_t id, int active) {
  rk_rt *rt = rt_of(handle);
  if (rt == NULL) return RK_E_INVAL;
  if (rt->state != RK_RT_LAUNCHED) return RK_E_STATE;
  if (id >= rt->nkernels) return RK_E_NO_KERNEL;
  rk_kernel_rec *k = &rt->kernels[id];
  if (k->active == active) return RK_E_STATE;
  uint32_t epoch = control_publish(rt, id, &k->ctl->active, (uint32_t)active);
  k->active = active;
  return control_wait_acks(rt, id, epoch, RK_ACK_TIMEOUT_NS);
}

int rk_kernel_activate(rk_runtime *rt, uint32_t id) { return kernel_set_active(rt, id, 1); }
int rk_kernel_deactivate(rk_runtime *rt, uint32_t id) { return kernel_set_active(rt, id, 0); }

int rk_runtime_terminate(rk_runtime *handle, uint64_t timeout_ns) {
  rk_rt *rt = rt_of(handle);
  if (rt == NULL) return RK_E_INVAL;
  if (rt->state != RK_RT_LAUNCHED) return RK_E_STATE;
  for (uint32_t i = 0; i < rt->nkernels; i++)
    control_publish(rt, i, &rt->kernels[i].ctl->stop, 1);
  rt->state = RK_RT_TERMINATED;
  int rc = rt->ops->join(rt, timeout_ns);
  if (rc != RK_OK) {
    rk_log(RK_LOG_WARN, "terminate: workers did not stop: %s", rk_strerror(rc));
    return rc;
  }
  rt->joined = 1;
  /* Workers killed by a device fault are joined too; the caller still
   * hears of the fault. */
  return rt_fault(rt, NULL);
}

int rk_runtime_close(rk_runtime *handle) {
  if (handle == NULL) return RK_E_INVAL;
  rk_rt *rt = rt_of(handle);
  if (rt == NULL) return RK_E_STATE;
  if (rt->state == RK_RT_LAUNCHED) rk_runtime_terminate(handle, RK_CLOSE_TIMEOUT_NS);
  if (rt->state != RK_RT_CREATED && !rt->joined) {
    /* A worker is stuck in a handler: freeing its memory would crash it. */
    int rc = rt->ops->join(rt, RK_CLOSE_TIMEOUT_NS);
    if (rc != RK_OK) return rc;
    rt->joined = 1;
  }
  if (rt->state != RK_RT_CREATED) rt->ops->release(rt);
  for (uint32_t i = 0; i < rt->nkernels; i++) free(rt->kernels[i].init_state);
  free(rt->kernels);
  free(rt);
  handle->impl_ = NULL;
  return RK_OK;
}

/* Sizes the payloads of the messages from the first on, as many as may go
 * in one run (at most max): stops before one that does not fit a slot of
 * q or whose payload_size fails, leaving that error in *stop. */
static uint32_t host_run_sizes(const rk_queue *q, const rk_msg_codec *codec,
                               const uint8_t *first, size_t stride, uint32_t max,
                               uint32_t *lens, int *stop) {
  uint32_t n = 0;
  for (; n < max; n++) {
    int64_t len = codec->payload_size(first + n * stride);
    if (len < 0 || (uint64_t)len > q->slot_size - RK_HEADER_SIZE) {
      *stop = len < 0 ? (int)len : RK_E_OVERSIZE;
      break;
    }
    lens[n] = RK_HEADER_SIZE + (uint32_t)len;
  }
  return n;
}

/* Encodes n messages into the slots claimed at pos and publishes them. */
static void host_fill_run(rk_rt *rt, rk_queue *q, uint32_t kernel, const rk_msg_codec *codec,
                          const uint8_t *first, size_t stride, uint64_t pos, uint32_t n,
                          const uint32_t *lens, uint64_t corr_id) {
  rk_msg_header h;
  rk_header_init(&h, codec->type_id, codec->schema_version, 0);
  h.sender = RK_ADDR_HOST;
  h.receiver = kernel;
  h.seq = rk_fetch_add_relaxed_u64(&rt->host_seq, n);
  h.corr_id = corr_id;
  h.timestamp_ns = rk_now_ns();
  for (uint32_t i = 0; i < n; i++, h.seq++) {
    rk_slot_ref ref;
    rk_slot_ref_set(&ref, rk_queue_slot(q, pos + i), pos + i, lens[i]);
    h.payload_len = lens[i] - RK_HEADER_SIZE;
    rk_header_encode(&h, ref.data);
    codec->write(first + i * stride, ref.data + RK_HEADER_SIZE);
    rk_queue_publish(&ref, lens[i]);
  }
  rk_queue_note_commit(q, pos + n - 1);
}

int rk_host_send_many(rk_runtime *handle, uint32_t kernel, const rk_msg_codec *codec,
                      const void *msgs, size_t stride, uint32_t n, uint64_t corr_id,
                      uint64_t timeout_ns, uint32_t *sent) {
  rk_rt *rt = rt_of(handle);
  if (sent) *sent = 0;
  if (rt == NULL || codec == NULL || (msgs == NULL && n > 0)) return RK_E_INVAL;
  if (rt->state == RK_RT_TERMINATED) return RK_E_TERMINATED;
  if (rt->state != RK_RT_LAUNCHED) return RK_E_STATE;
  if (kernel >= rt->nkernels) return RK_E_NO_KERNEL;
  rk_kernel_rec *k = &rt->kernels[kernel];
  if (!rk_kernel_accepts(k->def, codec->type_id)) return RK_E_UNKNOWN_TYPE;
  rk_queue *q = k->host_in;
  const uint8_t *at = msgs;
  uint32_t done = 0, lens[RK_HOST_RUN];
  uint64_t deadline = 0; /* one wait for the whole call */
  int rc = RK_OK;
  while (done < n) {
    uint32_t want = n - done < RK_HOST_RUN ? n - done : RK_HOST_RUN;
    int stop = RK_OK;
    /* a message that cannot go ends the call once the ones before it went */
    want = host_run_sizes(q, codec, at + done * stride, stride, want, lens, &stop);
    if (want == 0) {
      if (stop == RK_E_OVERSIZE) rk_fetch_add_relaxed_u64(&q->rejected_oversize, 1);
      rc = stop;
      break;
    }
    uint64_t pos;
    uint32_t got;
    rc = rk_queue_reserve_run_wait(q, want, &pos, &got, timeout_ns, &deadline);
    if (rc != RK_OK) break;
    host_fill_run(rt, q, kernel, codec, at + done * stride, stride, pos, got, lens, corr_id);
    done += got;
  }
  if (sent) *sent = done;
  return rc;
}

int rk_host_send(rk_runtime *handle, uint32_t kernel, const rk_msg_codec *codec,
                 const void *msg, uint64_t corr_id, uint64_t timeout_ns) {
  return rk_host_send_many(handle, kernel, codec, msg, 0, 1, corr_id, timeout_ns, NULL);
}

uint32_t rk_host_slot_size(const rk_runtime *handle) {
  rk_rt *rt = rt_of(handle);
  return rt && rt->state != RK_RT_CREATED ? rt->to_host_slot : 0;
}

/* Copies the message at ref, taken from the host queue q, to dst, hands
 * its slot back and decodes its header into *msg. A length past the slot
 * (a stray write from a kernel) is RK_E_MALFORMED, not a copy. */
static int host_copy_out(rk_queue *q, rk_slot_ref *ref, uint8_t *dst, rk_msg *msg) {
  uint32_t len = ref->slot->len;
  int ok = len <= q->slot_size;
  if (ok) memcpy(dst, ref->data, len);
  rk_queue_release(q, ref);
  return ok ? rk_msg_decode(dst, len, msg) : RK_E_MALFORMED;
}

int rk_host_recv(rk_runtime *handle, rk_msg *msg, uint8_t *buf, uint32_t cap,
                 uint64_t timeout_ns) {
  rk_rt *rt = rt_of(handle);
  if (rt == NULL || msg == NULL || buf == NULL) return RK_E_INVAL;
  if (rt->state == RK_RT_CREATED) return RK_E_STATE;
  if (cap < rt->to_host_slot) return RK_E_INVAL;
  /* Once the workers are joined nothing more can arrive: no waiting, and
   * after the host queue, what the backend still holds. */
  int done = rt->state == RK_RT_TERMINATED && rt->joined;
  rk_slot_ref ref;
  int rc = rk_queue_peek_wait_naps(rt->to_host, &ref, done ? 0 : timeout_ns, rt->to_host_wakes);
  if (rc == RK_E_EMPTY && done && rt->ops->leftover) {
    uint32_t len = 0;
    rc = rt->ops->leftover(rt, buf, cap, &len);
    return rc == RK_OK ? rk_msg_decode(buf, len, msg) : rc;
  }
  if (rc != RK_OK) return rc;
  return host_copy_out(rt->to_host, &ref, buf, msg);
}

int rk_host_recv_many(rk_runtime *handle, rk_msg *msgs, uint8_t *buf, size_t cap, uint32_t max,
                      uint32_t *got, uint64_t timeout_ns) {
  rk_rt *rt = rt_of(handle);
  if (got == NULL) return RK_E_INVAL;
  *got = 0;
  if (rt == NULL || msgs == NULL || buf == NULL || max == 0) return RK_E_INVAL;
  if (rt->state == RK_RT_CREATED) return RK_E_STATE;
  const uint32_t slot = rt->to_host_slot;
  if (cap < slot) return RK_E_INVAL;
  if (max > cap / slot) max = (uint32_t)(cap / slot);
  int rc = rk_host_recv(handle, &msgs[0], buf, slot, timeout_ns);
  if (rc != RK_OK) return rc;
  uint32_t n = 1;
  uint64_t pos;
  uint32_t run = max > 1 ? rk_queue_take_run(rt->to_host, max - 1, &pos) : 0;
  for (uint32_t i = 0; i < run; i++) {
    rk_slot_ref ref;
    rk_slot_ref_set(&ref, rk_queue_slot(rt->to_host, pos + i), pos + i, 0);
    /* a malformed one is left out; the next takes its place in buf */
    if (host_copy_out(rt->to_host, &ref, buf + (size_t)n * slot, &msgs[n]) == RK_OK) n++;
    else rc = RK_E_MALFORMED;
  }
  *got = n;
  return rc;
}

int rk_kernel_telemetry_get(rk_runtime *handle, uint32_t id, rk_kernel_telemetry *out) {
  rk_rt *rt = rt_of(handle);
  if (rt == NULL || out == NULL) return RK_E_INVAL;
  if (id >= rt->nkernels) return RK_E_NO_KERNEL;
  memset(out, 0, sizeof *out);
  rk_kernel_rec *k = &rt->kernels[id];
  out->active = k->active;
  if (rt->state == RK_RT_CREATED) return RK_OK;
  for (uint32_t w = 0; w < k->opts.workers; w++) {
    /* relaxed: each counter is written by one worker; a snapshot suffices. */
    const rk_worker_stats *s = &k->stats[w];
    out->processed += rk_load_relaxed_u64(&s->processed);
    out->errors += rk_load_relaxed_u64(&s->errors);
    out->sent += rk_load_relaxed_u64(&s->sent);
    out->send_failed += rk_load_relaxed_u64(&s->send_failed);
    uint64_t t = rk_load_relaxed_u64(&s->last_activity);
    if (t > out->last_activity_ns) out->last_activity_ns = t;
    int32_t e = rk_load_relaxed_i32(&s->last_error);
    if (e != RK_OK) out->last_error = e;
  }
  int rc = rt->ops->inbox_stats(rt, id, &out->inbox);
  if (rc != RK_OK) return rc;
  out->queue_depth = out->inbox.depth;
  if (rt->state == RK_RT_TERMINATED && rt->joined) out->undelivered = out->inbox.depth;
  return RK_OK;
}

int rk_kernel_state_read(rk_runtime *handle, uint32_t id, void *dst, size_t size) {
  rk_rt *rt = rt_of(handle);
  if (rt == NULL || (dst == NULL && size != 0)) return RK_E_INVAL;
  if (id >= rt->nkernels) return RK_E_NO_KERNEL;
  rk_kernel_rec *k = &rt->kernels[id];
  if (size != k->opts.state_size) return RK_E_INVAL;
  if (size == 0) return RK_OK;
  if (rt->state == RK_RT_CREATED) {
    memcpy(dst, k->init_state, size);
    return RK_OK;
  }
  return rt->ops->state_read(rt, id, dst, size);
}

int rk_runtime_fault(rk_runtime *handle, uint32_t *kernel) {
  rk_rt *rt = rt_of(handle);
  if (rt == NULL) return RK_E_INVAL;
  return rt_fault(rt, kernel);
}

static int rt_fault(rk_rt *rt, uint32_t *kernel) {
  if (rt->state == RK_RT_CREATED) return RK_OK;
  for (uint32_t i = 0; i < rt->nkernels; i++) {
    int32_t f = rk_load_relaxed_i32(&rt->kernels[i].ctl->fault);
    if (f != RK_OK) {
      if (kernel) *kernel = i;
      return f;
    }
  }
  return rt->ops->poll_fault(rt, kernel);
}

int rk_mem_alloc(rk_runtime *handle, size_t bytes, void **ptr) {
  rk_rt *rt = rt_of(handle);
  if (rt == NULL || ptr == NULL || bytes == 0) return RK_E_INVAL;
  *ptr = NULL;
  return rt->ops->mem_alloc(rt, bytes, ptr);
}

int rk_mem_free(rk_runtime *handle, void *ptr) {
  rk_rt *rt = rt_of(handle);
  if (rt == NULL) return RK_E_INVAL;
  if (ptr) rt->ops->mem_free(rt, ptr);
  return RK_OK;
}

static int mem_copy(rk_runtime *handle, void *dst, const void *src, size_t bytes, int in) {
  rk_rt *rt = rt_of(handle);
  if (rt == NULL || ((dst == NULL || src == NULL) && bytes != 0)) return RK_E_INVAL;
  return bytes ? rt->ops->mem_copy(rt, dst, src, bytes, in) : RK_OK;
}

int rk_mem_copy_in(rk_runtime *rt, void *dst, const void *src, size_t bytes) {
  return mem_copy(rt, dst, src, bytes, 1);
}

int rk_mem_copy_out(rk_runtime *rt, void *dst, const void *src, size_t bytes) {
  return mem_copy(rt, dst, src, bytes, 0);
}

const char *rk_kernel_name(const rk_runtime *handle, uint32_t id) {
  rk_rt *rt = rt_of(handle);
  return rt && id < rt->nkernels ? rt->kernels[id].def->name : NULL;
}

void rk_ctx_fill(const rk_rt *rt, uint32_t kernel, uint32_t worker,
                 rk_queue *const *routes, rk_queue *to_host, void *state,
                 const uint16_t *accept, rk_worker_stats *stats,
                 const rk_kernel_control *ctl, rk_ctx *ctx) {
  const rk_kernel_rec *k = &rt->kernels[kernel];
  memset(ctx, 0, sizeof *ctx);
  ctx->routes = routes;
  ctx->to_host = to_host;
  ctx->stats = stats;
  ctx->ctl = ctl;
  ctx->state = state;
  ctx->kernel_id = kernel;
  ctx->nkernels = rt->nkernels;
  ctx->worker = worker;
  ctx->nworkers = k->opts.workers;
  ctx->accept = accept;
  ctx->naccept = k->def->ntypes;
  ctx->full_spins = rt->opts.full_spins;
  ctx->lanes = 1;
}

void rk_kernel_accept_ids(const rk_kernel_def *def, uint16_t *ids) {
  for (uint32_t i = 0; i < def->ntypes; i++) ids[i] = def->types[i]->type_id;
}
