// A backup repository: a directory (a removable disk, a mounted share, or a peer's replica area)
// holding one archive's sealed backup objects and manifests:
//   KUAGUAN-BACKUP            "kuaguan backup repository 1", the archive and the backup key id
//   objects/ab/abcd...        sealed objects (seal/backup_object.h), named by id
//   manifests/ID.kgm          sealed SignedBackupManifest of backup ID (label "manifest:ID")
// Every file is written to a temporary name and renamed (seal/key_file.h's WritePrivateFile,
// mode 0600), so a crash leaves whole files; objects are made durable together (syncfs) before
// the manifest naming them is written, fsync'd.
// A repository of another archive or key is refused with a message saying so. Thread-compatible
// (one backup at a time is the caller's rule).
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kuaguan/v1/ops.pb.h"
#include "seal/backup_key.h"

namespace kuaguan::seal {

class BackupRepo {
 public:
  // The repository keeps a pointer to the key it was opened with: the key must outlive it.
  // Opens `dir` for `archive` (empty: whichever archive it holds) under `key`; with `create`,
  // makes it when missing.
  static absl::StatusOr<BackupRepo> Open(const std::filesystem::path& dir, const BackupKey& key,
                                         const std::string& archive, bool create);

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& archive() const { return archive_; }
  bool Has(const std::string& id) const;
  // Seals and stores chunk `plain` under its id unless it is there; returns the bytes written
  // (0 when it was there). Sets *id.
  absl::StatusOr<uint64_t> Put(absl::string_view plain, std::string* id);
  // The plaintext of object `id`, checked against its id. DATA_LOSS for a damaged object,
  // NOT_FOUND for a missing one.
  absl::StatusOr<std::string> Get(const std::string& id) const;
  // The sealed bytes of object `id` as stored (for replicas).
  absl::StatusOr<std::string> GetSealed(const std::string& id) const;
  // Every object id held, sorted.
  absl::StatusOr<std::vector<std::string>> ObjectIds() const;

  absl::Status PutManifest(const kuaguan::v1::SignedBackupManifest& signed_manifest, const std::string& backup_id);
  absl::StatusOr<kuaguan::v1::SignedBackupManifest> GetManifest(const std::string& backup_id) const;
  // The backups held, oldest first (ids sort by time).
  absl::StatusOr<std::vector<std::string>> BackupIds() const;
  // Removes backup `backup_id`'s manifest (retention).
  absl::Status RemoveManifest(const std::string& backup_id);
  // Moves object `id` aside (to ID.damaged, kept for inspection), so that the next backup writes
  // it again from the node's store.
  absl::Status SetAside(const std::string& id);
  // Removes the objects no kept manifest names; returns how many.
  absl::StatusOr<uint64_t> RemoveUnreferenced(const std::set<std::string>& referenced);

  // Replica ids (objects by id, manifests as "manifest:ID"): everything a peer holds for us.
  absl::StatusOr<std::vector<std::string>> ReplicaIds() const;
  // The sealed bytes stored under replica id `id`.
  absl::StatusOr<std::string> ReadReplica(const std::string& id) const;
  // The KUAGUAN-BACKUP text (archive and key id).
  absl::StatusOr<std::string> HeaderText() const;

 private:
  BackupRepo(std::filesystem::path dir, const BackupKey& key, std::string archive)
      : dir_(std::move(dir)), key_(&key), archive_(std::move(archive)) {}
  std::filesystem::path ObjectPath(const std::string& id) const;
  std::filesystem::path dir_;
  const BackupKey* key_;
  std::string archive_;
};

// Where replica id `id` (an object id or "manifest:ID") lives under repository folder `dir`;
// INVALID_ARGUMENT for any other id (so a peer's id never names a path of its choosing).
absl::StatusOr<std::filesystem::path> ReplicaPath(const std::filesystem::path& dir, const std::string& id);
// Whether `text` is a repository header (KUAGUAN-BACKUP) naming archive `archive`.
bool IsRepoHeaderOf(absl::string_view text, absl::string_view archive);

}  // namespace kuaguan::seal
