#include "seal/backup_repo.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "seal/backup_object.h"
#include "seal/key_file.h"

namespace kuaguan::seal {
namespace fs = std::filesystem;
namespace {

constexpr absl::string_view kHeader = "kuaguan backup repository 1";
constexpr absl::string_view kManifestSuffix = ".kgm";

// A backup id is safe as a file name: letters, digits, '-' and 'T'/'Z' of the time.
bool IsBackupId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '-')) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<BackupRepo> BackupRepo::Open(const fs::path& dir, const BackupKey& key, const std::string& archive,
                                            bool create) {
  if (!dir.is_absolute()) return absl::InvalidArgumentError(absl::StrCat("backup repository ", dir.string(), " is not an absolute path"));
  const fs::path head = dir / "KUAGUAN-BACKUP";
  std::error_code ec;
  if (!fs::exists(head, ec)) {
    if (archive.empty() || !create) return absl::NotFoundError(absl::StrCat(dir.string(), " is not a backup repository (no KUAGUAN-BACKUP file)"));
    if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
      return absl::FailedPreconditionError(
          absl::StrCat(dir.string(), " is not empty and not a backup repository: name an empty or new folder"));
    }
    if (absl::Status st = WritePrivateFile(head, absl::StrCat(kHeader, "\narchive ", archive, "\nkey ", key.id(), "\n"));
        !st.ok()) {
      return st;
    }
  }
  auto text = ReadTextFile(head);
  if (!text.ok()) return text.status();
  std::string got_archive, got_key;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (absl::ConsumePrefix(&line, "archive ")) got_archive = std::string(line);
    else if (absl::ConsumePrefix(&line, "key ")) got_key = std::string(line);
  }
  if (!absl::StartsWith(*text, kHeader) || got_archive.empty()) {
    return absl::DataLossError(absl::StrCat(head.string(), " is not a backup repository's header"));
  }
  if ((!archive.empty() && got_archive != archive) || got_key != key.id()) {
    if (!archive.empty() && got_archive != archive) {
      return absl::FailedPreconditionError(absl::StrCat(dir.string(), " holds the backups of archive ", got_archive,
                                                        ", not of ", archive));
    }
    return absl::FailedPreconditionError(absl::StrCat(dir.string(), " was made under backup key ", got_key,
                                                      ", not under this key (", key.id(), ")"));
  }
  return BackupRepo(dir, key, got_archive);
}

fs::path BackupRepo::ObjectPath(const std::string& id) const { return dir_ / "objects" / id.substr(0, 2) / id; }

bool BackupRepo::Has(const std::string& id) const {
  std::error_code ec;
  return IsBackupObjectId(id) && fs::exists(ObjectPath(id), ec);
}

absl::StatusOr<uint64_t> BackupRepo::Put(absl::string_view plain, std::string* id) {
  *id = BackupObjectId(*key_, plain);
  if (Has(*id)) return 0;
  auto sealed = SealBackupObject(*key_, *id, plain);
  if (!sealed.ok()) return sealed.status();
  if (absl::Status st = WritePrivateFile(ObjectPath(*id), *sealed, /*durable=*/false); !st.ok()) return st;
  return sealed->size();
}

absl::StatusOr<std::string> BackupRepo::GetSealed(const std::string& id) const {
  if (!IsBackupObjectId(id)) return absl::InvalidArgumentError(absl::StrCat("not a backup object id: ", id));
  std::error_code ec;
  if (!fs::exists(ObjectPath(id), ec)) {
    return absl::NotFoundError(absl::StrCat("backup object ", id, " is missing from ", dir_.string()));
  }
  return ReadTextFile(ObjectPath(id));
}

absl::StatusOr<std::string> BackupRepo::Get(const std::string& id) const {
  auto sealed = GetSealed(id);
  if (!sealed.ok()) return sealed.status();
  auto plain = OpenBackupObject(*key_, id, *sealed);
  if (!plain.ok()) return plain.status();
  if (BackupObjectId(*key_, *plain) != id) {
    return absl::DataLossError(absl::StrCat("backup object ", id, " holds other content than its id says"));
  }
  return plain;
}

absl::StatusOr<std::vector<std::string>> BackupRepo::ObjectIds() const {
  std::vector<std::string> ids;
  std::error_code ec;
  const fs::path root = dir_ / "objects";
  if (!fs::exists(root, ec)) return ids;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_regular_file() && IsBackupObjectId(name)) ids.push_back(name);
  }
  if (ec) return absl::InternalError(absl::StrCat("cannot list ", root.string(), ": ", ec.message()));
  std::sort(ids.begin(), ids.end());
  return ids;
}

absl::Status BackupRepo::PutManifest(const kuaguan::v1::SignedBackupManifest& signed_manifest,
                                     const std::string& backup_id) {
  if (!IsBackupId(backup_id)) return absl::InvalidArgumentError(absl::StrCat("not a backup id: ", backup_id));
  auto sealed = SealBackupObject(*key_, absl::StrCat("manifest:", backup_id), signed_manifest.SerializeAsString());
  if (!sealed.ok()) return sealed.status();
  // The objects it names were written without fsync: they are made durable before it is.
  if (absl::Status st = SyncFilesystem(dir_); !st.ok()) return st;
  return WritePrivateFile(dir_ / "manifests" / absl::StrCat(backup_id, kManifestSuffix), *sealed);
}

absl::StatusOr<kuaguan::v1::SignedBackupManifest> BackupRepo::GetManifest(const std::string& backup_id) const {
  if (!IsBackupId(backup_id)) return absl::InvalidArgumentError(absl::StrCat("not a backup id: ", backup_id));
  const fs::path path = dir_ / "manifests" / absl::StrCat(backup_id, kManifestSuffix);
  std::error_code ec;
  if (!fs::exists(path, ec)) return absl::NotFoundError(absl::StrCat("no backup ", backup_id, " in ", dir_.string()));
  auto sealed = ReadTextFile(path);
  if (!sealed.ok()) return sealed.status();
  auto plain = OpenBackupObject(*key_, absl::StrCat("manifest:", backup_id), *sealed);
  if (!plain.ok()) return plain.status();
  kuaguan::v1::SignedBackupManifest out;
  if (!out.ParseFromString(*plain)) return absl::DataLossError(absl::StrCat("the manifest of backup ", backup_id, " does not parse"));
  return out;
}

absl::StatusOr<std::vector<std::string>> BackupRepo::BackupIds() const {
  std::vector<std::string> ids;
  std::error_code ec;
  const fs::path root = dir_ / "manifests";
  if (!fs::exists(root, ec)) return ids;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!absl::EndsWith(name, kManifestSuffix)) continue;
    name.resize(name.size() - kManifestSuffix.size());
    if (IsBackupId(name)) ids.push_back(name);
  }
  if (ec) return absl::InternalError(absl::StrCat("cannot list ", root.string(), ": ", ec.message()));
  std::sort(ids.begin(), ids.end());
  return ids;
}

absl::Status BackupRepo::RemoveManifest(const std::string& backup_id) {
  if (!IsBackupId(backup_id)) return absl::InvalidArgumentError(absl::StrCat("not a backup id: ", backup_id));
  std::error_code ec;
  fs::remove(dir_ / "manifests" / absl::StrCat(backup_id, kManifestSuffix), ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot remove backup ", backup_id, ": ", ec.message()));
  return absl::OkStatus();
}

absl::Status BackupRepo::SetAside(const std::string& id) {
  if (!IsBackupObjectId(id)) return absl::InvalidArgumentError(absl::StrCat("not a backup object id: ", id));
  std::error_code ec;
  fs::rename(ObjectPath(id), fs::path(ObjectPath(id).string() + ".damaged"), ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot set backup object ", id, " aside: ", ec.message()));
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> BackupRepo::RemoveUnreferenced(const std::set<std::string>& referenced) {
  auto ids = ObjectIds();
  if (!ids.ok()) return ids.status();
  uint64_t removed = 0;
  for (const auto& id : *ids) {
    if (referenced.count(id) != 0) continue;
    std::error_code ec;
    if (fs::remove(ObjectPath(id), ec)) ++removed;
  }
  return removed;
}

absl::StatusOr<fs::path> ReplicaPath(const fs::path& dir, const std::string& id) {
  absl::string_view rest = id;
  if (absl::ConsumePrefix(&rest, "manifest:")) {
    if (!IsBackupId(rest)) return absl::InvalidArgumentError(absl::StrCat("not a replica id: ", id.substr(0, 80)));
    return dir / "manifests" / absl::StrCat(rest, kManifestSuffix);
  }
  if (!IsBackupObjectId(id)) return absl::InvalidArgumentError(absl::StrCat("not a replica id: ", id.substr(0, 80)));
  return dir / "objects" / id.substr(0, 2) / id;
}

bool IsRepoHeaderOf(absl::string_view text, absl::string_view archive) {
  if (!absl::StartsWith(text, kHeader) || text.size() > 256) return false;
  bool named = false, keyed = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::ConsumePrefix(&line, "archive ")) {
      named = line == archive;
    } else if (absl::ConsumePrefix(&line, "key ")) {
      keyed = line.size() == 16;
    }
  }
  return named && keyed;
}

absl::StatusOr<std::vector<std::string>> BackupRepo::ReplicaIds() const {
  auto ids = ObjectIds();
  if (!ids.ok()) return ids.status();
  auto backups = BackupIds();
  if (!backups.ok()) return backups.status();
  for (const auto& b : *backups) ids->push_back(absl::StrCat("manifest:", b));
  return ids;
}

absl::StatusOr<std::string> BackupRepo::ReadReplica(const std::string& id) const {
  auto path = ReplicaPath(dir_, id);
  if (!path.ok()) return path.status();
  std::error_code ec;
  if (!fs::exists(*path, ec)) return absl::NotFoundError(absl::StrCat(id, " is missing from ", dir_.string()));
  return ReadTextFile(*path);
}

absl::StatusOr<std::string> BackupRepo::HeaderText() const { return ReadTextFile(dir_ / "KUAGUAN-BACKUP"); }

}  // namespace kuaguan::seal
