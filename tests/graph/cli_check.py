#!/usr/bin/env python3
"""cli_check.py - `ringk pagerank` as a user meets it: exit statuses, error
messages, the --output format, --top, --json, the R-MAT input, and the ring
kernel backend giving the reference's ranks.

usage: cli_check.py RINGK
"""
import json
import os
import re
import subprocess
import sys
import tempfile

FAILURES = []


def run(ringk, *args):
    p = subprocess.run([ringk, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def expect(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAILED: " + what)


def expect_exit(ringk, status, args, stderr_has=""):
    rc, out, err = run(ringk, *args)
    expect(rc == status and stderr_has in err,
           f"ringk {' '.join(args)}: exit {rc} (want {status}), stderr {err!r} "
           f"(want {stderr_has!r})")
    return out


def check_usage_errors(ringk, graph):
    expect_exit(ringk, 2, [])
    expect_exit(ringk, 2, ["frobnicate"], "unknown command 'frobnicate'")
    expect_exit(ringk, 2, ["pagerank"], "expected exactly one of FILE or --rmat")
    expect_exit(ringk, 2, ["pagerank", graph, "--rmat", "8"], "expected exactly one")
    expect_exit(ringk, 2, ["pagerank", graph, graph], "more than one input file")
    expect_exit(ringk, 2, ["pagerank", graph, "--bogus"], "unknown option '--bogus'")
    for opt, bad in [("--alpha", "1.5"), ("--alpha", "0.8x"), ("--alpha", " 0.8"),
                     ("--alpha", "nan"), ("--alpha", "-0.1"), ("--alpha", "0x1p-1"),
                     ("--tol", "0"), ("--tol", "-1e-6"), ("--tol", "inf"),
                     ("--max-iter", "0"), ("--max-iter", "-1"), ("--max-iter", "4294967296"),
                     ("--max-iter", "1e3"), ("--top", "abc"), ("--seed", "-1"),
                     ("--seed", "18446744073709551616"), ("--rmat", "0"), ("--rmat", "31"),
                     ("--rmat", "8:0"), ("--rmat", "8:1025"), ("--rmat", "8:"),
                     ("--rmat", ":4"), ("--backend", "gpu"), ("--format", "csv")]:
        args = ["pagerank", graph, opt, bad] if opt != "--rmat" else ["pagerank", opt, bad]
        expect_exit(ringk, 2, args, f"{opt} expects ")
    expect_exit(ringk, 2, ["pagerank", graph, "--alpha"], "--alpha expects a number")
    expect_exit(ringk, 2, ["pagerank", "--rmat", "8", "--format", "snap"],
                "--format applies to a FILE")


def read_ranks(path):
    ranks = {}
    for line in open(path).read().splitlines():
        node, rank = line.split("\t")
        ranks[int(node)] = float(rank)
    return ranks


def check_backends(ringk, graph, tmp):
    # The ring kernels on the CPU give the reference's ranks, through the CLI.
    for src in ([graph], ["--rmat", "10:8", "--seed", "5"]):
        files = {}
        for backend in ("reference", "cpu"):
            files[backend] = os.path.join(tmp, f"ranks-{backend}.tsv")
            out = expect_exit(ringk, 0, ["pagerank", *src, "--backend", backend,
                                         "--output", files[backend], "--json"])
            try:
                doc = json.loads(out)
                expect(doc["converged"] is True, f"{backend} converges on {src}")
                expect((doc["messages"] > 0) == (backend == "cpu"),
                       f"{backend} counts its messages: {doc['messages']}")
                expect(doc["backend"] == backend and doc["backend_requested"] == backend,
                       f"--backend {backend} reported as {doc['backend']!r} "
                       f"(asked {doc['backend_requested']!r})")
            except (ValueError, KeyError) as e:
                expect(False, f"--json with --backend {backend}: {e}: {out!r}")
        ref, cpu = read_ranks(files["reference"]), read_ranks(files["cpu"])
        expect(set(ref) == set(cpu), f"same nodes from both backends on {src}")
        l1 = sum(abs(ref[v] - cpu.get(v, 0.0)) for v in ref)
        expect(l1 <= 1e-12, f"cpu ranks within 1e-12 of the reference on {src}: {l1}")
    # auto reports the backend it chose, in JSON and in the summary.
    doc = json.loads(expect_exit(ringk, 0, ["pagerank", graph, "--json"]))
    expect(doc["backend"] in ("cpu", "cuda") and doc["backend_requested"] == "auto",
           f"auto reported as {doc['backend']!r} (asked {doc['backend_requested']!r})")
    text = expect_exit(ringk, 0, ["pagerank", graph])
    expect(f"backend:        {doc['backend']} (auto)\n" in text,
           f"the summary names auto's choice: {text!r}")
    # cuda runs where it is built and a GPU is present, else says why not.
    rc, _, err = run(ringk, "pagerank", graph, "--backend", "cuda")
    expect(rc == 0 or (rc == 1 and "backend 'cuda' is not available" in err),
           f"--backend cuda: exit {rc}, stderr {err!r}")


def check_failures(ringk, graph, tmp):
    missing = os.path.join(tmp, "missing.txt")
    expect_exit(ringk, 1, ["pagerank", missing, "--backend", "reference"],
                f"{missing}: cannot open")
    bad = os.path.join(tmp, "bad.txt")
    with open(bad, "w") as f:
        f.write("1 2\n2 x\n")
    expect_exit(ringk, 1, ["pagerank", bad, "--backend", "reference"],
                f"{bad}:2: expected a node id (an unsigned 64-bit integer), found 'x' (RK_E_PARSE)")
    expect_exit(ringk, 1, ["pagerank", graph, "--backend", "reference", "--format", "mtx"],
                f"{graph}:1: expected the '%%MatrixMarket' banner")
    out = expect_exit(ringk, 1, ["pagerank", "--rmat", "8", "--backend", "reference",
                                 "--max-iter", "2"], "did not converge in 2 iterations")
    expect("(not converged)" in out, "not-converged summary is printed")


def check_results(ringk, graph, tmp):
    # The graph is 7 -> 7, 7 -> 10^12, 10^12 -> 7: x(7) = 0.925 / 1.425.
    ranks = os.path.join(tmp, "ranks.tsv")
    out = expect_exit(ringk, 0, ["pagerank", graph, "--backend", "reference",
                                 "--tol", "1e-14", "--output", ranks, "--top", "5"])
    lines = open(ranks).read().splitlines()
    expect(len(lines) == 2, "one output line a node")
    got = {}
    for line in lines:
        m = re.fullmatch(r"(\d+)\t(\S+)", line)
        expect(m is not None, f"output line {line!r} is 'id<TAB>rank'")
        if m:
            got[int(m.group(1))] = m.group(2)
    expect(set(got) == {7, 10**12}, f"original ids in output: {sorted(got)}")
    if 7 in got:
        expect(abs(float(got[7]) - 0.925 / 1.425) < 1e-12, f"rank of 7: {got[7]}")
        digits = len(re.sub(r"[^0-9]", "", got[7].split("e")[0]).lstrip("0"))
        expect(digits == 17, f"17 significant digits in {got[7]}")
    for key in ("nodes:          2", "edges:          3", "backend:        reference",
                "messages sent:  0", "top 2:"):
        expect(key in out, f"summary has {key!r}")
    top = re.findall(r"^\s+(\d+)\s+(\d+)\s+(\S+)$", out, re.M)
    expect([t[1] for t in top] == ["7", str(10**12)], f"--top order: {top}")

    rc, out, err = run(ringk, "pagerank", graph, "--backend=reference", "--json", "--top=1")
    expect(rc == 0, f"--json run exits 0: {err}")
    try:
        doc = json.loads(out)
        expect(doc["nodes"] == 2 and doc["edges"] == 3 and doc["converged"] is True,
               f"json summary: {doc}")
        expect(doc["top"] == [{"id": 7, "rank": doc["top"][0]["rank"]}], "json top")
        expect(doc["messages"] == 0 and doc["iterations"] >= 1, "json counters")
    except (ValueError, KeyError, IndexError) as e:
        expect(False, f"--json prints valid JSON with the summary: {e}: {out!r}")

    out = expect_exit(ringk, 0, ["pagerank", "--rmat", "8:4", "--seed", "3",
                                 "--backend", "reference"])
    expect("nodes:          256" in out and "edges:          1024" in out,
           "--rmat 8:4 makes 256 nodes and 1024 edges")
    expect_exit(ringk, 0, ["--help"])
    out = expect_exit(ringk, 0, ["pagerank", "--help"])
    expect("--backend" in out, "pagerank --help lists the options")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    ringk = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        graph = os.path.join(tmp, "g.txt")
        with open(graph, "w") as f:
            f.write("7 7\n7 1000000000000\n1000000000000 7\n")
        check_usage_errors(ringk, graph)
        check_backends(ringk, graph, tmp)
        check_failures(ringk, graph, tmp)
        check_results(ringk, graph, tmp)
    print("cli_check: " + (f"{len(FAILURES)} failure(s)" if FAILURES else "all checks passed"))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
