/* csr_cuda.cu - plain pull-style CSR PageRank on the GPU (see csr_cuda.h).
 *
 * A node's sum of y[u] = x[u]/outdeg(u) over its in-edges is taken by one
 * thread (the textbook kernel) or by one warp, its lanes striding the
 * in-edges and adding up with shuffles (the textbook answer to a skewed
 * graph, whose hubs leave one thread summing alone while its warp waits).
 * Either writes the new rank and next y, and each block reduces the L1
 * change and dangling mass into two device doubles that the host reads
 * after each iteration to decide whether to go on. Nothing cleverer. */
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "csr_cuda.h"

#define CK(call)                                                              \
  do {                                                                        \
    cudaError_t e_ = (call);                                                  \
    if (e_ != cudaSuccess) {                                                  \
      fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, cudaGetErrorString(e_)); \
      rc = RK_E_DEVICE;                                                       \
      goto out;                                                               \
    }                                                                         \
  } while (0)

#define THREADS 256
#define WARP 32

/* Node v's new rank from its sum s: updates x and y_next and the thread's
 * L1 change and dangling mass. */
__device__ static void pr_node(uint32_t v, double s, const double *inv_deg, double *y_next,
                               double *x, double alpha, double base, double *l1, double *dang) {
  double xn = alpha * s + base;
  *l1 += fabs(xn - x[v]);
  x[v] = xn;
  y_next[v] = xn * inv_deg[v];
  if (inv_deg[v] == 0.0) *dang += xn;
}

/* Adds the block's L1 changes and dangling masses into sums[0], sums[1]. */
__device__ static void pr_block_sums(double l1, double dang, double *sums) {
  __shared__ double s_l1[THREADS], s_dang[THREADS];
  s_l1[threadIdx.x] = l1;
  s_dang[threadIdx.x] = dang;
  __syncthreads();
  for (int w = THREADS / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) {
      s_l1[threadIdx.x] += s_l1[threadIdx.x + w];
      s_dang[threadIdx.x] += s_dang[threadIdx.x + w];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    atomicAdd(&sums[0], s_l1[0]);
    atomicAdd(&sums[1], s_dang[0]);
  }
}

__global__ void pr_pull_thread(uint32_t n, const uint64_t *in_off, const uint32_t *in_src,
                               const double *inv_deg, const double *y, double *y_next, double *x,
                               double alpha, double base, double *sums) {
  double l1 = 0.0, dang = 0.0;
  for (uint32_t v = blockIdx.x * blockDim.x + threadIdx.x; v < n; v += gridDim.x * blockDim.x) {
    double s = 0.0;
    for (uint64_t e = in_off[v]; e < in_off[v + 1]; e++) s += y[in_src[e]];
    pr_node(v, s, inv_deg, y_next, x, alpha, base, &l1, &dang);
  }
  pr_block_sums(l1, dang, sums);
}

__global__ void pr_pull_warp(uint32_t n, const uint64_t *in_off, const uint32_t *in_src,
                             const double *inv_deg, const double *y, double *y_next, double *x,
                             double alpha, double base, double *sums) {
  uint32_t lane = threadIdx.x % WARP;
  uint64_t warps = (uint64_t)gridDim.x * (blockDim.x / WARP);
  double l1 = 0.0, dang = 0.0;
  for (uint64_t v = ((uint64_t)blockIdx.x * blockDim.x + threadIdx.x) / WARP; v < n; v += warps) {
    double s = 0.0;
    for (uint64_t e = in_off[v] + lane; e < in_off[v + 1]; e += WARP) s += y[in_src[e]];
    for (int d = WARP / 2; d > 0; d /= 2) s += __shfl_down_sync(0xFFFFFFFFu, s, d);
    if (lane == 0) pr_node((uint32_t)v, s, inv_deg, y_next, x, alpha, base, &l1, &dang);
  }
  pr_block_sums(l1, dang, sums);
}

const char *rk_bench_csr_name(rk_bench_csr kind) {
  return kind == RK_CSR_WARP ? "warp a node" : "thread a node";
}

int rk_bench_csr_cuda(const rk_graph *g, const rk_pagerank_params *params, rk_bench_csr kind,
                      rk_pagerank_result *result, double *ns_per_iter) {
  rk_pagerank_params p = RK_PAGERANK_PARAMS_DEFAULT;
  if (params) p = *params;
  memset(result, 0, sizeof *result);
  int rc = RK_OK;
  size_t n = g->n;
  uint64_t *d_off = NULL;
  uint32_t *d_src = NULL;
  double *d_inv = NULL, *d_x = NULL, *d_y[2] = {NULL, NULL}, *d_sums = NULL;
  double *h = (double *)malloc(2 * n * sizeof(double));
  cudaEvent_t t0 = NULL, t1 = NULL;
  double dangling = 0.0, sums[2] = {0.0, 0.0};
  uint32_t it = 0;
  float ms = 0.0f;
  if (h == NULL) return RK_E_NOMEM;
  for (size_t v = 0; v < n; v++) {
    uint64_t d = rk_graph_out_degree(g, (uint32_t)v);
    h[v] = d ? 1.0 / (double)d : 0.0;        /* inv_deg */
    h[n + v] = h[v] / (double)n;             /* y of x0 = 1/n */
    if (!d) dangling += 1.0 / (double)n;
  }
  CK(cudaMalloc(&d_off, (n + 1) * sizeof *d_off));
  CK(cudaMalloc(&d_src, (g->m ? g->m : 1) * sizeof *d_src));
  CK(cudaMalloc(&d_inv, n * sizeof *d_inv));
  CK(cudaMalloc(&d_x, n * sizeof *d_x));
  CK(cudaMalloc(&d_y[0], n * sizeof *d_x));
  CK(cudaMalloc(&d_y[1], n * sizeof *d_x));
  CK(cudaMalloc(&d_sums, 2 * sizeof *d_sums));
  CK(cudaMemcpy(d_off, g->in_off, (n + 1) * sizeof *d_off, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(d_src, g->in_src, g->m * sizeof *d_src, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(d_inv, h, n * sizeof *d_inv, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(d_y[0], h + n, n * sizeof *d_x, cudaMemcpyHostToDevice));
  for (size_t v = 0; v < n; v++) h[v] = 1.0 / (double)n;
  CK(cudaMemcpy(d_x, h, n * sizeof *d_x, cudaMemcpyHostToDevice));
  CK(cudaEventCreate(&t0));
  CK(cudaEventCreate(&t1));
  CK(cudaEventRecord(t0));
  for (it = 1; it <= p.max_iter; it++) {
    double base = (1.0 - p.alpha) / n + p.alpha * dangling / n;
    CK(cudaMemset(d_sums, 0, 2 * sizeof *d_sums));
    if (kind == RK_CSR_WARP)
      pr_pull_warp<<<(unsigned)((n + THREADS / WARP - 1) / (THREADS / WARP)), THREADS>>>(
          (uint32_t)n, d_off, d_src, d_inv, d_y[(it + 1) & 1], d_y[it & 1], d_x, p.alpha, base,
          d_sums);
    else
      pr_pull_thread<<<(unsigned)((n + THREADS - 1) / THREADS), THREADS>>>(
          (uint32_t)n, d_off, d_src, d_inv, d_y[(it + 1) & 1], d_y[it & 1], d_x, p.alpha, base,
          d_sums);
    CK(cudaGetLastError());
    CK(cudaMemcpy(sums, d_sums, sizeof sums, cudaMemcpyDeviceToHost));
    dangling = sums[1];
    if (sums[0] < n * p.tol) break;
  }
  CK(cudaEventRecord(t1));
  CK(cudaEventSynchronize(t1));
  CK(cudaEventElapsedTime(&ms, t0, t1));
  result->iterations = it > p.max_iter ? p.max_iter : it;
  result->l1_change = sums[0];
  result->n = (uint32_t)n;
  result->ranks = (double *)malloc(n * sizeof(double));
  if (result->ranks == NULL) {
    rc = RK_E_NOMEM;
    goto out;
  }
  CK(cudaMemcpy(result->ranks, d_x, n * sizeof(double), cudaMemcpyDeviceToHost));
  *ns_per_iter = ms * 1e6 / result->iterations;
  if (it > p.max_iter) rc = RK_E_NOT_CONVERGED;
out:
  cudaFree(d_off);
  cudaFree(d_src);
  cudaFree(d_inv);
  cudaFree(d_x);
  cudaFree(d_y[0]);
  cudaFree(d_y[1]);
  cudaFree(d_sums);
  if (t0) cudaEventDestroy(t0);
  if (t1) cudaEventDestroy(t1);
  free(h);
  if (rc != RK_OK && rc != RK_E_NOT_CONVERGED) rk_pagerank_result_free(result);
  return rc;
}
