/* main.c - the ringk command: dispatches to its subcommands. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static void usage(FILE *f) {
  fputs("usage: ringk <command> [options]\n"
        "\n"
        "commands:\n"
        "  pagerank   PageRank of a graph file or a generated R-MAT graph\n"
        "\n"
        "ringk <command> --help describes a command.\n",
        f);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return CLI_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    usage(stdout);
    return CLI_OK;
  }
  if (!strcmp(cmd, "pagerank")) return cli_pagerank(argc - 2, argv + 2);
  cli_error(CLI_USAGE, "unknown command '%s'", cmd);
  usage(stderr);
  return CLI_USAGE;
}
