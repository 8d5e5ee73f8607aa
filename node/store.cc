#include "absl/strings/string_view.h"
#include "node/store.h"

#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/disk_space.h"
#include "base/status_macros.h"
#include "ingest/personal_data.h"
#include "rocksdb/options.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"
#include "seal/audit_chain.h"
#include "seal/secret_box.h"

namespace kuaguan::node {
namespace fs = std::filesystem;
using kuaguan::v1::AuditEntry;
using kuaguan::v1::StoredRecord;

namespace {

// Column families, as in the design. Reserved ones are created now so later issues need no
// migration.
const std::vector<std::string>& FamilyNames() {
  static const auto* names = new std::vector<std::string>{
      rocksdb::kDefaultColumnFamilyName, "records", "versions", "changes", "audit", "meta",
      "pages", "text", "requests", "certificates", "outbox", "directory"};
  return *names;
}

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNoSpace()) {
    return absl::ResourceExhaustedError(absl::StrCat("disk full: no space left for the store (", what, ": ",
                                                     s.ToString(), "); nothing was written: free space and try again"));
  }
  return absl::InternalError(absl::StrCat("store ", what, ": ", s.ToString()));
}

std::string VersionKey(const std::string& code, uint32_t version) {
  std::string k = code;
  k.push_back('\0');
  for (int shift = 24; shift >= 0; shift -= 8) k.push_back(static_cast<char>(version >> shift));
  return k;
}

uint64_t DecodeSeq(absl::string_view k) {
  uint64_t v = 0;
  for (unsigned char c : k.substr(0, 8)) v = (v << 8) | c;
  return v;
}

uint64_t MetaNumber(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const char* key,
                    const rocksdb::Snapshot* snap = nullptr) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snap;
  std::string v;
  uint64_t n = 0;
  if (db->Get(ro, cf, key, &v).ok()) (void)absl::SimpleAtoi(v, &n);
  return n;
}

class SnapshotRecords : public index::RecordSource, public RecordCursor {
 public:
  SnapshotRecords(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* records,
                  rocksdb::ColumnFamilyHandle* meta, bool include_withdrawn)
      : db_(db), records_(records), snap_(db->GetSnapshot()), include_withdrawn_(include_withdrawn) {
    seq_ = MetaNumber(db, meta, "seq", snap_);
    count_ = MetaNumber(db, meta, "records", snap_) - MetaNumber(db, meta, "withdrawn", snap_);
  }
  ~SnapshotRecords() override {
    it_.reset();
    db_->ReleaseSnapshot(snap_);
  }

  uint64_t Seq() const override { return seq_; }
  uint64_t Count() const override { return count_; }

  absl::Status ForEachAfter(absl::string_view after,
                            const std::function<bool(const kuaguan::v1::Record&)>& fn) override {
    rocksdb::ReadOptions ro;
    ro.snapshot = snap_;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, records_));
    for (it->Seek(rocksdb::Slice(after.data(), after.size())); it->Valid(); it->Next()) {
      if (!after.empty() && it->key() == rocksdb::Slice(after.data(), after.size())) continue;
      StoredRecord r;
      if (!r.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError(absl::StrCat("record ", it->key().ToString(), " is corrupt"));
      }
      if (r.state() != kuaguan::v1::RECORD_STATE_ACTIVE || r.held()) continue;
      if (!fn(r.record())) break;
    }
    return FromRocks(it->status(), "scan");
  }

  absl::StatusOr<std::vector<StoredRecord>> Next(size_t n) override {
    if (!it_) {
      rocksdb::ReadOptions ro;
      ro.snapshot = snap_;
      it_.reset(db_->NewIterator(ro, records_));
      it_->SeekToFirst();
    }
    std::vector<StoredRecord> out;
    for (; it_->Valid() && out.size() < n; it_->Next()) {
      StoredRecord r;
      if (!r.ParseFromArray(it_->value().data(), static_cast<int>(it_->value().size()))) {
        return absl::DataLossError(absl::StrCat("record ", it_->key().ToString(), " is corrupt"));
      }
      if (!include_withdrawn_ && r.state() != kuaguan::v1::RECORD_STATE_ACTIVE) continue;
      out.push_back(std::move(r));
    }
    RETURN_IF_ERROR(FromRocks(it_->status(), "scan"));
    return out;
  }

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* records_;
  const rocksdb::Snapshot* snap_;
  bool include_withdrawn_;
  uint64_t seq_ = 0;
  uint64_t count_ = 0;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace


absl::StatusOr<std::unique_ptr<Store>> Store::Open(const fs::path& dir, const base::Clock* clock) {
  return OpenDb(dir, clock, /*read_only=*/false);
}

absl::StatusOr<std::unique_ptr<Store>> Store::OpenReadOnly(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir / "CURRENT", ec)) return absl::NotFoundError(absl::StrCat("no store in ", dir.string()));
  return OpenDb(dir, base::RealClock(), /*read_only=*/true);
}

absl::StatusOr<std::unique_ptr<Store>> Store::OpenDb(const fs::path& dir, const base::Clock* clock, bool read_only) {
  std::unique_ptr<Store> store(new Store());
  store->dir_ = dir;
  store->clock_ = clock;
  rocksdb::DBOptions opts;
  opts.create_if_missing = !read_only;
  opts.create_missing_column_families = !read_only;
  opts.max_background_jobs = 2;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& name : FamilyNames()) {
    rocksdb::ColumnFamilyOptions cf;
    cf.compression = rocksdb::kLZ4Compression;
    if (name == "pages") {
      cf.enable_blob_files = true;  // page images: large values kept out of the LSM tree
      cf.min_blob_size = 4096;
    }
    families.emplace_back(name, cf);
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(opts, dir.string(), families, &store->handles_, &raw)
                                : rocksdb::DB::Open(opts, dir.string(), families, &store->handles_, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return absl::FailedPreconditionError(absl::StrCat(
          "store ", dir.string(), " is in use by another process (another kuaguand?)"));
    }
    return FromRocks(s, "open");
  }
  store->db_.reset(raw);
  store->cf_records_ = store->handles_[1];
  store->cf_versions_ = store->handles_[2];
  store->cf_changes_ = store->handles_[3];
  store->cf_audit_ = store->handles_[4];
  store->cf_meta_ = store->handles_[5];
  store->cf_pages_ = store->handles_[6];
  store->cf_text_ = store->handles_[7];
  store->cf_requests_ = store->handles_[8];
  store->cf_certificates_ = store->handles_[9];
  store->cf_outbox_ = store->handles_[10];
  RETURN_IF_ERROR(store->LoadMeta());
  return store;
}

absl::StatusOr<Store::CheckpointInfo> Store::Checkpoint(const fs::path& dir) {
  absl::MutexLock lock(&mu_);  // no write between the checkpoint and the head it reports
  rocksdb::Checkpoint* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  RETURN_IF_ERROR(FromRocks(cp->CreateCheckpoint(dir.string(), /*log_size_for_flush=*/0), "checkpoint"));
  return CheckpointInfo{seq_, audit_seq_, audit_hash_};
}

Store::~Store() {
  if (db_) {
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    (void)db_->Close();
  }
}

absl::Status Store::LoadMeta() {
  absl::MutexLock lock(&mu_);
  rocksdb::DB* db = db_.get();
  seq_ = MetaNumber(db, cf_meta_, "seq");
  audit_seq_ = MetaNumber(db, cf_meta_, "audit_seq");
  counts_.records = MetaNumber(db, cf_meta_, "records");
  counts_.withdrawn = MetaNumber(db, cf_meta_, "withdrawn");
  counts_.versions = MetaNumber(db, cf_meta_, "versions");
  counts_.audit_entries = audit_seq_;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf_meta_, "audit_hash", &audit_hash_);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read meta");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<StoredRecord>> Store::GetRecord(const std::string& code) {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_records_, code, &v);
  if (s.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(s, "get"));
  StoredRecord r;
  if (!r.ParseFromString(v)) return absl::DataLossError(absl::StrCat("record ", code, " is corrupt"));
  return r;
}

absl::StatusOr<std::vector<kuaguan::v1::RecordVersion>> Store::History(const std::string& code) {
  std::vector<kuaguan::v1::RecordVersion> out;
  std::string prefix = code;
  prefix.push_back('\0');
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_versions_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    kuaguan::v1::RecordVersion v;
    if (!v.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("a version of ", code, " is corrupt"));
    }
    out.push_back(std::move(v));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "history"));
  return out;
}

absl::StatusOr<AuditEntry> Store::AppendAudit(rocksdb::WriteBatch* batch, const AuditNote& note) {
  AuditEntry e;
  e.set_time_micros(clock_->NowMicros());
  // The log can never be cleaned: no identity number enters it, whoever wrote the note.
  e.set_actor(ingest::MaskIdentityNumbers(note.actor));
  e.set_action(note.action);
  e.set_object(ingest::MaskIdentityNumbers(note.object));
  e.set_outcome(ingest::MaskIdentityNumbers(note.outcome));
  seal::SealAuditEntry(audit_seq_, audit_hash_, &e);
  RETURN_IF_ERROR(FromRocks(batch->Put(cf_audit_, SeqKey(e.seq()), e.SerializeAsString()), "audit"));
  return e;
}

void Store::PutCounters(rocksdb::WriteBatch* batch, const StoreCounts& c, uint64_t seq,
                        const AuditEntry& audit) {
  (void)batch->Put(cf_meta_, "seq", absl::StrCat(seq));
  (void)batch->Put(cf_meta_, "audit_seq", absl::StrCat(audit.seq()));
  (void)batch->Put(cf_meta_, "audit_hash", audit.hash());
  (void)batch->Put(cf_meta_, "records", absl::StrCat(c.records));
  (void)batch->Put(cf_meta_, "withdrawn", absl::StrCat(c.withdrawn));
  (void)batch->Put(cf_meta_, "versions", absl::StrCat(c.versions));
}

namespace {

// The meta keys that hold the keys of identity-number hashes.
bool IsSecret(Family family, const std::string& key) {
  return family == Family::kMeta &&
         (key == "person_key" || key == "person_key_federation" || key == "fed/person-key");
}

}  // namespace

absl::StatusOr<uint64_t> Store::Commit(std::vector<RecordWrite> writes, const AuditNote& note,
                                       const std::vector<std::pair<std::string, std::string>>& meta) {
  absl::MutexLock lock(&mu_);
  rocksdb::WriteBatch batch;
  for (const auto& [key, value] : meta) {
    if (IsSecret(Family::kMeta, key)) return absl::InvalidArgumentError(absl::StrCat(key, " is written with its seal only"));
    RETURN_IF_ERROR(FromRocks(batch.Put(cf_meta_, key, value), "put"));
  }
  uint64_t seq = seq_;
  StoreCounts counts = counts_;
  for (auto& w : writes) {
    ++seq;
    w.version.set_store_seq(seq);
    const std::string& code = w.current.record().code();
    if (w.check_previous) {
      std::string bytes;
      const rocksdb::Status got = db_->Get(rocksdb::ReadOptions(), cf_records_, code, &bytes);
      if (!got.ok() && !got.IsNotFound()) return FromRocks(got, "read");
      kuaguan::v1::StoredRecord stored;
      if (got.ok() && !stored.ParseFromString(bytes)) return absl::DataLossError(absl::StrCat("record ", code, " does not parse"));
      if (stored.version() + 1 != w.current.version()) {
        return absl::AbortedError(absl::StrCat(code, " changed meanwhile (now version ", stored.version(), "); try again"));
      }
    }
    if (w.current.version() == 1) ++counts.records;
    if (w.version.change() == kuaguan::v1::CHANGE_KIND_WITHDRAWN) ++counts.withdrawn;
    if (w.restores_withdrawn && counts.withdrawn > 0) --counts.withdrawn;
    ++counts.versions;
    RETURN_IF_ERROR(FromRocks(batch.Put(cf_records_, code, w.current.SerializeAsString()), "put"));
    RETURN_IF_ERROR(FromRocks(batch.Put(cf_versions_, VersionKey(code, w.version.version()),
                                        w.version.SerializeAsString()),
                              "put"));
    RETURN_IF_ERROR(FromRocks(batch.Put(cf_changes_, SeqKey(seq), code), "put"));
    for (const auto& [key, bytes] : w.page_blobs) {
      RETURN_IF_ERROR(FromRocks(batch.Put(cf_pages_, key, bytes), "put page"));  // same key, same bytes
    }
    for (const auto& t : w.page_texts) {
      RETURN_IF_ERROR(
          FromRocks(batch.Put(cf_text_, VersionKey(code, t.page()), t.SerializeAsString()), "put text"));
    }
  }
  // The audit entry goes in the same batch: a change and its record are one.
  ASSIGN_OR_RETURN(const AuditEntry entry, AppendAudit(&batch, note));
  ++counts.audit_entries;
  PutCounters(&batch, counts, seq, entry);
  RETURN_IF_ERROR(Apply(&batch, /*sync=*/true, "commit"));
  seq_ = seq;
  counts_ = counts;
  audit_seq_ = entry.seq();
  audit_hash_ = entry.hash();
  return seq;
}

absl::Status Store::Apply(rocksdb::WriteBatch* batch, bool sync, absl::string_view what, uint64_t reserve) {
  // The log takes the batch, the memtable's flush takes it again.
  RETURN_IF_ERROR(base::CheckDiskSpace(dir_, 2 * batch->GetDataSize(), reserve, absl::StrCat("the store's ", what)));
  if (write_failed_) {
    // RocksDB refuses every write after a failed one (a background error) until resumed: each
    // write tries, so that work goes on once there is space again.
    RETURN_IF_ERROR(FromRocks(db_->Resume(), what));
    write_failed_ = false;
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  const rocksdb::Status s = db_->Write(wo, batch);
  if (!s.ok()) write_failed_ = true;
  return FromRocks(s, what);
}

absl::Status Store::Audit(const AuditNote& note) {
  absl::MutexLock lock(&mu_);
  rocksdb::WriteBatch batch;
  ASSIGN_OR_RETURN(const AuditEntry entry, AppendAudit(&batch, note));
  StoreCounts counts = counts_;
  ++counts.audit_entries;
  PutCounters(&batch, counts, seq_, entry);
  RETURN_IF_ERROR(Apply(&batch, /*sync=*/false, "audit", base::kAuditReserveBytes));
  counts_ = counts;
  audit_seq_ = entry.seq();
  audit_hash_ = entry.hash();
  return absl::OkStatus();
}

rocksdb::ColumnFamilyHandle* Store::Handle(Family family) const {
  switch (family) {
    case Family::kMeta: return cf_meta_;
    case Family::kRequests: return cf_requests_;
    case Family::kCertificates: return cf_certificates_;
    case Family::kOutbox: return cf_outbox_;
    case Family::kPages: return cf_pages_;
  }
  return cf_meta_;
}

absl::StatusOr<std::string> Store::Keep(Family family, const std::string& key, const std::string& value) {
  if (!IsSecret(family, key) || passphrase_.empty()) return value;
  ASSIGN_OR_RETURN(std::string sealed, seal::SealSecret(passphrase_, value));
  opened_[sealed] = value;
  return sealed;
}

absl::Status Store::SealSecretsWith(const std::string& passphrase) {
  absl::MutexLock secret(&secret_mu_);
  passphrase_ = passphrase;
  std::vector<KeyWrite> writes;
  for (const char* key : {"person_key", "person_key_federation", "fed/person-key"}) {
    std::string raw;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_meta_, key, &raw);
    if (s.IsNotFound()) continue;
    RETURN_IF_ERROR(FromRocks(s, "read"));
    if (seal::IsSealedSecret(raw)) {
      ASSIGN_OR_RETURN(std::string plain, seal::OpenSecret(passphrase_, raw));
      opened_[raw] = std::move(plain);
    } else {
      writes.push_back({Family::kMeta, key, raw});
    }
  }
  if (writes.empty()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  rocksdb::WriteBatch batch;
  for (const KeyWrite& w : writes) {
    ASSIGN_OR_RETURN(const std::string kept, Keep(w.family, w.key, *w.value));
    RETURN_IF_ERROR(FromRocks(batch.Put(cf_meta_, w.key, kept), "write"));
  }
  return Apply(&batch, /*sync=*/true, "sealing the person-hash keys");
}

absl::Status Store::Write(const std::vector<KeyWrite>& writes, const AuditNote& note) {
  absl::MutexLock secret(&secret_mu_);
  absl::MutexLock lock(&mu_);
  rocksdb::WriteBatch batch;
  for (const KeyWrite& w : writes) {
    if (!w.value) {
      RETURN_IF_ERROR(FromRocks(batch.Delete(Handle(w.family), w.key), "write"));
      continue;
    }
    ASSIGN_OR_RETURN(const std::string kept, Keep(w.family, w.key, *w.value));
    RETURN_IF_ERROR(FromRocks(batch.Put(Handle(w.family), w.key, kept), "write"));
  }
  ASSIGN_OR_RETURN(const AuditEntry entry, AppendAudit(&batch, note));
  StoreCounts counts = counts_;
  ++counts.audit_entries;
  PutCounters(&batch, counts, seq_, entry);
  RETURN_IF_ERROR(Apply(&batch, /*sync=*/true, "write"));
  counts_ = counts;
  audit_seq_ = entry.seq();
  audit_hash_ = entry.hash();
  return absl::OkStatus();
}


absl::StatusOr<std::optional<std::string>> Store::Get(Family family, const std::string& key) {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Handle(family), key, &v);
  if (s.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(s, "read"));
  if (!IsSecret(family, key) || !seal::IsSealedSecret(v)) return v;
  absl::MutexLock secret(&secret_mu_);
  auto it = opened_.find(v);
  if (it != opened_.end()) return it->second;
  if (passphrase_.empty()) return absl::FailedPreconditionError(absl::StrCat(key, " is sealed and no passphrase was given"));
  ASSIGN_OR_RETURN(std::string plain, seal::OpenSecret(passphrase_, v));
  opened_[v] = plain;
  return plain;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Store::Scan(Family family, const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(family)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    out.emplace_back(it->key().ToString(), it->value().ToString());
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "read"));
  return out;
}

uint64_t Store::LastSeq() {
  absl::MutexLock lock(&mu_);
  return seq_;
}

StoreCounts Store::Counts() {
  absl::MutexLock lock(&mu_);
  return counts_;
}

uint64_t Store::SizeBytes() {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir_, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

absl::StatusOr<std::vector<std::pair<uint64_t, std::string>>> Store::ChangesAfter(uint64_t seq,
                                                                                  size_t limit) {
  std::vector<std::pair<uint64_t, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_changes_));
  for (it->Seek(SeqKey(seq + 1)); it->Valid() && out.size() < limit; it->Next()) {
    out.emplace_back(DecodeSeq(it->key().ToString()), it->value().ToString());
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "changes"));
  return out;
}

std::pair<uint64_t, std::string> Store::AuditHead() {
  absl::MutexLock lock(&mu_);
  return {audit_seq_, audit_hash_};
}

absl::Status Store::ForEachAudit(const std::function<bool(const AuditEntry&)>& fn, uint64_t after) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_audit_));
  for (it->Seek(SeqKey(after + 1)); it->Valid(); it->Next()) {
    AuditEntry e;
    if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      e.Clear();
      e.set_seq(DecodeSeq(it->key().ToString()));
      e.set_outcome("<unreadable entry>");
    }
    if (!fn(e)) break;
  }
  return FromRocks(it->status(), "audit scan");
}

absl::StatusOr<std::vector<kuaguan::v1::PageText>> Store::PageTexts(const std::string& code) {
  std::vector<kuaguan::v1::PageText> out;
  std::string prefix = code;
  prefix.push_back('\0');
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_text_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    kuaguan::v1::PageText t;
    if (!t.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("a page text of ", code, " is corrupt"));
    }
    out.push_back(std::move(t));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "page texts"));
  return out;
}

std::string PageDerivativeKey(const std::string& sm3, uint32_t file_page, absl::string_view kind) {
  return absl::StrCat(sm3, "/", file_page, "/", kind);
}

absl::StatusOr<std::string> Store::PageBlob(const std::string& key) {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_pages_, key, &v);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("no stored page image ", key));
  RETURN_IF_ERROR(FromRocks(s, "page original"));
  return v;
}

absl::Status Store::ForEachRecord(const std::function<bool(const StoredRecord&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_records_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    StoredRecord r;
    if (!r.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("record ", it->key().ToString(), " is corrupt"));
    }
    if (!fn(r)) break;
  }
  return FromRocks(it->status(), "scan");
}

absl::Status Store::PutBatch(const kuaguan::v1::IngestBatch& batch) {
  absl::MutexLock lock(&mu_);
  rocksdb::WriteBatch write;
  RETURN_IF_ERROR(FromRocks(write.Put(cf_meta_, "batch/" + batch.id(), batch.SerializeAsString()), "batch"));
  return Apply(&write, /*sync=*/true, "batch");
}

absl::StatusOr<std::optional<kuaguan::v1::IngestBatch>> Store::GetBatch(const std::string& id) {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_meta_, "batch/" + id, &v);
  if (s.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(s, "batch"));
  kuaguan::v1::IngestBatch b;
  if (!b.ParseFromString(v)) return absl::DataLossError(absl::StrCat("batch ", id, " is corrupt"));
  return b;
}

absl::StatusOr<std::vector<std::string>> Store::PersonKeys() {
  std::vector<std::string> keys;
  ASSIGN_OR_RETURN(auto federation, GetMeta("person_key_federation"));
  if (federation) keys.push_back(*federation);
  ASSIGN_OR_RETURN(auto own, GetMeta("person_key"));
  if (own) keys.push_back(*own);
  if (keys.empty()) {
    ASSIGN_OR_RETURN(auto made, PersonKey());
    keys.push_back(made);
  }
  return keys;
}

absl::Status Store::SetFederationPersonKey(const std::string& key, const AuditNote& note) {
  if (key.size() != 32) return absl::InvalidArgumentError("the federation's person key must be 32 bytes");
  return PutMeta({{"person_key_federation", key}}, note);
}

absl::StatusOr<std::string> Store::PersonKey() {
  ASSIGN_OR_RETURN(auto federation, GetMeta("person_key_federation"));
  if (federation) return *federation;
  ASSIGN_OR_RETURN(auto own, GetMeta("person_key"));
  if (own) return *own;
  absl::MutexLock secret(&secret_mu_);
  absl::MutexLock lock(&mu_);
  std::string raw;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_meta_, "person_key", &raw);
  if (!s.IsNotFound()) {  // made meanwhile by another caller
    RETURN_IF_ERROR(FromRocks(s, "person key"));
    return seal::IsSealedSecret(raw) ? seal::OpenSecret(passphrase_, raw) : absl::StatusOr<std::string>(raw);
  }
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::string key(32, '\0');
  if (!urandom.read(key.data(), 32)) return absl::InternalError("cannot read /dev/urandom");
  ASSIGN_OR_RETURN(const std::string kept, Keep(Family::kMeta, "person_key", key));
  rocksdb::WriteBatch write;
  RETURN_IF_ERROR(FromRocks(write.Put(cf_meta_, "person_key", kept), "person key"));
  RETURN_IF_ERROR(Apply(&write, /*sync=*/true, "person key"));
  return key;
}

std::unique_ptr<index::RecordSource> Store::SnapshotSource() {
  return std::make_unique<SnapshotRecords>(db_.get(), cf_records_, cf_meta_, false);
}

std::unique_ptr<RecordCursor> Store::Cursor(bool include_withdrawn) {
  return std::make_unique<SnapshotRecords>(db_.get(), cf_records_, cf_meta_, include_withdrawn);
}

}  // namespace kuaguan::node
