#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz, a clang build of its own in build-fuzz) and runs
# each for FUZZ_SECONDS on a scratch copy of its seed corpus (tests/fuzz/corpus/NAME, which is
# never written), FUZZ_JOBS at a time, at nice 10. Prints each harness's executions and CPU
# seconds and the total CPU time fuzzed; a crash, leak, timeout or broken invariant is kept in
# BUILD_DIR/fuzz-artifacts/ and named with the command that repeats it (logs in fuzz-logs/).
# `make fuzz` runs it for 300 s a harness, `make fuzz-smoke` (part of `make test`) for 30 s.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: tests/fuzz/run.sh [--build-only | --no-build] [-h] [HARNESS...]

Builds build-fuzz (clang-14, -fsanitize=fuzzer with ASan and UBSan) and runs every harness (or
the ones named, e.g. catalog_csv_fuzz) for FUZZ_SECONDS each on a scratch copy of its corpus.

  --build-only   configure and build, run nothing
  --no-build     run what build-fuzz holds
  -h, --help     this text

Environment:
  FUZZ_SECONDS    seconds per harness (default 300)
  FUZZ_JOBS       harnesses run at once (default 2, one per core)
  BUILD_DIR       the fuzz build directory (default build-fuzz)
  FUZZ_BUILD_JOBS parallel compile jobs (default 2)
  FUZZ_BUILD_LOCK a file to flock(1) around the build only (shared build machines)
  CC, CXX         compilers for a first configure (default clang-14, clang++-14)
Exit status: 0 when every harness ran its time without a finding, 1 when one did, 2 on usage.
EOF
}

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-build-fuzz}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
FUZZ_SECONDS=${FUZZ_SECONDS:-300}
FUZZ_JOBS=${FUZZ_JOBS:-2}
FUZZ_BUILD_JOBS=${FUZZ_BUILD_JOBS:-2}
BUILD=1
RUN=1
NAMES=()
for a in "$@"; do
  case "$a" in
    -h|--help) usage; exit 0 ;;
    --build-only) RUN=0 ;;
    --no-build) BUILD=0 ;;
    -*) echo "run.sh: unknown option $a" >&2; usage >&2; exit 2 ;;
    *) NAMES+=("$a") ;;
  esac
done
for v in FUZZ_SECONDS FUZZ_JOBS FUZZ_BUILD_JOBS; do
  if ! [[ "${!v}" =~ ^[1-9][0-9]*$ ]]; then echo "run.sh: $v=${!v} is not a positive number" >&2; exit 2; fi
done

# Every harness: tests/fuzz/NAME.cc with a corpus folder.
ALL=()
for f in "$ROOT"/tests/fuzz/*_fuzz.cc; do ALL+=("$(basename "$f" .cc)"); done
if [ ${#NAMES[@]} -eq 0 ]; then NAMES=("${ALL[@]}"); fi
for n in "${NAMES[@]}"; do
  if [ ! -f "$ROOT/tests/fuzz/$n.cc" ]; then
    echo "run.sh: no harness $n (have: ${ALL[*]})" >&2
    exit 2
  fi
done

build() {
  local cc=${CC:-clang-14} cxx=${CXX:-clang++-14}
  if ! command -v "$cxx" >/dev/null 2>&1; then
    echo "run.sh: $cxx not found: install clang-14 and libclang-rt-14-dev (deploy/install-deps.sh)" >&2
    exit 1
  fi
  # -O1 with line tables: quick to build, fast enough to fuzz, stacks with file:line.
  CC=$cc CXX=$cxx cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DKUAGUAN_FUZZ=ON -DKUAGUAN_UNIT_TESTS_ONLY=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" >/dev/null
  cmake --build "$BUILD_DIR" -j "$FUZZ_BUILD_JOBS" --target kuaguan_fuzzers
}

if [ "$BUILD" = 1 ]; then
  if [ -n "${FUZZ_BUILD_LOCK:-}" ]; then
    exec 9>"$FUZZ_BUILD_LOCK"
    flock 9
  fi
  started=$(date +%s)
  build
  echo "run.sh: $BUILD_DIR built in $(( $(date +%s) - started )) s"
  if [ -n "${FUZZ_BUILD_LOCK:-}" ]; then flock -u 9; fi
fi
[ "$RUN" = 1 ] || exit 0

for n in "${NAMES[@]}"; do
  if [ ! -x "$BUILD_DIR/bin/$n" ]; then echo "run.sh: $BUILD_DIR/bin/$n is not built" >&2; exit 1; fi
done

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/kuaguan-fuzz-run-XXXXXX")
# Stores and CAs of the harnesses go on tmpfs when there is one (fsync is cheap there).
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  STATE=$(mktemp -d /dev/shm/kuaguan-fuzz-state-XXXXXX)
else
  STATE="$SCRATCH/state"
fi
trap 'rm -rf "$SCRATCH" "$STATE"' EXIT
ARTIFACTS="$BUILD_DIR/fuzz-artifacts"
LOGS="$BUILD_DIR/fuzz-logs"
mkdir -p "$ARTIFACTS" "$LOGS"
touch "$SCRATCH/started"  # artifacts newer than this are this run's

# One harness: its corpus copied to the scratch dir (seeds the harness makes at start join it),
# run under nice for FUZZ_SECONDS (an outer timeout catches a hang before the first input).
# Writes "NAME STATUS EXECS CPU_SECONDS" to $SCRATCH/NAME.result.
run_one() {
  local n=$1 corpus="$SCRATCH/corpus/$1" log="$LOGS/$1.log" status=ok rc=0
  mkdir -p "$corpus" "$STATE/$n"
  if [ -d "$ROOT/tests/fuzz/corpus/$n" ]; then cp -r "$ROOT/tests/fuzz/corpus/$n/." "$corpus/"; fi
  local extra=()
  case "$n" in
    catalog_csv_fuzz|catalog_jsonl_fuzz|text_encoding_fuzz|signed_note_fuzz|hub_fuzz) extra+=(-max_len=16384) ;;
    sealed_certificate_fuzz) extra+=(-max_len=65536) ;;
  esac
  # Harnesses that keep state (a store, an index, libvips) allocate for good on most inputs, and
  # libFuzzer would scan the whole heap after each: they are checked for leaks once, at exit.
  case "$n" in
    enrollment_fuzz|page_image_fuzz|peer_*|hub_fuzz) extra+=(-detect_leaks=0) ;;
  esac
  set +e
  KUAGUAN_FUZZ_SEED_DIR="$corpus" KUAGUAN_FUZZ_SCRATCH="$STATE/$n" OMP_THREAD_LIMIT=1 \
    ASAN_OPTIONS="detect_leaks=1:detect_odr_violation=0:allocator_may_return_null=1" \
    LSAN_OPTIONS="suppressions=$ROOT/tests/fuzz/lsan.supp:print_suppressions=0" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    /usr/bin/time -f "cpu %U %S" -o "$SCRATCH/$n.time" \
    timeout --kill-after=10 $((FUZZ_SECONDS + 180)) \
    nice -n 10 "$BUILD_DIR/bin/$n" -max_total_time="$FUZZ_SECONDS" -timeout=30 -rss_limit_mb=2560 \
      -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$n-" "${extra[@]}" "$corpus" >"$log" 2>&1
  rc=$?
  set -e
  local execs cpu slowest
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
  [ -n "$execs" ] || execs=0
  cpu=$(awk '/^cpu /{printf "%.1f", $2 + $3}' "$SCRATCH/$n.time" 2>/dev/null || true)
  [ -n "$cpu" ] || cpu=0
  slowest=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$log" | tail -1)
  [ "$rc" -eq 0 ] || status=FAILED
  echo "$n $status $execs $cpu $rc" >"$SCRATCH/$n.result"
  printf '  %-26s %-6s %12s execs %9s CPU s   slowest input %s s\n' "$n" "$status" "$execs" "$cpu" "${slowest:-?}"
}

echo "run.sh: ${#NAMES[@]} harnesses, ${FUZZ_SECONDS} s each, ${FUZZ_JOBS} at a time"
running=0
for n in "${NAMES[@]}"; do
  if [ "$running" -ge "$FUZZ_JOBS" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_one "$n" &
  running=$((running + 1))
done
wait

total_execs=0
total_cpu=0
failed=()
for n in "${NAMES[@]}"; do
  read -r _ status execs cpu rc <"$SCRATCH/$n.result" || { failed+=("$n"); continue; }
  total_execs=$((total_execs + execs))
  total_cpu=$(awk -v a="$total_cpu" -v b="$cpu" 'BEGIN {printf "%.1f", a + b}')
  if [ "$status" != ok ]; then failed+=("$n"); fi
done
hours=$(awk -v s="$total_cpu" 'BEGIN {printf "%.2f", s / 3600}')
if [ ${#failed[@]} -eq 0 ]; then
  echo "run.sh: total CPU time fuzzed without a crash: ${total_cpu} s (${hours} CPU hours), ${total_execs} executions, ${#NAMES[@]} harnesses"
  exit 0
fi
echo "run.sh: total CPU time fuzzed: ${total_cpu} s (${hours} CPU hours), ${total_execs} executions; FINDINGS in ${failed[*]}"
for n in "${failed[@]}"; do
  echo "--- $n (log: $LOGS/$n.log)"
  grep -E "ERROR: |FUZZ INVARIANT|SUMMARY|Test unit written|runtime error" "$LOGS/$n.log" 2>/dev/null | head -8 || true
  find "$ARTIFACTS" -maxdepth 1 -name "$n-*" -newer "$SCRATCH/started" | while read -r a; do
    echo "    repeat: $BUILD_DIR/bin/$n $a"
  done
done
exit 1
