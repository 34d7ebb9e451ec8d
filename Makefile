# Firma: the verbs a newcomer expects. `make run` and `make test` are all one needs.
BUILD_DIR      ?= build
TEST_BUILD_DIR ?= build/test
FUZZ_BUILD_DIR ?= build/fuzz
FUZZ_SECONDS   ?= 120
DATA_DIR       ?= var
LISTEN         ?= 127.0.0.1:8080
JOBS           ?= $(shell nproc)

export ASAN_OPTIONS  ?= detect_leaks=1:strict_string_checks=1:check_initialization_order=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS  ?= suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0

.PHONY: all deps deps-run build run test check fuzz-build fuzz bench-build bench soak format clean

all: build

# Everything the suite, the fuzz targets and the benchmarks use (scripts/deps.sh test).
deps:
	@bash scripts/deps.sh test

# Only what building and running firmad need, and the tools the README's walk-throughs type.
deps-run:
	@bash scripts/deps.sh run

# Release build: build/bin/firmad and build/bin/firmactl.
build: deps-run
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DFIRMA_TESTS=OFF -DFIRMA_BENCH=OFF >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The service on its embedded default: everything under $(DATA_DIR).
run: build
	$(BUILD_DIR)/bin/firmad --data-dir $(DATA_DIR) --listen $(LISTEN)

# The whole suite, built with AddressSanitizer + UndefinedBehaviorSanitizer and warnings as errors. It includes
# a 30-second smoke run of each fuzz target (CTest label "fuzz"), built by clang in $(FUZZ_BUILD_DIR).
test: deps fuzz-build
	@cmake -S . -B $(TEST_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIRMA_SANITIZE=ON -DFIRMA_WERROR=ON \
	  -DFIRMA_BENCH=OFF -DFIRMA_FUZZ_BUILD_DIR=$(CURDIR)/$(FUZZ_BUILD_DIR) >/dev/null
	@cmake --build $(TEST_BUILD_DIR) -j $(JOBS)
	@cd $(TEST_BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

# The unit tests only (CTest label "unit", tests/unit): the same sanitized build as `make test`, in minutes.
check: deps
	@cmake -S . -B $(TEST_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIRMA_SANITIZE=ON -DFIRMA_WERROR=ON \
	  -DFIRMA_BENCH=OFF >/dev/null
	@cmake --build $(TEST_BUILD_DIR) -j $(JOBS)
	@cd $(TEST_BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600 -L unit

# The libFuzzer targets (tests/fuzz): clang cannot share a build directory with gcc, so they have their own.
fuzz-build: deps
	@cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIRMA_FUZZ=ON -DFIRMA_WERROR=ON >/dev/null
	@cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS)

# Each fuzz target for FUZZ_SECONDS on its corpus, one after the other, going on past crashes: executions and
# crashes per target (reproducers under $(FUZZ_BUILD_DIR)/work/artifacts).
fuzz: fuzz-build
	@bash tests/fuzz/run.sh --keep-going $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS)

# The Release build with the load generator and the micro-benchmarks.
bench-build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DFIRMA_TESTS=OFF -DFIRMA_BENCH=ON >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

bench: bench-build
	@bash bench/run.sh $(BUILD_DIR)

# Not part of `make test`: 30 minutes (SOAK_SECONDS) of 32 citizens signing against a Release firmad; fails if a
# transaction fails, RSS grows by 10% after the warm-up or file descriptors leak (bench/soak.sh).
soak: bench-build
	@bash bench/soak.sh $(BUILD_DIR)

format:
	@git ls-files '*.h' '*.cpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
