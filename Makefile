# Kuaguan: the two commands are `make demo` and `make test` (each installs what it needs).
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= 2
CMAKE_ARGS ?=

.PHONY: deps build test unit-asan demo bench clean

deps:
	bash deploy/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)

# Every test through CTest, then the unit tests again under ASan + UBSan.
test: build unit-asan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

unit-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DENABLE_ASAN=ON -DENABLE_UBSAN=ON \
	  -DKUAGUAN_UNIT_TESTS_ONLY=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -L unit

demo: build
	bash deploy/demo.sh $(BUILD)/bin

bench: build
	bash tests/bench/run.sh $(BUILD)/bin

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
