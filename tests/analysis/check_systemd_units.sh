#!/usr/bin/env bash
# The systemd units of deploy/systemd: each service's exposure, as `systemd-analyze security
# --offline=yes` scores it, must be at most MAX (2.0, "OK"); and `systemd-analyze verify`, on the
# units instantiated for a node "zz" with ExecStart pointing at BIN_DIR, must say nothing (it
# reports unknown keys, bad values and missing binaries as warnings). Both work offline: no
# running systemd is needed, so they run in containers too. Exit 77 (skipped) without
# systemd-analyze. usage: check_systemd_units.sh UNIT_DIR BIN_DIR [MAX]
set -euo pipefail
UNITS=$1
BIN=$(cd "$2" && pwd)
MAX=${3:-2.0}
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed (Debian package systemd): skipped"; exit 77; }
status=0
for unit in "$UNITS"/*.service; do
  report=$(systemd-analyze security --offline=yes "$unit" 2>&1) || true
  score=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
  if [ -z "$score" ]; then
    printf '%s\n' "$report"
    echo "FAIL $(basename "$unit"): no exposure score"
    status=1
  elif awk -v s="$score" -v m="$MAX" 'BEGIN { exit !(s > m) }'; then
    printf '%s\n' "$report" | grep '✗'
    echo "FAIL $(basename "$unit"): exposure $score, above $MAX"
    status=1
  else
    echo "ok   $(basename "$unit"): exposure $score"
  fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for unit in "$UNITS"/*@.*; do
  name=$(basename "$unit")
  sed "s#/usr/local/bin/#$BIN/#g" "$unit" >"$work/${name/@./@zz.}"
done
out=$(systemd-analyze verify --man=no "$work"/* 2>&1) || true
if [ -n "$out" ]; then
  printf '%s\n' "$out"
  echo "FAIL systemd-analyze verify"
  status=1
else
  echo "ok   systemd-analyze verify: $(cd "$work" && echo *)"
fi
exit $status
