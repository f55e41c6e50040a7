#!/bin/sh
# fuzz.sh [SECONDS] - builds the libFuzzer targets and runs each for SECONDS
# (default 60), then prints executions and the verdict per target.
#
# Build: its own directory (build-fuzz, or $RK_FUZZ_BUILD) configured with
# clang, -DRK_BUILD_FUZZ=ON and ASan+UBSan. Each run starts from the
# committed seeds (fuzz/corpus/<target>) and dictionary (fuzz/dict), and
# grows a scratch corpus in the build directory so the seeds stay small.
# A crashing input is left in the build directory as <target>-crash-*; turn
# it into a test under tests/fuzz_regress before fixing the bug.
# Needs clang and libFuzzer (Debian: clang-14 libclang-rt-14-dev);
# RK_FUZZ_INSTALL=1 installs them with apt-get first.
set -eu

SECONDS_EACH=${1:-60}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${RK_FUZZ_BUILD:-$ROOT/build-fuzz}
JOBS=${RK_FUZZ_JOBS:-2}
TARGETS="fuzz_msg fuzz_snap fuzz_mtx fuzz_cli"

if [ "${RK_FUZZ_INSTALL:-0}" = 1 ]; then
  apt-get install -y clang-14 libclang-rt-14-dev
fi
CC=${CC:-clang}
command -v "$CC" >/dev/null || { echo "fuzz.sh: $CC not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }

CC=$CC cmake -S "$ROOT" -B "$BUILD" -DRK_BUILD_FUZZ=ON -DRK_SANITIZE=address,undefined \
  -DRK_CUDA=OFF -DRK_BUILD_TESTS=OFF -DRK_BUILD_BENCH=OFF -DRK_WERROR=ON >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target $TARGETS >/dev/null

# Leaks are reported by ASan at exit; a finding must stop the run at once.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

status=0
printf '%-10s %8s %12s %10s  %s\n' target seconds executions exec/s result
for t in $TARGETS; do
  name=${t#fuzz_}
  work=$BUILD/fuzz-corpus/$name
  log=$BUILD/fuzz-$name.log
  mkdir -p "$work"
  result=clean
  # -close_fd_mask=3: the targets' own stdout/stderr (usage text, CLI
  # errors) go to /dev/null; libFuzzer and sanitizer reports still show.
  if ! (cd "$BUILD" && "./fuzz/$t" -max_total_time="$SECONDS_EACH" -close_fd_mask=3 \
          -dict="$ROOT/fuzz/dict/$name.dict" -artifact_prefix="$BUILD/$t-" \
          -print_final_stats=1 "$work" "$ROOT/fuzz/corpus/$name") >"$log" 2>&1; then
    result="CRASH (see $log)"
    status=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  printf '%-10s %8s %12s %10s  %s\n' "$t" "$SECONDS_EACH" "${execs:-?}" "${rate:-?}" "$result"
done
exit $status
