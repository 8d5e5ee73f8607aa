// The node's RocksDB store: records (latest state), versions (append-only history), a change
// log (store sequence -> code, which the index follows), the hash-chained audit log, and
// counters, one column family per kind (plus families reserved for pages, text, requests,
// certificates, outbox and directory). Every change is one WriteBatch holding the records, their
// versions, their change-log entries, the counters and the audit entry that records it, so a
// crash leaves all or nothing. Nothing is ever deleted but
// outbox messages, once their recipient has acknowledged them (the audit keeps their delivery).
// Thread-safe: writes are serialized by an internal mutex; reads may run concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "base/disk_space.h"
#include "federation/state_store.h"
#include "index/record_source.h"
#include "kuaguan/v1/admin.pb.h"
#include "kuaguan/v1/audit.pb.h"
#include "kuaguan/v1/ops.pb.h"
#include "kuaguan/v1/record.pb.h"
#include "rocksdb/db.h"

namespace kuaguan::node {

using federation::AuditNote;
using federation::Family;
using federation::KeyWrite;
using federation::SeqKey;

// One record change: its new current state and the version that records it.
struct RecordWrite {
  kuaguan::v1::StoredRecord current;
  kuaguan::v1::RecordVersion version;
  bool restores_withdrawn = false;  // a withdrawn record made active again (counters)
  // Refuse the commit (ABORTED, nothing written) unless the stored record is at the version
  // before `current`'s: a writer outside Holdings' change lock, so that none overwrites another.
  bool check_previous = false;
  // Page images, content-addressed: an original under its SM3, a derivative under
  // PageDerivativeKey (identical pages are stored once).
  std::vector<std::pair<std::string, std::string>> page_blobs;
  std::vector<kuaguan::v1::PageText> page_texts;
};

struct StoreCounts {
  uint64_t records = 0;
  uint64_t withdrawn = 0;
  uint64_t versions = 0;
  uint64_t audit_entries = 0;
};

// A consistent view of the records at one moment, read in code order.
class RecordCursor {
 public:
  virtual ~RecordCursor() = default;
  // Up to `n` next records (fewer at the end); skips withdrawn ones unless asked for them.
  virtual absl::StatusOr<std::vector<kuaguan::v1::StoredRecord>> Next(size_t n) = 0;
};

class Store final : public federation::StateStore {
 public:
  // Opens (creating when missing) the store in `dir`. Fails with a clear message when the
  // directory is unusable or held by another process.
  // Audit entries are stamped with `clock`, which must outlive the store.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::filesystem::path& dir,
                                                     const base::Clock* clock = base::RealClock());
  // Opens a store (a backup's, a restored one) only to read: nothing in `dir` is changed.
  // NOT_FOUND when `dir` holds no store.
  static absl::StatusOr<std::unique_ptr<Store>> OpenReadOnly(const std::filesystem::path& dir);
  ~Store();

  // A consistent copy of the store in `dir` (which must not exist; on the same filesystem its
  // table files are hard links), taken while no write runs, with the heads it holds.
  struct CheckpointInfo {
    uint64_t store_seq = 0;
    uint64_t audit_seq = 0;
    std::string audit_head;
  };
  absl::StatusOr<CheckpointInfo> Checkpoint(const std::filesystem::path& dir);
  // Per column family, in the store's order: the entries and the SM3 over every (key, value) in
  // key order, read from one snapshot (node/store_digest.cc). `progress` gets entries read so far.
  absl::StatusOr<std::vector<kuaguan::v1::FamilyDigest>> DigestFamilies(
      const std::function<void(uint64_t)>& progress = nullptr);
  // Checks the audit chain from its first entry to the head the store holds (hash links,
  // sequence numbers, no gap, nothing missing at the end); writes nothing.
  absl::StatusOr<kuaguan::v1::AuditVerifyResult> VerifyAuditChain();
  // A table (.sst) or blob (.blob) file of the store.
  struct File {
    std::filesystem::path path;
    std::string name;  // e.g. "000012.sst"
    uint64_t size = 0;
    bool blob = false;
  };
  // Calls `fn` once with the live table and blob files; RocksDB deletes none of them until `fn`
  // returns (a compaction may go on; its inputs stay) (node/store_digest.cc).
  absl::Status WithLiveFiles(const std::function<void(const std::vector<File>&)>& fn);
  // Calls `fn` with every page image (key, bytes) in key order until it returns false, each read
  // with its checksum verified; DATA_LOSS with RocksDB's message when one cannot be read (the walk
  // ends there) (node/store_digest.cc).
  absl::Status ForEachPageBlob(const std::function<bool(const std::string&, const std::string&)>& fn);

  // The record with `code`, or nullopt when there is none.
  absl::StatusOr<std::optional<kuaguan::v1::StoredRecord>> GetRecord(const std::string& code);
  // Every version of `code`, oldest first (empty when there is none).
  absl::StatusOr<std::vector<kuaguan::v1::RecordVersion>> History(const std::string& code);

  // Writes `writes` and one audit entry for them atomically (fsync'd), with `meta` (keys of the
  // meta family set in the same batch; never the identity-hash keys). Fills each version's
  // store_seq. Returns the last store sequence used.
  absl::StatusOr<uint64_t> Commit(std::vector<RecordWrite> writes, const AuditNote& note,
                                  const std::vector<std::pair<std::string, std::string>>& meta = {});
  // Appends one audit entry alone (reads, refused changes).
  absl::Status Audit(const AuditNote& note) override;

  // The last store change sequence (0 when nothing was ever written).
  uint64_t LastSeq();
  // Up to `limit` (seq, code) change-log entries after `seq`, in order.
  absl::StatusOr<std::vector<std::pair<uint64_t, std::string>>> ChangesAfter(uint64_t seq,
                                                                             size_t limit);
  StoreCounts Counts();
  // From now on keeps the identity-number hash keys (meta person_key, person_key_federation,
  // fed/person-key) sealed under `passphrase` (seal/secret_box.h), and seals those an earlier
  // version kept plain. Call once, right after Open; without it (tools, tests) they stay plain.
  // UNAUTHENTICATED when a sealed key does not open with this passphrase.
  absl::Status SealSecretsWith(const std::string& passphrase);

  // The clock that stamps audit entries.
  const base::Clock* clock() const { return clock_; }
  uint64_t SizeBytes();

  // The last audit entry's sequence number and hash, as this process holds them.
  std::pair<uint64_t, std::string> AuditHead();
  // Calls `fn` for each audit entry after sequence number `after`, in order, until it returns false.
  absl::Status ForEachAudit(const std::function<bool(const kuaguan::v1::AuditEntry&)>& fn, uint64_t after = 0);

  // The recognized pages of a scanned item, in order.
  absl::StatusOr<std::vector<kuaguan::v1::PageText>> PageTexts(const std::string& code);
  // A stored page image by its key (an original's SM3, or a PageDerivativeKey), or NOT_FOUND.
  absl::StatusOr<std::string> PageBlob(const std::string& key);
  // Calls `fn` for every record (any state) until it returns false.
  absl::Status ForEachRecord(const std::function<bool(const kuaguan::v1::StoredRecord&)>& fn);
  // Ingest batches, kept in the meta column family under "batch/ID".
  absl::Status PutBatch(const kuaguan::v1::IngestBatch& batch);
  absl::StatusOr<std::optional<kuaguan::v1::IngestBatch>> GetBatch(const std::string& id);

  // Applies `writes` together with one audit entry, atomically and fsync'd.
  absl::Status Write(const std::vector<KeyWrite>& writes, const AuditNote& note) override;
  // The value under `key` in `family`, or nullopt.
  absl::StatusOr<std::optional<std::string>> Get(Family family, const std::string& key) override;
  // Every (key, value) of `family` whose key starts with `prefix`, in key order.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(Family family,
                                                                       const std::string& prefix) override;

  // The key (32 bytes) for keyed hashes of identity numbers: the federation's once the node has
  // enrolled (so that hashes match across archives), else a per-node random key made on first use.
  absl::StatusOr<std::string> PersonKey() override;
  // Every key records may have been hashed with: the federation's first, then the node's own
  // (hashes made before enrollment cannot be recomputed: the numbers are never stored).
  absl::StatusOr<std::vector<std::string>> PersonKeys();
  // Installs the federation's person key (at enrollment), with an audit entry.
  absl::Status SetFederationPersonKey(const std::string& key, const AuditNote& note) override;

  // A snapshot view of the active records for an index rebuild.
  std::unique_ptr<index::RecordSource> SnapshotSource();
  // A snapshot cursor over records (for export).
  std::unique_ptr<RecordCursor> Cursor(bool include_withdrawn);

  // For crash tests: the raw database (overwriting an audit entry to prove detection).
  rocksdb::DB* raw_db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* audit_family() { return cf_audit_; }

 private:
  Store() = default;
  static absl::StatusOr<std::unique_ptr<Store>> OpenDb(const std::filesystem::path& dir, const base::Clock* clock,
                                                       bool read_only);
  absl::Status LoadMeta();
  rocksdb::ColumnFamilyHandle* Handle(Family family) const;
  absl::StatusOr<kuaguan::v1::AuditEntry> AppendAudit(rocksdb::WriteBatch* batch,
                                                      const AuditNote& note)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PutCounters(rocksdb::WriteBatch* batch, const StoreCounts& c, uint64_t seq,
                   const kuaguan::v1::AuditEntry& audit);
  // Writes `batch` (fsync'd when `sync`), refused as disk full (RESOURCE_EXHAUSTED, nothing
  // written) while it would leave less than `reserve` bytes free (base/disk_space.h). A failed
  // write leaves RocksDB refusing writes; the next write resumes it first.
  absl::Status Apply(rocksdb::WriteBatch* batch, bool sync, absl::string_view what,
                     uint64_t reserve = base::kChangeReserveBytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Constant after Open.
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* cf_records_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_versions_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_changes_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_audit_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_pages_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_text_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_requests_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_certificates_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_outbox_ = nullptr;
  std::filesystem::path dir_;
  const base::Clock* clock_ = nullptr;

  absl::Mutex mu_;
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t audit_seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::string audit_hash_ ABSL_GUARDED_BY(mu_);
  StoreCounts counts_ ABSL_GUARDED_BY(mu_);
  bool write_failed_ ABSL_GUARDED_BY(mu_) = false;  // the last write failed: resume before the next

  // The value to keep for `key` of `family`: sealed when it is a secret and a passphrase is set.
  absl::StatusOr<std::string> Keep(Family family, const std::string& key, const std::string& value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(secret_mu_);
  absl::Mutex secret_mu_;  // taken before mu_ when both are held
  std::string passphrase_ ABSL_GUARDED_BY(secret_mu_);
  std::map<std::string, std::string> opened_ ABSL_GUARDED_BY(secret_mu_);  // sealed -> plain
};

// The key of a derivative ("access" or "thumbnail") of page `file_page` of the original `sm3`.
std::string PageDerivativeKey(const std::string& sm3, uint32_t file_page, absl::string_view kind);

}  // namespace kuaguan::node
