// Store::DigestFamilies and Store::VerifyAuditChain: what a backup states of the store it holds,
// and what a restore, a drill and `kuaguan check` recompute to compare; Store::WithLiveFiles and
// Store::ForEachPageBlob: what `kuaguan check` reads (node/store_check.h).
#include <botan/hash.h>

#include <limits>

#include "rocksdb/metadata.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "node/store.h"
#include "seal/audit_chain.h"

namespace kuaguan::node {
namespace {

void HashLengthPrefixed(Botan::HashFunction& h, const rocksdb::Slice& s) {
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(static_cast<uint64_t>(s.size()) >> (56 - 8 * i));
  h.update(len, sizeof len);
  h.update(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

absl::StatusOr<std::vector<kuaguan::v1::FamilyDigest>> Store::DigestFamilies(
    const std::function<void(uint64_t)>& progress) {
  std::vector<kuaguan::v1::FamilyDigest> out;
  const rocksdb::Snapshot* snap = db_->GetSnapshot();
  rocksdb::ReadOptions ro;
  ro.snapshot = snap;
  ro.fill_cache = false;
  absl::Status result;
  uint64_t read = 0;
  for (auto* handle : handles_) {
    auto hash = Botan::HashFunction::create_or_throw("SM3");
    kuaguan::v1::FamilyDigest d;
    d.set_family(handle->GetName());
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handle));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      HashLengthPrefixed(*hash, it->key());
      HashLengthPrefixed(*hash, it->value());
      d.set_entries(d.entries() + 1);
      if (progress && ++read % 4096 == 0) progress(read);
    }
    if (!it->status().ok()) {
      result = absl::DataLossError(absl::StrCat("reading column family ", handle->GetName(), ": ", it->status().ToString()));
      break;
    }
    const auto sum = hash->final();
    d.set_sm3(std::string(sum.begin(), sum.end()));
    out.push_back(std::move(d));
  }
  db_->ReleaseSnapshot(snap);
  if (progress) progress(read);
  if (!result.ok()) return result;
  return out;
}

absl::StatusOr<kuaguan::v1::AuditVerifyResult> Store::VerifyAuditChain() {
  const uint64_t expected = AuditHead().first;
  seal::AuditChainVerifier verifier;
  kuaguan::v1::AuditVerifyResult result;
  absl::Status broken;
  RETURN_IF_ERROR(ForEachAudit([&](const kuaguan::v1::AuditEntry& e) {
    if (e.seq() > expected) return false;  // appended after we started
    broken = verifier.Add(e);
    return broken.ok();
  }));
  if (broken.ok() && verifier.last_seq() < expected) {
    broken = absl::DataLossError(absl::StrCat("audit log truncated: the head says ", expected,
                                              " entries, the log holds ", verifier.last_seq()));
  }
  result.set_entries(verifier.entries());
  result.set_ok(broken.ok());
  if (!broken.ok()) {
    result.set_first_broken_seq(verifier.last_seq() + 1);
    result.set_reason(std::string(broken.message()));
  }
  return result;
}

absl::Status Store::WithLiveFiles(const std::function<void(const std::vector<File>&)>& fn) {
  rocksdb::Status s = db_->DisableFileDeletions();
  if (!s.ok()) return absl::InternalError(absl::StrCat("store: cannot hold file deletions: ", s.ToString()));
  struct Resume {
    rocksdb::DB* db;
    ~Resume() { (void)db->EnableFileDeletions(/*force=*/false); }
  } resume{db_.get()};
  rocksdb::LiveFilesStorageInfoOptions opts;
  opts.wal_size_for_flush = std::numeric_limits<uint64_t>::max();  // list, never flush
  std::vector<rocksdb::LiveFileStorageInfo> files;
  s = db_->GetLiveFilesStorageInfo(opts, &files);
  if (!s.ok()) return absl::InternalError(absl::StrCat("store: cannot list its files: ", s.ToString()));
  std::vector<File> out;
  for (const auto& f : files) {
    if (f.file_type != rocksdb::kTableFile && f.file_type != rocksdb::kBlobFile) continue;
    File file;
    file.path = std::filesystem::path(f.directory) / f.relative_filename;
    file.name = f.relative_filename;
    file.size = f.size;
    file.blob = f.file_type == rocksdb::kBlobFile;
    out.push_back(std::move(file));
  }
  fn(out);
  return absl::OkStatus();
}

absl::Status Store::ForEachPageBlob(const std::function<bool(const std::string&, const std::string&)>& fn) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.verify_checksums = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf_pages_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!fn(it->key().ToString(), it->value().ToString())) return absl::OkStatus();
  }
  if (!it->status().ok()) return absl::DataLossError(it->status().ToString());
  return absl::OkStatus();
}

}  // namespace kuaguan::node
