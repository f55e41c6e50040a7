/* csr_cuda.h - a plain CSR PageRank on the GPU, the floor that the
 * ring-kernel PageRank is measured against on the CUDA backend. */
#ifndef RK_BENCH_CSR_CUDA_H
#define RK_BENCH_CSR_CUDA_H

#include "ringk/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Same contract as rk_pagerank_reference(); *ns_per_iter is the device time
 * of the iterations (graph upload excluded) over their number. */
int rk_bench_csr_cuda(const rk_graph *g, const rk_pagerank_params *params,
                      rk_pagerank_result *result, double *ns_per_iter);

#ifdef __cplusplus
}
#endif
#endif
