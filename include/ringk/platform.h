/* platform.h - the few things that differ between host C and CUDA device code.
 *
 * Everything that both the CPU and the GPU execute (wire encode/decode, queue
 * operations, the send path of a handler) is written once as RK_HD inline
 * functions over the primitives below. On the host they are GCC/Clang
 * __atomic builtins (understood by ThreadSanitizer); in device code they are
 * libcu++ atomic_ref at device (GPU) scope: everything device code reaches
 * through them (K2K inboxes, the host-bound staging queue, control mirrors,
 * kernel state) is device memory, except a group's local queues, in one
 * block's shared memory, whose acquires, releases and fences take block
 * scope (rk_fence_acquire_for). The CUDA backend's bridge, the only device
 * code that touches mapped host memory, uses system-scope operations of its
 * own (include/ringk/cuda_queue.cuh); a system-scope release here would cost
 * a MEMBAR.SYS on every K2K send. */
#ifndef RINGK_PLATFORM_H
#define RINGK_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__CUDACC__)
#define RK_HD __host__ __device__
#else
#define RK_HD
#endif
#define RK_INLINE RK_HD static inline

#ifdef __cplusplus
#define RK_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define RK_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#define RK_CACHELINE 64
#define RK_UNUSED __attribute__((unused))
/* No other pointer reaches this one's data: lets a loop's loads be issued
 * ahead of its stores (GCC and nvcc both take the GNU spelling). */
#define RK_RESTRICT __restrict__

/* The wire format is little-endian and encoded with plain copies: every
 * target we build for (x86-64, AArch64, NVIDIA GPUs) is little-endian. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ringk's wire format assumes a little-endian host"
#endif

#if defined(__CUDACC__)
#include <cuda/atomic>
/* One-way fences, which sm_90 has from PTX ISA 8.6 (CUDA 12.8) on. For an
 * acquire, cuda::atomic_thread_fence emits fence.acq_rel: a MEMBAR, which
 * waits until every store the thread has in flight has reached L2, then a
 * CCTL.IVALL that empties the SM's L1. fence.acquire is the CCTL.IVALL
 * alone and fence.release the MEMBAR alone. (H200, one thread: an acq_rel
 * fence took 276 cycles, 581 just after a store; an acquire fence 15, 30
 * just after a store; a release fence 268.) Older targets keep acq_rel. */
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900 && \
    (__CUDACC_VER_MAJOR__ > 12 || (__CUDACC_VER_MAJOR__ == 12 && __CUDACC_VER_MINOR__ >= 8))
#define RK_FENCE_(sem, scope) asm volatile("fence." #sem "." #scope ";" ::: "memory")
__device__ static inline void rk_fence_acquire_device(void) { RK_FENCE_(acquire, gpu); }
__device__ static inline void rk_fence_release_device(void) { RK_FENCE_(release, gpu); }
__device__ static inline void rk_fence_acquire_block(void) { RK_FENCE_(acquire, cta); }
__device__ static inline void rk_fence_release_block(void) { RK_FENCE_(release, cta); }
#else
#define RK_FENCE_(order, scope) \
  cuda::atomic_thread_fence(cuda::memory_order_##order, cuda::thread_scope_##scope)
__device__ static inline void rk_fence_acquire_device(void) { RK_FENCE_(acquire, device); }
__device__ static inline void rk_fence_release_device(void) { RK_FENCE_(release, device); }
__device__ static inline void rk_fence_acquire_block(void) { RK_FENCE_(acquire, block); }
__device__ static inline void rk_fence_release_block(void) { RK_FENCE_(release, block); }
#endif
#undef RK_FENCE_

/* An acquire (release) fence of the scope of the memory at p, for the data
 * it guards (device code only: the host's acquires are loads). */
__device__ static inline void rk_fence_acquire_for(const void *p) {
  if (__isShared(p)) rk_fence_acquire_block();
  else rk_fence_acquire_device();
}
__device__ static inline void rk_fence_release_for(const void *p) {
  if (__isShared(p)) rk_fence_release_block();
  else rk_fence_release_device();
}
#endif

#if defined(__CUDA_ARCH__)
#define RK_AREF(T, p) cuda::atomic_ref<T, cuda::thread_scope_device>(*(T *)(p))
/* Memory in a block's shared memory (a group's local queues) is reached by
 * that block's threads alone, so block scope orders it: its fence stays in
 * the SM, where a device-scope one waits until L2 has taken every store the
 * thread has in flight. __isShared is one instruction; the 64-bit acquire
 * and release below are the slot sequences' and pick their scope by it. */
#define RK_BREF(T, p) cuda::atomic_ref<T, cuda::thread_scope_block>(*(T *)(p))
RK_INLINE uint64_t rk_load_acquire_u64(const uint64_t *p) {
  return __isShared(p) ? RK_BREF(uint64_t, p).load(cuda::memory_order_acquire)
                       : RK_AREF(uint64_t, p).load(cuda::memory_order_acquire);
}
RK_INLINE uint64_t rk_load_relaxed_u64(const uint64_t *p) { return RK_AREF(uint64_t, p).load(cuda::memory_order_relaxed); }
RK_INLINE void rk_store_release_u64(uint64_t *p, uint64_t v) {
  if (__isShared(p)) RK_BREF(uint64_t, p).store(v, cuda::memory_order_release);
  else RK_AREF(uint64_t, p).store(v, cuda::memory_order_release);
}
RK_INLINE void rk_store_relaxed_u64(uint64_t *p, uint64_t v) { RK_AREF(uint64_t, p).store(v, cuda::memory_order_relaxed); }
RK_INLINE int rk_cas_relaxed_u64(uint64_t *p, uint64_t *expected, uint64_t desired) {
  return RK_AREF(uint64_t, p).compare_exchange_weak(*expected, desired, cuda::memory_order_relaxed);
}
RK_INLINE uint64_t rk_fetch_add_relaxed_u64(uint64_t *p, uint64_t v) { return RK_AREF(uint64_t, p).fetch_add(v, cuda::memory_order_relaxed); }
RK_INLINE void rk_max_relaxed_u64(uint64_t *p, uint64_t v) { RK_AREF(uint64_t, p).fetch_max(v, cuda::memory_order_relaxed); }
RK_INLINE uint32_t rk_fetch_add_acq_rel_u32(uint32_t *p, uint32_t v) { return RK_AREF(uint32_t, p).fetch_add(v, cuda::memory_order_acq_rel); }
RK_INLINE uint32_t rk_load_acquire_u32(const uint32_t *p) { return RK_AREF(uint32_t, p).load(cuda::memory_order_acquire); }
RK_INLINE uint32_t rk_load_relaxed_u32(const uint32_t *p) { return RK_AREF(uint32_t, p).load(cuda::memory_order_relaxed); }
RK_INLINE void rk_store_release_u32(uint32_t *p, uint32_t v) { RK_AREF(uint32_t, p).store(v, cuda::memory_order_release); }
RK_INLINE void rk_store_relaxed_i32(int32_t *p, int32_t v) { RK_AREF(int32_t, p).store(v, cuda::memory_order_relaxed); }
RK_INLINE int32_t rk_load_relaxed_i32(const int32_t *p) { return RK_AREF(int32_t, p).load(cuda::memory_order_relaxed); }
RK_INLINE void rk_cpu_relax(void) { __nanosleep(32); }
#else
RK_INLINE uint64_t rk_load_acquire_u64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
RK_INLINE uint64_t rk_load_relaxed_u64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
RK_INLINE void rk_store_release_u64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
RK_INLINE void rk_store_relaxed_u64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
RK_INLINE int rk_cas_relaxed_u64(uint64_t *p, uint64_t *expected, uint64_t desired) {
  return __atomic_compare_exchange_n(p, expected, desired, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}
RK_INLINE uint64_t rk_fetch_add_relaxed_u64(uint64_t *p, uint64_t v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
RK_INLINE void rk_max_relaxed_u64(uint64_t *p, uint64_t v) {
  uint64_t seen = __atomic_load_n(p, __ATOMIC_RELAXED);
  while (v > seen && !__atomic_compare_exchange_n(p, &seen, v, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}
RK_INLINE uint32_t rk_fetch_add_acq_rel_u32(uint32_t *p, uint32_t v) { return __atomic_fetch_add(p, v, __ATOMIC_ACQ_REL); }
RK_INLINE uint32_t rk_load_acquire_u32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
RK_INLINE uint32_t rk_load_relaxed_u32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
RK_INLINE void rk_store_release_u32(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
RK_INLINE void rk_store_relaxed_i32(int32_t *p, int32_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
RK_INLINE int32_t rk_load_relaxed_i32(const int32_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
#if defined(__x86_64__) || defined(__i386__)
RK_INLINE void rk_cpu_relax(void) { __builtin_ia32_pause(); }
#elif defined(__aarch64__)
RK_INLINE void rk_cpu_relax(void) { __asm__ __volatile__("yield"); }
#else
RK_INLINE void rk_cpu_relax(void) {}
#endif
#endif

/* Copies n bytes between buffers that do not overlap: the schema's arrays
 * and the wire header, straight between a queue slot and a struct. On the
 * host it is memcpy. In device code memcpy of a run-time length (or to and
 * from a byte pointer) becomes a loop of single-byte loads and stores, each
 * load waiting on the store before it: a 768-byte PageRank batch cost ~768
 * round trips to L2. Here the widest words that both pointers' alignment
 * allows are moved, four loads in flight before their stores. */
#if defined(__CUDA_ARCH__)
/* Copies the whole T words of (d, s, n) and advances past them, four
 * loads in flight before their stores. */
#define RK_COPY_RUN_(T, d, s, n)                                              \
  do {                                                                        \
    T *RK_RESTRICT dw_ = (T *)(d);                                            \
    const T *RK_RESTRICT sw_ = (const T *)(s);                                \
    size_t k_ = (n) / sizeof(T), i_ = 0;                                      \
    for (; i_ + 4 <= k_; i_ += 4) {                                           \
      T a_ = sw_[i_], b_ = sw_[i_ + 1], c_ = sw_[i_ + 2], e_ = sw_[i_ + 3];   \
      dw_[i_] = a_; dw_[i_ + 1] = b_; dw_[i_ + 2] = c_; dw_[i_ + 3] = e_;     \
    }                                                                         \
    for (; i_ < k_; i_++) dw_[i_] = sw_[i_];                                  \
    (d) += k_ * sizeof(T); (s) += k_ * sizeof(T); (n) -= k_ * sizeof(T);      \
  } while (0)
#endif
RK_INLINE void rk_copy_bytes(void *dst, const void *src, size_t n) {
#if defined(__CUDA_ARCH__)
  uint8_t *d = (uint8_t *)dst;
  const uint8_t *s = (const uint8_t *)src;
  /* the alignment both can reach: their offset from each other's */
  unsigned skew = (unsigned)(((uintptr_t)d ^ (uintptr_t)s) & 15u);
  unsigned w = skew == 0 ? 16u : (skew & 7u) == 0 ? 8u : (skew & 3u) == 0 ? 4u : 1u;
  for (; n > 0 && ((uintptr_t)d & 3u) && w > 1; n--) *d++ = *s++;
  for (; n >= 4 && ((uintptr_t)d & (w - 1u)); n -= 4, d += 4, s += 4)
    *(uint32_t *)d = *(const uint32_t *)s;
  if (w == 16) RK_COPY_RUN_(uint4, d, s, n);
  else if (w == 8) RK_COPY_RUN_(uint64_t, d, s, n);
  if (w >= 4) RK_COPY_RUN_(uint32_t, d, s, n);
  RK_COPY_RUN_(uint8_t, d, s, n);
#else
  memcpy(dst, src, n);
#endif
}

/* Atomically adds v to *p, for handlers whose workers share an accumulator.
 * Host: a CAS loop (x86 has no native double fetch-add); relaxed, since
 * the sum is read only after the workers are joined or the run is over. */
RK_INLINE void rk_atomic_add_f64(double *p, double v) {
#if defined(__CUDA_ARCH__)
  atomicAdd(p, v);
#else
  double old, upd;
  __atomic_load(p, &old, __ATOMIC_RELAXED);
  do {
    upd = old + v;
  } while (!__atomic_compare_exchange(p, &old, &upd, 1, __ATOMIC_RELAXED,
                                      __ATOMIC_RELAXED));
#endif
}

#endif /* RINGK_PLATFORM_H */
