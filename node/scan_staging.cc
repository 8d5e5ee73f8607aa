#include "node/scan_staging.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/disk_space.h"
#include "base/status_macros.h"
#include "base/utf8.h"

namespace kuaguan::node {
namespace fs = std::filesystem;

namespace {

// Why `file` could not be written into the upload, from errno: a full disk says so.
absl::Status WriteFailure(const std::string& file) {
  const int err = errno;
  if (err == ENOSPC || err == EDQUOT) {
    return absl::ResourceExhaustedError(absl::StrCat("disk full: no space left on the node for the upload (writing ",
                                                     file, "); nothing was ingested: free space and run it again"));
  }
  return absl::InternalError(absl::StrCat("cannot write ", file, " into the upload: ", ::strerror(err)));
}

}  // namespace

absl::Status CheckRelativePath(const std::string& path) {
  if (path.empty() || path.size() > 1024 || !base::IsValidUtf8(path) || base::FirstControlChar(path) != 0 ||
      path.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("'", path.substr(0, 200), "' is not an acceptable file name"));
  }
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("'", path.substr(0, 200), "' is not a relative path inside the upload"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ScanStaging>> ScanStaging::Open(const fs::path& root, StagingLimits limits) {
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(root, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot make ", root.string(), ": ", ec.message()));
  return std::unique_ptr<ScanStaging>(new ScanStaging(root, limits));
}

absl::StatusOr<std::unique_ptr<ScanStaging::Upload>> ScanStaging::Begin() {
  std::random_device rd;
  const std::string id = absl::StrCat(absl::Hex(rd(), absl::kZeroPad8), absl::Hex(rd(), absl::kZeroPad8));
  const fs::path dir = root_ / id;
  std::error_code ec;
  if (!fs::create_directory(dir, ec) || ec) {
    return absl::InternalError(absl::StrCat("cannot make the upload folder ", dir.string()));
  }
  return std::unique_ptr<Upload>(new Upload(dir, id, limits_));
}

absl::StatusOr<fs::path> ScanStaging::Resolve(const std::string& id, const std::string& relative) const {
  if (id.size() != 16 || id.find_first_not_of("0123456789abcdef") != std::string::npos ||
      !fs::is_directory(root_ / id)) {
    return absl::NotFoundError(absl::StrCat("no upload '", id.substr(0, 40), "' (send the files with UploadScans)"));
  }
  if (relative.empty()) return root_ / id;
  if (absl::Status st = CheckRelativePath(relative); !st.ok()) return st;
  return root_ / id / relative;
}

void ScanStaging::Remove(const std::string& id) {
  if (!Resolve(id, "").ok()) return;
  std::error_code ec;
  fs::remove_all(root_ / id, ec);
}

ScanStaging::Upload::~Upload() {
  if (fd_ >= 0) ::close(fd_);
  if (!done_) {
    std::error_code ec;
    fs::remove_all(dir_, ec);  // an upload that did not finish leaves nothing behind
  }
}

absl::Status ScanStaging::Upload::Add(const kuaguan::v1::ScanChunk& chunk) {
  if (!chunk.path().empty() && chunk.path().back() == '/') {  // a folder
    const std::string folder = chunk.path().substr(0, chunk.path().size() - 1);
    if (absl::Status st = CheckRelativePath(folder); !st.ok()) return st;
    if (!chunk.data().empty()) return absl::InvalidArgumentError(absl::StrCat("folder '", folder, "' has data"));
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    std::error_code ec;
    fs::create_directories(dir_ / folder, ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("cannot make folder '", folder, "' (under a file?)"));
    return absl::OkStatus();
  }
  if (!chunk.path().empty()) {
    if (absl::Status st = CheckRelativePath(chunk.path()); !st.ok()) return st;
    if (++files_ > limits_.max_files) {
      return absl::ResourceExhaustedError(absl::StrCat("more than ", limits_.max_files, " files in one upload"));
    }
    if (fd_ >= 0) ::close(fd_);
    const fs::path target = dir_ / chunk.path();
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    fd_ = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0) {
      return absl::InvalidArgumentError(absl::StrCat("cannot take '", chunk.path(), "' (sent twice, or under a file)"));
    }
    current_ = chunk.path();
    file_bytes_ = 0;
  } else if (fd_ < 0) {
    return absl::InvalidArgumentError("the first chunk of an upload names no file");
  }
  file_bytes_ += chunk.data().size();
  total_bytes_ += chunk.data().size();
  if (file_bytes_ > limits_.max_file_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(current_, " is larger than ", limits_.max_file_bytes >> 20, " MiB"));
  }
  if (total_bytes_ > limits_.max_total_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("the upload is larger than ", limits_.max_total_bytes >> 30, " GiB"));
  }
  RETURN_IF_ERROR(base::CheckDiskSpace(dir_, chunk.data().size(), base::kChangeReserveBytes,
                                       absl::StrCat("the upload (writing ", current_, ")")));
  const char* p = chunk.data().data();
  size_t left = chunk.data().size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n <= 0) return WriteFailure(current_);
    p += n;
    left -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<kuaguan::v1::StagedScans> ScanStaging::Upload::Done() {
  if (fd_ >= 0 && ::close(fd_) != 0) {
    fd_ = -1;
    return WriteFailure(current_);
  }
  fd_ = -1;
  done_ = true;
  kuaguan::v1::StagedScans s;
  s.set_staging(id_);
  s.set_files(files_);
  s.set_bytes(total_bytes_);
  return s;
}

}  // namespace kuaguan::node
