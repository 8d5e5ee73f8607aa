#include "federation/replica_holder.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "seal/backup_repo.h"
#include "seal/digest.h"
#include "seal/key_file.h"

namespace kuaguan::federation {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;
namespace {

constexpr absl::string_view kObjectMagic = "KGBO1";
constexpr size_t kMaxIds = 100000;

uint64_t FileBytes(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

// Every replica id held in repository folder `dir`, sorted.
std::vector<std::string> HeldIds(const fs::path& dir) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir / "objects", ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file() && it->path().filename().string().size() == 64) ids.push_back(it->path().filename().string());
  }
  for (fs::directory_iterator it(dir / "manifests", ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (absl::EndsWith(name, ".kgm")) ids.push_back(absl::StrCat("manifest:", name.substr(0, name.size() - 4)));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

absl::StatusOr<fs::path> ReplicaHolder::OwnerDir(const std::string& owner) const {
  if (owner.size() != 6 || !std::all_of(owner.begin(), owner.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return absl::InvalidArgumentError(absl::StrCat("not an archive code: ", owner.substr(0, 16)));
  }
  return root_ / owner;
}

uint64_t ReplicaHolder::Used(const std::string& owner, const fs::path& dir) {
  auto it = used_.find(owner);
  if (it != used_.end()) return it->second;
  uint64_t n = 0;
  for (const auto& id : HeldIds(dir)) {
    if (auto p = seal::ReplicaPath(dir, id); p.ok()) n += FileBytes(*p);
  }
  used_[owner] = n;
  return n;
}

absl::StatusOr<v1::ReplicaInventory> ReplicaHolder::InventoryLocked(const std::string& owner, const fs::path& dir) {
  v1::ReplicaInventory inv;
  auto header = seal::ReadTextFile(dir / "KUAGUAN-BACKUP");
  if (header.ok()) inv.set_header(*header);
  for (auto& id : HeldIds(dir)) inv.add_ids(std::move(id));
  inv.set_held_bytes(Used(owner, dir));
  inv.set_quota_bytes(quota_());
  return inv;
}

absl::StatusOr<v1::ReplicaInventory> ReplicaHolder::Push(const std::string& owner, const v1::ReplicaPush& push) {
  ASSIGN_OR_RETURN(const fs::path dir, OwnerDir(owner));
  if (!push.header().empty() && !seal::IsRepoHeaderOf(push.header(), owner)) {
    return absl::InvalidArgumentError(absl::StrCat("the header does not name archive ", owner, " and a backup key"));
  }
  if (push.objects_size() > static_cast<int>(kMaxIds) || push.drop_size() > static_cast<int>(kMaxIds)) {
    return absl::InvalidArgumentError("too many ids in one push");
  }
  std::vector<std::pair<fs::path, const std::string*>> writes;
  uint64_t incoming = 0;
  for (const auto& o : push.objects()) {
    ASSIGN_OR_RETURN(fs::path p, seal::ReplicaPath(dir, o.id()));
    if (o.sealed().size() > kMaxObjectBytes || !absl::StartsWith(o.sealed(), kObjectMagic)) {
      return absl::InvalidArgumentError(absl::StrCat("replica ", o.id(), " is not a sealed backup object of at most ",
                                                     kMaxObjectBytes, " bytes"));
    }
    incoming += o.sealed().size();
    writes.emplace_back(std::move(p), &o.sealed());
  }
  std::vector<fs::path> drops;
  for (const auto& id : push.drop()) {
    ASSIGN_OR_RETURN(fs::path p, seal::ReplicaPath(dir, id));
    drops.push_back(std::move(p));
  }
  absl::MutexLock lock(&mu_);
  uint64_t used = Used(owner, dir);
  uint64_t freed = 0;
  for (const auto& p : drops) freed += FileBytes(p);
  const uint64_t quota = quota_();
  if (used - std::min(used, freed) + incoming > quota) {
    return absl::ResourceExhaustedError(absl::StrCat("archive ", owner, "'s replicas would take ", used - std::min(used, freed) + incoming,
                                                     " bytes here, over the directory's quota of ", quota));
  }
  if (!push.header().empty()) RETURN_IF_ERROR(seal::WritePrivateFile(dir / "KUAGUAN-BACKUP", push.header()));
  for (const auto& p : drops) {
    std::error_code ec;
    const uint64_t n = FileBytes(p);
    if (fs::remove(p, ec)) used -= std::min(used, n);
  }
  for (const auto& [p, bytes] : writes) {
    const uint64_t before = FileBytes(p);
    RETURN_IF_ERROR(seal::WritePrivateFile(p, *bytes, /*durable=*/false));
    used = used - std::min(used, before) + bytes->size();
  }
  if (!writes.empty()) RETURN_IF_ERROR(seal::SyncFilesystem(dir));  // durable before the owner hears so
  used_[owner] = used;
  return InventoryLocked(owner, dir);
}

absl::StatusOr<v1::ReplicaInventory> ReplicaHolder::Inventory(const std::string& owner) {
  ASSIGN_OR_RETURN(const fs::path dir, OwnerDir(owner));
  absl::MutexLock lock(&mu_);
  return InventoryLocked(owner, dir);
}

absl::StatusOr<v1::ReplicaProof> ReplicaHolder::Prove(const std::string& owner, const v1::ReplicaChallenge& challenge) {
  ASSIGN_OR_RETURN(const fs::path dir, OwnerDir(owner));
  if (challenge.nonce().size() != 32) return absl::InvalidArgumentError("a challenge's nonce is 32 bytes");
  if (challenge.ids_size() > static_cast<int>(kMaxIds)) return absl::InvalidArgumentError("too many ids in one challenge");
  v1::ReplicaProof proof;
  for (const auto& id : challenge.ids()) {
    ASSIGN_OR_RETURN(const fs::path p, seal::ReplicaPath(dir, id));
    auto bytes = seal::ReadTextFile(p);
    proof.add_answers(bytes.ok() ? seal::Sm3(absl::StrCat(challenge.nonce(), *bytes)) : std::string());
  }
  return proof;
}

absl::StatusOr<v1::ReplicaFetched> ReplicaHolder::Fetch(const std::string& owner, const v1::ReplicaFetch& fetch) {
  ASSIGN_OR_RETURN(const fs::path dir, OwnerDir(owner));
  if (fetch.ids_size() > static_cast<int>(kMaxIds)) return absl::InvalidArgumentError("too many ids in one fetch");
  v1::ReplicaFetched out;
  auto header = seal::ReadTextFile(dir / "KUAGUAN-BACKUP");
  if (!header.ok()) return absl::NotFoundError(absl::StrCat("no replicas of archive ", owner, " are held here"));
  out.set_header(*header);
  uint64_t size = 0;
  for (const auto& id : fetch.ids()) {
    ASSIGN_OR_RETURN(const fs::path p, seal::ReplicaPath(dir, id));
    auto bytes = seal::ReadTextFile(p);
    if (!bytes.ok()) continue;  // missing: the caller sees it absent
    if (size + bytes->size() > kMaxFetchBytes && out.objects_size() > 0) break;
    size += bytes->size();
    auto* o = out.add_objects();
    o->set_id(id);
    o->set_sealed(*std::move(bytes));
  }
  return out;
}

}  // namespace kuaguan::federation
