/* cuda_test_kernels.c - the ct_trapper kernel (see cuda_test_kernels.h). */
#include "cuda_test_kernels.h"

RK_HD static int ct_trapper_handler(rk_ctx *ctx, const rk_msg *msg) {
  pl_num m;
  int rc = pl_num_decode_msg(msg, &m);
  if (rc != RK_OK) return rc;
  if (m.value == CT_TRAP_VALUE) {
#if defined(__CUDA_ARCH__)
    __trap();
#else
    return RK_E_HANDLER;
#endif
  }
  return pl_num_send(ctx, RK_ADDR_HOST, &m);
}

RK_KERNEL_DEFINE(ct_trapper, ct_trapper_handler, &pl_num_codec);
