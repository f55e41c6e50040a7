#!/usr/bin/env python3
"""plot_check.py - scripts/plot_results.py reads the benchmarks' tables right.

Feeds it one table of each kind the benchmarks print, with known values,
plus two it must leave alone (one a summary that quotes rk_bench_cuda's
first columns), and checks what it parsed (values in
base units, the table's own ratio, row labels, the headings a table sits
under), that bad cells are named errors, that a file with no benchmark
table is an error, and that the SVGs it writes are SVG and the same bytes
on a second run. Exits 77 (skipped) when matplotlib is not installed.

usage: plot_check.py PATH/TO/plot_results.py
"""
import importlib.util
import math
import os
import sys
import tempfile

SKIP = 77

TABLES = """# Results

## rk_bench_cuda

| measure | ringk | floor | ratio | goal | floor measured as | notes |
|---|---|---|---|---|---|---|
| K2K one-way latency, median | 4197 ns | 579 ns | 7.24 | <= 1.3x | flag | a |
| host round trip, median | 27.44 us | 3075 ns | 8.92 | <= 1.3x | ping | b |
| K2K throughput, 64 B | 28.2 M msg/s | 33.4 M msg/s | 0.844 | >= 0.8x | ring | c |
| host->GPU injection, 64 B | 0.09 GB/s | 55.37 GB/s | 0.00167 | - | memcpy | d |

## PageRank

| graph | nodes | edges | iters | reference ms/iter | ring kernels ms/iter | ratio | shape |
|---|---|---|---|---|---|---|---|
| email-Eu-core | 1005 | 25571 | 70 | 0.031 | 0.118 | 3.80 | 8 / 64 |
| rmat-22 | 4194304 | 67108864 | 10 | 16.936 | 49.414 | 2.92 | 256 / 64 |

## Run 1

#### One thread

| message | encode+decode | copy floor | ringk 0-copy | ringk copy | ck_ring | ck_ring / ringk 0-copy |
|---|---:|---:|---:|---:|---:|---:|
| 64 B | 10.8 | 28.0 | 27.3 | 28.1 | 28.8 | 1.06 |

#### MPMC

| message | pairs | ringk 0-copy | ringk copy | ck_ring | copy floor, 1 thread |
|---|---:|---:|---:|---:|---:|
| 64 B | 1 | 11.85 | 9.52 | 4.59 | 35.73 |
| 256 B | 2 | 6.51 | 6.45 | 4.33 | 24.95 |
| 64 B | 2 | 7.59 | 12.32 | stalled | 28.69 |

## Not a benchmark

| tool | result |
|---|---|
| memcheck | clean |

A summary that quotes rk_bench_cuda (a median and its p99 in one cell):

| measure | ringk | floor | ratio | goal |
|---|---|---|---|---|
| K2K one-way latency, median / p99 | 3521 / 3911 ns | 507 / 595 ns | 6.94 / 6.57 | <= 1.3x |
"""

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAILED: " + what)


def load(path):
    spec = importlib.util.spec_from_file_location("plot_results", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def check_parsing(pr):
    tables = list(pr.read_tables(TABLES))
    check(len(tables) == 6, "six tables found (got %d)" % len(tables))
    kinds = [pr.kind_of(h) for _, h, _ in tables]
    check(kinds == ["cuda", "pagerank", "queue-one", "queue-mpmc", None, None], "kinds %r" % kinds)
    check(tables[2][0] == "Run 1 / One thread", "heading %r" % tables[2][0])
    cuda = pr.parse_cuda(tables[0][2])
    check(cuda[0][1:] == (4197.0, 579.0, "time"), "latency in ns: %r" % (cuda[0],))
    check(abs(cuda[1][1] - 27440.0) < 1e-6 and cuda[1][2] == 3075.0, "us to ns: %r" % (cuda[1],))
    check(cuda[2][1:] == (28.2e6, 33.4e6, "rate"), "M msg/s: %r" % (cuda[2],))
    check(cuda[3][3] == "bandwidth", "GB/s: %r" % (cuda[3],))
    pagerank = pr.parse_pagerank(tables[1][1], tables[1][2])
    # The table's ratio (3.80), not one from the rounded times (3.81).
    check(pagerank[0] == ("email-Eu-core", 0.031, 0.118, 3.80), "pagerank %r" % (pagerank[0],))
    cols, rows = pr.parse_queue(tables[3][1], tables[3][2])
    check(cols == ["ringk 0-copy", "ringk copy", "ck_ring", "copy floor, 1 thread"],
          "queue columns %r" % cols)
    check(rows[1] == ("256 B, 2 pairs", [6.51, 6.45, 4.33, 24.95]), "queue row %r" % (rows[1],))
    check(rows[2][1][:2] == [7.59, 12.32] and math.isnan(rows[2][1][2]),
          "a stalled run is no value: %r" % (rows[2],))
    try:
        pr.parse_queue(tables[3][1], [["64 B", "1", "fast", "1", "1", "1"]])
        check(False, "a word that is not a number refused")
    except pr.TableError:
        pass
    for bad in (["x", "5 ns", "5 M msg/s"], ["x", "5 parsecs", "5 ns"], ["x", "fast", "5 ns"]):
        try:
            pr.parse_cuda([bad])
            check(False, "%r refused" % bad)
        except pr.TableError:
            pass


def check_plots(pr, tmp):
    src = os.path.join(tmp, "BENCH.md")
    with open(src, "w") as f:
        f.write(TABLES)
    first, second = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    check(pr.main(["--out", first, src]) == 0, "plots written")
    check(pr.main(["--out", second, src]) == 0, "plots written again")
    names = sorted(os.listdir(first))
    check(names == ["bench-%d.svg" % i for i in range(1, 5)], "one SVG a known table: %r" % names)
    for n in names:
        with open(os.path.join(first, n), "rb") as f:
            data = f.read()
        with open(os.path.join(second, n), "rb") as f:
            check(f.read() == data, n + " is the same bytes on a second run")
        check(data.startswith(b"<?xml") and b"<svg" in data, n + " is SVG")
    empty = os.path.join(tmp, "EMPTY.md")
    with open(empty, "w") as f:
        f.write("# nothing to plot\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    check(pr.main(["--out", first, empty]) == 1, "a file with no benchmark table is an error")
    check(pr.main(["--out", first, os.path.join(tmp, "missing.md")]) == 1,
          "a missing file is an error")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    try:
        import matplotlib  # noqa: F401
    except ImportError as e:
        print("skipped: matplotlib unavailable (%s)" % e)
        return SKIP
    pr = load(sys.argv[1])
    check_parsing(pr)
    with tempfile.TemporaryDirectory() as tmp:
        check_plots(pr, tmp)
    print("plot_check: " + ("all checks passed" if failures == 0 else "%d failed" % failures))
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
