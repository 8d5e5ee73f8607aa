#!/usr/bin/env bash
# Thread-safety check: clang's -Wthread-safety analysis over every production translation unit.
#
# Why: the node is concurrent (gRPC reactors, the OCR pool, peer links, the store and the search
# index share state under absl::Mutex), and the code states its locking with Abseil's
# annotations (ABSL_GUARDED_BY, ABSL_EXCLUSIVE_LOCKS_REQUIRED, ...). GCC ignores them; only
# clang checks them, so this runs clang in -fsyntax-only mode beside the gcc build. The layers
# checked are the production folders of the dependency direction
#     cli -> proto stubs, seal, base
#     node -> federation -> index, ingest, seal, document -> proto, base
# (base, seal, document, index, ingest, federation, node, cli): not tests/, not generated proto
# code, whose headers are still parsed as includes.
#
# Reads BUILD_DIR/compile_commands.json (CMake exports it), keeps each entry's include dirs,
# defines, -std and the flags clang accepts (each other flag is probed once and dropped if clang
# rejects it, e.g. gcc-only options), drops warning flags and output/dependency flags, and runs
#     clang++ <flags> -fsyntax-only -Wthread-safety -Werror=thread-safety
#             -Wno-unknown-warning-option FILE
# with up to 2 jobs. Entries whose file no longer exists are skipped and counted.
# Exit 0 clean; 1 with each diagnostic and its file; 77 (CTest SKIP_RETURN_CODE) when no clang++
# is installed (Debian package clang, or clang-14 on Debian 12); 2 on a usage error.
# Set CLANGXX to force a compiler, THREAD_SAFETY_JOBS to change the job count (2 is what the
# 2-core machines take), -v to print each translation unit as it passes.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: thread_safety.sh [-v] BUILD_DIR SOURCE_ROOT

Runs clang's thread-safety analysis (-fsyntax-only -Wthread-safety -Werror=thread-safety) on
every production translation unit (base, seal, document, index, ingest, federation, node, cli;
not tests, not generated proto code) listed in BUILD_DIR/compile_commands.json, with the same
include dirs and defines, 2 jobs at a time. Fails listing each diagnostic with its file.

  -v, --verbose   also print each translation unit, its time and result, as it passes
  -h, --help      this text

Environment: CLANGXX (a clang++ to use), THREAD_SAFETY_JOBS (default 2).
Exit status: 0 clean, 1 diagnostics, 2 usage error, 77 no clang++ found (skipped).
EOF
}

VERBOSE=0
ARGS=()
for a in "$@"; do
  case "$a" in
    -h|--help) usage; exit 0 ;;
    -v|--verbose) VERBOSE=1 ;;
    -*) echo "thread_safety: unknown option $a" >&2; usage >&2; exit 2 ;;
    *) ARGS+=("$a") ;;
  esac
done
if [ ${#ARGS[@]} -ne 2 ]; then usage >&2; exit 2; fi
BUILD_DIR=${ARGS[0]}
SOURCE_ROOT=${ARGS[1]}

if [ ! -f "$BUILD_DIR/compile_commands.json" ]; then
  echo "thread_safety: $BUILD_DIR/compile_commands.json not found (configure with" \
       "CMAKE_EXPORT_COMPILE_COMMANDS=ON; the top CMakeLists.txt sets it)" >&2
  exit 2
fi
if [ ! -d "$SOURCE_ROOT" ]; then
  echo "thread_safety: source root $SOURCE_ROOT is not a directory" >&2
  exit 2
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "thread_safety: python3 not found (it reads compile_commands.json)" >&2
  exit 2
fi

# Finds clang++: $CLANGXX, then the newest versioned clang++ (PATH or /usr/lib/llvm-N/bin), then
# plain clang++. Each candidate must run and say it is clang.
find_clang() {
  local c v
  local candidates=()
  [ -n "${CLANGXX:-}" ] && candidates+=("$CLANGXX")
  for v in 19 18 17 16 15 14; do
    candidates+=("clang++-$v" "/usr/lib/llvm-$v/bin/clang++")
  done
  candidates+=(clang++)
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1 && "$c" --version 2>/dev/null | grep -qi clang; then
      command -v "$c"
      return 0
    fi
  done
  return 1
}

if [ -n "${CLANGXX:-}" ] && ! { command -v "$CLANGXX" >/dev/null 2>&1 &&
                                 "$CLANGXX" --version 2>/dev/null | grep -qi clang; }; then
  echo "thread_safety: CLANGXX=$CLANGXX is not a working clang++" >&2
  exit 2
fi
if ! CLANG=$(find_clang); then
  echo "thread_safety: SKIPPED: no clang++ found (clang++-16/15/14 or clang++); install the" \
       "Debian package clang-14 (or clang) to run the thread-safety analysis"
  exit 77
fi

PROG=$(cat <<'PY'
import concurrent.futures, json, os, re, shlex, subprocess, sys, time

clang, build_dir, source_root, verbose, jobs = sys.argv[1:6]
verbose = verbose == "1"
jobs = max(1, int(jobs))
build_dir = os.path.abspath(build_dir)
source_root = os.path.realpath(source_root)
PRODUCTION = ("base", "seal", "document", "index", "ingest", "federation", "node", "cli")
SOURCE_EXT = (".cc", ".cpp", ".cxx", ".c++")

def log(msg):
    print(f"thread_safety: {msg}", flush=True)

with open(os.path.join(build_dir, "compile_commands.json"), encoding="utf-8") as f:
    entries = json.load(f)

# Which entries are production translation units.
units = {}          # path -> (directory, argv)
skipped_missing = []
for e in entries:
    directory = e.get("directory", build_dir)
    path = os.path.realpath(os.path.join(directory, e["file"]))
    rel = os.path.relpath(path, source_root)
    if rel.startswith("..") or rel.split(os.sep, 1)[0] not in PRODUCTION:
        continue  # tests/, generated proto code in the build dir, anything outside the tree
    if ".pb." in os.path.basename(path) or not path.endswith(SOURCE_EXT):
        continue
    if not os.path.exists(path):
        skipped_missing.append(rel)
        continue
    argv = e.get("arguments") or shlex.split(e["command"])
    units.setdefault(path, (directory, argv))

# Production sources on disk that the build dir does not know (a stale configure).
on_disk = set()
for folder in PRODUCTION:
    for dirpath, _, names in os.walk(os.path.join(source_root, folder)):
        on_disk.update(os.path.join(dirpath, n) for n in names if n.endswith(SOURCE_EXT))
uncovered = sorted(os.path.relpath(p, source_root) for p in on_disk - set(units))

# Rewrites a gcc/clang command line into clang -fsyntax-only flags.
WITH_VALUE_KEEP = {"-I", "-isystem", "-iquote", "-idirafter", "-D", "-U", "-include",
                   "-imacros", "-Xclang", "-target", "--target", "-isysroot", "--sysroot", "-x"}
WITH_VALUE_DROP = {"-o", "-MF", "-MT", "-MQ", "--serialize-diagnostics"}
DROP = {"-c", "-MD", "-MMD", "-MP", "-M", "-MM", "-S", "-E", "-pipe", "-fsyntax-only"}
SAFE_PREFIX = ("-I", "-isystem", "-iquote", "-idirafter", "-D", "-U", "-std=", "-pthread",
               "-fsanitize", "-fno-sanitize", "-fno-omit-frame-pointer", "-fPIC", "-fPIE",
               "-fpic", "-fpie", "-O", "-g", "-fexceptions", "-fno-exceptions", "-frtti",
               "-fno-rtti", "-fdiagnostics-color", "-include", "-imacros", "-m64")
probed = {}
def clang_accepts(flag):
    if flag not in probed:
        p = subprocess.run([clang, flag, "-fsyntax-only", "-x", "c++", "-std=c++20", os.devnull],
                           capture_output=True, text=True)
        reason = (p.stderr.strip().splitlines() or [""])[0]
        probed[flag] = (p.returncode == 0 and not p.stderr.strip(), reason)
        if not probed[flag][0]:
            reason = re.sub(r"^\S*clang\S*: ", "", reason) or "rejected"
            log(f"dropping compiler flag {flag} (clang: {reason})")
    return probed[flag][0]

def clang_command(directory, argv, path):
    out = []
    i = 1  # argv[0] is the compiler
    while i < len(argv):
        a = argv[i]
        if a in WITH_VALUE_DROP:
            i += 2; continue
        if a in WITH_VALUE_KEEP:
            out += argv[i:i + 2]; i += 2; continue
        i += 1
        if a in DROP or a.startswith(("-MF", "-MT", "-MQ")):
            continue
        if not a.startswith("-"):
            if os.path.realpath(os.path.join(directory, a)) == path:
                continue  # the source file itself
            out.append(a); continue
        if a.startswith("-W") or a == "-w":
            continue  # warnings: only thread safety is asked for
        if a.startswith(SAFE_PREFIX) or clang_accepts(a):
            out.append(a)
    if not any(a.startswith("-std=") for a in out):
        out.append("-std=c++20")
    return [clang] + out + ["-fsyntax-only", "-Wthread-safety", "-Werror=thread-safety",
                            "-Wno-unknown-warning-option", path]

DIAG = re.compile(r"^(?P<loc>.+?:\d+:\d+): (?P<kind>warning|error|fatal error|note): (?P<msg>.*)$")

def check(path):
    directory, argv = units[path]
    cmd = clang_command(directory, argv, path)
    start = time.monotonic()
    p = subprocess.run(cmd, cwd=directory, capture_output=True, text=True)
    # Groups each diagnostic with the notes that follow it.
    diags, current = [], None
    for line in p.stderr.splitlines():
        m = DIAG.match(line)
        if not m:
            continue
        if m["kind"] == "note":
            if current is not None:
                current["notes"].append(line)
            continue
        current = {"loc": m["loc"], "kind": m["kind"], "msg": m["msg"], "notes": [],
                   "thread": "thread-safety" in m["msg"]}
        diags.append(current)
    return path, p.returncode, diags, p.stderr, time.monotonic() - start

rel = lambda p: os.path.relpath(p, source_root)

def shorten(line):
    """Writes in-tree absolute paths at the start of a diagnostic relative to SOURCE_ROOT."""
    return line[len(source_root) + 1:] if line.startswith(source_root + os.sep) else line
log(f"{clang}: {len(units)} production translation units from "
    f"{os.path.join(build_dir, 'compile_commands.json')}, {jobs} jobs")
if skipped_missing:
    log(f"skipped {len(skipped_missing)} compile_commands.json entries whose file no longer "
        f"exists (reconfigure {build_dir}): {' '.join(sorted(skipped_missing))}")
if uncovered:
    log(f"warning: {len(uncovered)} production sources are not in compile_commands.json and "
        f"are not checked (reconfigure {build_dir}): {' '.join(uncovered)}")
if not units:
    log("no production translation units found: is SOURCE_ROOT the tree BUILD_DIR was "
        "configured from?")
    sys.exit(2)

for path in sorted(units):  # probe flags up front, once, not from the worker threads
    clang_command(*units[path][:2], path)

started = time.monotonic()
findings = {}   # (loc, msg) -> diag with the translation units that reported it
broken = []     # translation units clang could not parse
with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
    for path, rc, diags, stderr, secs in pool.map(check, sorted(units)):
        thread = [d for d in diags if d["thread"]]
        errors = [d for d in diags if not d["thread"] and d["kind"] != "warning"]
        for d in thread:
            key = (d["loc"], d["msg"])
            findings.setdefault(key, dict(d, units=[]))["units"].append(rel(path))
        if rc != 0 and not thread:
            broken.append((rel(path), errors, stderr))
        if verbose:
            state = "ok" if rc == 0 else f"{len(thread)} thread-safety, {len(errors)} errors"
            log(f"  {rel(path)} ({secs:.1f}s): {state}")

elapsed = time.monotonic() - started
status = 0
if findings:
    status = 1
    print(f"thread_safety: {len(findings)} thread-safety diagnostic(s):")
    for (loc, msg), d in sorted(findings.items()):
        print(f"{shorten(loc)}: {msg}")
        for note in d["notes"]:
            print(f"    {shorten(note)}")
        print(f"    (in translation unit{'s' if len(d['units']) > 1 else ''}: "
              f"{', '.join(sorted(d['units']))})")
if broken:
    status = 1
    print(f"thread_safety: clang could not analyse {len(broken)} translation unit(s):")
    for path, errors, stderr in broken:
        print(f"{path}:")
        shown = [shorten(f"{d['loc']}: {d['kind']}: {d['msg']}") for d in errors[:5]] or \
                stderr.strip().splitlines()[:5]
        for line in shown:
            print(f"    {line}")
        if len(errors) > 5:
            print(f"    ... {len(errors) - 5} more")
if status == 0:
    log(f"{len(units)} translation units clean under -Wthread-safety ({elapsed:.0f}s)")
else:
    log(f"FAILED: {len(findings)} thread-safety diagnostic(s), {len(broken)} unparsable "
        f"translation unit(s) in {len(units)} checked ({elapsed:.0f}s)")
sys.exit(status)
PY
)

JOBS=${THREAD_SAFETY_JOBS:-2}
if ! [[ "$JOBS" =~ ^[1-9][0-9]*$ ]]; then
  echo "thread_safety: THREAD_SAFETY_JOBS=$JOBS is not a positive number" >&2
  exit 2
fi
exec python3 -c "$PROG" "$CLANG" "$BUILD_DIR" "$SOURCE_ROOT" "$VERBOSE" "$JOBS"
