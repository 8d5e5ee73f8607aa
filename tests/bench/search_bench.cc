// Benchmark: catalog import and Chinese search on one node, against SQLite FTS5 (trigram) as
// the embedded peer, in the same run. Prints figures; asserts nothing.
//   search_bench [--records N] [--queries Q] [--seed S]
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <set>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "base/utf8.h"
#include "index/chinese_folding.h"
#include "index/record_index.h"
#include "node/holdings.h"
#include "node/store.h"
#include "tests/bench/bench_flags.h"
#include "tests/testing/catalog_gen.h"
#include "tests/testing/temp_dir.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace v1 = kuaguan::v1;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

uint64_t DirBytes(const std::filesystem::path& p) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(p, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

// The searchable text of a record, as the "any" field sees it.
std::string AnyText(const v1::Record& r) {
  std::string s = absl::StrCat(r.title(), "\n", r.responsible(), "\n", r.keywords(), "\n",
                               r.summary(), "\n", r.full_text(), "\n", r.fonds_name(), "\n");
  for (const auto& p : r.persons()) absl::StrAppend(&s, p.name(), "\n");
  return s;
}

// A run of 2-4 Han characters cut from the title of a random record.
std::string TitleCut(const std::vector<v1::Record>& records, std::mt19937_64& rng, size_t min_len = 2) {
  for (;;) {
    const auto cps = kuaguan::base::DecodeUtf8(records[rng() % records.size()].title());
    const size_t len = min_len + rng() % (5 - min_len);
    if (cps.size() < len) continue;
    const size_t start = rng() % (cps.size() - len + 1);
    std::vector<char32_t> q(cps.begin() + start, cps.begin() + start + len);
    if (!std::all_of(q.begin(), q.end(), kuaguan::base::IsHan)) continue;
    return kuaguan::base::EncodeUtf8(q);
  }
}

// The query mix: most are 2-4 characters cut from titles; one in ten joins two cuts into one
// phrase of common characters that is rarely or never in the corpus (the costly case: common
// bigrams, few phrase matches); one in ten is two cuts as two parts ("A B": both must match).
std::vector<std::string> MakeQueries(const std::vector<v1::Record>& records, size_t n,
                                     std::mt19937_64& rng) {
  std::vector<std::string> out;
  while (out.size() < n) {
    const size_t kind = out.size() % 10;
    if (kind == 3) {
      out.push_back(absl::StrCat(TitleCut(records, rng, 3), TitleCut(records, rng, 3)));
    } else if (kind == 7) {
      out.push_back(absl::StrCat(TitleCut(records, rng), " ", TitleCut(records, rng)));
    } else {
      out.push_back(TitleCut(records, rng));
    }
  }
  return out;
}

struct QueryFigures {
  std::vector<double> all, short2, long34, joined, parts;
  uint64_t hits = 0, phrase_hits = 0;
};

void Report(const char* who, const QueryFigures& f) {
  std::printf("  %-26s p50 %7.2f ms  p99 %7.2f ms | 2-char p99 %6.2f | 3-4-char p99 %6.2f | joined "
              "6-8 p99 %6.2f | two-part p99 %6.2f ms | phrase precision %.2f%% of %llu top-10 hits\n",
              who, Percentile(f.all, 0.5), Percentile(f.all, 0.99), Percentile(f.short2, 0.99),
              Percentile(f.long34, 0.99), Percentile(f.joined, 0.99), Percentile(f.parts, 0.99),
              f.hits == 0 ? 100.0 : 100.0 * static_cast<double>(f.phrase_hits) / static_cast<double>(f.hits),
              static_cast<unsigned long long>(f.hits));
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t n = 100000, nq = 1000, seed = 42, import_runs = 0;
  const kuaguan::bench::BenchUsage usage = {
      "search_bench",
      "catalog import (records/s, store and index size) and Chinese search latency (p50/p99 of\n"
      "2-4 character queries, phrase precision) on one node, against SQLite FTS5 (trigram) on\n"
      "the same generated records in the same run. Prints figures; asserts nothing.",
      "search_bench --records 1000000 --queries 200"};
  if (auto exit_code = kuaguan::bench::ParseBenchFlags(
          argc, argv, usage,
          {kuaguan::bench::NumberFlag("--records", "N", "catalog records to generate", &n),
           kuaguan::bench::NumberFlag("--queries", "Q", "search queries to time", &nq),
           kuaguan::bench::NumberFlag("--seed", "S", "seed of the generated records", &seed),
           kuaguan::bench::NumberFlag("--import-runs", "R",
                                      "imports timed, each into a new node (default 3 up to 200,000 "
                                      "records, else 1); the worst is printed",
                                      &import_runs)})) {
    return *exit_code;
  }
  std::printf("search_bench: %llu generated Chinese catalog records, %llu queries of 2-4 characters\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(nq));
  kuaguan::testing::CatalogGenOptions opts;
  opts.count = n;
  opts.seed = seed;
  const auto records = kuaguan::testing::GenerateRecords(opts);
  const std::string csv = kuaguan::testing::CatalogCsv(records);
  std::unordered_map<std::string, std::string> text_of;
  for (const auto& r : records) text_of[r.code()] = AnyText(r);
  kuaguan::testing::TempDir dir;

  // --- Kuaguan: import through the node's Holdings (RocksDB + Xapian, real files), each run
  // into a new store and index; the last one is searched ---
  if (import_runs == 0) import_runs = n <= 200000 ? 3 : 1;
  std::printf("\nImport (CSV parse + checks + versions + digests + audit + RocksDB batch + Xapian index):\n");
  std::unique_ptr<kuaguan::node::Store> store;
  std::unique_ptr<kuaguan::index::RecordIndex> index;
  std::unique_ptr<kuaguan::node::Holdings> holdings_ptr;
  double worst = 1e18;
  for (uint64_t run = 1; run <= import_runs; ++run) {
    holdings_ptr.reset();
    index.reset();
    store.reset();
    const auto run_dir = dir.path() / absl::StrCat("run-", run);
    std::filesystem::create_directories(run_dir);
    store = std::move(*kuaguan::node::Store::Open(run_dir / "store"));
    index = std::move(*kuaguan::index::RecordIndex::Open(run_dir / "index"));
    holdings_ptr = std::make_unique<kuaguan::node::Holdings>(store.get(), index.get());
    v1::ImportRequest req;
    req.set_file_name("bench.csv");
    req.set_content(csv);
    const auto t0 = Clock::now();
    auto imported = holdings_ptr->Import(req, "bench");
    const double import_s = Ms(Clock::now() - t0) / 1000.0;
    if (!imported.ok() || imported->created() != n) {
      std::cerr << "import failed: " << imported.status() << "\n";
      return 1;
    }
    const double rate = static_cast<double>(n) / import_s;
    worst = std::min(worst, rate);
    std::printf("  kuaguan, run %llu             %8.0f records/s  (%.1f s)  store %.1f MiB, index %.1f MiB\n",
                static_cast<unsigned long long>(run), rate, import_s, DirBytes(run_dir / "store") / 1048576.0,
                DirBytes(run_dir / "index") / 1048576.0);
    if (run < import_runs) std::filesystem::remove_all(run_dir);
  }
  std::printf("  kuaguan, worst of %llu        %8.0f records/s\n", static_cast<unsigned long long>(import_runs),
              worst);
  kuaguan::node::Holdings& holdings = *holdings_ptr;

  // --- SQLite FTS5 trigram, same records ---
  std::filesystem::create_directories(dir.path() / "fts5");
  const std::string db_path = (dir.path() / "fts5" / "fts5.db").string();
  sqlite3* db = nullptr;
  sqlite3_open(db_path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nullptr, nullptr, nullptr);
  sqlite3_exec(db,
               "CREATE VIRTUAL TABLE docs USING fts5(code UNINDEXED, title, responsible, persons, "
               "tokenize='trigram')",
               nullptr, nullptr, nullptr);
  const auto s0 = Clock::now();
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO docs VALUES (?,?,?,?)", -1, &ins, nullptr);
  for (const auto& r : records) {
    std::string persons;
    for (const auto& p : r.persons()) absl::StrAppend(&persons, p.name(), " ");
    sqlite3_bind_text(ins, 1, r.code().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 2, r.title().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 3, r.responsible().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 4, persons.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  const double sqlite_s = Ms(Clock::now() - s0) / 1000.0;
  std::printf("  sqlite fts5 trigram        %8.0f records/s  (%.1f s)  db %.1f MiB  (insert only: no "
              "parsing, no checks, no versions, no audit)\n",
              static_cast<double>(n) / sqlite_s, sqlite_s,
              DirBytes(dir.path() / "fts5") /
                  1048576.0);

  // --- Queries ---
  std::mt19937_64 rng(seed + 1);
  const auto queries = MakeQueries(records, nq, rng);
  auto folder = std::move(*kuaguan::index::ChineseFolder::Create());
  QueryFigures kg, lite;
  auto record = [&](QueryFigures* f, const std::string& q, double ms,
                    const std::vector<std::string>& codes) {
    f->all.push_back(ms);
    const std::vector<std::string> parts = absl::StrSplit(q, ' ');
    const size_t len = kuaguan::base::CodePointCount(q);
    (parts.size() > 1 ? f->parts : len == 2 ? f->short2 : len <= 4 ? f->long34 : f->joined).push_back(ms);
    for (const auto& c : codes) {
      ++f->hits;
      const std::string text = folder->Fold(text_of[c]);
      bool all = true;
      for (const auto& p : parts) all &= text.find(folder->Fold(p)) != std::string::npos;
      if (all) ++f->phrase_hits;
    }
  };
  for (const auto& q : queries) {
    v1::SearchRequest sr;
    sr.set_query(q);
    sr.set_limit(10);
    const auto q0 = Clock::now();
    auto res = holdings.Search(sr, "bench");
    const double ms = Ms(Clock::now() - q0);
    std::vector<std::string> codes;
    if (res.ok()) {
      for (const auto& h : res->hits()) codes.push_back(h.code());
    }
    record(&kg, q, ms, codes);
  }
  sqlite3_stmt* match = nullptr;
  sqlite3_stmt* like = nullptr;
  sqlite3_stmt* like2 = nullptr;
  sqlite3_prepare_v2(db, "SELECT code FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 10", -1,
                     &match, nullptr);
  sqlite3_prepare_v2(db,
                     "SELECT code FROM docs WHERE title LIKE ?1 OR responsible LIKE ?1 OR persons "
                     "LIKE ?1 LIMIT 10",
                     -1, &like, nullptr);
  sqlite3_prepare_v2(db,
                     "SELECT code FROM docs WHERE (title LIKE ?1 OR responsible LIKE ?1 OR persons "
                     "LIKE ?1) AND (title LIKE ?2 OR responsible LIKE ?2 OR persons LIKE ?2) LIMIT 10",
                     -1, &like2, nullptr);
  for (const auto& q : queries) {
    // Trigrams cannot index 2-character terms: a query with one scans with LIKE.
    const std::vector<std::string> parts = absl::StrSplit(q, ' ');
    bool short_part = false;
    std::string phrases;
    for (const auto& p : parts) {
      short_part |= kuaguan::base::CodePointCount(p) < 3;
      absl::StrAppend(&phrases, phrases.empty() ? "" : " ", "\"", p, "\"");
    }
    sqlite3_stmt* st = !short_part ? match : parts.size() > 1 ? like2 : like;
    const auto q0 = Clock::now();
    if (!short_part) {
      sqlite3_bind_text(st, 1, phrases.c_str(), -1, SQLITE_TRANSIENT);
    } else {
      for (size_t i = 0; i < parts.size(); ++i) {
        const std::string arg = absl::StrCat("%", parts[i], "%");
        sqlite3_bind_text(st, static_cast<int>(i + 1), arg.c_str(), -1, SQLITE_TRANSIENT);
      }
    }
    std::vector<std::string> codes;
    while (sqlite3_step(st) == SQLITE_ROW) {
      codes.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    }
    sqlite3_reset(st);
    record(&lite, q, Ms(Clock::now() - q0), codes);
  }
  sqlite3_finalize(like2);
  sqlite3_finalize(match);
  sqlite3_finalize(like);
  sqlite3_close(db);
  std::printf("\nQueries (%zu, top 10 each):\n", queries.size());
  Report("kuaguan (phrase, audited)", kg);
  Report("sqlite fts5 trigram", lite);
  std::printf("\nGoals: import >= 7,500 records/s; p99 <= 20 ms; phrase precision 100%%.\n");
  return 0;
}
