#!/usr/bin/env bash
# The demo: an archive node on loopback with generated Chinese holdings imported, searched,
# modified, withdrawn, ingested from scans and audited; then a federation: the provincial node
# (CA and directory) and a second archive, enrollment, mutual TLS, a federated search answered
# by the other archive, a remote request filed at one archive's front desk and certified by the
# other with its electronic seal (the PDF left in demo-out/), the audit hub (audit copies, the
# certificate transparency log with proofs at both ends, federation status, the web page and
# metrics), sharing by the rules (policy explain, an authorization, a record on paper digitized
# on demand), open appraisal by three people, revocation. Each step printed and
# done by the right person: the daemons run as root (the service account: system administrator);
# the security officer, auditor, cataloguer, back-office clerk, appraiser, reviewer, CA operator and monitor are real Unix
# accounts (kuaguan-demo-*, group kuaguan) made here. Needs root. Usage: deploy/demo.sh BIN_DIR
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: the demo makes Unix accounts for its people; run it as root" >&2; exit 1; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN=/tmp/kuaguan-demo   # every demo account can reach it; the nodes' data directories stay private
rm -rf "$RUN"
mkdir -p "$RUN/bin"
chmod 755 "$RUN"
# The CLI where every account may run it (the build tree may be private to root).
cp "${1:-build/bin}/kuaguan" "${1:-build/bin}/kuaguan-desk" "$RUN/bin/"
BIN=$(cd "${1:-build/bin}" && pwd)
KG="$RUN/bin/kuaguan"
# as, the people's accounts ($SO, $AUD, ...), kg_accounts, kg_wait_up, kg_people, kg_token.
source "$ROOT/deploy/kuaguan-lib.sh"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "0. The people (三员分离): Unix accounts in group kuaguan, which may reach the nodes' sockets"
kg_accounts
printf 'demo-staff-key-passphrase\n' >"$RUN/passphrase"
chown kuaguan-demo-so "$RUN/passphrase"
chmod 600 "$RUN/passphrase"
mkdir -m 1777 "$RUN/work"   # the people's files: catalogs in, exports and certificates out

step "1. Initialise the Zhengzhou municipal archive node (郑州市档案馆)"
show "$KG" init "$RUN/zhengzhou" --archive-id 410100 --name 郑州市档案馆 --listen 127.0.0.1:0
CFG="$RUN/zhengzhou/kuaguan.toml"
# Members report to the provincial audit hub every 5 s and compare their whole audit log with
# its copy every 10 s (defaults: a minute each); metrics for Prometheus on a loopback port.
printf 'health_report_seconds = 5\naudit_sweep_seconds = 10\nmetrics_listen = "127.0.0.1:0"\n' >>"$CFG"
export KUAGUAN_CONFIG="$CFG"

step "2. Start kuaguand; register the people; the role table"
"$BIN/kuaguand" --config "$CFG" >"$RUN/kuaguand.log" 2>&1 &
DAEMON=$!
PIDS="$DAEMON"
trap 'kill $PIDS 2>/dev/null || true; wait 2>/dev/null || true' EXIT
kg_wait_up "$CFG"
show "$KG" status
kg_people "$CFG"
as $SO "$KG" staff list
as $CAT "$KG" whoami
as $SO "$KG" staff grant $AUD --name 赵审计 --role security-officer || echo "(nobody holds two of the three roles: refused)"
show "$KG" roles | head -n 12

step "3. Generate 5,000 catalog records (GB18030 CSV, as many archive systems export) and import"
"$BIN/kuaguan-gen-catalog" "$RUN/work/catalog-gb18030.csv" --count 5000 --seed 2026 --gb18030 --full-text
as $CAT "$KG" import "$RUN/work/catalog-gb18030.csv"
show "$KG" stats

step "4. Chinese searches: phrases, fields, dates, livelihood categories, reference codes"
as $CAT "$KG" search 婚姻登记 --limit 3
as $CAT "$KG" search 档案馆 --limit 3
as $CAT "$KG" search 退休审批 --from 1990-01-01 --to 1999-12-31 --limit 3
as $CAT "$KG" search 民政局 --field responsible --livelihood 婚姻登记 --limit 3
as $CAT "$KG" search 'Z109-WS·1998*' --field code --limit 3
as $CAT "$KG" search 檔案館 --limit 2   # traditional characters find simplified text

CODE=$(runuser -u $CAT -- "$KG" search 'Z109-WS*' --field code --limit 1 --json | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
step "5. A record, modified (a new version) and withdrawn (撤回, a recorded state)"
as $CAT "$KG" get "$CODE"
as $CAT "$KG" modify "$CODE" --set 附注=已核对原件 --reason 补充附注
as $CAT "$KG" withdraw "$CODE" --reason 著录重复
as $CAT "$KG" get "$CODE" --history
show "$KG" get "$CODE" || echo "(the system administrator never reads holdings content)"

step "6. A bad catalog is rejected whole, naming every bad row; the store is unchanged"
printf '档号,题名,日期,年度,保管期限,密级\nZ109-WS·2011-Y-BGS-9001,日期不存在,2011-02-30,2011,永久,公开\nZ109-WS·2011-Y-BGS-9002,密级不明,2011-03-01,2011,永久,很秘密\n' >"$RUN/work/bad.csv"
as $CAT "$KG" import "$RUN/work/bad.csv" || true
show "$KG" stats

step "7. Digitization ingest: scanned pages OCR'd (Tesseract, one engine per core)"
"$BIN/kuaguan-gen-scans" "$RUN/work/scans" --items 4
runuser -u $CAT -- "$KG" ingest scans "$RUN/work/scans/manifest.csv" --json >"$RUN/ingest.jsonl"
BATCH=$(tail -n 1 "$RUN/ingest.jsonl" | sed -n 's/.*"batch":"\([^"]*\)".*/\1/p')
as $CAT "$KG" ingest report "$BATCH"
as $CAT "$KG" ingest accept "$BATCH" || echo "(batch acceptance is the security officer's)"
as $SO "$KG" ingest accept "$BATCH" || as $SO "$KG" ingest accept "$BATCH" --override 演示批次，人工抽检通过
as $CAT "$KG" search 档案馆库房改造 --limit 2
as $SO "$KG" ingest held
as $CAT "$KG" search --person 11010519491231002X
as $CAT "$KG" get Z109-WS·2020-Y-SMJ-0003
as $CAT "$KG" page Z109-WS·2020-Y-SMJ-0003 1 --shared --out "$RUN/work/shared-page.png"

step "8. Export, rebuild the index, verify the audit chain, and who did what"
as $CAT "$KG" export "$RUN/work/export.csv"
show "$KG" reindex
as $AUD "$KG" audit verify
as $AUD "$KG" audit list --action record. --limit 6

step "9. The provincial node (河南省档案馆): certificate authority and signed directory"
show "$KG" init "$RUN/henan" --archive-id 410000 --name 河南省档案馆 --role provincial
printf 'health_report_seconds = 5\nweb_listen = "127.0.0.1:0"\nmetrics_listen = "127.0.0.1:0"\n' >>"$RUN/henan/kuaguan.toml"
"$BIN/kuaguand" --config "$RUN/henan/kuaguan.toml" >"$RUN/henan.log" 2>&1 &
PIDS="$PIDS $!"
kg_wait_up "$RUN/henan/kuaguan.toml"
show "$KG" status --config "$RUN/henan/kuaguan.toml"
kg_people "$RUN/henan/kuaguan.toml"
ENROLL=$("$KG" status --config "$RUN/henan/kuaguan.toml" --json | kg_json_field enroll_listen)

step "10. A second archive (开封市档案馆) with its own holdings"
show "$KG" init "$RUN/kaifeng" --archive-id 410200 --name 开封市档案馆
KF="$RUN/kaifeng/kuaguan.toml"
printf 'health_report_seconds = 5\naudit_sweep_seconds = 10\n' >>"$KF"
"$BIN/kuaguand" --config "$KF" >"$RUN/kaifeng.log" 2>&1 &
PIDS="$PIDS $!"
kg_wait_up "$KF"
kg_people "$KF"
"$BIN/kuaguan-gen-catalog" "$RUN/work/kaifeng.csv" --count 3000 --seed 410200
as $CAT "$KG" import "$RUN/work/kaifeng.csv" --config "$KF"

step "11. Enrollment: one-time tokens from the provincial CA; keys made locally, CSRs sent"
TOKEN_ZZ=$(kg_token "$RUN/henan/kuaguan.toml" 410100 郑州市档案馆)
TOKEN_KF=$(kg_token "$RUN/henan/kuaguan.toml" 410200 开封市档案馆)
show "$KG" enroll --provincial "$ENROLL" --token "$TOKEN_ZZ"
show "$KG" enroll --config "$KF" --provincial "$ENROLL" --token "$TOKEN_KF"
show "$KG" enroll --config "$KF" --provincial "$ENROLL" --token "$TOKEN_KF" || true   # a token works once
show "$KG" directory refresh
show "$KG" peers

step "12. Federated search from 郑州: 开封 answers over mutual TLS (unconditionally shared catalog records only)"
as $CAT "$KG" search 婚姻登记 --federated --limit 5

step "13. The certificates work with standard tools"
show "$KG" cert export "$RUN/certs"
show openssl verify -CAfile "$RUN/certs/root.pem" -untrusted "$RUN/certs/chain.pem" "$RUN/certs/node.pem"
show openssl verify -vfyopt distid:1234567812345678 -CAfile "$RUN/certs/root.pem" -untrusted "$RUN/certs/seal-maker.pem" "$RUN/certs/seal.pem"

step "14. Remote request (就地受理、远程查询、异地出证): at 开封's front desk, for a marriage record held by 郑州"
OUT="$RUN/work/out"   # copied to demo-out/ at the end
mkdir -p "$OUT"
chmod 1777 "$OUT"
as $SO "$KG" staff add 赵敏 --role front-desk --out "$RUN/work/desk-kaifeng" --config "$KF" --key-passphrase-file "$RUN/passphrase"
DESK=("$BIN/kuaguan-desk" --profile "$RUN/work/desk-kaifeng/desk.toml" --passphrase-file "$RUN/passphrase")
show "${DESK[@]}" whoami
printf '$ %s\n' "echo 11010519491231002X | kuaguan-desk request --name 王建国 --target 410100 --category 婚姻登记 --purpose 办理养老保险待遇"
echo "  (the identity number comes on standard input or at the prompt, never on the command line)"
REQ=$(echo 11010519491231002X | "${DESK[@]}" request --name 王建国 --target 410100 --category 婚姻登记 \
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
as $BO "$KG" requests list --side back
as $BO "$KG" requests show "$REQ"
as $BO "$KG" requests issue "$REQ" --record Z109-WS·2020-Y-SMJ-0003
wait_state "$REQ" REQUEST_STATE_DELIVERED
show "${DESK[@]}" status "$REQ"
show "${DESK[@]}" fetch "$REQ" --out "$OUT/certificate.pdf"
as $BO "$KG" verify "$OUT/certificate.pdf" --online --config "$KF"
show "$KG" verify "$OUT/certificate.pdf" --trust "$RUN/certs"   # anyone, without a node (step 13's export)
cp "$OUT/certificate.pdf" "$RUN/work/tampered.pdf"
printf 'X' | dd of="$RUN/work/tampered.pdf" bs=1 seek=2000 conv=notrunc status=none
as $BO "$KG" verify "$RUN/work/tampered.pdf" --config "$KF" || echo "(a changed byte is refused, as it must be)"
if command -v pdftoppm >/dev/null; then
  pdftoppm -r 60 -png "$OUT/certificate.pdf" "$OUT/certificate-page"
  ls "$OUT"
fi
as $BO "$KG" stats requests --config "$KF"
as $BO "$KG" stats requests

step "15. The audit hub (审计中心): every member's audit log, the transparency log, the federation's health"
HN="$RUN/henan/kuaguan.toml"
SERIAL=$("$KG" verify "$OUT/certificate.pdf" --trust "$RUN/certs" --json | sed -n 's/.*"serial":"\([^"]*\)".*/\1/p')
for _ in $(seq 1 100); do runuser -u $BO -- "$KG" log proof "$SERIAL" --config "$KF" >/dev/null 2>&1 && break; sleep 0.2; done
as $BO "$KG" log proof "$SERIAL"                  # 郑州 issued it and logged it at the hub
as $BO "$KG" log proof "$SERIAL" --config "$KF"   # 开封's front desk keeps the same proof
as $BO "$KG" verify "$OUT/certificate.pdf" --online --config "$KF"
show "$KG" cert export "$RUN/certs"   # now with the log's key and a recent checkpoint
as $BO "$KG" log proof "$SERIAL" --out "$OUT/certificate.pdf.logproof" --config "$KF"
show "$KG" verify "$OUT/certificate.pdf" --trust "$RUN/certs"   # the log index checked without a node
sleep 6   # one report interval: both members have reported and witnessed the log
as $AUD "$KG" log checkpoint --config "$HN"
as $MON "$KG" federation status --config "$HN"
as $AUD "$KG" hub audit --config "$HN" --action request. --limit 8
WEB=$(as $MON "$KG" hub login --config "$HN" --json | sed -n 's/.*"url":"\([^"]*\)".*/\1/p')
echo "the federation page for provincial administrators (one-time link): $WEB"
if command -v chromium >/dev/null; then
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$RUN/chromium" --window-size=1500,900 \
    --screenshot="$OUT/federation.png" "$WEB" >/dev/null 2>&1 && echo "(a screenshot of it: demo-out/federation.png)"
fi
METRICS=$("$KG" status --config "$HN" --json | sed -n 's/.*"metrics_listen":"\([^"]*\)".*/\1/p')
printf '$ curl http://%s/metrics | grep kuaguan_hub\n' "$METRICS"
python3 -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://$METRICS/metrics').read().decode())" |
  grep '^kuaguan_hub\|^kuaguan_transparency' || true

step "16. Sharing by the rules (共享规则): one policy, explained; an authorization; a record held only on paper"
printf '%s\n' "档号,题名,年度,日期,责任者,共享类别,全文共享类别,控制标识,密级,民生类别,身份证号,全文,页数" \
  "Z109-HY·1988-Y-0101,王建国与李秀英结婚登记,1988,19880312,郑州市民政局,无条件共享,,开放,公开,婚姻登记,11010519491231002X,男方王建国女方李秀英自愿结婚,1" \
  "Z109-HY·1989-Y-0102,王建国与李秀英离婚调解书,1989,19891101,郑州市中原区人民法院,有条件共享,有条件共享,控制,公开,婚姻登记,11010519491231002X,调解书全文,2" \
  "Z109-TD·1990-Y-0103,张三宅基地使用证存根,1990,19900610,郑州市土地管理局,有条件共享,有条件共享,控制,公开,土地房产,410203197511114578,宅基地四至界址,1" \
  "Z109-WS·1995-Y-0104,关于婚姻登记处搬迁的通知,1995,19950301,郑州市民政局,无条件共享,暂不共享,开放,公开,,,通知全文,1" \
  "Z109-WS·1980-Y-0105,关于婚姻登记档案保密工作的通知,1980,19800301,郑州市民政局,无条件共享,,开放,秘密,,,秘密全文,1" \
  "Z109-HY·1987-Y-0106,王建国独生子女父母光荣证存根,1987,19870520,郑州市计生委,无条件共享,,开放,公开,独生子女,11010519491231002X,,1" \
  >"$RUN/work/classes.csv"
as $CAT "$KG" import "$RUN/work/classes.csv"
as $CAT "$KG" search 王建国 --federated --config "$KF"   # from 开封: the open, unconditionally shared catalogs only
as $BO "$KG" policy explain Z109-HY·1989-Y-0102                       # a peer, an authorized requester, the person
as $BO "$KG" policy explain Z109-WS·1980-Y-0105 --for 410200          # secret: nobody
echo "-- a conditional record (有条件共享) about someone else, with the land bureau's authorization (授权)"
"$BIN/kuaguan-gen-scans" "$RUN/work/authorization" --items 1 --half >/dev/null
AUTHDOC="$RUN/work/authorization/item001-p1.png"   # stands for the bureau's letter
REQ2=$(echo 11010519491231002X | "${DESK[@]}" request --name 王建国 --target 410100 --category 土地房产 --purpose 继承公证 \
       --record Z109-TD·1990-Y-0103 --auth-body 郑州市自然资源和规划局 --auth-kind department \
       --auth-scope 查阅并出具张三宅基地使用证存根证明 --auth-number "郑自然资函〔2026〕12号" --auth-until 2027-12-31 \
       --auth-doc "$AUTHDOC" --json | kg_json_field request_id)
echo "request_id $REQ2"
wait_state "$REQ2" REQUEST_STATE_IN_REVIEW
as $BO "$KG" requests issue "$REQ2" --record Z109-TD·1990-Y-0103 || echo "(not before the authorization is checked)"
as $BO "$KG" requests authorize "$REQ2" --accept
as $BO "$KG" policy explain Z109-TD·1990-Y-0103 --for 410200
as $BO "$KG" requests issue "$REQ2" --record Z109-TD·1990-Y-0103
wait_state "$REQ2" REQUEST_STATE_DELIVERED
show "${DESK[@]}" fetch "$REQ2" --out "$OUT/authorized-certificate.pdf"
if command -v pdftotext >/dev/null; then pdftotext "$OUT/authorized-certificate.pdf" - | grep -A3 '授权' || true; fi
echo "-- a record held only on paper: queued for digitizing, then scanned, accepted, certified"
REQ3=$(echo 11010519491231002X | "${DESK[@]}" request --name 王建国 --target 410100 --category 独生子女 --purpose 办理退休待遇 \
       --record Z109-HY·1987-Y-0106 --json | kg_json_field request_id)
wait_state "$REQ3" REQUEST_STATE_EXTENDED
show "${DESK[@]}" status "$REQ3"
as $BO "$KG" digitize queue
"$BIN/kuaguan-gen-scans" "$RUN/work/paper" --items 1 --half >/dev/null
cp "$RUN/work/paper/item001-p1.png" "$RUN/work/paper/only-child.png"   # stands for the scanned stub
printf '档号,题名,pages\nZ109-HY·1987-Y-0106,王建国独生子女父母光荣证存根,only-child.png\n' >"$RUN/work/paper/digitize.csv"
chmod -R a+rX "$RUN/work/paper"
runuser -u $CAT -- "$KG" ingest scans "$RUN/work/paper/digitize.csv" --json >"$RUN/digitize.jsonl"
BATCH2=$(tail -n 1 "$RUN/digitize.jsonl" | kg_json_field batch)
as $SO "$KG" ingest accept "$BATCH2" || as $SO "$KG" ingest accept "$BATCH2" --override 演示补扫，人工抽检通过
as $BO "$KG" requests show "$REQ3"     # moved on by itself: back with the clerk
as $BO "$KG" requests issue "$REQ3" --record Z109-HY·1987-Y-0106
wait_state "$REQ3" REQUEST_STATE_DELIVERED
as $BO "$KG" digitize queue --all

step "17. Open appraisal (开放鉴定): item by item, 初审 复审 终审 by three people, then the announcement"
as $BO "$KG" appraisal queue --limit 5
PLAN=$(runuser -u $BO -- "$KG" appraisal plan create --scope fonds=Z109,years=1985-1995 --appraiser 吴鉴定 \
       --from-queue --json | kg_json_field id)
as $BO "$KG" appraisal plan show "$PLAN"
as $APR "$KG" appraisal decide "$PLAN" Z109-HY·1989-Y-0102 --control --reason 涉及个人隐私
as $APR "$KG" appraisal decide "$PLAN" Z109-TD·1990-Y-0103 --open --finding 内容=不涉及国家秘密和个人隐私
as $CAT "$KG" appraisal review "$PLAN" --step second --all || echo "(a fourth person, without the reviewer's role, is refused)"
as $REV "$KG" appraisal review "$PLAN" --step second --all
as $REV "$KG" appraisal review "$PLAN" --step final --all || echo "(终审 is the approver's)"
as $BO "$KG" appraisal review "$PLAN" --step final --all
as $BO "$KG" policy explain Z109-TD·1990-Y-0103 --for 410200   # still controlled: nothing opens before the announcement
as $BO "$KG" appraisal report "$PLAN" --out "$OUT/appraisal-report.pdf"
as $BO "$KG" appraisal approve-report "$PLAN"
as $BO "$KG" appraisal announce "$PLAN" --out "$OUT/announcement.pdf"
show openssl dgst -sha256 -verify <(openssl x509 -in "$OUT/announcement.pdf.cert.pem" -pubkey -noout) \
  -signature "$OUT/announcement.pdf.sig" "$OUT/announcement.pdf"
as $CAT "$KG" search 宅基地 --federated --config "$KF"   # now open: 开封 finds it

step "18. Revocation: the provincial node revokes 开封; after one refresh 郑州 no longer asks it"
as $CA "$KG" ca revoke 410200 --config "$RUN/henan/kuaguan.toml" --reason 演示撤销
show "$KG" directory refresh
as $CAT "$KG" search 婚姻登记 --federated --limit 5

step "19. Stop the nodes cleanly"
kill -TERM $PIDS
wait || true
trap - EXIT
tail -n 2 "$RUN/kuaguand.log"
rm -rf "$ROOT/demo-out"
cp -r "$OUT" "$ROOT/demo-out"
printf '\nDemo finished. The node data is in %s; the certificate and its receipt are in %s.\n' "$RUN" "$ROOT/demo-out"
