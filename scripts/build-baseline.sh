#!/usr/bin/env bash
# build-baseline.sh - another build's GPU benchmarks, built apart, for
# gpu-check's baseline stage (RK_BASELINE): figures of two builds compare
# only when they run in the same call on the same card, and the lent GPU
# machine has no git history to build them from, so they are built here
# and travel inside the build folder.
#
#   scripts/build-baseline.sh COMMIT [DIR]   # that commit's benchmarks
#   scripts/build-baseline.sh - DIR          # the working tree's, as it is
#
# RK_BASELINE_CUDA_FLAGS adds nvcc flags to the build (-DNAME=VALUE for a
# variant an #if in the working tree selects, -maxrregcount=N, ...), so
# that builds differing in one thing each can run side by side.
#
# DIR (default build-gpu-check/baseline-COMMIT) receives rk_bench_cuda and
# rk_bench_pagerank; its path is printed last.
set -eu -o pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
usage() { echo "usage: scripts/build-baseline.sh COMMIT [DIR] | - DIR" >&2; exit 2; }
[ $# -ge 1 ] || usage
BUILD=$(mktemp -d)
WT=
trap '[ -z "$WT" ] || git -C "$ROOT" worktree remove --force "$WT" >/dev/null 2>&1; rm -rf "$BUILD" "$WT"' EXIT
if [ "$1" = - ]; then
  [ $# -ge 2 ] || usage
  SRC=$ROOT
  DIR=$2
else
  COMMIT=$(git -C "$ROOT" rev-parse --short "$1^{commit}")
  DIR=${2:-$ROOT/build-gpu-check/baseline-$COMMIT}
  WT=$(mktemp -d)
  git -C "$ROOT" worktree add --detach "$WT" "$COMMIT" >/dev/null 2>&1
  SRC=$WT
fi
cmake -S "$SRC" -B "$BUILD" -DRK_CUDA=ON -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_CUDA_FLAGS=${RK_BASELINE_CUDA_FLAGS:-}" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target rk_bench_cuda rk_bench_pagerank >/dev/null
mkdir -p "$DIR"
cp "$BUILD/bench/cuda/rk_bench_cuda" "$BUILD/bench/pagerank/rk_bench_pagerank" "$DIR/"
echo "$DIR"
