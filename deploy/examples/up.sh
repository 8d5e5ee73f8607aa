#!/usr/bin/env bash
# Brings up the example federation on loopback: 河南省档案馆 (410000, provincial: CA, directory,
# audit hub), 郑州市档案馆 (410100) and 开封市档案馆 (410200), each from its config here, its
# people registered (the demo's Unix accounts, deploy/kuaguan-lib.sh), both archives enrolled with
# one-time tokens. The nodes keep running in the background; their data is under RUN
# (/tmp/kuaguan-examples, or $KUAGUAN_EXAMPLES_RUN) and survives a stop: a second start reuses it.
# Needs root (it makes the people's accounts and runs them).
#   deploy/examples/up.sh [BIN_DIR]     start (BIN_DIR: build/bin)
#   deploy/examples/up.sh --stop        stop the three nodes (SIGTERM, clean)
#   deploy/examples/up.sh --clean       stop them and remove RUN
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=${KUAGUAN_EXAMPLES_RUN:-/tmp/kuaguan-examples}
NODES=(henan zhengzhou kaifeng)

stop() {
  local n pid
  for n in "${NODES[@]}"; do
    [ -f "$RUN/$n/kuaguand.pid" ] || continue
    pid=$(cat "$RUN/$n/kuaguand.pid")
    if kill -TERM "$pid" 2>/dev/null; then
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
      echo "stopped $n (pid $pid)"
    fi
    rm -f "$RUN/$n/kuaguand.pid"
  done
}

case "${1:-}" in
  --stop) stop; exit 0 ;;
  --clean) stop; rm -rf "$RUN"; exit 0 ;;
  -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "up.sh: it makes Unix accounts for the nodes' people; run it as root" >&2; exit 1; }
BIN=$(cd "${1:-build/bin}" && pwd)
mkdir -p "$RUN/bin"
chmod 755 "$RUN"
cp "$BIN/kuaguan" "$RUN/bin/"   # where every account may run it
KG="$RUN/bin/kuaguan"
source "$HERE/../kuaguan-lib.sh"
kg_accounts

for n in "${NODES[@]}"; do
  cfg="$RUN/$n/kuaguan.toml"
  if [ -f "$RUN/$n/kuaguand.pid" ] && kill -0 "$(cat "$RUN/$n/kuaguand.pid")" 2>/dev/null; then
    echo "$n is running already (pid $(cat "$RUN/$n/kuaguand.pid"))"
    continue
  fi
  mkdir -p "$RUN/$n"
  cp "$HERE/$n.toml" "$cfg"
  setsid "$BIN/kuaguand" --config "$cfg" >>"$RUN/$n/kuaguand.log" 2>&1 </dev/null &
  echo $! >"$RUN/$n/kuaguand.pid"
  kg_wait_up "$cfg" || { tail -n 20 "$RUN/$n/kuaguand.log" >&2; exit 1; }
  echo "started $n: $("$KG" status --config "$cfg" --json | kg_json_field name), pid $(cat "$RUN/$n/kuaguand.pid")"
  if [ ! -f "$RUN/$n/people-registered" ]; then
    kg_people "$cfg"
    touch "$RUN/$n/people-registered"
  fi
done

HN="$RUN/henan/kuaguan.toml"
for member in "zhengzhou 410100 郑州市档案馆" "kaifeng 410200 开封市档案馆"; do
  read -r n code name <<<"$member"
  if "$KG" status --config "$RUN/$n/kuaguan.toml" --json | grep -q '"enrolled":true'; then
    echo "$n is enrolled already"
  else
    kg_enroll "$HN" "$RUN/$n/kuaguan.toml" "$code" "$name"
  fi
done
"$KG" directory refresh --config "$RUN/zhengzhou/kuaguan.toml"
"$KG" peers --config "$RUN/zhengzhou/kuaguan.toml"
cat <<EOT

The example federation is up (data and logs in $RUN):
  provincial  $HN
  archives    $RUN/zhengzhou/kuaguan.toml  $RUN/kaifeng/kuaguan.toml
Try:  runuser -u $MON -- $KG federation status --config $HN
Stop: $0 --stop   (--clean also removes $RUN)
EOT
