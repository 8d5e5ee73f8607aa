#include "ingest/batch_quality.h"

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "seal/digest.h"

namespace kuaguan::ingest {
namespace v1 = kuaguan::v1;

absl::Status AssessBatch(const BatchContents& contents, v1::IngestBatch* b) {
  b->clear_qc();
  // Authenticity: every stored original's digests recomputed.
  v1::QcCheck auth;
  auth.set_property("authenticity");
  size_t files = 0, bad = 0;
  // Integrity: counts, gaps in item numbers within each series.
  v1::QcCheck integ;
  integ.set_property("integrity");
  std::map<std::string, std::vector<int>> series;
  for (const auto& code : b->codes()) {
    ASSIGN_OR_RETURN(const auto rec, contents.record(code));
    if (!rec) continue;
    for (const auto& f : rec->record().files()) {
      ++files;
      auto bytes = contents.original(f.sm3());
      if (!bytes.ok() || seal::Sm3(*bytes) != f.sm3() || seal::Sha256(*bytes) != f.sha256()) {
        ++bad;
        auth.add_findings(absl::StrCat(code, " ", f.name(), ": stored original does not match its digests"));
      }
    }
    ASSIGN_OR_RETURN(const size_t texts, contents.page_texts(code));
    if (static_cast<int>(texts) != rec->record().pages()) {
      integ.add_findings(absl::StrCat(code, ": ", texts, " pages stored, ",
                                      rec->record().pages(), " expected"));
    }
    const auto& ref = rec->record().reference();
    const std::string prefix = code.substr(0, code.size() - ref.item().size());
    int item = 0;
    if (absl::SimpleAtoi(ref.item(), &item)) series[prefix].push_back(item);
  }
  auth.add_findings(absl::StrCat(files, " files: SM3 and SHA-256 recomputed, ", bad, " mismatches"));
  auth.set_passed(bad == 0);
  for (auto& [prefix, items] : series) {
    std::sort(items.begin(), items.end());
    for (size_t k = 1; k < items.size(); ++k) {
      if (items[k] > items[k - 1] + 1) {
        integ.add_findings(absl::StrCat("gap in item numbers of ", prefix, "*: ", items[k - 1],
                                        " is followed by ", items[k]));
      }
    }
  }
  for (const auto& p : b->summary().problems()) {
    integ.add_findings(absl::StrCat("line ", p.line(), " ", p.code(), " ", p.file(), ": ", p.reason()));
  }
  integ.set_passed(integ.findings().empty());
  integ.add_findings(absl::StrCat(b->codes_size(), " items ingested, ", b->summary().failed(),
                                  " failed"));
  // Usability: every page decoded; the confidence distribution; pages below the threshold.
  v1::QcCheck use;
  use.set_property("usability");
  int buckets[4] = {0, 0, 0, 0};
  for (float c : b->confidences()) buckets[c < kLowConfidence ? 0 : c < 80 ? 1 : c < 90 ? 2 : 3]++;
  use.add_findings(absl::StrFormat("OCR confidence: %d pages < %.0f, %d in 60-80, %d in 80-90, %d >= 90",
                                   buckets[0], kLowConfidence, buckets[1], buckets[2], buckets[3]));
  for (const auto& l : b->low_pages()) use.add_findings(absl::StrCat("low confidence: ", l));
  use.set_passed(b->low_pages().empty());
  // Security: secrecy marks held, personal data masked.
  v1::QcCheck sec;
  sec.set_property("security");
  sec.add_findings(absl::StrCat(b->summary().held(), " items held for a secrecy mark"));
  sec.add_findings(absl::StrCat(b->summary().personal_data(), " runs of personal data masked"));
  sec.set_passed(true);
  for (auto* c : {&auth, &integ, &use, &sec}) *b->add_qc() = std::move(*c);
  b->set_qc_passed(std::all_of(b->qc().begin(), b->qc().end(),
                               [](const v1::QcCheck& c) { return c.passed(); }));
  // A random sample of at least 10% of the items (at least one) for manual checking.
  b->clear_sample();
  std::vector<std::string> codes(b->codes().begin(), b->codes().end());
  std::mt19937_64 rng(std::hash<std::string>{}(b->id()));
  std::shuffle(codes.begin(), codes.end(), rng);
  const size_t n = codes.empty() ? 0 : std::max<size_t>(1, (codes.size() + 9) / 10);
  for (size_t k = 0; k < n; ++k) b->add_sample(codes[k]);
  return absl::OkStatus();
}

}  // namespace kuaguan::ingest
