# Kuaguan: the two commands are `make demo` and `make test` (each installs what it needs).
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= 2
CMAKE_ARGS ?=
FUZZ_SECONDS       ?= 300
FUZZ_SMOKE_SECONDS ?= 30

.PHONY: deps build test unit-asan fuzz fuzz-smoke demo bench clean

deps:
	bash deploy/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)

# Every test through CTest, the unit tests again under ASan + UBSan, then every fuzz harness for
# FUZZ_SMOKE_SECONDS on its seeds (after the tests: the fuzz build is one of its own).
test: build unit-asan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) fuzz-smoke

unit-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DENABLE_ASAN=ON -DENABLE_UBSAN=ON \
	  -DKUAGUAN_UNIT_TESTS_ONLY=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -L unit

# libFuzzer harnesses (tests/fuzz) in their own clang build: each for FUZZ_SECONDS, two at a
# time; prints executions and CPU seconds per harness and the total CPU time fuzzed.
fuzz: deps
	BUILD_DIR=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(JOBS) bash tests/fuzz/run.sh

fuzz-smoke: deps
	BUILD_DIR=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) FUZZ_JOBS=$(JOBS) bash tests/fuzz/run.sh

demo: build
	bash deploy/demo.sh $(BUILD)/bin

bench: build
	bash tests/bench/run.sh $(BUILD)/bin

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
