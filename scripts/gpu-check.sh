#!/usr/bin/env bash
# gpu-check.sh - everything ringk asks of a GPU, in one go: build with the
# CUDA backend, run every ctest test labelled gpu (runtime, lifecycle,
# pipeline, faults, device queue stress, PageRank against the reference, a
# soak), run them again under compute-sanitizer (memcheck on all but the
# planted trap; racecheck and synccheck on the device queue, the
# many-warp runtime test, the pipeline and PageRank, whose kernels share
# scratch between lanes; synccheck alone on the group, see below), run the
# GPU benchmarks, and print a short table last. Logs go to $OUT when it is
# set (else build-gpu-check/logs).
#
# Not racecheck on the group (test_group_cuda): its members pass messages
# through queues in the block's shared memory, whose slots are handed from
# writer to reader by the slot sequence's block-scope release and acquire.
# racecheck orders shared-memory accesses by barriers only, so it reports
# every hand-over: on an H200 (dcb796d) all 40 reports printed were slot
# accesses (the sequence's load and store, the length, the header, the
# payload: queue.h, wire.h, the message's decode), and the run took over
# 4 minutes. The protocol is the one every ringk queue runs, which
# ThreadSanitizer checks on the CPU (test_queue_stress) and test_group checks
# value by value on the GPU.
#
#   scripts/gpu-check.sh            # every stage; RK_SOAK_SECONDS defaults to 60
#   scripts/gpu-check.sh build test # some stages: build test sanitize bench baseline
#
# The baseline stage sets this build beside others in the same call:
# RK_BASELINE names one or more folders (separated by spaces), each with
# another build's rk_bench_cuda and rk_bench_pagerank (another commit's, or
# the working tree's with extra nvcc flags: scripts/build-baseline.sh makes
# them), and all run in turn, twice (this build, each baseline, then all
# again), on the latency, host round-trip and throughput rows and on
# PageRank at R-MAT 20-22. Figures from different calls are not
# comparable: the same build's K2K latency on the H200 ranged 4.4-5.4 us
# from one machine to the next, its throughput 13-26 M msg/s, and in one
# call its bench and baseline stages timed it at 3.33 and 3.71 us.
#
# Stages run in the order given and share the build folder, so a long check
# can be split across calls that each fit a time limit; the table printed
# at the end covers the stages of this call. The exit status is 1 when the
# build, a test, a sanitizer (a finding) or a benchmark failed; a test that
# fails only under a tool, with no finding, is reported and not counted.
#
# Each sanitizer run is stopped after RK_SAN_TIMEOUT seconds (default 240):
# racecheck slows a test that it finds hazards in by minutes.
#
# The SNAP graphs of the PageRank test are read from $RK_SHARED_DATA/graphs
# (default ../shared/data); on a machine without them, copy them into an
# ignored folder of the checkout and point RK_SHARED_DATA there.
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$ROOT/build-gpu-check}
LOGS=${OUT:-$B/logs}
export RK_SOAK_SECONDS=${RK_SOAK_SECONDS:-60}
export RK_SHARED_DATA=${RK_SHARED_DATA:-$ROOT/../shared/data}
STAGES=${*:-build test sanitize bench}
mkdir -p "$LOGS"
declare -a ROWS
STATUS=0
row() { ROWS+=("$(printf '%-36s %s' "$1" "$2")"); }
failed() { STATUS=1; }

stage_build() {
  # -lineinfo: sanitizer reports name source lines (the code is the same)
  cmake -S "$ROOT" -B "$B" -DRK_CUDA=ON -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_FLAGS=-lineinfo >"$LOGS/configure.log" 2>&1 &&
    cmake --build "$B" -j"$(nproc)" >"$LOGS/build.log" 2>&1
  local rc=$?
  [ $rc -eq 0 ] || failed
  row build "$([ $rc -eq 0 ] && echo ok || echo FAILED)"
}

stage_test() {
  (cd "$B" && ctest -L gpu --output-on-failure --timeout "${RK_TEST_TIMEOUT:-180}") >"$LOGS/ctest-gpu.log" 2>&1 ||
    failed
  row "ctest -L gpu" "$(grep -E 'tests passed|tests failed' "$LOGS/ctest-gpu.log" | tail -1)"
  grep -E '^ *[0-9]+/[0-9]+ Test' "$LOGS/ctest-gpu.log" | sed 's/^ */  /' >"$LOGS/ctest-gpu-rows.txt"
}

san() { # tool, test name
  local cmd
  # ctest prints arguments quoted ("cuda"); the quotes are not the argument's.
  cmd=$(cd "$B" && ctest -N -V -R "^$2\$" | sed -n 's/.*Test command: //p' | head -1 | tr -d '"')
  [ -n "$cmd" ] || return
  # Sanitized runs skip the real graphs (minutes under memcheck).
  RK_SOAK_SECONDS=5 RK_STRESS_SCALE=0.05 RK_SHARED_DATA=/nonexistent timeout "${RK_SAN_TIMEOUT:-240}" compute-sanitizer --tool "$1" --error-exitcode 99 $cmd \
    >"$LOGS/san-$1-$2.log" 2>&1
  local rc=$?
  # --error-exitcode 99 marks the tool's findings; any other status is the
  # test's own (its timing checks can fail under a tool that slows it 10-100x).
  local errors
  errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) error.*/\1/p' "$LOGS/san-$1-$2.log" | tail -1)
  case $rc in
  0) row "$1 $2" clean ;;
  77) row "$1 $2" skipped ;;
  99) failed; row "$1 $2" "FOUND ${errors:-?} error(s)" ;;
  124) failed; row "$1 $2" "stopped after ${RK_SAN_TIMEOUT:-240} s" ;;
  *)
    [ "${errors:-0}" = 0 ] || failed
    row "$1 $2" "${errors:-?} error(s); the test itself exited $rc under the tool"
    ;;
  esac
  tail -n 3 "$LOGS/san-$1-$2.log" | sed "s|^|$1 $2: |" >>"$LOGS/sanitize-tails.txt"
}

stage_sanitize() {
  local t
  for t in $(cd "$B" && ctest -N -L gpu | sed -n 's/^ *Test *#[0-9]*: //p'); do
    case $t in test_cuda_fault | test_soak_cuda) continue ;; esac # a planted trap; too long
    san memcheck "$t"
  done
  for t in test_cuda_queue test_cuda_runtime test_pipeline_cuda test_pagerank_mp_cuda; do
    san racecheck "$t"
    san synccheck "$t"
  done
  san synccheck test_group_cuda
}

bench() { # name, command...
  local name=$1
  shift
  [ -x "$1" ] || { failed; row "$name" "not built"; return; }
  timeout 300 "$@" >"$LOGS/$name.log" 2>&1
  local rc=$?
  [ $rc -eq 0 ] || failed
  row "$name" "rc=$rc (table in $name.log)"
}

# R-MAT 24 alone, once: on an H200 one run took ~130 s (most of it building
# the graph and the plan on the host), three would not fit bench's limit.
stage_bench() {
  bench bench-cuda "$B/bench/cuda/rk_bench_cuda"
  bench bench-pagerank-cuda "$B/bench/pagerank/rk_bench_pagerank" --backend cuda --max-scale 22 --reps 3 --tol 1e-10
  bench bench-pagerank-cuda-24 "$B/bench/pagerank/rk_bench_pagerank" --backend cuda --no-snap \
    --min-scale 24 --max-scale 24 --reps 1 --tol 1e-10
}

# "name | a | b | ..." for each table row whose name matches pat, from
# column col (the ringk figure) of each log in turn, joined by name.
ab_join() { # pat, col, logs...
  local pat=$1 col=$2
  shift 2
  awk -F'|' -v pat="$pat" -v col="$col" -v nf="$#" '
    FNR == 1 { f++ }
    $2 ~ pat {
      n = $2; v = $col; gsub(/^ +| +$/, "", n); gsub(/^ +| +$/, "", v)
      if (!(n in seen)) { seen[n] = 1; order[++k] = n }
      if (!((f, n) in a)) a[f, n] = v
    }
    END {
      for (i = 1; i <= k; i++) {
        line = order[i]
        for (j = 1; j <= nf; j++) line = line " | " ((j, order[i]) in a ? a[j, order[i]] : "-")
        print line
      }
    }
  ' "$@"
}

stage_baseline() {
  local d r i
  # each build's two benchmark folders; this build's first
  local -a cudas=("$B/bench/cuda") prs=("$B/bench/pagerank")
  for d in ${RK_BASELINE:-}; do
    if [ ! -x "$d/rk_bench_cuda" ] || [ ! -x "$d/rk_bench_pagerank" ]; then
      failed
      row baseline "$d has no rk_bench_cuda and rk_bench_pagerank (scripts/build-baseline.sh)"
      return
    fi
    cudas+=("$d")
    prs+=("$d")
  done
  if [ ${#cudas[@]} -eq 1 ]; then
    failed
    row baseline "RK_BASELINE names no folder (scripts/build-baseline.sh)"
    return
  fi
  for r in 1 2; do
    for i in "${!cudas[@]}"; do
      timeout 120 "${cudas[$i]}/rk_bench_cuda" --only latency,host,throughput >"$LOGS/ab-cuda-$i-$r.log" 2>&1 || failed
      timeout 240 "${prs[$i]}/rk_bench_pagerank" --backend cuda --no-snap --min-scale 20 --max-scale 22 --reps 3 \
        --tol 1e-10 >"$LOGS/ab-pagerank-$i-$r.log" 2>&1 || failed
    done
  done
  {
    printf 'measure | this build'
    for d in "${cudas[@]:1}"; do printf ' | %s' "$(basename "$d")"; done
    echo
    for r in 1 2; do
      echo "-- run $r"
      ab_join 'median|throughput' 3 $(for i in "${!cudas[@]}"; do echo "$LOGS/ab-cuda-$i-$r.log"; done)
      ab_join '^ rmat' 8 $(for i in "${!cudas[@]}"; do echo "$LOGS/ab-pagerank-$i-$r.log"; done) |
        sed 's/^rmat-\([0-9]*\)/PageRank R-MAT \1, ms an iteration/'
    done
  } >"$LOGS/ab.txt"
  row baseline "A/B in ab.txt"
}

nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >"$LOGS/card.txt" 2>&1
for s in $STAGES; do
  case $s in
  build | test | sanitize | bench | baseline) "stage_$s" ;;
  *) echo "gpu-check: unknown stage '$s' (build test sanitize bench baseline)" >&2; exit 2 ;;
  esac
done

echo
# RK_COMMIT names the code when the checkout's git metadata is not at hand.
echo "== ringk gpu-check: $(cat "$LOGS/card.txt" 2>/dev/null), $(date -u +%F), ${RK_COMMIT:-$(git -C "$ROOT" rev-parse --short HEAD)}"
printf '%s\n' "${ROWS[@]}" | tee "$LOGS/summary.txt"
[ -f "$LOGS/ctest-gpu-rows.txt" ] && cat "$LOGS/ctest-gpu-rows.txt"
for f in "$LOGS"/bench-*.log; do [ -f "$f" ] && { echo; tail -25 "$f"; }; done
[ -f "$LOGS/ab.txt" ] && { echo; cat "$LOGS/ab.txt"; }
exit $STATUS
