// Other archives' backup replicas held at this archive: one folder per owner under `root`, laid
// out as a backup repository (seal/backup_repo.h), so that the folder itself can be restored from
// with the owner's two key shares. The holder cannot read what it holds (ciphertext under the
// owner's backup key); it takes only well-formed ids, sealed objects and a header naming the owner,
// keeps each owner within the directory's quota, and answers the owner's challenges with
// SM3(nonce || object) from the bytes it holds. The owner is the caller's authenticated archive
// code, never a name in the message. Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kuaguan/v1/replica.pb.h"

namespace kuaguan::federation {

class ReplicaHolder {
 public:
  // `quota` gives the bytes each owner may keep here (the directory's replica_quota_bytes).
  ReplicaHolder(std::filesystem::path root, std::function<uint64_t()> quota)
      : root_(std::move(root)), quota_(std::move(quota)) {}

  // Stores what `owner` pushes (objects and manifests not yet held) and drops what it no longer
  // keeps. RESOURCE_EXHAUSTED when the quota would be passed (nothing of the push is kept);
  // INVALID_ARGUMENT naming a malformed id, object or header.
  absl::StatusOr<kuaguan::v1::ReplicaInventory> Push(const std::string& owner, const kuaguan::v1::ReplicaPush& push);
  absl::StatusOr<kuaguan::v1::ReplicaInventory> Inventory(const std::string& owner);
  absl::StatusOr<kuaguan::v1::ReplicaProof> Prove(const std::string& owner, const kuaguan::v1::ReplicaChallenge& challenge);
  // What `owner` asks back, up to kMaxFetchBytes per call (the rest on the next call).
  absl::StatusOr<kuaguan::v1::ReplicaFetched> Fetch(const std::string& owner, const kuaguan::v1::ReplicaFetch& fetch);

  static constexpr uint64_t kMaxFetchBytes = 48 << 20;
  static constexpr uint64_t kMaxObjectBytes = 6 << 20;  // a 4 MiB chunk sealed and padded fits

 private:
  absl::StatusOr<std::filesystem::path> OwnerDir(const std::string& owner) const;
  // Bytes held for `owner` (counted from disk at first use).
  uint64_t Used(const std::string& owner, const std::filesystem::path& dir) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<kuaguan::v1::ReplicaInventory> InventoryLocked(const std::string& owner, const std::filesystem::path& dir)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::filesystem::path root_;
  const std::function<uint64_t()> quota_;
  absl::Mutex mu_;
  std::map<std::string, uint64_t> used_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kuaguan::federation
