/* pipeline_kernels.h - the ring kernels of the runtime tests and the demo.
 *
 * One kernel definition, `pl_stage`, applies an arithmetic step chosen by
 * its state to each number it receives and forwards the result to the next
 * kernel (or the host). Three of them in a row make the three-kernel K2K
 * pipeline whose output the tests check value by value, on every backend:
 * the same source is compiled as C for the CPU and by nvcc for the GPU. */
#ifndef RK_TESTS_PIPELINE_KERNELS_H
#define RK_TESTS_PIPELINE_KERNELS_H

#include "ringk/runtime.h"

#define PL_NUM_FIELDS(F, A) \
  F(uint64_t, index, 0)     \
  F(int64_t, value, 0)
RK_MESSAGE(pl_num, 0x0201, 1, PL_NUM_FIELDS);

/* A message larger than any pl_stage slot, for oversize checks. */
#define PL_BLOB_FIELDS(F, A) A(uint8_t, bytes, 512)
RK_MESSAGE(pl_blob, 0x0202, 1, PL_BLOB_FIELDS);

/* A small message pl_stage does not accept. */
#define PL_NOTE_FIELDS(F, A) F(uint32_t, code, 0)
RK_MESSAGE(pl_note, 0x0203, 1, PL_NOTE_FIELDS);

typedef enum pl_op {
  PL_SQUARE = 0,   /* v * v */
  PL_ADD = 1,      /* v + arg */
  PL_MUL = 2,      /* v * arg */
  PL_FAIL_NEG = 3, /* v, but a negative v is a handler error */
  PL_BLOB = 4,     /* sends a pl_blob of arg bytes instead */
  PL_NOTE = 5      /* sends a pl_note instead */
} pl_op;

typedef struct pl_stage_state {
  uint32_t op;       /* pl_op */
  uint32_t next;     /* kernel id, or RK_ADDR_HOST */
  int64_t arg;
  uint64_t seen;     /* messages handled, updated atomically */
  uint64_t last_index;
} pl_stage_state;

#ifdef __cplusplus
extern "C" {
#endif
/* pl_stage also checks that it runs as a kernel without lanes does (lanes
 * 1, lane 0, no scratch), and fails the message otherwise. */
extern const rk_kernel_def pl_stage;
/* Defined with lanes (state: pl_stage_state, next only): each lane puts
 * (lane + 1) * value into the shared scratch, every lane sums all of it and
 * checks the sum against rk_lanes_sum_f64, and lane 0 forwards the sum:
 * value * L(L+1)/2 for L lanes (1 on the CPU, 32 on the GPU). A negative
 * value is an error on lane 0 only (counted once); a disagreement between
 * the lanes is RK_E_HANDLER. */
extern const rk_kernel_def pl_lanes;
/* pl_stage three times, as a group (rk_group_add); and pl_stage, pl_lanes,
 * pl_stage, pl_stage */
extern const rk_group_def pl_trio, pl_quad;
#ifdef __cplusplus
}
#endif

#endif
