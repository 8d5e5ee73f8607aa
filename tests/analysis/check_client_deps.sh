#!/usr/bin/env bash
# Client dependency check: the two client binaries, kuaguan (operator CLI) and kuaguan-desk
# (front-desk client), must not load the node's heavy libraries.
#
# Why: the architecture's dependency direction is
#     cli -> proto stubs, seal, base
#     node -> federation -> index, ingest, seal, document -> proto, base
# so a client talks to the daemon over gRPC and never links the store (RocksDB), the search index
# (Xapian, OpenCC), image/OCR (libvips, Tesseract, Leptonica) or PDF rendering (cairo, pango).
# check_layering.py keeps the #includes in line; this check catches what reaches the binaries
# through the link line (a static library linked PUBLIC drags its dependencies along).
#
# Runs `ldd` on BIN_DIR/kuaguan and BIN_DIR/kuaguan-desk; ldd lists every shared library the
# loader maps, direct or pulled in by another library. Exits 1 naming the binary and the library
# (and whether the binary itself records it as NEEDED) for each hit; prints the checked list when
# clean.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: check_client_deps.sh BIN_DIR

Runs ldd on BIN_DIR/kuaguan and BIN_DIR/kuaguan-desk and fails if either loads librocksdb,
libxapian, libtesseract, libvips, libcairo, libpango, libleptonica/liblept or libopencc: the
client binaries reach the node over gRPC and must stay free of the node's heavy libraries
(dependency direction: cli -> proto stubs, seal, base; node -> federation -> index, ingest,
seal, document -> proto, base).

Exit status: 0 clean, 1 a forbidden library is linked, 2 usage error or a binary is missing.
EOF
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") usage >&2; exit 2 ;;
esac
if [ $# -ne 1 ]; then usage >&2; exit 2; fi

BIN_DIR=$1
BINARIES=(kuaguan kuaguan-desk)
# Library-name prefixes (the sonames' starts), with the reason each is forbidden.
FORBIDDEN=(
  "librocksdb:the node's store"
  "libxapian:the search index"
  "libtesseract:OCR"
  "libvips:page images"
  "libcairo:certificate PDF rendering"
  "libpango:certificate PDF rendering"
  "libleptonica:OCR (Leptonica)"
  "liblept:OCR (Leptonica)"
  "libopencc:the search index's Chinese folding"
)

if ! command -v ldd >/dev/null 2>&1; then
  echo "check_client_deps: ldd not found (Debian package libc-bin)" >&2
  exit 2
fi
if [ ! -d "$BIN_DIR" ]; then
  echo "check_client_deps: $BIN_DIR is not a directory (build the project first)" >&2
  exit 2
fi

status=0
checked=()
for bin in "${BINARIES[@]}"; do
  path="$BIN_DIR/$bin"
  if [ ! -x "$path" ]; then
    echo "check_client_deps: $path is missing or not executable (build the project first)" >&2
    status=2
    continue
  fi
  if ! deps=$(ldd "$path" 2>&1); then
    if printf '%s\n' "$deps" | grep -q 'not a dynamic executable'; then
      checked+=("$bin")  # statically linked: loads no shared library at all
      continue
    fi
    echo "check_client_deps: ldd $path failed:" >&2
    echo "$deps" >&2
    status=2
    continue
  fi
  # The binary's own NEEDED entries, to tell a direct link from one pulled in by a library.
  needed=""
  if command -v readelf >/dev/null 2>&1; then
    needed=$(readelf -d "$path" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p' || true)
  fi
  # Sonames as ldd prints them: the first field of each line ("libfoo.so.1 => /path (0x...)").
  libs=$(printf '%s\n' "$deps" | awk '{print $1}' | sed 's#.*/##')
  hits=0
  while IFS= read -r lib; do
    [ -n "$lib" ] || continue
    for entry in "${FORBIDDEN[@]}"; do
      prefix=${entry%%:*}
      why=${entry#*:}
      case "$lib" in
        "$prefix".so*|"$prefix"-*.so*|"$prefix"[0-9]*.so*|"$prefix"[a-z]*.so*)
          # liblept* also matches libleptonica; report each library once.
          if [ "$prefix" = liblept ] && [[ "$lib" == libleptonica* ]]; then continue; fi
          # libcairo* / libpango* cover libcairo-gobject, libpangocairo, libpangoft2, ...
          if printf '%s\n' "$needed" | grep -qxF "$lib"; then
            how="linked directly (NEEDED by $bin)"
          else
            how="pulled in by another library"
          fi
          echo "check_client_deps: $path links $lib ($why; $how)"
          hits=$((hits + 1))
          ;;
      esac
    done
  done <<<"$libs"
  if [ "$hits" -gt 0 ]; then
    status=1
  else
    checked+=("$bin")
  fi
done

if [ "$status" -eq 1 ]; then
  echo "check_client_deps: FAILED: the client binaries must not link the node's libraries" \
       "(cli -> proto stubs, seal, base). See who pulls them in with:" \
       "readelf -d BIN | grep NEEDED, and the target_link_libraries of cli/."
  exit 1
fi
if [ "$status" -ne 0 ]; then
  exit "$status"
fi
prefixes=()
for entry in "${FORBIDDEN[@]}"; do prefixes+=("${entry%%:*}"); done
echo "check_client_deps: ${checked[*]} in $BIN_DIR link none of: ${prefixes[*]}"
exit 0
