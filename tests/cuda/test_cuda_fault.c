/* test_cuda_fault.c - a device fault reaches the host, with the kernel named.
 *
 * A trap kills every grid of the CUDA context, so this runs in its own
 * process: after it, the runtime reports RK_E_DEVICE from its calls, names
 * the faulting kernel (not its healthy neighbour), and still closes. */
#include "cuda_test_kernels.h"
#include "rt_util.h"

int main(void) {
  char *argv[] = {"test_cuda_fault", "cuda", NULL};
  rk_runtime rt;
  rt_open(2, argv, &rt);
  uint32_t healthy = rt_add_stage(&rt, PL_ADD, 1, RK_ADDR_HOST, 16);
  uint32_t trapper = UINT32_MAX;
  CHECK_OK(rk_kernel_add(&rt, &ct_trapper, NULL, &trapper));
  CHECK_OK(rk_runtime_launch(&rt));
  CHECK_OK(rk_kernel_activate(&rt, healthy));
  CHECK_OK(rk_kernel_activate(&rt, trapper));
  pl_num ok = rt_num(1, 5);
  CHECK_OK(RK_HOST_SEND(&rt, trapper, pl_num, &ok, RT_SEC));
  pl_num r = rt_num(0, 0);
  CHECK_OK(rt_recv_num(&rt, &r, 5 * RT_SEC));
  CHECK_EQ_INT(r.value, 5);
  CHECK_EQ_INT(rk_runtime_fault(&rt, NULL), RK_OK);

  pl_num bad = rt_num(2, CT_TRAP_VALUE);
  CHECK_OK(RK_HOST_SEND(&rt, trapper, pl_num, &bad, RT_SEC));
  uint32_t who = UINT32_MAX;
  RT_WAIT_FOR(rk_runtime_fault(&rt, &who) != RK_OK, 5 * RT_SEC);
  CHECK_EQ_INT(rk_runtime_fault(&rt, &who), RK_E_DEVICE);
  CHECK_EQ_INT(who, trapper);
  CHECK(who < 2 && strcmp(rk_kernel_name(&rt, who), "ct_trapper") == 0);
  printf("fault reported: %s in kernel %s\n", rk_err_name(RK_E_DEVICE),
         who < 2 ? rk_kernel_name(&rt, who) : "?");
  /* Calls that wait on the kernels answer with the fault, never hang. */
  CHECK_EQ_INT(rk_kernel_deactivate(&rt, healthy), RK_E_DEVICE);
  uint64_t t0 = rk_now_ns();
  CHECK_EQ_INT(rk_runtime_terminate(&rt, RT_SEC), RK_E_DEVICE);
  CHECK_OK(rk_runtime_close(&rt));
  CHECK(rk_now_ns() - t0 < 3 * RT_SEC);
  return CHECK_DONE("test_cuda_fault");
}
