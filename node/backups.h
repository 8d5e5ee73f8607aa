// The node's backups (`kuaguan backup ...`): online and consistent (a RocksDB checkpoint taken
// while no write runs, then read from its hard links while the node serves), incremental (chunks
// are content-addressed, so the next backup writes only what changed), encrypted under the backup
// key and described by a manifest signed with the node's TLS key (seal/backup_repo.h). A backup
// holds the config, the store (records, versions, pages, requests, certificates, the audit log),
// the encrypted keys and their passphrase; the search index is rebuilt from the store. Verify
// recomputes every object and file; a drill restores into a scratch folder, recomputes the store's
// family digests and audit chain and compares them with the manifest. Every run is audited.
// Scheduled backups follow the config (backup_every_hours, backup_keep). Thread-safe: one backup,
// verify or drill runs at a time (the others are refused as busy).
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "base/clock.h"
#include "base/node_config.h"
#include "kuaguan/v1/ops.pb.h"
#include "kuaguan/v1/replica.pb.h"
#include "node/store.h"
#include "seal/backup_key.h"
#include "seal/backup_repo.h"

namespace kuaguan::node {

// The node's TLS key and certificate (PEM), when it has them (an archive before enrollment has not).
struct SigningIdentity {
  std::string key_pem;
  std::string cert_pem;
};
using IdentityFn = std::function<std::optional<SigningIdentity>()>;

class Backups {
 public:
  using Progress = std::function<void(const kuaguan::v1::BackupProgress&)>;

  // All must outlive this object.
  Backups(const base::NodeConfig& config, Store* store, const base::Clock* clock, IdentityFn identity);
  ~Backups();

  // A backup into `to` (absolute; empty: the config's backup_dir), then retention there.
  absl::StatusOr<kuaguan::v1::BackupSummary> Create(const std::string& to, const std::string& actor,
                                                    const Progress& progress, const std::atomic<bool>* cancelled);
  absl::StatusOr<kuaguan::v1::BackupList> List(const std::string& in, const std::string& actor);
  // Recomputes backup `id` (empty: the newest) of repository `in` from its objects.
  absl::StatusOr<kuaguan::v1::BackupReport> Verify(const std::string& in, const std::string& id, const std::string& actor,
                                                   const Progress& progress, const std::atomic<bool>* cancelled);
  // Restores backup `id` into a scratch folder and compares it with its manifest.
  absl::StatusOr<kuaguan::v1::BackupReport> Drill(const std::string& in, const std::string& id, const std::string& actor,
                                                  const Progress& progress, const std::atomic<bool>* cancelled);
  // Runs `work` on the config's backup repository under the backup key, as one of the node's
  // backup tasks (refused while another runs), and audits it as `action` with `actor`.
  using RepoWork = std::function<absl::StatusOr<kuaguan::v1::ReplicaReport>(const seal::BackupRepo&)>;
  absl::StatusOr<kuaguan::v1::ReplicaReport> OnRepository(const std::string& action, const std::string& actor,
                                                          const RepoWork& work);
  // Called after each scheduled backup that succeeded (replication and its audit).
  void set_after_scheduled(std::function<void()> fn) { after_scheduled_ = std::move(fn); }

  // The copy of store file `name` ("000123.sst") from the newest backup in `in` (absolute; empty:
  // the config's backup_dir) whose copy `healthy` accepts: rebuilt from the backup's objects (size
  // and SM3 as its manifest records them), checked by `healthy`, moved to `dest`. Returns that
  // backup's id; NOT_FOUND (saying why for each backup tried) when none holds an accepted copy.
  absl::StatusOr<std::string> RestoreStoreFile(const std::string& in, const std::string& name,
                                               const std::filesystem::path& dest,
                                               const std::function<absl::Status(const std::filesystem::path&)>& healthy);
  // Share 1 (system administrator) or 2 (security officer) of the backup key.
  absl::StatusOr<kuaguan::v1::KeyShare> Share(int n, const std::string& actor);

  // At a start on a restored data directory (kuaguan restore leaves DATA_DIR/restored-from.manifest):
  // recomputes the store's family digests and audit chain and compares them with the backup's.
  // OK (audited, the marker renamed restored-from.checked) when they match or there is no marker;
  // FAILED_PRECONDITION naming what differs otherwise: such a node must not serve.
  static absl::Status CheckRestored(const base::NodeConfig& config, Store* store);

  // Starts backups every config.backup_every_hours (none when 0).
  void StartSchedule();
  // Stops the schedule (a scheduled backup under way ends CANCELLED at its next chunk) and
  // refuses new work. Also done by the destructor.
  void Stop();

 private:
  absl::StatusOr<std::filesystem::path> Repository(const std::string& given) const;
  absl::StatusOr<kuaguan::v1::BackupSummary> CreateLocked(const std::filesystem::path& repo_dir, const Progress& progress, const std::atomic<bool>* cancelled)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(busy_);
  // Verify or drill, one at a time, audited.
  absl::StatusOr<kuaguan::v1::BackupReport> Audited(const std::string& in, const std::string& id, const std::string& actor,
                                                    bool drill, const Progress& progress, const std::atomic<bool>* cancelled);
  absl::StatusOr<kuaguan::v1::BackupReport> Check(const std::string& in, const std::string& id, bool drill,
                                                  const Progress& progress, const std::atomic<bool>* cancelled)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(busy_);

  const base::NodeConfig& config_;
  Store* const store_;
  const base::Clock* const clock_;
  const IdentityFn identity_;
  std::function<void()> after_scheduled_;
  absl::Mutex busy_;  // held for a whole backup, verify or drill
  absl::Notification stop_;
  std::atomic<bool> stopping_{false};  // cancels a scheduled backup at shutdown
  std::thread schedule_;
};

}  // namespace kuaguan::node
