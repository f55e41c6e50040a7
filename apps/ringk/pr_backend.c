/* pr_backend.c - PageRank backend names and dispatch: the reference CSR
 * iteration, or the three PageRank ring kernels on a runtime backend. */
#include <string.h>
#include "pr_backend.h"
#include "pr_mp.h"

static const char *const NAMES[] = {
  [PR_AUTO] = "auto", [PR_CPU] = "cpu", [PR_CUDA] = "cuda",
  [PR_REFERENCE] = "reference",
};

int pr_backend_parse(const char *name, pr_backend *out) {
  for (int b = 0; b < (int)(sizeof NAMES / sizeof NAMES[0]); b++)
    if (!strcmp(name, NAMES[b])) {
      *out = (pr_backend)b;
      return 0;
    }
  return -1;
}

const char *pr_backend_name(pr_backend b) { return NAMES[b]; }

int pr_run(pr_backend b, const rk_graph *g, const rk_pagerank_params *params,
           rk_pagerank_result *result, const char **ran) {
  pr_mp_opts o = {.backend = RK_BACKEND_AUTO};
  *ran = pr_backend_name(b);
  switch (b) {
  case PR_REFERENCE: return rk_pagerank_reference(g, params, result);
  case PR_AUTO: break;
  case PR_CPU: o.backend = RK_BACKEND_CPU; break;
  case PR_CUDA: o.backend = RK_BACKEND_CUDA; break;
  }
  pr_mp_stats st = {0};
  int rc = pr_mp_run(g, params, &o, result, &st);
  if (st.backend) *ran = st.backend;
  return rc;
}
