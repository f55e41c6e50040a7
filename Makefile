# Makefile - the two entry points of the README, over CMake.
#
#   make run    build (CPU backend by default) and run PageRank by message
#               passing on a generated R-MAT graph
#   make test   build with warnings as errors and run every test, then again
#               under AddressSanitizer+UBSan and under ThreadSanitizer
#
# Other targets: build, bench, install (PREFIX=/usr/local), clean.

BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
CTEST = ctest --output-on-failure --no-tests=error

.PHONY: all build run test test-main test-asan test-tsan bench install clean

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/apps/ringk/ringk pagerank --rmat 16 --backend cpu --top 10

test: test-main test-asan test-tsan

test-main:
	cmake -S . -B $(BUILD)-test -DRK_WERROR=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD)-test -j $(JOBS)
	$(CTEST) --test-dir $(BUILD)-test

# Sanitizer builds are host-only (no CUDA) and skip the benchmarks.
test-asan:
	cmake -S . -B $(BUILD)-asan -DRK_WERROR=ON -DRK_SANITIZE=address,undefined -DRK_BUILD_BENCH=OFF
	cmake --build $(BUILD)-asan -j $(JOBS)
	$(CTEST) --test-dir $(BUILD)-asan

test-tsan:
	cmake -S . -B $(BUILD)-tsan -DRK_WERROR=ON -DRK_SANITIZE=thread -DRK_BUILD_BENCH=OFF
	cmake --build $(BUILD)-tsan -j $(JOBS)
	TSAN_OPTIONS=halt_on_error=1 RK_STRESS_SCALE=0.1 $(CTEST) --test-dir $(BUILD)-tsan

bench: build
	$(BUILD)/bench/cpu/rk_bench_queue
	$(BUILD)/bench/pagerank/rk_bench_pagerank

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(BUILD)-test $(BUILD)-asan $(BUILD)-tsan
