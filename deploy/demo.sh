#!/usr/bin/env bash
# The demo: an archive node on loopback with generated Chinese holdings imported, searched,
# modified, withdrawn, ingested from scans and audited; then a federation: the provincial node
# (CA and directory) and a second archive, enrollment, mutual TLS, a federated search answered
# by the other archive, a remote request filed at one archive's front desk and certified by the
# other with its electronic seal (the PDF left in demo-out/), revocation. Each step printed. Usage: deploy/demo.sh BIN_DIR
set -euo pipefail
BIN=$(cd "${1:-build/bin}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN="$ROOT/demo-run"
KG="$BIN/kuaguan"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

rm -rf "$RUN"
mkdir -p "$RUN"
step "1. Initialise the Zhengzhou municipal archive node (郑州市档案馆)"
show "$KG" init "$RUN/zhengzhou" --archive-id 410100 --name 郑州市档案馆 --listen 127.0.0.1:0
CFG="$RUN/zhengzhou/kuaguan.toml"
export KUAGUAN_CONFIG="$CFG"

step "2. Start kuaguand"
"$BIN/kuaguand" --config "$CFG" >"$RUN/kuaguand.log" 2>&1 &
DAEMON=$!
PIDS="$DAEMON"
trap 'kill $PIDS 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do "$KG" status >/dev/null 2>&1 && break; sleep 0.1; done
show "$KG" status

step "3. Generate 5,000 catalog records (GB18030 CSV, as many archive systems export) and import"
"$BIN/kuaguan-gen-catalog" "$RUN/catalog-gb18030.csv" --count 5000 --seed 2026 --gb18030 --full-text
show "$KG" import "$RUN/catalog-gb18030.csv"
show "$KG" stats

step "4. Chinese searches: phrases, fields, dates, livelihood categories, reference codes"
show "$KG" search 婚姻登记 --limit 3
show "$KG" search 档案馆 --limit 3
show "$KG" search 退休审批 --from 1990-01-01 --to 1999-12-31 --limit 3
show "$KG" search 民政局 --field responsible --livelihood 婚姻登记 --limit 3
show "$KG" search 'Z109-WS·1998*' --field code --limit 3
show "$KG" search 檔案館 --limit 2   # traditional characters find simplified text

CODE=$("$KG" search 'Z109-WS*' --field code --limit 1 --json | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
step "5. A record, modified (a new version) and withdrawn (撤回, a recorded state)"
show "$KG" get "$CODE"
show "$KG" modify "$CODE" --set 附注=已核对原件 --reason 补充附注
show "$KG" withdraw "$CODE" --reason 著录重复
show "$KG" get "$CODE" --history

step "6. A bad catalog is rejected whole, naming every bad row; the store is unchanged"
printf '档号,题名,日期,年度,保管期限,密级\nZ109-WS·2011-Y-BGS-9001,日期不存在,2011-02-30,2011,永久,公开\nZ109-WS·2011-Y-BGS-9002,密级不明,2011-03-01,2011,永久,很秘密\n' >"$RUN/bad.csv"
show "$KG" import "$RUN/bad.csv" || true
show "$KG" stats

step "7. Digitization ingest: scanned pages OCR'd (Tesseract, one engine per core)"
"$BIN/kuaguan-gen-scans" "$RUN/scans" --items 4
"$KG" ingest scans "$RUN/scans/manifest.csv" --json >"$RUN/ingest.jsonl"
BATCH=$(tail -n 1 "$RUN/ingest.jsonl" | sed -n 's/.*"batch":"\([^"]*\)".*/\1/p')
show "$KG" ingest report "$BATCH"
show "$KG" ingest accept "$BATCH" || show "$KG" ingest accept "$BATCH" --override 演示批次，人工抽检通过
show "$KG" search 档案馆库房改造 --limit 2
show "$KG" ingest held
show "$KG" search --person 11010519491231002X
show "$KG" get Z109-WS·2020-Y-SMJ-0003
show "$KG" page Z109-WS·2020-Y-SMJ-0003 1 --shared --out "$RUN/shared-page.png"

step "8. Export, rebuild the index, verify the audit chain"
show "$KG" export "$RUN/export.csv"
show "$KG" reindex
show "$KG" audit verify

step "9. The provincial node (河南省档案馆): certificate authority and signed directory"
show "$KG" init "$RUN/henan" --archive-id 410000 --name 河南省档案馆 --role provincial
"$BIN/kuaguand" --config "$RUN/henan/kuaguan.toml" >"$RUN/henan.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 1 100); do "$KG" status --config "$RUN/henan/kuaguan.toml" >/dev/null 2>&1 && break; sleep 0.1; done
show "$KG" status --config "$RUN/henan/kuaguan.toml"
ENROLL=$("$KG" status --config "$RUN/henan/kuaguan.toml" --json | sed -n 's/.*"enroll_listen":"\([^"]*\)".*/\1/p')

step "10. A second archive (开封市档案馆) with its own holdings"
show "$KG" init "$RUN/kaifeng" --archive-id 410200 --name 开封市档案馆
KF="$RUN/kaifeng/kuaguan.toml"
"$BIN/kuaguand" --config "$KF" >"$RUN/kaifeng.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 1 100); do "$KG" status --config "$KF" >/dev/null 2>&1 && break; sleep 0.1; done
"$BIN/kuaguan-gen-catalog" "$RUN/kaifeng.csv" --count 3000 --seed 410200
show "$KG" import "$RUN/kaifeng.csv" --config "$KF"

step "11. Enrollment: one-time tokens from the provincial CA; keys made locally, CSRs sent"
TOKEN_ZZ=$("$KG" ca token --config "$RUN/henan/kuaguan.toml" --archive 410100 --name 郑州市档案馆 --json | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
TOKEN_KF=$("$KG" ca token --config "$RUN/henan/kuaguan.toml" --archive 410200 --name 开封市档案馆 --json | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
show "$KG" enroll --provincial "$ENROLL" --token "$TOKEN_ZZ"
show "$KG" enroll --config "$KF" --provincial "$ENROLL" --token "$TOKEN_KF"
show "$KG" enroll --config "$KF" --provincial "$ENROLL" --token "$TOKEN_KF" || true   # a token works once
show "$KG" directory refresh
show "$KG" peers

step "12. Federated search from 郑州: 开封 answers over mutual TLS (unconditionally shared catalog records only)"
show "$KG" search 婚姻登记 --federated --limit 5

step "13. The certificates work with standard tools"
show "$KG" cert export "$RUN/certs"
show openssl verify -CAfile "$RUN/certs/root.pem" -untrusted "$RUN/certs/chain.pem" "$RUN/certs/node.pem"
show openssl verify -vfyopt distid:1234567812345678 -CAfile "$RUN/certs/root.pem" -untrusted "$RUN/certs/seal-maker.pem" "$RUN/certs/seal.pem"

step "14. Remote request (就地受理、远程查询、异地出证): at 开封's front desk, for a marriage record held by 郑州"
OUT="$ROOT/demo-out"
rm -rf "$OUT"
mkdir -p "$OUT"
show "$KG" staff add 赵敏 --role front-desk --out "$RUN/desk-kaifeng" --config "$KF"
DESK=("$BIN/kuaguan-desk" --profile "$RUN/desk-kaifeng/desk.toml")
show "${DESK[@]}" whoami
printf '$ %s\n' "kuaguan-desk request --name 王建国 --id-number 11010519491231002X --target 410100 --category 婚姻登记 --purpose 办理养老保险待遇"
REQ=$("${DESK[@]}" request --name 王建国 --id-number 11010519491231002X --target 410100 --category 婚姻登记 \
      --purpose 办理养老保险待遇 --json | sed -n 's/.*"request_id":"\([^"]*\)".*/\1/p' | head -n 1)
echo "request_id $REQ"
show "${DESK[@]}" receipt "$REQ" | tee "$OUT/receipt.txt"
wait_state() {
  for _ in $(seq 1 200); do
    "${DESK[@]}" status "$1" --json | grep -q "\"state\":\"$2\"" && return 0
    sleep 0.1
  done
  echo "request $1 did not reach $2" >&2
  "${DESK[@]}" status "$1"
  return 1
}
wait_state "$REQ" REQUEST_STATE_IN_REVIEW
show "$KG" requests list --side back
show "$KG" requests show "$REQ"
show "$KG" requests issue "$REQ" --record Z109-WS·2020-Y-SMJ-0003
wait_state "$REQ" REQUEST_STATE_DELIVERED
show "${DESK[@]}" status "$REQ"
show "${DESK[@]}" fetch "$REQ" --out "$OUT/certificate.pdf"
show "$KG" verify "$OUT/certificate.pdf" --online --config "$KF"
show "$KG" verify "$OUT/certificate.pdf" --trust "$RUN/certs"   # anyone, without a node (step 13's export)
cp "$OUT/certificate.pdf" "$RUN/tampered.pdf"
printf 'X' | dd of="$RUN/tampered.pdf" bs=1 seek=2000 conv=notrunc status=none
show "$KG" verify "$RUN/tampered.pdf" --config "$KF" || echo "(a changed byte is refused, as it must be)"
if command -v pdftoppm >/dev/null; then
  pdftoppm -r 60 -png "$OUT/certificate.pdf" "$OUT/certificate-page"
  ls "$OUT"
fi
show "$KG" stats requests --config "$KF"
show "$KG" stats requests

step "15. Revocation: the provincial node revokes 开封; after one refresh 郑州 no longer asks it"
show "$KG" ca revoke 410200 --config "$RUN/henan/kuaguan.toml" --reason 演示撤销
show "$KG" directory refresh
show "$KG" search 婚姻登记 --federated --limit 5

step "16. Stop the nodes cleanly"
kill -TERM $PIDS
wait || true
trap - EXIT
tail -n 2 "$RUN/kuaguand.log"
printf '\nDemo finished. The node data is in %s; the certificate and its receipt are in %s.\n' "$RUN" "$ROOT/demo-out"
