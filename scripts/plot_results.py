#!/usr/bin/env python3
"""plot_results.py - draws the benchmarks' tables, each figure beside its floor.

Reads the markdown tables that rk_bench_cuda, rk_bench_pagerank and
rk_bench_queue print (as committed in docs/*.md) and writes one SVG per
table it knows into --out (default docs/plots):

  rk_bench_cuda    ringk beside its floor, a panel per unit (time, message
                   rate, bandwidth)
  rk_bench_pagerank  ring kernels beside the CSR reference, ms an iteration
                   per graph (log scale), the ratio above each pair
  rk_bench_queue   ringk beside ck_ring and the copy floor (ns a message on
                   one thread, or M msg/s with producer/consumer pairs)

Other tables are left alone. A plot's title is the heading above its table.
Needs matplotlib (Debian: python3-matplotlib). The SVGs are reproducible:
the same tables give the same bytes.

  scripts/plot_results.py [--out DIR] FILE...
"""
import argparse
import os
import re
import sys

# Units the tables use, as a factor to the panel's base unit.
TIME_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
RATE = {"msg/s": 1.0, "k msg/s": 1e3, "M msg/s": 1e6, "G msg/s": 1e9}
BANDWIDTH = {"GB/s": 1.0, "MB/s": 1e-3}


class TableError(Exception):
    pass


def read_tables(text):
    """Yields (heading, header cells, rows of cells) for each table in text;
    heading joins the headings it sits under below the title ("Run 1 /
    MPMC throughput")."""
    headings, lines = {}, text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        m = re.match(r"^(#+)\s+(.*)$", line)
        if m:
            level = len(m.group(1))
            headings = {k: v for k, v in headings.items() if k < level}
            headings[level] = m.group(2).strip()
        heading = " / ".join(headings[k] for k in sorted(headings) if k > 1)
        if (line.startswith("|") and i + 1 < len(lines)
                and re.match(r"^\|(\s*:?-+:?\s*\|)+$", lines[i + 1].strip())):
            header = cells(line)
            rows, i = [], i + 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(cells(lines[i].strip()))
                i += 1
            yield heading, header, rows
            continue
        i += 1


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def quantity(text):
    """'4197 ns' -> (4197.0, 'ns'); '28.2 M msg/s' -> (28.2, 'M msg/s')."""
    m = re.match(r"^([-+0-9.eE]+)\s*(.*)$", text.strip())
    if not m:
        raise TableError("not a number: %r" % text)
    return float(m.group(1)), m.group(2).strip()


def in_base(text):
    """A quantity in its dimension's base unit: (value, dimension)."""
    value, unit = quantity(text)
    for dim, units in (("time", TIME_NS), ("rate", RATE), ("bandwidth", BANDWIDTH)):
        if unit in units:
            return value * units[unit], dim
    raise TableError("unknown unit %r in %r" % (unit, text))


def kind_of(header):
    h = [c.lower() for c in header]
    # rk_bench_cuda's table as printed; the summaries that quote it (one
    # row a median and its p99, notes in the cells) are not drawn.
    if h[:4] == ["measure", "ringk", "floor", "ratio"] and "floor measured as" in h:
        return "cuda"
    if h[:1] == ["graph"] and "reference ms/iter" in h and "ring kernels ms/iter" in h:
        return "pagerank"
    if h[:1] == ["message"] and "ck_ring" in h:
        return "queue-mpmc" if "pairs" in h else "queue-one"
    return None


def parse_cuda(rows):
    """[(measure, ringk, floor, dimension)], values in the base unit."""
    out = []
    for r in rows:
        ringk, dim = in_base(r[1])
        floor, dim_floor = in_base(r[2])
        if dim != dim_floor:
            raise TableError("%s: ringk in %s, floor in %s" % (r[0], dim, dim_floor))
        out.append((r[0], ringk, floor, dim))
    return out


def parse_pagerank(header, rows):
    """[(graph, reference ms, ring kernels ms, ratio)]; the ratio is the
    table's (from unrounded times) where it has one."""
    h = [c.lower() for c in header]
    ref, mp = h.index("reference ms/iter"), h.index("ring kernels ms/iter")
    out = []
    for r in rows:
        t_ref, t_mp = float(r[ref]), float(r[mp])
        ratio = float(r[h.index("ratio")]) if "ratio" in h else t_mp / t_ref
        out.append((r[0], t_ref, t_mp, ratio))
    return out


def cell_value(text):
    """A table's number; "stalled" (a run abandoned) and "n/a" (a peer not
    built) are NaN, drawn as no bar."""
    if text in ("stalled", "n/a"):
        return float("nan")
    try:
        return float(text)
    except ValueError:
        raise TableError("not a number: %r" % text)


def parse_queue(header, rows):
    """(column names, [(row label, [values])]) for the ringk and peer columns."""
    h = [c.lower() for c in header]
    wanted = [c for c in ("ringk 0-copy", "ringk copy", "ck_ring", "copy floor",
                          "copy floor, 1 thread") if c in h]
    label = (lambda r: "%s, %s pair%s" % (r[0], r[1], "" if r[1] == "1" else "s")) \
        if "pairs" in h else (lambda r: r[0])
    return wanted, [(label(r), [cell_value(r[h.index(c)]) for c in wanted]) for r in rows]


# ---- drawing ---------------------------------------------------------------

def pyplot():
    import matplotlib
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "ringk"  # stable ids: same input, same bytes
    import matplotlib.pyplot as plt
    return plt


def save(plt, fig, path):
    """Writes fig to path without a date (same input, same bytes) and closes it."""
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)


def bars(ax, labels, series, names, log=False):
    width = 0.8 / len(series)
    for k, (vals, name) in enumerate(zip(series, names)):
        xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(labels))]
        ax.bar(xs, vals, width, label=name)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
    if log:
        ax.set_yscale("log")
    ax.legend(fontsize=8)


def draw_cuda(plt, title, data, path):
    dims = [d for d in ("time", "rate", "bandwidth") if any(x[3] == d for x in data)]
    unit = {"time": ("us", 1e3), "rate": ("M msg/s", 1e6), "bandwidth": ("GB/s", 1.0)}
    fig, axes = plt.subplots(1, len(dims), figsize=(5 * len(dims), 4.5), squeeze=False)
    for ax, dim in zip(axes[0], dims):
        rows = [x for x in data if x[3] == dim]
        name, div = unit[dim]
        bars(ax, [r[0] for r in rows], [[r[1] / div for r in rows], [r[2] / div for r in rows]],
             ["ringk", "floor"], log=(dim != "rate"))
        ax.set_ylabel(name)
    fig.suptitle(title, fontsize=10)
    save(plt, fig, path)


def draw_pagerank(plt, title, data, path):
    fig, ax = plt.subplots(figsize=(max(6, 0.8 * len(data) + 2), 4.5))
    bars(ax, [d[0] for d in data], [[d[1] for d in data], [d[2] for d in data]],
         ["CSR reference", "ring kernels"], log=True)
    for i, d in enumerate(data):
        ax.annotate("%.2fx" % d[3], (i, max(d[1], d[2])), ha="center",
                    va="bottom", fontsize=7)
    ax.set_ylabel("ms an iteration")
    ax.set_title(title, fontsize=10)
    save(plt, fig, path)


def draw_queue(plt, title, columns, data, ylabel, path):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    bars(ax, [d[0] for d in data], [[d[1][k] for d in data] for k in range(len(columns))],
         columns)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    save(plt, fig, path)


def plot_file(plt, src, out_dir):
    """Draws src's known tables; returns the paths written."""
    with open(src, encoding="utf-8") as f:
        text = f.read()
    stem = os.path.splitext(os.path.basename(src))[0].lower()
    written = []
    for heading, header, rows in read_tables(text):
        kind = kind_of(header)
        if kind is None:
            continue
        path = os.path.join(out_dir, "%s-%d.svg" % (stem, len(written) + 1))
        title = "%s: %s" % (os.path.basename(src), heading) if heading else os.path.basename(src)
        if kind == "cuda":
            draw_cuda(plt, title, parse_cuda(rows), path)
        elif kind == "pagerank":
            draw_pagerank(plt, title, parse_pagerank(header, rows), path)
        else:
            columns, data = parse_queue(header, rows)
            ylabel = "M msg/s" if kind == "queue-mpmc" else "ns a message"
            draw_queue(plt, title, columns, data, ylabel, path)
        written.append(path)
    return written


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join("docs", "plots"))
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    try:
        plt = pyplot()
    except ImportError:
        print("plot_results.py: needs matplotlib (Debian: apt-get install python3-matplotlib)",
              file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    status = 0
    for src in args.files:
        try:
            written = plot_file(plt, src, args.out)
        except (OSError, TableError, ValueError, IndexError) as e:
            print("plot_results.py: %s: %s" % (src, e), file=sys.stderr)
            status = 1
            continue
        if not written:
            print("plot_results.py: %s: no benchmark table found" % src, file=sys.stderr)
            status = 1
        for p in written:
            print(p)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
