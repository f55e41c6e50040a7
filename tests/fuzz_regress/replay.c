/* replay.c - runs a fuzz target's checks over files, without libFuzzer.
 *
 * Linked with one fuzz/fuzz_*.c source, it feeds every file of the
 * directories (or files) named on the command line to the target's
 * LLVMFuzzerTestOneInput, so the committed seeds and every input that
 * once crashed are replayed by every build, with any compiler. A target
 * aborts on a broken invariant, which fails the test. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0, got;
  do {
    if (len == cap) {
      cap = cap ? cap * 2 : 4096;
      uint8_t *bigger = realloc(buf, cap);
      if (!bigger) break;
      buf = bigger;
    }
    got = fread(buf + len, 1, cap - len, f);
    len += got;
  } while (got > 0);
  int bad = ferror(f);
  fclose(f);
  if (!bad) LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  return bad ? -1 : 0;
}

/* Replays path, or each regular file in it when it is a directory. */
static int replay(const char *path, unsigned *count) {
  struct stat st;
  if (stat(path, &st) != 0) return -1;
  if (!S_ISDIR(st.st_mode)) {
    (*count)++;
    return replay_file(path);
  }
  DIR *d = opendir(path);
  if (!d) return -1;
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", path, e->d_name);
    rc = replay(full, count);
  }
  closedir(d);
  return rc;
}

int main(int argc, char **argv) {
  unsigned count = 0;
  for (int i = 1; i < argc; i++) {
    if (replay(argv[i], &count) != 0) {
      fprintf(stderr, "replay: cannot read %s\n", argv[i]);
      return 1;
    }
  }
  printf("replay: %u input(s) passed\n", count);
  return count ? 0 : 1;
}
