#!/usr/bin/env bash
# make bench: every benchmark, figures printed. BENCH_RECORDS changes the corpus size
# (default 100000; try 1000000 for the large-archive figure); BENCH_MEMORY_PAGES the OCR batch
# sizes whose peak memory is measured (default 50,500: about 12 minutes on 2 cores);
# BENCH_SCAN_PAGES the dense scanned pages of scan_text_bench (default 30); BENCH_HUB_SECONDS the
# audited load of hub_bench's end-to-end latency (default 60; 0 skips it: it needs root and the test
# accounts, tests/testing/test_accounts.sh), BENCH_HUB_MEMBERS and BENCH_HUB_MINUTES its simulated
# province (default 180 members, 2 minutes); BENCH_FAULT_TRIALS the kill -9 trials of
# fault_trials (default 100; root and the test accounts; BENCH_FAULT_SEED repeats a run).
set -euo pipefail
BIN=${1:-build/bin}
"$BIN/search_bench" --records "${BENCH_RECORDS:-100000}" --queries "${BENCH_QUERIES:-1000}"
"$BIN/federation_bench" --records "${BENCH_FEDERATION_RECORDS:-5000}" --queries "${BENCH_QUERIES_FEDERATED:-200}"
"$BIN/request_bench" --requests "${BENCH_REQUESTS:-200}"
"$BIN/access_bench" --calls "${BENCH_ACCESS_CALLS:-5000}"
"$BIN/hostile_bench" --runs "${BENCH_HOSTILE_RUNS:-20}"
"$BIN/log_bench" --leaves "${BENCH_LOG_LEAVES:-1000000}" --naive-leaves "${BENCH_LOG_NAIVE_LEAVES:-20000}" --naive-runs 10
"$BIN/hub_bench" --seconds "${BENCH_HUB_SECONDS:-60}" --members "${BENCH_HUB_MEMBERS:-180}" --minutes "${BENCH_HUB_MINUTES:-2}"
"$BIN/replica_bench" --objects "${BENCH_REPLICA_OBJECTS:-10000}"
"$BIN/lookup_bench" --records "${BENCH_LOOKUP_RECORDS:-5000}" --lookups "${BENCH_LOOKUPS:-200}"
"$BIN/exchange_bench" --records "${BENCH_EXCHANGE_RECORDS:-1000}" --pages 50 --scanned "${BENCH_EXCHANGE_SCANNED:-10}"
"$BIN/policy_bench" --records "${BENCH_POLICY_RECORDS:-100000}"
"$BIN/appraisal_bench" --items "${BENCH_APPRAISAL_ITEMS:-10000}"
"$BIN/ocr_bench" --pages "${BENCH_PAGES:-8}" --memory "${BENCH_MEMORY_PAGES:-50,500}"
"$BIN/scan_text_bench" --pages "${BENCH_SCAN_PAGES:-30}" --light-pages "${BENCH_PAGES:-8}"
if [ "$(id -u)" -eq 0 ]; then
  "$BIN/backup_bench" --records "${BENCH_BACKUP_RECORDS:-1000000}" --pages "${BENCH_BACKUP_PAGES:-1000}"
else
  echo "backup_bench: not run (needs root: the node's service account backs up)"
fi
if [ "$(id -u)" -eq 0 ] && id kgtest-op >/dev/null 2>&1; then
  "$BIN/fault_trials" --trials "${BENCH_FAULT_TRIALS:-100}" ${BENCH_FAULT_SEED:+--seed "$BENCH_FAULT_SEED"}
else
  echo "fault_trials: not run (needs root and the test accounts: bash tests/testing/test_accounts.sh create $BIN)"
fi
