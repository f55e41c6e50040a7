#!/usr/bin/env bash
# build-baseline.sh - another commit's GPU benchmarks, built apart, for
# gpu-check's baseline stage (RK_BASELINE): figures of two builds compare
# only when they run in the same call on the same card, and the lent GPU
# machine has no git history to build them from, so they are built here
# and travel inside the build folder.
#
#   scripts/build-baseline.sh COMMIT [DIR]
#
# DIR (default build-gpu-check/baseline-COMMIT) receives rk_bench_cuda and
# rk_bench_pagerank of COMMIT; its path is printed last.
set -eu -o pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: scripts/build-baseline.sh COMMIT [DIR]" >&2; exit 2; }
COMMIT=$(git -C "$ROOT" rev-parse --short "$1^{commit}")
DIR=${2:-$ROOT/build-gpu-check/baseline-$COMMIT}
WT=$(mktemp -d)
trap 'git -C "$ROOT" worktree remove --force "$WT" >/dev/null 2>&1; rm -rf "$WT"' EXIT
git -C "$ROOT" worktree add --detach "$WT" "$COMMIT" >/dev/null 2>&1
cmake -S "$WT" -B "$WT/build" -DRK_CUDA=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$WT/build" -j"$(nproc)" --target rk_bench_cuda rk_bench_pagerank >/dev/null
mkdir -p "$DIR"
cp "$WT/build/bench/cuda/rk_bench_cuda" "$WT/build/bench/pagerank/rk_bench_pagerank" "$DIR/"
echo "$DIR"
