/* cuda_test_kernels.h - ring kernels used only by the CUDA backend tests. */
#ifndef RK_TESTS_CUDA_TEST_KERNELS_H
#define RK_TESTS_CUDA_TEST_KERNELS_H

#include "pipeline_kernels.h"

#define CT_TRAP_VALUE 42

#ifdef __cplusplus
extern "C" {
#endif
/* Echoes pl_num to the host, but a message of value CT_TRAP_VALUE faults
 * the device (a trap instruction) - on the CPU it is a handler error. */
extern const rk_kernel_def ct_trapper;
#ifdef __cplusplus
}
#endif

#endif
