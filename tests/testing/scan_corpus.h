// Page images through the node's real ingest, for tests and benchmarks: a manifest of items
// (each one or more page files), node::ScanIngest into a fresh node::Store and
// index::RecordIndex, timed; and the rule by which a phrase counts as present in OCR text.
// Not thread-safe (one ingest at a time per folder).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "index/record_index.h"
#include "node/store.h"

namespace kuaguan::testing {

struct ScanCorpus {
  std::unique_ptr<node::Store> store;
  std::unique_ptr<index::RecordIndex> index;
  std::vector<std::string> codes;  // the items' reference codes, in the order given
  double seconds = 0;              // the ingest alone (manifest to indexed records)
};

// Ingests `items` (each a list of page files in `dir`, by name) with `workers` OCR engines into
// a store and index under dir/`name`. Fails when the ingest fails or any item is not stored.
absl::StatusOr<ScanCorpus> IngestScans(const std::filesystem::path& dir, const std::string& name,
                                       const std::vector<std::vector<std::string>>& items,
                                       int workers);

// The stored OCR text of item `i` (the record's full_text). NOT_FOUND when it is not stored.
absl::StatusOr<std::string> StoredText(const ScanCorpus& corpus, size_t i);

// Whether a full-text search for `phrase` (field "fulltext", every match) returns item `i`.
absl::StatusOr<bool> SearchFinds(const ScanCorpus& corpus, const std::string& phrase, size_t i);

// `pages` pages grouped into items of 1 to 4 pages (sizes 1, 3, 2, 4, 1, 3, …): the first index
// of each item and its page count.
std::vector<std::pair<size_t, size_t>> GroupPages(size_t pages);

// `text` without white space, full-width ASCII forms (！ to ～, and the ideographic space
// removed) folded to their ASCII counterparts.
std::string ComparableText(absl::string_view text);

// True when `phrase` occurs in `text` as one contiguous string, both compared as ComparableText.
bool ContainsPhrase(absl::string_view text, absl::string_view phrase);

}  // namespace kuaguan::testing
