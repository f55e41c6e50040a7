/* pr_backend.h - the one place the ringk command chooses how PageRank runs.
 * Every backend fills the same rk_pagerank_result, so the command prints,
 * writes and compares them alike; adding a backend is adding a case to
 * pr_run(). */
#ifndef RINGK_PR_BACKEND_H
#define RINGK_PR_BACKEND_H

#include "ringk/graph.h"

typedef enum pr_backend {
  PR_AUTO,      /* the best available: cuda, else cpu */
  PR_CPU,       /* message passing between ring kernels on CPU threads */
  PR_CUDA,      /* message passing between ring kernels on the GPU */
  PR_REFERENCE  /* the plain CSR power iteration */
} pr_backend;

/* 0, or -1 for a name that is not a backend. */
int pr_backend_parse(const char *name, pr_backend *out);
const char *pr_backend_name(pr_backend b);

/* rk_pagerank_reference()'s contract; RK_E_NO_BACKEND where the backend is
 * not available in this build. *ran names what ran ("reference", "cpu" or
 * "cuda": auto's choice), or b when nothing could. */
int pr_run(pr_backend b, const rk_graph *g, const rk_pagerank_params *params,
           rk_pagerank_result *result, const char **ran);

#endif
