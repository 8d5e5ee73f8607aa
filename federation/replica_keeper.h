// The owner's side of off-site backup replicas: which member archives hold them (from the
// directory: not this archive, not the provincial node, not revoked, not in this archive's city
// — the first four digits of the GB/T 2260 code — ranked by SM3(owner, holder) so that owners
// spread over holders), pushing what a holder lacks and dropping what retention removed, the
// LOCKSS-style audit (a fresh nonce and a random sample of ids; each answer is recomputed from the
// local copy; a missing or damaged replica is sent again), and fetching every replica back into an
// empty folder when the owner's own machine was lost. Thread-compatible: Backups runs one at a time.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "federation/membership.h"
#include "federation/replica_client.h"
#include "kuaguan/v1/replica.pb.h"
#include "seal/backup_repo.h"

namespace kuaguan::federation {

class ReplicaKeeper {
 public:
  // `membership` and `client` must outlive the keeper. `count` holders are wanted.
  ReplicaKeeper(std::string code, int count, const Membership* membership, ReplicaClient* client)
      : code_(std::move(code)), count_(count), membership_(membership), client_(client) {}

  // The chosen holders' codes and names; `note` says how they were chosen and any shortfall.
  std::vector<std::pair<std::string, std::string>> Holders(std::string* note) const;
  // Brings every holder to hold exactly what `repo` holds.
  absl::StatusOr<kuaguan::v1::ReplicaReport> Replicate(const seal::BackupRepo& repo);
  // Challenges each holder with `sample` ids (0: 64); sends again what is missing or damaged
  // unless `no_repair`.
  absl::StatusOr<kuaguan::v1::ReplicaReport> Audit(const seal::BackupRepo& repo, uint32_t sample, bool no_repair);
  // Writes everything the holders keep for this archive into the empty folder `to`, as a
  // repository (`kuaguan restore` reads it with the two key shares). A replica missing at one
  // holder is taken from another.
  absl::StatusOr<kuaguan::v1::ReplicaReport> FetchAll(const std::filesystem::path& to);

 private:
  // What `holder` keeps for this archive.
  absl::StatusOr<kuaguan::v1::ReplicaInventory> InventoryAt(const std::string& holder);
  // Sends `ids` from `repo` to `holder` in pushes of at most 32 MiB; adds to *result.
  absl::Status Send(const seal::BackupRepo& repo, const std::string& holder, const std::string& header,
                    const std::vector<std::string>& ids, const std::vector<std::string>& drop,
                    kuaguan::v1::ReplicaPeerResult* result);

  const std::string code_;
  const int count_;
  const Membership* const membership_;
  ReplicaClient* const client_;
};

}  // namespace kuaguan::federation
