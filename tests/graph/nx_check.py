#!/usr/bin/env python3
"""nx_check.py - compares `ringk pagerank --backend reference` with
networkx.pagerank, the semantics it promises to match.

usage: nx_check.py RINGK GRAPHS_DIR

Real SNAP graphs are compared when GRAPHS_DIR holds them. networkx builds a
DiGraph, which collapses duplicate edges, where the file has none, and a
MultiDiGraph (one edge per line, ringk's semantics) otherwise; a small graph
with duplicates, self-loops, dangling nodes and sparse 64-bit ids checks
that case on every run. Exits 77 (skipped) when networkx cannot run.
"""
import os
import subprocess
import sys
import tempfile

SKIP = 77
TOLERANCE = 1e-12  # max |ringk - networkx| a node; both iterate in double

# Duplicated 10->20, self-loop on 30, 40 dangling, ids far apart.
MULTI_GRAPH = """# hand-made multigraph
10 20
10 20
10 30
30 30
30 10
20 40
18446744073709551615 10
"""


def ringk_ranks(ringk, path):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "ranks.tsv")
        subprocess.run([ringk, "pagerank", path, "--backend", "reference",
                        "--output", out], check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            return {int(node): float(rank)
                    for node, rank in (line.split("\t") for line in f)}


def edges_of(path):
    with open(path) as f:
        return [tuple(int(x) for x in line.split())
                for line in f if line.strip() and not line.startswith("#")]


def networkx_pagerank():
    """networkx.pagerank, or its pure-Python twin (same semantics, kept by
    networkx for testing) when numpy/scipy are missing; None without nx."""
    try:
        import networkx as nx
    except ImportError as e:
        print(f"skipped: networkx unavailable ({e})")
        return None, None
    try:
        nx.pagerank(nx.DiGraph([(0, 1)]))
        return nx, nx.pagerank
    except ImportError as e:
        from networkx.algorithms.link_analysis import pagerank_alg
        python_pr = getattr(pagerank_alg, "_pagerank_python", None)
        if python_pr is None:
            print(f"skipped: networkx unavailable ({e})")
            return None, None
        print(f"networkx.pagerank needs {e.name}; using its pure-Python form")
        return nx, python_pr


def compare(nx, pagerank, ringk, path):
    edges = edges_of(path)
    multi = len(set(edges)) != len(edges)
    g = nx.MultiDiGraph() if multi else nx.DiGraph()
    g.add_edges_from(edges)
    want = pagerank(g)
    got = ringk_ranks(ringk, path)
    if set(got) != set(want):
        print(f"{path}: node sets differ ({len(got)} vs {len(want)})")
        return False
    worst = max(abs(got[v] - want[v]) for v in want)
    kind = "MultiDiGraph" if multi else "DiGraph"
    print(f"{os.path.basename(path)}: {len(want)} nodes, {kind}, "
          f"max |ringk - networkx| = {worst:.3g}")
    return worst <= TOLERANCE


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    ringk, graphs = sys.argv[1], sys.argv[2]
    nx, pagerank = networkx_pagerank()
    if nx is None:
        return SKIP
    ok = True
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(MULTI_GRAPH)
    try:
        ok &= compare(nx, pagerank, ringk, f.name)
    finally:
        os.unlink(f.name)
    for name in ("p2p-Gnutella08.txt", "email-Eu-core.txt", "wiki-Vote.txt"):
        path = os.path.join(graphs, name)
        if os.path.exists(path):
            ok &= compare(nx, pagerank, ringk, path)
        else:
            print(f"{path}: absent, not compared")
    print("nx_check: " + ("all graphs agree" if ok else "MISMATCH"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
