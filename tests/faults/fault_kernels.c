/* fault_kernels.c - the misbehaving ring kernels of fault_kernels.h.
 * Compiled as C for the CPU backend and by nvcc for the CUDA backend. */
#include "fault_kernels.h"

RK_HD static int ft_fail_handler(rk_ctx *ctx, const rk_msg *msg) {
  pl_num m;
  int rc = pl_num_decode_msg(msg, &m);
  if (rc != RK_OK) return rc;
  if (m.value != 0) return (int)m.value;
  return pl_num_send(ctx, RK_ADDR_HOST, &m);
}

RK_HD static int ft_block_handler(rk_ctx *ctx, const rk_msg *msg) {
  ft_block_state *s = RK_STATE(ctx, ft_block_state);
  (void)msg;
  rk_store_release_u32(s->entered, 1);
  while (!rk_load_acquire_u32(s->release)) rk_cpu_relax();
  return RK_OK;
}

/* Copies the payload as it came: the handler never holds a whole ft_huge. */
RK_HD static int ft_echo_handler(rk_ctx *ctx, const rk_msg *msg) {
  rk_send_ref ref;
  int rc = rk_send_begin(ctx, RK_ADDR_HOST, msg->hdr.type_id, msg->hdr.schema_version,
                         msg->hdr.payload_len, &ref);
  if (rc != RK_OK) return rc;
  memcpy(ref.payload, msg->payload, msg->hdr.payload_len);
  rk_send_commit(ctx, &ref);
  return RK_OK;
}

RK_KERNEL_DEFINE(ft_fail, ft_fail_handler, &pl_num_codec);
RK_KERNEL_DEFINE(ft_block, ft_block_handler, &pl_num_codec);
RK_KERNEL_DEFINE(ft_echo, ft_echo_handler, &ft_huge_codec);
RK_KERNEL_DEFINE(ft_too_big_sink, ft_echo_handler, &ft_too_big_codec);
RK_KERNEL_DEFINE(ft_blob_echo, ft_echo_handler, &pl_blob_codec);
