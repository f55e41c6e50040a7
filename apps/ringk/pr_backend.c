/* pr_backend.c - PageRank backend names and dispatch. The message-passing
 * backends plug in here once the runtime can run them; until then they
 * report RK_E_NO_BACKEND rather than quietly running the reference. */
#include <string.h>
#include "pr_backend.h"

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
           rk_pagerank_result *result) {
  switch (b) {
  case PR_REFERENCE: return rk_pagerank_reference(g, params, result);
  case PR_AUTO:
  case PR_CPU:
  case PR_CUDA: break;
  }
  memset(result, 0, sizeof *result);
  return RK_E_NO_BACKEND;
}
