/* progress.c - see progress.h. A thread waits on a condition variable with
 * a timeout, so stopping is immediate and an idle ticker costs nothing. */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 500000000L   /* redraw every 0.5 s */
#define QUIET_TICKS 2        /* first draw after 1 s */

static void *tick(void *arg) {
  cli_progress *p = (cli_progress *)arg;
  struct timespec t0, until;
  clock_gettime(CLOCK_REALTIME, &t0);
  until = t0;
  pthread_mutex_lock(&p->lock);
  for (int ticks = 1; !p->done; ticks++) {
    until.tv_nsec += TICK_NS;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    while (!p->done && pthread_cond_timedwait(&p->done_cv, &p->lock, &until) == 0) {
    }
    if (!p->done && ticks >= QUIET_TICKS)
      fprintf(stderr, "\rringk: %s... %.1f s ", p->what, ticks * (TICK_NS / 1e9));
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

void cli_progress_start(cli_progress *p, const char *what) {
  p->what = what;
  p->done = 0;
  p->running = 0;
  if (!isatty(STDERR_FILENO)) return;
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->done_cv, NULL);
  p->running = pthread_create(&p->thread, NULL, tick, p) == 0;
  if (!p->running) {
    pthread_cond_destroy(&p->done_cv);
    pthread_mutex_destroy(&p->lock);
  }
}

void cli_progress_stop(cli_progress *p) {
  if (!p->running) return;
  pthread_mutex_lock(&p->lock);
  p->done = 1;
  pthread_cond_signal(&p->done_cv);
  pthread_mutex_unlock(&p->lock);
  pthread_join(p->thread, NULL);
  fputs("\r\033[K", stderr); /* erase the progress line */
  pthread_cond_destroy(&p->done_cv);
  pthread_mutex_destroy(&p->lock);
  p->running = 0;
}
