// Benchmark: the share policy (federation/share_policy.h). In memory, decisions per second for
// each requester over generated records, beside a bare predicate that decides the peer case
// without explaining (the cost of naming every rule). On a real node (RocksDB + Xapian), the
// decision as policy explain and the back office take it (record, batch and appraisal reads),
// and peer search with the policy's check of every hit beside the same local search without it.
// Prints figures; asserts nothing.
//   policy_bench [--records N] [--queries Q] [--seed S]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>

#include "absl/strings/str_cat.h"
#include "federation/share_policy.h"
#include "index/record_index.h"
#include "node/holdings.h"
#include "node/store.h"
#include "tests/bench/bench_flags.h"
#include "tests/testing/catalog_gen.h"
#include "tests/testing/temp_dir.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace v1 = kuaguan::v1;
namespace fed = kuaguan::federation;

double Us(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// The peer case alone, no explanation: what a hard-coded filter would do.
bool BarePeer(const v1::StoredRecord& s) {
  const v1::Record& r = s.record();
  return s.state() == v1::RECORD_STATE_ACTIVE && !s.held() && s.origin().archive().empty() &&
         r.secrecy() == v1::SECRECY_PUBLIC && r.open_status() == v1::OPEN_STATUS_OPEN &&
         r.share_class() == v1::SHARE_CLASS_UNCONDITIONAL;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t n = 100000, nq = 200, seed = 7;
  const kuaguan::bench::BenchUsage usage = {
      "policy_bench",
      "share-policy decisions per second (peer, authorized, person) against a bare predicate, then on a\n"
      "real node: the stored decision (p50/p99) and peer search with the policy's per-hit check against\n"
      "the same local search without it. Prints figures; asserts nothing.",
      "policy_bench --records 1000000"};
  if (auto exit_code = kuaguan::bench::ParseBenchFlags(
          argc, argv, usage,
          {kuaguan::bench::NumberFlag("--records", "N", "catalog records to generate", &n),
           kuaguan::bench::NumberFlag("--queries", "Q", "peer searches and stored decisions to time", &nq),
           kuaguan::bench::NumberFlag("--seed", "S", "seed of the generated records", &seed)})) {
    return *exit_code;
  }
  kuaguan::testing::CatalogGenOptions opts;
  opts.count = n;
  opts.seed = seed;
  const auto records = kuaguan::testing::GenerateRecords(opts);
  std::vector<v1::StoredRecord> stored(records.size());
  std::mt19937_64 rng(seed);
  const v1::ShareClass texts[] = {v1::SHARE_CLASS_UNSPECIFIED, v1::SHARE_CLASS_UNCONDITIONAL, v1::SHARE_CLASS_CONDITIONAL,
                                  v1::SHARE_CLASS_NOT_SHARED};
  for (size_t i = 0; i < records.size(); ++i) {
    stored[i].set_state(i % 50 == 0 ? v1::RECORD_STATE_WITHDRAWN : v1::RECORD_STATE_ACTIVE);
    *stored[i].mutable_record() = records[i];
    stored[i].mutable_record()->set_text_share_class(texts[rng() % 4]);
  }
  std::printf("policy_bench: %llu generated catalog records\n", static_cast<unsigned long long>(n));

  fed::PolicyContext ctx;
  ctx.today = "2026-12-06";
  std::printf("\nDecisions in memory (one thread):\n");
  uint64_t bare = 0;
  auto t0 = Clock::now();
  for (const auto& s : stored) bare += BarePeer(s);
  const double bare_us = Us(Clock::now() - t0);
  std::printf("  bare peer predicate (no explanation)  %12.0f /s  %5.3f us each; listed %5.1f%%\n",
              static_cast<double>(n) / bare_us * 1e6, bare_us / static_cast<double>(n),
              100.0 * static_cast<double>(bare) / static_cast<double>(n));
  for (auto audience : {fed::Audience::kPeer, fed::Audience::kAuthorized, fed::Audience::kPerson}) {
    uint64_t listed = 0, text = 0;
    t0 = Clock::now();
    for (const auto& s : stored) {
      const auto d = fed::DecideShare(s, audience, ctx);
      listed += d.list;
      text += d.text;
    }
    const double us = Us(Clock::now() - t0);
    std::printf("  DecideShare, %-10s (every rule)  %12.0f /s  %5.1f us each; listed %5.1f%%, full text %5.1f%%\n",
                fed::AudienceName(audience), static_cast<double>(n) / us * 1e6, us / static_cast<double>(n),
                100.0 * static_cast<double>(listed) / static_cast<double>(n),
                100.0 * static_cast<double>(text) / static_cast<double>(n));
  }

  // --- a real node ---
  kuaguan::testing::TempDir dir;
  auto store = std::move(*kuaguan::node::Store::Open(dir.path() / "store"));
  auto index = std::move(*kuaguan::index::RecordIndex::Open(dir.path() / "index"));
  kuaguan::node::Holdings holdings(store.get(), index.get());
  v1::ImportRequest req;
  req.set_file_name("bench.csv");
  req.set_content(kuaguan::testing::CatalogCsv(records));
  auto imported = holdings.Import(req, "bench");
  if (!imported.ok()) {
    std::cerr << "import failed: " << imported.status() << "\n";
    return 1;
  }
  std::vector<double> decide;
  for (uint64_t q = 0; q < nq * 10; ++q) {
    const auto& code = records[rng() % records.size()].code();
    t0 = Clock::now();
    auto d = holdings.Decide(code, fed::Audience::kPeer);
    decide.push_back(Us(Clock::now() - t0));
    if (!d.ok()) {
      std::cerr << "decide failed: " << d.status() << "\n";
      return 1;
    }
  }
  std::printf("\nOn a node (%llu records, RocksDB + Xapian):\n", static_cast<unsigned long long>(n));
  std::printf("  stored decision (policy explain, back office)  p50 %6.1f us  p99 %6.1f us\n", Percentile(decide, 0.5),
              Percentile(decide, 0.99));
  std::vector<double> peer, local;
  uint64_t peer_hits = 0, local_hits = 0;
  for (uint64_t q = 0; q < nq; ++q) {
    const std::string title = records[rng() % records.size()].title();
    const std::string query = title.substr(0, std::min<size_t>(title.size(), 6));  // two Han characters
    t0 = Clock::now();
    auto p = holdings.PeerSearch(query, 10, "410999");
    peer.push_back(Us(Clock::now() - t0) / 1000.0);
    v1::SearchRequest s;
    s.set_query(query);
    s.set_field("catalog");
    s.set_share_class(v1::SHARE_CLASS_UNCONDITIONAL);
    s.set_secrecy(v1::SECRECY_PUBLIC);
    s.set_limit(10);
    t0 = Clock::now();
    auto l = holdings.Search(s, "bench");
    local.push_back(Us(Clock::now() - t0) / 1000.0);
    if (!p.ok() || !l.ok()) {
      std::cerr << "search failed\n";
      return 1;
    }
    peer_hits += p->hits_size();
    local_hits += l->hits_size();
  }
  std::printf("  peer search, policy checks each hit   p50 %6.2f ms  p99 %6.2f ms  (%.1f hits each)\n",
              Percentile(peer, 0.5), Percentile(peer, 0.99), static_cast<double>(peer_hits) / static_cast<double>(nq));
  std::printf("  same search without the policy        p50 %6.2f ms  p99 %6.2f ms  (%.1f hits each, controlled\n"
              "                                        ones included, which a peer must not see)\n",
              Percentile(local, 0.5), Percentile(local, 0.99), static_cast<double>(local_hits) / static_cast<double>(nq));
  return 0;
}
