/* pipeline_kernels.c - the pl_stage ring kernel (see pipeline_kernels.h).
 * Compiled as C for the CPU backend and by nvcc for the CUDA backend. */
#include "pipeline_kernels.h"

RK_HD static int pl_send_other(rk_ctx *ctx, const pl_stage_state *s) {
  if (s->op == PL_NOTE) {
    pl_note n = {7};
    return pl_note_send(ctx, s->next, &n);
  }
  pl_blob b;
  b.bytes_count = (uint32_t)s->arg;
  memset(b.bytes, 0xAB, sizeof b.bytes);
  return pl_blob_send(ctx, s->next, &b);
}

RK_HD static int pl_stage_handler(rk_ctx *ctx, const rk_msg *msg) {
  pl_num m;
  int rc = pl_num_decode_msg(msg, &m);
  if (rc != RK_OK) return rc;
  pl_stage_state *s = RK_STATE(ctx, pl_stage_state);
  rk_fetch_add_relaxed_u64(&s->seen, 1);
  rk_store_relaxed_u64(&s->last_index, m.index);
  switch (s->op) {
  case PL_SQUARE: m.value *= m.value; break;
  case PL_ADD: m.value += s->arg; break;
  case PL_MUL: m.value *= s->arg; break;
  case PL_FAIL_NEG: if (m.value < 0) return RK_E_HANDLER; break;
  default: return pl_send_other(ctx, s);
  }
  return pl_num_send(ctx, s->next, &m);
}

RK_KERNEL_DEFINE(pl_stage, pl_stage_handler, &pl_num_codec);
