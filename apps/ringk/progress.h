/* progress.h - a ticking "still working" line on stderr for long phases.
 *
 * Only when stderr is a terminal, and only once a phase has run for a
 * second: short runs and pipes see nothing. The line is erased when the
 * phase ends, so the summary that follows stays clean. */
#ifndef RINGK_CLI_PROGRESS_H
#define RINGK_CLI_PROGRESS_H

#include <pthread.h>

typedef struct cli_progress {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t done_cv;
  const char *what;
  int done;
  int running;
} cli_progress;

/* Starts ticking for a phase described by `what` (kept by pointer). */
void cli_progress_start(cli_progress *p, const char *what);
/* Stops the ticker and erases its line. */
void cli_progress_stop(cli_progress *p);

#endif
