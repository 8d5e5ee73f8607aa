// The quality-control report of a digitized batch after DA/T 70's four properties (四性检测):
// authenticity (every stored original's SM3 and SHA-256 recomputed), integrity (pages stored as
// expected, no gaps in item numbers within a series, problems reported at ingest), usability (OCR
// confidence distribution, pages below the threshold listed for re-scanning) and security
// (items held for a secrecy mark, runs of personal data masked); and a random sample of at least
// 10% of the items (at least one, fixed by the batch id) for manual checking.
// Pure given the contents it reads; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "kuaguan/v1/admin.pb.h"
#include "kuaguan/v1/record.pb.h"

namespace kuaguan::ingest {

// Pages recognized with a mean confidence below this are listed for re-scanning or checking.
inline constexpr float kLowConfidence = 60;

// How the report reads what the batch stored.
struct BatchContents {
  // The stored record `code`, or nullopt.
  std::function<absl::StatusOr<std::optional<kuaguan::v1::StoredRecord>>(const std::string& code)>
      record;
  // The stored original with SM3 `sm3` (an error when it cannot be read).
  std::function<absl::StatusOr<std::string>(const std::string& sm3)> original;
  // How many page texts are stored for `code`.
  std::function<absl::StatusOr<size_t>(const std::string& code)> page_texts;
};

// Replaces `batch`'s qc, qc_passed and sample from its codes, summary and confidences. An error
// only when the contents cannot be read.
absl::Status AssessBatch(const BatchContents& contents, kuaguan::v1::IngestBatch* batch);

}  // namespace kuaguan::ingest
