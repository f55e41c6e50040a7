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
  /* a kernel defined without lanes: one thread a call, no shared scratch
   * (every test that counts errors would see a breach) */
  if (ctx->lanes != 1 || ctx->lane != 0 || ctx->scratch != NULL) return RK_E_HANDLER;
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

RK_HD static int pl_lanes_handler(rk_ctx *ctx, const rk_msg *msg) {
  pl_num m;
  int rc = pl_num_decode_msg(msg, &m);
  if (rc != RK_OK) return rc;
  int64_t *part = (int64_t *)ctx->scratch;
  part[rk_lane(ctx)] = (int64_t)(rk_lane(ctx) + 1) * m.value;
  rk_lanes_sync(ctx);
  int64_t all = 0;
  for (uint32_t i = 0; i < rk_lanes(ctx); i++) all += part[i];
  double check = rk_lanes_sum_f64(ctx, (double)part[rk_lane(ctx)]);
  /* every lane has read the scratch before the next message's writes */
  rk_lanes_sync(ctx);
  if (check != (double)all) return RK_E_HANDLER;
  if (rk_lane(ctx) != 0) return RK_OK;
  if (m.value < 0) return RK_E_RANGE;
  m.value = all;
  return pl_num_send(ctx, RK_STATE(ctx, pl_stage_state)->next, &m);
}
RK_KERNEL_DEFINE_LANES(pl_lanes, pl_lanes_handler, &pl_num_codec);

/* Three pl_stage kernels that the CUDA backend runs in one block; and
 * four, the most a group has, one of them with lanes. */
RK_GROUP_DEFINE(pl_trio, pl_stage, pl_stage, pl_stage);
RK_GROUP_DEFINE(pl_quad, pl_stage, pl_lanes, pl_stage, pl_stage);
