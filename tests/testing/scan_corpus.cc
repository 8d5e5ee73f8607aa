#include "tests/testing/scan_corpus.h"

#include <chrono>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/engine_limit.h"
#include "base/utf8.h"
#include "node/holdings.h"
#include "node/scan_ingest.h"

namespace kuaguan::testing {

absl::StatusOr<ScanCorpus> IngestScans(const std::filesystem::path& dir, const std::string& name,
                                       const std::vector<std::vector<std::string>>& items,
                                       int workers) {
  ScanCorpus corpus;
  std::string manifest = "档号,题名,年度,pages\n";
  for (size_t i = 0; i < items.size(); ++i) {
    corpus.codes.push_back(absl::StrCat("B1-WS·2023-Y-", 10001 + i));
    absl::StrAppend(&manifest, corpus.codes.back(), ",数字化文书,2023,", absl::StrJoin(items[i], ";"), "\n");
  }
  const auto mpath = dir / (name + ".csv");
  std::ofstream(mpath) << manifest;
  auto store = node::Store::Open(dir / name);
  if (!store.ok()) return store.status();
  auto index = index::RecordIndex::Open(dir / (name + "-index"));
  if (!index.ok()) return index.status();
  corpus.store = std::move(*store);
  corpus.index = std::move(*index);
  node::Holdings holdings(corpus.store.get(), corpus.index.get());
  base::CountingLimit engines("OCR engines", workers);
  node::ScanIngest ingest(corpus.store.get(), &holdings, &engines, base::RealClock());
  node::IngestJob job;
  job.manifest = mpath;
  job.workers = static_cast<uint32_t>(workers);
  const auto t0 = std::chrono::steady_clock::now();
  auto st = ingest.Run(job, "bench", [](const kuaguan::v1::IngestEvent&) {}, nullptr);
  if (st.ok()) st = holdings.CatchUpIndex();
  corpus.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!st.ok()) return st;
  if (corpus.store->Counts().records != items.size()) {
    return absl::InternalError("not every item was ingested");
  }
  return corpus;
}

absl::StatusOr<std::string> StoredText(const ScanCorpus& corpus, size_t i) {
  auto stored = corpus.store->GetRecord(corpus.codes.at(i));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return absl::NotFoundError(absl::StrCat(corpus.codes[i], " is not stored"));
  return (*stored)->record().full_text();
}

absl::StatusOr<bool> SearchFinds(const ScanCorpus& corpus, const std::string& phrase, size_t i) {
  index::SearchSpec spec;
  spec.query = phrase;
  spec.field = "fulltext";
  spec.limit = static_cast<uint32_t>(corpus.codes.size());
  auto results = corpus.index->Search(spec);
  if (!results.ok()) return results.status();
  for (const auto& hit : results->hits) {
    if (hit.code == corpus.codes.at(i)) return true;
  }
  return false;
}

std::vector<std::pair<size_t, size_t>> GroupPages(size_t pages) {
  static constexpr size_t kSizes[] = {1, 3, 2, 4};
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t first = 0, k = 0; first < pages; ++k) {
    const size_t n = std::min(kSizes[k % 4], pages - first);
    out.emplace_back(first, n);
    first += n;
  }
  return out;
}

std::string ComparableText(absl::string_view text) {
  std::string out;
  for (char32_t c : base::DecodeUtf8(text)) {
    if (c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == U'\f' || c == U'\v' || c == 0x3000) {
      continue;
    }
    if (c >= 0xFF01 && c <= 0xFF5E) c = c - 0xFF01 + 0x21;
    base::AppendUtf8(c, &out);
  }
  return out;
}

bool ContainsPhrase(absl::string_view text, absl::string_view phrase) {
  return ComparableText(text).find(ComparableText(phrase)) != std::string::npos;
}

}  // namespace kuaguan::testing
