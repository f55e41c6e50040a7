/* csr_cuda.h - plain CSR PageRank on the GPU, the peers that the
 * ring-kernel PageRank is measured against on the CUDA backend (the faster
 * of the two on each graph). */
#ifndef RK_BENCH_CSR_CUDA_H
#define RK_BENCH_CSR_CUDA_H

#include "ringk/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Who sums a node's in-edges. */
typedef enum rk_bench_csr { RK_CSR_THREAD, RK_CSR_WARP } rk_bench_csr;

/* "thread a node" or "warp a node". */
const char *rk_bench_csr_name(rk_bench_csr kind);

/* Same contract as rk_pagerank_reference(); *ns_per_iter is the device time
 * of the iterations (graph upload excluded) over their number. */
int rk_bench_csr_cuda(const rk_graph *g, const rk_pagerank_params *params, rk_bench_csr kind,
                      rk_pagerank_result *result, double *ns_per_iter);

#ifdef __cplusplus
}
#endif
#endif
