// `kuaguan check`: the store read end to end. Every live table file's block checksums (RocksDB's
// own reader, as DB::VerifyChecksum does, one file at a time so that each damaged one is named),
// every blob file's record checksums, every record's content SM3 recomputed, every page image read
// and each original's SM3 compared with its key, the audit chain, and the index against the
// store. Findings name the file, record or page and what is wrong. With repair, a damaged table
// or blob file (immutable, uniquely named: a backup's copy of it is the same file) is rebuilt from
// the newest backup holding a healthy copy and staged in DATA_DIR/repair; a live RocksDB must not
// have files replaced under it, so the daemon puts staged copies in place at its next start, before
// the store opens (ApplyStagedRepairs), and audits each (AuditRepairs). Damage that keeps RocksDB
// from opening at all (a MANIFEST, a CURRENT) is beyond this: restore the newest backup.
// Thread-safe: one check runs at a time (another is refused as busy).
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "base/node_config.h"
#include "index/record_index.h"
#include "kuaguan/v1/ops.pb.h"
#include "node/backups.h"
#include "node/store.h"

namespace kuaguan::node {

class StoreCheck {
 public:
  using Progress = std::function<void(const kuaguan::v1::CheckProgress&)>;

  // All must outlive this object.
  StoreCheck(const base::NodeConfig& config, Store* store, index::RecordIndex* index, Backups* backups,
             const base::Clock* clock);

  // Checks the store (audited "store.check"). With `repair`, stages a healthy copy of each damaged
  // file from the backups in `from` (absolute; empty: the config's backup_dir) and says in each
  // finding what was staged or what the operator can do. Damage is in the report, not an error;
  // CANCELLED when `cancelled` turns true, FAILED_PRECONDITION when another check runs.
  absl::StatusOr<kuaguan::v1::CheckReport> Run(bool repair, const std::string& from, const std::string& actor,
                                               const Progress& progress, const std::atomic<bool>* cancelled);

 private:
  absl::Status CheckFiles(kuaguan::v1::CheckReport* report, const Progress& progress,
                          const std::atomic<bool>* cancelled);
  absl::Status CheckRecords(kuaguan::v1::CheckReport* report, const Progress& progress,
                            const std::atomic<bool>* cancelled);
  absl::Status CheckPages(kuaguan::v1::CheckReport* report, const Progress& progress,
                          const std::atomic<bool>* cancelled);
  void CheckAuditAndIndex(kuaguan::v1::CheckReport* report);
  void Repair(const std::string& from, kuaguan::v1::CheckReport* report, const Progress& progress);

  const base::NodeConfig& config_;
  Store* const store_;
  index::RecordIndex* const index_;
  Backups* const backups_;
  const base::Clock* const clock_;
  absl::Mutex busy_;  // held for a whole check
};

// OK when the table (.sst) or blob (.blob) file at `path` reads back with every checksum right;
// DATA_LOSS naming the file, and for a blob file the page record, otherwise.
absl::Status VerifyStoreFile(const std::filesystem::path& path);

// A staged copy put in place at start.
struct AppliedRepair {
  std::string file;
  std::string backup_id;
};

// Before the store opens: moves each copy staged in DATA_DIR/repair over the store's file of the
// same name, once it verifies (SM3 as staged, checksums right) and that file is still the store's;
// a copy that does not verify, or whose file the store no longer has, is left out and told on
// stderr. Returns what was put in place (empty when nothing was staged).
absl::StatusOr<std::vector<AppliedRepair>> ApplyStagedRepairs(const base::NodeConfig& config);

// After the store opens: audits "store.repaired" for each of `applied`.
absl::Status AuditRepairs(Store* store, const std::vector<AppliedRepair>& applied);

}  // namespace kuaguan::node
