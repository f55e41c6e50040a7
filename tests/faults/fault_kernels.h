/* fault_kernels.h - ring kernels that misbehave on purpose, for the fault
 * tests: one that fails on request, one that blocks inside its handler, and
 * ones that echo messages back to the host (of the largest slot size a
 * queue allows, or pl_blobs of any length). */
#ifndef RK_TESTS_FAULT_KERNELS_H
#define RK_TESTS_FAULT_KERNELS_H

#include "pipeline_kernels.h"

/* The largest payload a message may declare: its slot is exactly
 * RK_QUEUE_MAX_SLOT bytes. One byte more and rk_kernel_add refuses it. */
#define FT_MAX_BYTES (RK_QUEUE_MAX_SLOT - RK_HEADER_SIZE - 4u)
#define FT_HUGE_FIELDS(F, A) A(uint8_t, bytes, FT_MAX_BYTES)
RK_MESSAGE(ft_huge, 0x0301, 1, FT_HUGE_FIELDS);
#define FT_TOO_BIG_FIELDS(F, A) A(uint8_t, bytes, FT_MAX_BYTES + 1u)
RK_MESSAGE(ft_too_big, 0x0302, 1, FT_TOO_BIG_FIELDS);

/* ft_fail takes pl_num: value 0 forwards it to the host unchanged; any
 * other value is returned by the handler as its result (a negative ringk
 * error, or a positive number the runtime reports as RK_E_HANDLER). */

/* ft_block's state: the handler marks `entered` and then spins until
 * `release` is nonzero. Both point to host memory, so it runs on the CPU
 * backend only. */
typedef struct ft_block_state {
  uint32_t *entered;
  const uint32_t *release;
} ft_block_state;

#ifdef __cplusplus
extern "C" {
#endif
extern const rk_kernel_def ft_fail;
extern const rk_kernel_def ft_block;
extern const rk_kernel_def ft_echo; /* ft_huge back to the host, byte for byte */
extern const rk_kernel_def ft_too_big_sink;
extern const rk_kernel_def ft_blob_echo; /* pl_blob back to the host */
#ifdef __cplusplus
}
#endif

#endif
