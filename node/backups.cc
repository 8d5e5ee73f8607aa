#include "node/backups.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include <botan/hash.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "seal/backup_object.h"
#include "seal/backup_repo.h"
#include "seal/backup_restore.h"
#include "seal/node_signature.h"

namespace kuaguan::node {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;
namespace {

constexpr size_t kChunk = 4 << 20;  // a backup object holds at most 4 MiB of a file
constexpr char kWork[] = "backup-work";
constexpr char kIndexNote[] =
    "the search index is not in the backup: a restored node rebuilds it from the store at its first start";

// Whether `inner` is `outer` or lies under it.
bool Within(const fs::path& inner, const fs::path& outer) {
  const auto rel = inner.lexically_normal().lexically_relative(outer.lexically_normal());
  return !rel.empty() && *rel.begin() != "..";
}

struct Source {
  fs::path from;     // on this machine
  std::string name;  // in the manifest: relative to the node's folder
};

// The files a backup holds beside the store's checkpoint: the config and the data directory
// without the store, the index, staged uploads, the lock and backup scratch space.
absl::StatusOr<std::vector<Source>> NodeFiles(const base::NodeConfig& config, const fs::path& checkpoint) {
  std::vector<Source> out;
  out.push_back({config.config_path, "kuaguan.toml"});
  std::error_code ec;
  for (fs::directory_iterator it(checkpoint, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file()) out.push_back({it->path(), absl::StrCat("data/store/", it->path().filename().string())});
  }
  if (ec) return absl::InternalError(absl::StrCat("cannot list the checkpoint ", checkpoint.string(), ": ", ec.message()));
  static const std::set<std::string> skipped = {"store", "index", "staging", "kuaguand.lock", kWork};
  for (fs::recursive_directory_iterator it(config.data_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path rel = it->path().lexically_relative(config.data_dir);
    if (skipped.count(rel.begin()->string()) != 0) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && !absl::EndsWith(rel.string(), ".tmp")) {
      out.push_back({it->path(), absl::StrCat("data/", rel.generic_string())});
    }
  }
  if (ec) return absl::InternalError(absl::StrCat("cannot list ", config.data_dir.string(), ": ", ec.message()));
  if (!Within(config.KeyFile(), config.data_dir)) out.push_back({config.KeyFile(), "data/secrets/key-passphrase"});
  return out;
}

// Stores `src` chunk by chunk; fills `file` and adds the bytes newly written to *new_bytes.
absl::Status BackUpFile(seal::BackupRepo& repo, const Source& src, v1::BackupFile* file, uint64_t* new_bytes,
                        uint64_t* new_objects, const std::function<void(uint64_t)>& advanced,
                        const std::atomic<bool>* cancelled) {
  std::ifstream in(src.from, std::ios::binary);
  if (!in) return absl::InternalError(absl::StrCat("cannot read ", src.from.string()));
  struct stat st {};
  file->set_mode(::stat(src.from.c_str(), &st) == 0 ? (st.st_mode & 0700) : 0600);
  file->set_path(src.name);
  auto hash = Botan::HashFunction::create_or_throw("SM3");
  std::string buf(kChunk, '\0');
  uint64_t size = 0;
  while (in) {
    if (cancelled != nullptr && cancelled->load()) {
      return absl::CancelledError("backup stopped: the objects written so far are kept and the next backup reuses them");
    }
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    const absl::string_view chunk(buf.data(), n);
    hash->update(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size());
    std::string id;
    ASSIGN_OR_RETURN(const uint64_t written, repo.Put(chunk, &id));
    if (written > 0) {
      *new_bytes += written;
      ++*new_objects;
    }
    file->add_objects(id);
    size += n;
    advanced(n);
  }
  if (in.bad()) return absl::InternalError(absl::StrCat("cannot read ", src.from.string()));
  if (file->objects_size() == 0) {
    std::string id;
    ASSIGN_OR_RETURN(const uint64_t written, repo.Put("", &id));
    *new_bytes += written;
    file->add_objects(id);
  }
  file->set_size(size);
  const auto sum = hash->final();
  file->set_sm3(std::string(sum.begin(), sum.end()));
  return absl::OkStatus();
}

uint64_t Entries(const v1::BackupManifest& m, absl::string_view family) {
  for (const auto& f : m.families()) {
    if (f.family() == family) return f.entries();
  }
  return 0;
}

v1::BackupSummary SummaryOf(const v1::BackupManifest& m, const fs::path& repo, bool is_signed) {
  v1::BackupSummary s;
  s.set_backup_id(m.backup_id());
  s.set_repository(repo.string());
  s.set_created_micros(m.created_micros());
  s.set_files(static_cast<uint64_t>(m.files_size()));
  s.set_total_bytes(m.total_bytes());
  s.set_new_bytes(m.new_bytes());
  s.set_new_objects(m.new_objects());
  uint64_t objects = 0;
  for (const auto& f : m.files()) objects += static_cast<uint64_t>(f.objects_size());
  s.set_objects(objects);
  s.set_store_seq(m.store_seq());
  s.set_records(Entries(m, "records"));
  s.set_pages(Entries(m, "pages"));
  s.set_is_signed(is_signed);
  return s;
}

// Tells `progress` (when set) that `phase` has done `done` of `total` bytes.
void Emit(const Backups::Progress& progress, absl::string_view phase, uint64_t done, uint64_t total) {
  if (!progress) return;
  v1::BackupProgress p;
  p.set_phase(std::string(phase));
  p.set_done_bytes(done);
  p.set_total_bytes(total);
  progress(p);
}

std::string Outcome(const absl::Status& s) {
  return s.ok() ? "ok" : absl::StrCat(absl::StatusCodeToString(s.code()), ": ", s.message());
}

// The first certificate of a PEM chain.
std::string LeafCert(const std::string& chain) {
  const std::string end = "-----END CERTIFICATE-----";
  const size_t at = chain.find(end);
  return at == std::string::npos ? chain : chain.substr(0, at + end.size()) + "\n";
}

// Recomputes `store`'s family digests and audit chain into `report` and adds a finding for each
// difference from `m`.
absl::Status CompareWithManifest(Store* store, const v1::BackupManifest& m, v1::BackupReport* report) {
  ASSIGN_OR_RETURN(auto families, store->DigestFamilies());
  for (const auto& want : m.families()) {
    const v1::FamilyDigest* got = nullptr;
    for (const auto& f : families) {
      if (f.family() == want.family()) got = &f;
    }
    if (got == nullptr || got->entries() != want.entries() || got->sm3() != want.sm3()) {
      auto* f = report->add_findings();
      f->set_what(absl::StrCat("family ", want.family()));
      f->set_problem(got == nullptr ? "missing from the restored store"
                                    : absl::StrCat("restored ", got->entries(), " entries, the backup held ", want.entries(),
                                                   got->entries() == want.entries() ? " (contents differ)" : ""));
    }
  }
  for (auto& f : families) *report->add_families() = std::move(f);
  ASSIGN_OR_RETURN(const v1::AuditVerifyResult chain, store->VerifyAuditChain());
  report->set_audit_entries(chain.entries());
  if (!chain.ok()) {
    auto* f = report->add_findings();
    f->set_what("audit log");
    f->set_problem(chain.reason());
  } else if (store->AuditHead().first != m.audit_seq() || store->AuditHead().second != m.audit_head()) {
    auto* f = report->add_findings();
    f->set_what("audit log");
    f->set_problem(absl::StrCat("the restored head is entry ", store->AuditHead().first, ", the backup's ", m.audit_seq()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Backups::CheckRestored(const base::NodeConfig& config, Store* store) {
  const fs::path marker = config.data_dir / "restored-from.manifest";
  std::error_code ec;
  if (!fs::exists(marker, ec)) return absl::OkStatus();
  std::ifstream in(marker, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  v1::BackupManifest m;
  if (!m.ParseFromString(bytes.str())) {
    return absl::FailedPreconditionError(absl::StrCat(marker.string(), " does not parse: restore again"));
  }
  v1::BackupReport report;
  RETURN_IF_ERROR(CompareWithManifest(store, m, &report));
  if (report.findings_size() > 0) {
    std::string why;
    for (const auto& f : report.findings()) absl::StrAppend(&why, "; ", f.what(), ": ", f.problem());
    return absl::FailedPreconditionError(absl::StrCat("the restored store differs from backup ", m.backup_id(), why,
                                                      " (the node will not serve it; restore again)"));
  }
  RETURN_IF_ERROR(store->Audit({"node:restore-check", "backup.restored", m.backup_id(),
                                absl::StrCat("ok: ", report.families_size(), " column families match, ",
                                             report.audit_entries(), " audit entries verify")}));
  fs::rename(marker, config.data_dir / "restored-from.checked", ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot rename ", marker.string(), ": ", ec.message()));
  return absl::OkStatus();
}

Backups::Backups(const base::NodeConfig& config, Store* store, const base::Clock* clock, IdentityFn identity)
    : config_(config), store_(store), clock_(clock), identity_(std::move(identity)) {}

Backups::~Backups() { Stop(); }

void Backups::Stop() {
  stopping_ = true;
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (schedule_.joinable()) schedule_.join();
}

absl::StatusOr<fs::path> Backups::Repository(const std::string& given) const {
  const fs::path dir = given.empty() ? config_.backup_dir : fs::path(given);
  if (!dir.is_absolute()) {
    return absl::InvalidArgumentError(absl::StrCat("backup repository ", given, " is not an absolute path"));
  }
  if (Within(dir, config_.data_dir)) {
    return absl::InvalidArgumentError(absl::StrCat("backup repository ", dir.string(), " lies inside the data directory ",
                                                   config_.data_dir.string(), ": keep backups apart from what they save"));
  }
  return dir.lexically_normal();
}

absl::StatusOr<v1::BackupSummary> Backups::Create(const std::string& to, const std::string& actor,
                                                  const Progress& progress, const std::atomic<bool>* cancelled) {
  if (stopping_) return absl::UnavailableError("the node is stopping");
  ASSIGN_OR_RETURN(const fs::path repo_dir, Repository(to));
  if (!busy_.TryLock()) {
    return absl::FailedPreconditionError("another backup, verify or drill is running on this node; try again when it ends");
  }
  absl::StatusOr<v1::BackupSummary> made = CreateLocked(repo_dir, progress, cancelled);
  busy_.Unlock();
  const std::string object = made.ok() ? made->backup_id() : repo_dir.string();
  RETURN_IF_ERROR(store_->Audit({actor, "backup.create", object,
                                 made.ok() ? absl::StrCat("ok: ", made->files(), " files, ", made->new_bytes(),
                                                          " new bytes in ", repo_dir.string())
                                           : Outcome(made.status())}));
  return made;
}

absl::StatusOr<v1::BackupSummary> Backups::CreateLocked(const fs::path& repo_dir, const Progress& progress, const std::atomic<bool>* cancelled) {
  const int64_t start = clock_->NowMicros();
  ASSIGN_OR_RETURN(const seal::BackupKey key, seal::BackupKey::Load(config_.backup_key_file, /*create=*/true));
  ASSIGN_OR_RETURN(seal::BackupRepo repo, seal::BackupRepo::Open(repo_dir, key, config_.archive_id, /*create=*/true));
  ASSIGN_OR_RETURN(const std::vector<std::string> existing, repo.BackupIds());
  std::string id = absl::FormatTime("%Y%m%dT%H%M%SZ", absl::FromUnixMicros(start), absl::UTCTimeZone());
  for (int n = 2; std::find(existing.begin(), existing.end(), id) != existing.end(); ++n) {
    id = absl::StrCat(absl::FormatTime("%Y%m%dT%H%M%SZ", absl::FromUnixMicros(start), absl::UTCTimeZone()), "-", n);
  }
  const fs::path work = config_.data_dir / kWork / id;
  std::error_code ec;
  fs::remove_all(work, ec);
  fs::create_directories(work, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot make ", work.string(), ": ", ec.message()));
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } cleanup{work};

  Emit(progress, "checkpoint", 0, 0);
  ASSIGN_OR_RETURN(const Store::CheckpointInfo head, store_->Checkpoint(work / "store"));
  v1::BackupManifest m;
  m.set_format(1);
  m.set_backup_id(id);
  m.set_archive(config_.archive_id);
  m.set_archive_name(config_.name);
  m.set_created_micros(start);
  m.set_store_seq(head.store_seq);
  m.set_audit_seq(head.audit_seq);
  m.set_audit_head(head.audit_head);
  m.set_index_note(kIndexNote);
  m.set_key_id(key.id());
  {
    ASSIGN_OR_RETURN(auto copy, Store::OpenReadOnly(work / "store"));
    const uint64_t estimate = store_->Counts().versions + store_->Counts().audit_entries;
    ASSIGN_OR_RETURN(auto families, copy->DigestFamilies([&](uint64_t read) { Emit(progress, "digest", read, estimate); }));
    for (auto& f : families) *m.add_families() = std::move(f);
  }

  ASSIGN_OR_RETURN(const std::vector<Source> sources, NodeFiles(config_, work / "store"));
  uint64_t total = 0, done = 0, new_bytes = 0, new_objects = 0;
  for (const auto& s : sources) {
    const uintmax_t n = fs::file_size(s.from, ec);
    if (!ec) total += n;
  }
  for (const auto& s : sources) {
    RETURN_IF_ERROR(BackUpFile(repo, s, m.add_files(), &new_bytes, &new_objects,
                               [&](uint64_t n) {
                                 done += n;
                                 Emit(progress, "files", done, total);
                               },
                               cancelled));
  }
  m.set_total_bytes(done);
  m.set_new_bytes(new_bytes);
  m.set_new_objects(new_objects);

  Emit(progress, "manifest", done, total);
  v1::SignedBackupManifest signed_manifest;
  signed_manifest.set_manifest(m.SerializeAsString());
  if (std::optional<SigningIdentity> me = identity_ ? identity_() : std::nullopt; me) {
    ASSIGN_OR_RETURN(*signed_manifest.mutable_signature(), seal::SignWithNodeKey(me->key_pem, signed_manifest.manifest()));
    signed_manifest.set_cert_pem(LeafCert(me->cert_pem));
  }
  RETURN_IF_ERROR(repo.PutManifest(signed_manifest, id));
  v1::BackupSummary summary = SummaryOf(m, repo_dir, !signed_manifest.signature().empty());

  ASSIGN_OR_RETURN(std::vector<std::string> ids, repo.BackupIds());
  if (static_cast<int64_t>(ids.size()) > config_.backup_keep) {
    Emit(progress, "prune", done, total);
    const size_t drop = ids.size() - static_cast<size_t>(config_.backup_keep);
    for (size_t i = 0; i < drop; ++i) {
      RETURN_IF_ERROR(repo.RemoveManifest(ids[i]));
      summary.add_pruned(ids[i]);
    }
    std::set<std::string> referenced;
    for (size_t i = drop; i < ids.size(); ++i) {
      ASSIGN_OR_RETURN(const v1::SignedBackupManifest kept, repo.GetManifest(ids[i]));
      bool ignored = false;
      ASSIGN_OR_RETURN(const v1::BackupManifest km, seal::OpenManifest(kept, &ignored));
      for (const auto& f : km.files()) referenced.insert(f.objects().begin(), f.objects().end());
    }
    RETURN_IF_ERROR(repo.RemoveUnreferenced(referenced).status());
  }
  summary.set_took_micros(clock_->NowMicros() - start);
  return summary;
}

absl::StatusOr<v1::BackupList> Backups::List(const std::string& in, const std::string& actor) {
  ASSIGN_OR_RETURN(const fs::path repo_dir, Repository(in));
  absl::StatusOr<v1::BackupList> list = [&]() -> absl::StatusOr<v1::BackupList> {
    ASSIGN_OR_RETURN(const seal::BackupKey key, seal::BackupKey::Load(config_.backup_key_file, /*create=*/false));
    ASSIGN_OR_RETURN(const seal::BackupRepo repo, seal::BackupRepo::Open(repo_dir, key, config_.archive_id, false));
    ASSIGN_OR_RETURN(const std::vector<std::string> ids, repo.BackupIds());
    v1::BackupList out;
    out.set_repository(repo_dir.string());
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
      ASSIGN_OR_RETURN(const v1::SignedBackupManifest sm, repo.GetManifest(*it));
      bool signature_ok = false;
      ASSIGN_OR_RETURN(const v1::BackupManifest m, seal::OpenManifest(sm, &signature_ok));
      *out.add_backups() = SummaryOf(m, repo_dir, signature_ok);
    }
    return out;
  }();
  RETURN_IF_ERROR(store_->Audit({actor, "backup.list", repo_dir.string(),
                                 list.ok() ? absl::StrCat("ok: ", list->backups_size(), " backups") : Outcome(list.status())}));
  return list;
}

absl::StatusOr<v1::BackupReport> Backups::Verify(const std::string& in, const std::string& id, const std::string& actor,
                                                 const Progress& progress, const std::atomic<bool>* cancelled) {
  return Audited(in, id, actor, /*drill=*/false, progress, cancelled);
}

absl::StatusOr<v1::BackupReport> Backups::Drill(const std::string& in, const std::string& id, const std::string& actor,
                                                const Progress& progress, const std::atomic<bool>* cancelled) {
  return Audited(in, id, actor, /*drill=*/true, progress, cancelled);
}

absl::StatusOr<v1::BackupReport> Backups::Audited(const std::string& in, const std::string& id, const std::string& actor,
                                                  bool drill, const Progress& progress, const std::atomic<bool>* cancelled) {
  if (!busy_.TryLock()) return absl::FailedPreconditionError("another backup, verify or drill is running on this node");
  absl::StatusOr<v1::BackupReport> report = Check(in, id, drill, progress, cancelled);
  busy_.Unlock();
  std::string outcome;
  if (!report.ok()) {
    outcome = Outcome(report.status());
  } else if (report->ok()) {
    outcome = drill ? absl::StrCat("ok: restored and compared, ", report->audit_entries(), " audit entries") : "ok";
  } else {
    outcome = absl::StrCat(drill ? "failed: " : "damaged: ", report->findings_size(), " findings");
  }
  RETURN_IF_ERROR(store_->Audit({actor, drill ? "backup.drill" : "backup.verify", report.ok() ? report->backup_id() : id, outcome}));
  return report;
}

absl::StatusOr<v1::BackupReport> Backups::Check(const std::string& in, const std::string& id, bool drill,
                                                const Progress& progress, const std::atomic<bool>* cancelled) {
  const int64_t start = clock_->NowMicros();
  ASSIGN_OR_RETURN(const fs::path repo_dir, Repository(in));
  ASSIGN_OR_RETURN(const seal::BackupKey key, seal::BackupKey::Load(config_.backup_key_file, /*create=*/false));
  ASSIGN_OR_RETURN(seal::BackupRepo repo, seal::BackupRepo::Open(repo_dir, key, config_.archive_id, false));
  std::string which = id;
  if (which.empty()) {
    ASSIGN_OR_RETURN(const std::vector<std::string> ids, repo.BackupIds());
    if (ids.empty()) return absl::NotFoundError(absl::StrCat("no backup in ", repo_dir.string()));
    which = ids.back();
  }
  ASSIGN_OR_RETURN(const v1::SignedBackupManifest sm, repo.GetManifest(which));
  bool signature_ok = false;
  ASSIGN_OR_RETURN(const v1::BackupManifest m, seal::OpenManifest(sm, &signature_ok));
  const fs::path scratch = drill ? config_.data_dir / kWork / absl::StrCat("drill-", which) : fs::path();
  std::error_code ec;
  if (drill) fs::remove_all(scratch, ec);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ignored;
      if (!dir.empty()) fs::remove_all(dir, ignored);
    }
  } cleanup{scratch};
  ASSIGN_OR_RETURN(v1::BackupReport report,
                   seal::RestoreFiles(repo, m, scratch, [&](uint64_t d, uint64_t t) { Emit(progress, drill ? "restore" : "files", d, t); },
                                      cancelled));
  report.set_signature_ok(signature_ok);
  for (const auto& id : report.damaged_objects()) {
    // The next backup writes a damaged object again from the store (it is named by its content).
    if (absl::Status st = repo.SetAside(id); !st.ok()) {
      auto* f = report.add_findings();
      f->set_what(absl::StrCat("object ", id));
      f->set_problem(std::string(st.message()));
    }
  }
  if (!sm.signature().empty() && !signature_ok) {
    auto* f = report.add_findings();
    f->set_what("manifest");
    f->set_problem("its signature does not verify with the certificate it carries");
  }
  if (m.archive() != config_.archive_id) {
    auto* f = report.add_findings();
    f->set_what("manifest");
    f->set_problem(absl::StrCat("it is a backup of archive ", m.archive(), ", not of ", config_.archive_id));
  }
  if (drill && report.findings_size() == 0) {
    Emit(progress, "compare", 0, 0);
    ASSIGN_OR_RETURN(auto restored, Store::OpenReadOnly(scratch / "data" / "store"));
    RETURN_IF_ERROR(CompareWithManifest(restored.get(), m, &report));
  }
  report.set_ok(report.findings_size() == 0);
  report.set_took_micros(clock_->NowMicros() - start);
  return report;
}

absl::StatusOr<v1::ReplicaReport> Backups::OnRepository(const std::string& action, const std::string& actor,
                                                        const RepoWork& work) {
  if (!busy_.TryLock()) return absl::FailedPreconditionError("a backup, verify or drill is running on this node; try again when it ends");
  absl::StatusOr<v1::ReplicaReport> report = [&]() -> absl::StatusOr<v1::ReplicaReport> {
    ASSIGN_OR_RETURN(const seal::BackupKey key, seal::BackupKey::Load(config_.backup_key_file, /*create=*/false));
    ASSIGN_OR_RETURN(const seal::BackupRepo repo, seal::BackupRepo::Open(config_.backup_dir, key, config_.archive_id, false));
    return work(repo);
  }();
  busy_.Unlock();
  std::string outcome;
  if (!report.ok()) {
    outcome = Outcome(report.status());
  } else {
    outcome = report->ok() ? "ok" : "incomplete";
    for (const auto& p : report->peers()) {
      absl::StrAppend(&outcome, "; ", p.archive(), ": ", p.error().empty() ? "" : absl::StrCat("error ", p.error(), ", "),
                      p.sent(), " sent, ", p.missing_size(), " missing, ", p.damaged_size(), " damaged");
    }
  }
  RETURN_IF_ERROR(store_->Audit({actor, action, config_.backup_dir.string(), outcome}));
  return report;
}

absl::StatusOr<std::string> Backups::RestoreStoreFile(
    const std::string& in, const std::string& name, const fs::path& dest,
    const std::function<absl::Status(const fs::path&)>& healthy) {
  ASSIGN_OR_RETURN(const fs::path repo_dir, Repository(in));
  ASSIGN_OR_RETURN(const seal::BackupKey key, seal::BackupKey::Load(config_.backup_key_file, /*create=*/false));
  ASSIGN_OR_RETURN(const seal::BackupRepo repo, seal::BackupRepo::Open(repo_dir, key, config_.archive_id, false));
  ASSIGN_OR_RETURN(const std::vector<std::string> ids, repo.BackupIds());
  const std::string wanted = absl::StrCat("data/store/", name);
  const fs::path scratch = dest.parent_path() / absl::StrCat(".work-", name);
  std::string tried;
  for (auto id = ids.rbegin(); id != ids.rend(); ++id) {
    ASSIGN_OR_RETURN(const v1::SignedBackupManifest sm, repo.GetManifest(*id));
    bool signature_ok = false;
    ASSIGN_OR_RETURN(v1::BackupManifest m, seal::OpenManifest(sm, &signature_ok));
    if (!sm.signature().empty() && !signature_ok) {
      absl::StrAppend(&tried, "; ", *id, ": its manifest's signature does not verify");
      continue;
    }
    auto file = std::find_if(m.files().begin(), m.files().end(), [&](const v1::BackupFile& f) { return f.path() == wanted; });
    if (file == m.files().end()) continue;
    v1::BackupManifest one = m;
    one.clear_files();
    *one.add_files() = *file;
    std::error_code ec;
    fs::remove_all(scratch, ec);
    ASSIGN_OR_RETURN(const v1::BackupReport report, seal::RestoreFiles(repo, one, scratch, nullptr, nullptr));
    absl::Status accepted = report.ok() ? healthy(scratch / wanted)
                                        : absl::DataLossError(absl::StrCat(report.findings(0).what(), ": ", report.findings(0).problem()));
    if (accepted.ok()) {
      fs::rename(scratch / wanted, dest, ec);
      fs::remove_all(scratch, ec);
      if (ec) return absl::InternalError(absl::StrCat("cannot move the copy to ", dest.string(), ": ", ec.message()));
      return *id;
    }
    fs::remove_all(scratch, ec);
    absl::StrAppend(&tried, "; ", *id, ": ", accepted.message());
  }
  return absl::NotFoundError(absl::StrCat("no backup in ", repo_dir.string(), " (", ids.size(), " backups) holds a healthy copy of ",
                                          name, tried));
}

absl::StatusOr<v1::KeyShare> Backups::Share(int n, const std::string& actor) {
  absl::StatusOr<seal::BackupKey> key = seal::BackupKey::Load(config_.backup_key_file, /*create=*/true);
  RETURN_IF_ERROR(store_->Audit({actor, "backup.key-share", absl::StrCat("share ", n), key.ok() ? "ok" : Outcome(key.status())}));
  if (!key.ok()) return key.status();
  v1::KeyShare out;
  out.set_share(static_cast<uint32_t>(n));
  out.set_text(key->ShareText(n));
  out.set_key_id(key->id());
  return out;
}

void Backups::StartSchedule() {
  if (config_.backup_every_hours <= 0) return;
  schedule_ = std::thread([this] {
    const absl::Duration every = absl::Hours(config_.backup_every_hours);
    while (!stop_.WaitForNotificationWithTimeout(every)) {
      absl::StatusOr<v1::BackupSummary> made = Create("", "schedule:backup", nullptr, &stopping_);
      if (!made.ok()) {
        std::fprintf(stderr, "kuaguand: scheduled backup failed: %s\n", std::string(made.status().message()).c_str());
      } else if (after_scheduled_) {
        after_scheduled_();
      }
    }
  });
}

}  // namespace kuaguan::node
