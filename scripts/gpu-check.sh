#!/usr/bin/env bash
# gpu-check.sh - build ringk with the CUDA backend, run every ctest test
# labelled gpu, run them again under compute-sanitizer (memcheck on all;
# racecheck and synccheck on the queue stress test, the slow tools), run
# the GPU benchmarks when built, and print a short table. Logs go to $OUT
# when it is set (else build-gpu-check/logs).
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$ROOT/build-gpu-check}
LOGS=${OUT:-$B/logs}
mkdir -p "$LOGS"
declare -a ROWS
row() { ROWS+=("$(printf '%-34s %s' "$1" "$2")"); }

cmake -S "$ROOT" -B "$B" -DRK_CUDA=ON -DCMAKE_BUILD_TYPE=Release >"$LOGS/configure.log" 2>&1 &&
  cmake --build "$B" -j"$(nproc)" >"$LOGS/build.log" 2>&1
row build "$([ $? -eq 0 ] && echo ok || echo FAILED)"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >"$LOGS/card.txt" 2>&1

(cd "$B" && ctest -L gpu --output-on-failure --timeout 120) >"$LOGS/ctest-gpu.log" 2>&1
row "ctest -L gpu" "$(grep -E 'tests passed|tests failed' "$LOGS/ctest-gpu.log" | tail -1)"

san() { # tool, test name
  local exe cmd
  cmd=$(cd "$B" && ctest -N -V -R "^$2\$" | sed -n 's/.*Test command: //p' | head -1)
  [ -n "$cmd" ] || return
  timeout 300 compute-sanitizer --tool "$1" --error-exitcode 99 $cmd >"$LOGS/san-$1-$2.log" 2>&1
  local rc=$?
  row "sanitizer $1 $2" "$([ $rc -eq 0 ] && echo clean || { [ $rc -eq 77 ] && echo skipped || echo "rc=$rc"; })"
}
for t in $(cd "$B" && ctest -N -L gpu | sed -n 's/^ *Test *#[0-9]*: //p'); do
  case $t in test_cuda_fault) continue ;; esac  # a planted trap is its point
  san memcheck "$t"
done
san racecheck test_cuda_queue
san synccheck test_cuda_queue

for b in "$B"/bench/cuda/bench_cuda; do
  [ -x "$b" ] || continue
  timeout 300 "$b" >"$LOGS/bench-cuda.log" 2>&1
  row "bench_cuda" "rc=$? (table in bench-cuda.log)"
done

echo
echo "== ringk gpu-check: $(cat "$LOGS/card.txt" 2>/dev/null), $(date -u +%F), $(git -C "$ROOT" rev-parse --short HEAD)"
printf '%s\n' "${ROWS[@]}" | tee "$LOGS/summary.txt"
[ -f "$LOGS/bench-cuda.log" ] && tail -30 "$LOGS/bench-cuda.log"
