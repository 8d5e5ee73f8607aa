#include "seal/backup_restore.h"

#include <botan/hash.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "seal/digest.h"
#include "seal/node_signature.h"

namespace kuaguan::seal {
namespace fs = std::filesystem;
namespace {

// An open file being rebuilt; closes (and removes, unless kept) on destruction.
class OutFile {
 public:
  OutFile() = default;
  OutFile(const OutFile&) = delete;
  OutFile& operator=(const OutFile&) = delete;
  ~OutFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!kept_ && !path_.empty()) ::unlink(path_.c_str());
  }
  absl::Status Open(const fs::path& path, uint32_t mode) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot make ", path.parent_path().string(), ": ", ec.message()));
    path_ = path;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode & 0700) | 0600);
    if (fd_ < 0) return absl::InternalError(absl::StrCat("cannot create ", path.string(), ": ", std::strerror(errno)));
    return absl::OkStatus();
  }
  absl::Status Write(absl::string_view data) {
    for (size_t done = 0; done < data.size();) {
      const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return absl::InternalError(absl::StrCat("cannot write ", path_.string(), ": ", std::strerror(errno)));
      done += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }
  absl::Status Close() {
    const bool ok = ::fsync(fd_) == 0;
    const int err = errno;
    const bool closed = ::close(fd_) == 0;
    fd_ = -1;
    if (!ok || !closed) return absl::InternalError(absl::StrCat("cannot write ", path_.string(), ": ", std::strerror(err)));
    kept_ = true;
    return absl::OkStatus();
  }

 private:
  fs::path path_;
  int fd_ = -1;
  bool kept_ = false;
};

void Finding(kuaguan::v1::BackupReport* report, std::string what, std::string problem) {
  auto* f = report->add_findings();
  f->set_what(std::move(what));
  f->set_problem(std::move(problem));
}

}  // namespace

bool IsSafeBackupPath(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.size() > 1024) return false;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == "." || part == "..") return false;
    if (part.find('\0') != absl::string_view::npos) return false;
  }
  return true;
}

absl::StatusOr<kuaguan::v1::BackupManifest> OpenManifest(const kuaguan::v1::SignedBackupManifest& signed_manifest,
                                                        bool* signature_ok) {
  kuaguan::v1::BackupManifest m;
  if (!m.ParseFromString(signed_manifest.manifest())) return absl::DataLossError("the backup manifest does not parse");
  *signature_ok = !signed_manifest.signature().empty() &&
                  VerifyNodeSignature(signed_manifest.cert_pem(), signed_manifest.manifest(), signed_manifest.signature()).ok();
  return m;
}

absl::StatusOr<kuaguan::v1::BackupReport> RestoreFiles(const BackupRepo& repo, const kuaguan::v1::BackupManifest& manifest,
                                                      const fs::path& dest, const RestoreProgress& progress,
                                                      const std::atomic<bool>* cancelled) {
  kuaguan::v1::BackupReport report;
  report.set_backup_id(manifest.backup_id());
  uint64_t total = 0, done = 0;
  for (const auto& f : manifest.files()) total += f.size();
  std::set<std::string> seen;
  for (const auto& f : manifest.files()) {
    if (cancelled != nullptr && cancelled->load()) return absl::CancelledError("stopped; run it again to start over");
    const std::string what = absl::StrCat("file ", f.path());
    if (!IsSafeBackupPath(f.path())) {
      Finding(&report, what, "its path is not a safe relative path: not restored");
      continue;
    }
    if (!seen.insert(f.path()).second) {
      Finding(&report, what, "the manifest names it twice: the second is not restored");
      continue;
    }
    OutFile out;
    if (!dest.empty()) {
      if (absl::Status st = out.Open(dest / f.path(), f.mode()); !st.ok()) return st;
    }
    auto hash = Botan::HashFunction::create_or_throw("SM3");
    uint64_t size = 0;
    std::string problem;
    for (const auto& id : f.objects()) {
      auto chunk = repo.Get(id);
      report.set_objects_checked(report.objects_checked() + 1);
      if (!chunk.ok()) {
        problem = std::string(chunk.status().message());
        if (chunk.status().code() == absl::StatusCode::kDataLoss) report.add_damaged_objects(id);
        break;
      }
      hash->update(reinterpret_cast<const uint8_t*>(chunk->data()), chunk->size());
      size += chunk->size();
      done += chunk->size();
      if (!dest.empty()) {
        if (absl::Status st = out.Write(*chunk); !st.ok()) return st;
      }
      if (progress) progress(done, total);
    }
    report.set_files_checked(report.files_checked() + 1);
    report.set_bytes_checked(report.bytes_checked() + size);
    if (problem.empty() && size != f.size()) problem = absl::StrCat("rebuilt ", size, " bytes, the manifest says ", f.size());
    if (problem.empty()) {
      const auto sum = hash->final();
      if (std::string(sum.begin(), sum.end()) != f.sm3()) problem = "its SM3 differs from the manifest's";
    }
    if (!problem.empty()) {
      Finding(&report, what, problem);
      continue;
    }
    if (!dest.empty()) {
      if (absl::Status st = out.Close(); !st.ok()) return st;
    }
  }
  report.set_ok(report.findings_size() == 0);
  return report;
}

}  // namespace kuaguan::seal
