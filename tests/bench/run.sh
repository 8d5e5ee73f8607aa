#!/usr/bin/env bash
# make bench: every benchmark, figures printed. BENCH_RECORDS changes the corpus size
# (default 100000; try 1000000 for the large-archive figure); BENCH_MEMORY_PAGES the OCR batch
# sizes whose peak memory is measured (default 50,500: about 12 minutes on 2 cores);
# BENCH_SCAN_PAGES the dense scanned pages of scan_text_bench (default 30).
set -euo pipefail
BIN=${1:-build/bin}
"$BIN/search_bench" --records "${BENCH_RECORDS:-100000}" --queries "${BENCH_QUERIES:-1000}"
"$BIN/federation_bench" --records "${BENCH_FEDERATION_RECORDS:-5000}" --queries "${BENCH_QUERIES_FEDERATED:-200}"
"$BIN/request_bench" --requests "${BENCH_REQUESTS:-200}"
"$BIN/access_bench" --calls "${BENCH_ACCESS_CALLS:-5000}"
"$BIN/hostile_bench" --runs "${BENCH_HOSTILE_RUNS:-20}"
"$BIN/ocr_bench" --pages "${BENCH_PAGES:-8}" --memory "${BENCH_MEMORY_PAGES:-50,500}"
"$BIN/scan_text_bench" --pages "${BENCH_SCAN_PAGES:-30}" --light-pages "${BENCH_PAGES:-8}"
