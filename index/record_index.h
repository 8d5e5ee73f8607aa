// The node's Xapian index of its records: derived data, rebuilt from the store at will.
// Chinese text is folded (ChineseFolder) and indexed as characters plus bigrams with positions;
// a Chinese query matches only as a contiguous phrase. The index remembers the store change
// sequence it has reached, committed atomically with the documents, so a node can catch up
// after a crash. From format 2 the index is two shards (records split by a hash of their code),
// written on two threads and searched as one. Thread-safe: one writer at a time (writer_mu_),
// searches on a separate reader.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <xapian.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "index/chinese_folding.h"
#include "index/record_source.h"
#include "kuaguan/v1/record.pb.h"

namespace kuaguan::index {

struct SearchSpec {
  std::string query;          // free text; whitespace-separated parts are ANDed
  std::string field = "any";  // any | title | responsible | fonds | keywords | fulltext | persons | code
  std::string from_date;      // YYYYMMDD inclusive, empty = open
  std::string to_date;        // YYYYMMDD inclusive, empty = open
  uint32_t limit = 10;
  uint32_t offset = 0;
  int32_t year = 0;                                          // 0 = any
  std::optional<kuaguan::v1::Secrecy> secrecy;
  std::optional<kuaguan::v1::ShareClass> share_class;
  std::optional<kuaguan::v1::LivelihoodCategory> livelihood;
  std::vector<std::string> person_hashes;  // keyed hashes of one identity number (one per key): records about that person
};

struct SearchHit {
  std::string code;
  std::string title;
  double score = 0;           // the tier, higher first: 2 every part in a title, 1 elsewhere
  std::string snippet;        // the match marked with 【 】
  std::string date;
  std::string responsible;
  std::string matched_field;  // the field the snippet comes from
  uint32_t page = 0;          // scanned items: the page (from 1) where the full-text match is
};

struct SearchResults {
  uint64_t total = 0;  // all matches (see Search: exact for small answers, else estimated)
  std::vector<SearchHit> hits;
};

// One change for the index: the record's current state, or nullopt to drop it (withdrawn).
struct IndexUpdate {
  std::string code;
  std::optional<kuaguan::v1::Record> record;
};

// The way documents are made (tokens, terms, positions). An index of an older format is rebuilt
// (Holdings::UpgradeIndex at start); format 2: text flows across line breaks (text_flow.h), and
// two shards.
inline constexpr uint32_t kIndexFormat = 2;

class RecordIndex {
 public:
  // Opens or creates the index in `dir`, finishing an interrupted swap. Fails when the
  // directory is unusable or OpenCC's data is missing.
  static absl::StatusOr<std::unique_ptr<RecordIndex>> Open(const std::filesystem::path& dir);

  // The store change sequence the index has reached (0 for a new index).
  uint64_t IndexedSeq();
  uint64_t DocCount();
  // The folding its text and queries go through (thread-safe), for matching done elsewhere
  // the way search matches (page highlights).
  ChineseFolder& folder() const { return *folder_; }

  // The format the index was made in (kIndexFormat for a new one; 0 when unreadable).
  uint32_t Format();
  uint64_t SizeBytes();

  // Applies `updates` and records `seq` as reached, in one commit.
  absl::Status Apply(const std::vector<IndexUpdate>& updates, uint64_t seq);

  // Runs a search: hits ordered by tier (every part of the query in a title, then anywhere the
  // field allows), within a tier in the order records were indexed; `total` counts exactly up
  // to 100 matches a shard in the tiers the page is taken from, and estimates beyond.
  // INVALID_ARGUMENT for an unknown field or a query with nothing searchable.
  absl::StatusOr<SearchResults> Search(const SearchSpec& spec);

  // Rebuilds the whole index from `source` into a directory beside the live one, committing
  // every few thousand records, then swaps it in. An interrupted rebuild (cancel set, or a
  // crash) resumes where it stopped on the next call. `progress(done, total, resumed)` is called
  // after each commit. Returns CANCELLED when `cancel` was set; the live index stays usable.
  absl::Status Rebuild(RecordSource* source,
                       const std::function<void(uint64_t, uint64_t, bool)>& progress,
                       const std::atomic<bool>* cancel);

 private:
  RecordIndex(std::filesystem::path dir, std::unique_ptr<ChineseFolder> folder);
  Xapian::Document MakeDocument(const kuaguan::v1::Record& record);
  // The query as nested tiers, best first: every part in a title, then anywhere (as far as
  // spec.field allows); each holds the one before.
  absl::StatusOr<std::vector<Xapian::Query>> BuildTiers(const SearchSpec& spec);
  absl::StatusOr<Xapian::Query> BuildQuery(const SearchSpec& spec, const std::vector<std::string>& prefixes);
  SearchHit MakeHit(const kuaguan::v1::Record& record, const SearchSpec& spec, double score);
  absl::Status OpenDatabases() ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_, reader_mu_);

  // Constant after construction.
  const std::filesystem::path dir_;
  const std::unique_ptr<ChineseFolder> folder_;

  absl::Mutex writer_mu_ ABSL_ACQUIRED_BEFORE(reader_mu_);
  // One per shard (format 1: one); each used by one thread at a time.
  std::vector<Xapian::WritableDatabase> writers_ ABSL_GUARDED_BY(writer_mu_);

  absl::Mutex reader_mu_;
  std::vector<Xapian::Database> readers_ ABSL_GUARDED_BY(reader_mu_);  // one per shard
};

}  // namespace kuaguan::index
