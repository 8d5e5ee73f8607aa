#include "node/store_check.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>

#include <botan/hash.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_reader.h"
#include "seal/digest.h"

namespace kuaguan::node {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;
namespace {

constexpr char kRepairDir[] = "repair";
constexpr char kStagedSuffix[] = ".from";  // beside a staged copy: "<SM3 hex> <backup id>\n"
constexpr char kRestoreAdvice[] =
    "restore the newest backup into a new folder (kuaguan restore DIR --to NEWDIR) and start the node from it";

// CRC-32C (Castagnoli), as RocksDB's blob files carry it, masked the way RocksDB stores CRCs.
uint32_t Crc32c(uint32_t crc, const char* data, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ static_cast<uint8_t>(data[i])) & 0xff] ^ (crc >> 8);
  return ~crc;
}
uint32_t Masked(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

uint64_t Fixed(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// What a page key names: an original by its SM3, or a derivative (SM3/page/kind).
std::string PageName(const std::string& key) {
  if (key.size() == 32) return absl::StrCat("page image ", seal::ToHex(key));
  if (key.size() > 32 && key[32] == '/') return absl::StrCat("page copy ", seal::ToHex(key.substr(0, 32)), key.substr(32));
  return absl::StrCat("page entry ", seal::ToHex(key));
}

// A blob file: header (30 bytes: magic, version, column family, flags, compression, expiration
// range), records (32-byte header: key length, value length, expiration, header CRC over the first
// 24 bytes, blob CRC over key and value; then key and value), footer (32 bytes: magic, blob count,
// expiration range, CRC over the first 28 bytes). Every CRC is checked.
absl::Status VerifyBlobFile(const fs::path& path) {
  constexpr uint32_t kMagic = 2395959;
  constexpr size_t kHeader = 30, kRecordHeader = 32, kFooter = 32;
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  const uint64_t size = fs::file_size(path, ec);
  if (!in || ec) return absl::DataLossError(absl::StrCat("cannot read ", path.filename().string()));
  const std::string name = path.filename().string();
  const auto read = [&](uint64_t at, size_t n, std::string* out) {
    out->resize(n);
    in.seekg(static_cast<std::streamoff>(at));
    in.read(out->data(), static_cast<std::streamsize>(n));
    return static_cast<size_t>(in.gcount()) == n;
  };
  std::string buf;
  if (size < kHeader + kFooter || !read(0, kHeader, &buf) || Fixed(buf.data(), 4) != kMagic) {
    return absl::DataLossError(absl::StrCat(name, ": not a whole blob file (header)"));
  }
  if (!read(size - kFooter, kFooter, &buf) || Fixed(buf.data(), 4) != kMagic ||
      Masked(Crc32c(0, buf.data(), 28)) != Fixed(buf.data() + 28, 4)) {
    return absl::DataLossError(absl::StrCat(name, ": its footer's checksum does not match"));
  }
  const uint64_t count = Fixed(buf.data() + 4, 8);
  std::vector<std::string> problems;
  uint64_t at = kHeader, records = 0;
  std::string header, key, value;
  while (at < size - kFooter) {
    if (!read(at, kRecordHeader, &header) || Masked(Crc32c(0, header.data(), 24)) != Fixed(header.data() + 24, 4)) {
      problems.push_back(absl::StrCat("the record header at byte ", at, " does not match its checksum (the rest is unreadable)"));
      break;
    }
    const uint64_t key_len = Fixed(header.data(), 8), value_len = Fixed(header.data() + 8, 8);
    if (key_len > size || value_len > size - at || !read(at + kRecordHeader, key_len, &key) ||
        !read(at + kRecordHeader + key_len, value_len, &value)) {
      problems.push_back(absl::StrCat("the record at byte ", at, " runs past the end of the file"));
      break;
    }
    const uint32_t crc = Crc32c(Crc32c(0, key.data(), key.size()), value.data(), value.size());
    if (Masked(crc) != Fixed(header.data() + 28, 4)) {
      problems.push_back(absl::StrCat(PageName(key), " (", value_len, " bytes at byte ", at + kRecordHeader + key_len,
                                      ") does not match its checksum"));
    }
    at += kRecordHeader + key_len + value_len;
    ++records;
  }
  if (problems.empty() && records != count) {
    problems.push_back(absl::StrCat("its footer counts ", count, " records, the file holds ", records));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(name, ": ", absl::StrJoin(problems, "; ")));
}

absl::Status VerifyTableFile(const fs::path& path) {
  rocksdb::Options options;
  rocksdb::SstFileReader reader(options);
  rocksdb::Status s = reader.Open(path.string());
  if (s.ok()) s = reader.VerifyChecksum();
  if (s.ok()) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(path.filename().string(), ": ", s.ToString()));
}

// The store file a RocksDB message names ("... in /srv/data/store/000012.sst offset ..."), or "".
std::string FileNamed(absl::string_view message) {
  for (absl::string_view word : absl::StrSplit(message, absl::ByAnyChar(" ,:;()"))) {
    const size_t slash = word.rfind('/');
    const absl::string_view base = slash == absl::string_view::npos ? word : word.substr(slash + 1);
    if (absl::EndsWith(base, ".sst") || absl::EndsWith(base, ".blob")) return std::string(base);
  }
  return "";
}

absl::StatusOr<std::string> Sm3OfFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  auto hash = Botan::HashFunction::create_or_throw("SM3");
  std::string buf(1 << 20, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    hash->update(reinterpret_cast<const uint8_t*>(buf.data()), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return absl::InternalError(absl::StrCat("cannot read ", path.string()));
  const auto sum = hash->final();
  return std::string(sum.begin(), sum.end());
}

absl::Status SyncDir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return absl::InternalError(absl::StrCat("cannot sync ", dir.string()));
  }
  ::close(fd);
  return absl::OkStatus();
}

v1::CheckFinding* Add(v1::CheckReport* report, absl::string_view kind, std::string what, std::string problem,
                      std::string file = "") {
  auto* f = report->add_findings();
  f->set_kind(std::string(kind));
  f->set_what(std::move(what));
  f->set_problem(std::move(problem));
  f->set_file(file.empty() ? FileNamed(f->problem()) : std::move(file));
  return f;
}

void Emit(const StoreCheck::Progress& progress, absl::string_view phase, uint64_t done, uint64_t total) {
  if (!progress) return;
  v1::CheckProgress p;
  p.set_phase(std::string(phase));
  p.set_done(done);
  p.set_total(total);
  progress(p);
}

absl::Status Cancelled(const std::atomic<bool>* cancelled) {
  if (cancelled != nullptr && cancelled->load()) return absl::CancelledError("check stopped; nothing was changed");
  return absl::OkStatus();
}

std::string Outcome(const absl::Status& s) {
  return s.ok() ? "ok" : absl::StrCat(absl::StatusCodeToString(s.code()), ": ", s.message());
}

}  // namespace

absl::Status VerifyStoreFile(const fs::path& path) {
  return path.extension() == ".blob" ? VerifyBlobFile(path) : VerifyTableFile(path);
}

StoreCheck::StoreCheck(const base::NodeConfig& config, Store* store, index::RecordIndex* index, Backups* backups,
                       const base::Clock* clock)
    : config_(config), store_(store), index_(index), backups_(backups), clock_(clock) {}

absl::StatusOr<v1::CheckReport> StoreCheck::Run(bool repair, const std::string& from, const std::string& actor,
                                                const Progress& progress, const std::atomic<bool>* cancelled) {
  if (!busy_.TryLock()) return absl::FailedPreconditionError("a check is already running on this node; try again when it ends");
  const int64_t start = clock_->NowMicros();
  v1::CheckReport report;
  absl::Status done = [&]() -> absl::Status {
    RETURN_IF_ERROR(CheckFiles(&report, progress, cancelled));
    RETURN_IF_ERROR(CheckRecords(&report, progress, cancelled));
    RETURN_IF_ERROR(CheckPages(&report, progress, cancelled));
    CheckAuditAndIndex(&report);
    if (repair && report.findings_size() > 0) Repair(from, &report, progress);
    return absl::OkStatus();
  }();
  busy_.Unlock();
  report.set_ok(report.findings_size() == 0);
  report.set_took_micros(clock_->NowMicros() - start);
  std::string outcome = Outcome(done);
  if (done.ok()) {
    outcome = report.ok() ? absl::StrCat("ok: ", report.table_files(), " table files, ", report.blob_files(), " blob files, ",
                                         report.records_checked(), " records, ", report.pages_checked(), " page images, ",
                                         report.audit_entries(), " audit entries")
                          : absl::StrCat("damaged: ", report.findings_size(), " findings, first ", report.findings(0).what(),
                                         ": ", report.findings(0).problem());
    if (report.staged_size() > 0) absl::StrAppend(&outcome, "; staged for the next start: ", absl::StrJoin(report.staged(), ", "));
  }
  RETURN_IF_ERROR(store_->Audit({actor, "store.check", repair ? "store (repair)" : "store", outcome}));
  if (!done.ok()) return done;
  return report;
}

absl::Status StoreCheck::CheckFiles(v1::CheckReport* report, const Progress& progress, const std::atomic<bool>* cancelled) {
  absl::Status stopped;
  RETURN_IF_ERROR(store_->WithLiveFiles([&](const std::vector<Store::File>& files) {
    uint64_t total = 0, done = 0;
    for (const auto& f : files) total += f.size;
    Emit(progress, "files", 0, total);
    for (const auto& f : files) {
      if (stopped = Cancelled(cancelled); !stopped.ok()) return;
      if (absl::Status s = VerifyStoreFile(f.path); !s.ok()) {
        absl::string_view problem = s.message();
        absl::ConsumePrefix(&problem, absl::StrCat(f.name, ": "));
        Add(report, "file", absl::StrCat("file ", f.name), std::string(problem), f.name);
      }
      if (f.blob) {
        report->set_blob_files(report->blob_files() + 1);
      } else {
        report->set_table_files(report->table_files() + 1);
      }
      done += f.size;
      Emit(progress, "files", done, total);
    }
    report->set_bytes_checked(done);
  }));
  return stopped;
}

absl::Status StoreCheck::CheckRecords(v1::CheckReport* report, const Progress& progress, const std::atomic<bool>* cancelled) {
  const uint64_t total = store_->Counts().records;
  uint64_t n = 0;
  absl::Status stopped;
  const absl::Status read = store_->ForEachRecord([&](const v1::StoredRecord& r) {
    const std::string sm3 = seal::Sm3(seal::SerializeDeterministic(r.record()));
    if (sm3 != r.content_sm3()) {
      Add(report, "record", absl::StrCat("record ", r.record().code()),
          absl::StrCat("its content SM3 is ", seal::ToHex(sm3), ", the store recorded ", seal::ToHex(r.content_sm3())));
    }
    if (++n % 1024 == 0) {
      Emit(progress, "records", n, total);
      stopped = Cancelled(cancelled);
    }
    return stopped.ok();
  });
  report->set_records_checked(n);
  Emit(progress, "records", n, total);
  if (!read.ok()) Add(report, "record", "records", absl::StrCat("reading stopped after ", n, " records: ", read.message()));
  return stopped;
}

absl::Status StoreCheck::CheckPages(v1::CheckReport* report, const Progress& progress, const std::atomic<bool>* cancelled) {
  uint64_t n = 0;
  absl::Status stopped;
  const absl::Status read = store_->ForEachPageBlob([&](const std::string& key, const std::string& bytes) {
    if (key.size() == 32) {
      report->set_originals_checked(report->originals_checked() + 1);
      if (const std::string sm3 = seal::Sm3(bytes); sm3 != key) {
        Add(report, "page", PageName(key), absl::StrCat("its bytes' SM3 is ", seal::ToHex(sm3), ", not the key it is stored under"));
      }
    }
    if (++n % 64 == 0) {
      Emit(progress, "pages", n, 0);
      stopped = Cancelled(cancelled);
    }
    return stopped.ok();
  });
  report->set_pages_checked(n);
  Emit(progress, "pages", n, 0);
  if (!read.ok()) {
    // RocksDB's blob reader does not name the file: a damaged blob file found above holds it.
    std::string blob;
    for (const auto& f : report->findings()) {
      if (f.kind() == "file" && absl::EndsWith(f.file(), ".blob")) blob = f.file();
    }
    Add(report, "page", "pages",
        absl::StrCat("reading stopped after ", n, " page images: ", read.message(),
                     blob.empty() ? "" : absl::StrCat(" (blob file ", blob, " is damaged)")),
        blob);
  }
  return stopped;
}

void StoreCheck::CheckAuditAndIndex(v1::CheckReport* report) {
  absl::StatusOr<v1::AuditVerifyResult> chain = store_->VerifyAuditChain();
  if (!chain.ok()) {
    Add(report, "audit", "audit log", std::string(chain.status().message()));
  } else {
    report->set_audit_entries(chain->entries());
    if (!chain->ok()) Add(report, "audit", absl::StrCat("audit entry ", chain->first_broken_seq()), chain->reason());
  }
  const StoreCounts counts = store_->Counts();
  report->set_store_seq(store_->LastSeq());
  report->set_index_seq(index_->IndexedSeq());
  report->set_indexed_documents(index_->DocCount());
  report->set_active_records(counts.records - counts.withdrawn);
  if (report->index_seq() != report->store_seq()) {
    Add(report, "index", "search index",
        absl::StrCat("it has reached store change ", report->index_seq(), ", the store is at ", report->store_seq()));
  } else if (report->indexed_documents() != report->active_records()) {
    Add(report, "index", "search index",
        absl::StrCat("it holds ", report->indexed_documents(), " documents, the store ", report->active_records(),
                     " active records"));
  }
}

void StoreCheck::Repair(const std::string& from, v1::CheckReport* report, const Progress& progress) {
  const fs::path dir = config_.data_dir / kRepairDir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::map<std::string, std::string> outcome;  // file -> what was done
  for (const auto& f : report->findings()) {
    if (!f.file().empty()) outcome[f.file()];
  }
  uint64_t n = 0;
  for (auto& [file, said] : outcome) {
    Emit(progress, "repair", n++, outcome.size());
    const fs::path dest = dir / file;
    absl::StatusOr<std::string> id = backups_->RestoreStoreFile(from, file, dest, VerifyStoreFile);
    absl::StatusOr<std::string> sm3 = id.ok() ? Sm3OfFile(dest) : id.status();
    if (sm3.ok()) {
      const fs::path note = dir / absl::StrCat(file, kStagedSuffix);
      std::ofstream out(note, std::ios::binary | std::ios::trunc);
      out << seal::ToHex(*sm3) << " " << *id << "\n";
      out.close();
      if (!out) sm3 = absl::InternalError(absl::StrCat("cannot write ", note.string()));
    }
    if (sm3.ok()) {
      said = absl::StrCat("a healthy copy from backup ", *id, " is staged in ", dest.string(),
                          "; it is put in place when the node next starts (restart it)");
      report->add_staged(file);
    } else if (id.status().code() == absl::StatusCode::kNotFound) {
      said = absl::StrCat("not repairable from backups (", id.status().message(), "): ", kRestoreAdvice);
    } else {
      said = absl::StrCat("not staged: ", sm3.status().message());
    }
  }
  for (auto& f : *report->mutable_findings()) {
    if (!f.file().empty()) {
      f.set_repair(outcome[f.file()]);
    } else if (f.kind() == "index") {
      f.set_repair("rebuild the index: kuaguan reindex");
    } else {
      f.set_repair(absl::StrCat("no damaged file to replace holds it: ", kRestoreAdvice));
    }
  }
}

absl::StatusOr<std::vector<AppliedRepair>> ApplyStagedRepairs(const base::NodeConfig& config) {
  const fs::path dir = config.data_dir / kRepairDir;
  const fs::path store = config.data_dir / "store";
  std::vector<AppliedRepair> applied;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return applied;
  std::vector<fs::path> notes;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (absl::EndsWith(it->path().filename().string(), kStagedSuffix)) notes.push_back(it->path());
  }
  if (ec) return absl::InternalError(absl::StrCat("cannot list ", dir.string(), ": ", ec.message()));
  for (const fs::path& note : notes) {
    const std::string file = note.stem().string();
    const fs::path staged = dir / file;
    const fs::path target = store / file;
    std::string sm3_hex, backup_id;
    std::ifstream(note) >> sm3_hex >> backup_id;
    absl::Status ok = absl::OkStatus();
    if (!fs::exists(target, ec)) {
      ok = absl::NotFoundError("the store no longer has that file (compacted away since)");
    } else if (fs::file_size(target, ec) != fs::file_size(staged, ec)) {
      ok = absl::FailedPreconditionError("the copy's size differs from the store's file");
    } else if (absl::StatusOr<std::string> sm3 = Sm3OfFile(staged); !sm3.ok() || seal::ToHex(*sm3) != sm3_hex) {
      ok = absl::DataLossError("the copy's SM3 is not the one it was staged with");
    } else {
      ok = VerifyStoreFile(staged);
    }
    if (ok.ok()) {
      fs::rename(staged, target, ec);
      if (ec) return absl::InternalError(absl::StrCat("cannot put ", staged.string(), " in place: ", ec.message()));
      RETURN_IF_ERROR(SyncDir(store));
      applied.push_back({file, backup_id});
      std::fprintf(stderr, "kuaguand: repaired store file %s from backup %s\n", file.c_str(), backup_id.c_str());
    } else {
      std::fprintf(stderr, "kuaguand: staged repair of %s not applied: %s\n", file.c_str(), std::string(ok.message()).c_str());
      fs::remove(staged, ec);
    }
    fs::remove(note, ec);
  }
  return applied;
}

absl::Status AuditRepairs(Store* store, const std::vector<AppliedRepair>& applied) {
  for (const auto& r : applied) {
    RETURN_IF_ERROR(store->Audit({"node:start", "store.repaired", r.file,
                                  absl::StrCat("ok: put in place from backup ", r.backup_id, ", checksums and SM3 verified")}));
  }
  return absl::OkStatus();
}

}  // namespace kuaguan::node
