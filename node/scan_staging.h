// Where files sent for ingest wait: DATA_DIR/staging/ID/, one folder per upload, written only
// from the bytes a client streams (UploadScans), so the daemon never opens a path a client
// names. A chunk whose path ends in '/' makes a folder (sent even when empty). Paths inside are relative and checked (no "..", no absolute or empty parts, no control
// characters); sizes are bounded. An upload is removed once its ingest has run; leftovers from
// a crash are removed at start. Thread-safe: each Upload is used by one stream at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kuaguan/v1/admin.pb.h"

namespace kuaguan::node {

struct StagingLimits {
  uint64_t max_file_bytes = 512ull << 20;
  uint64_t max_total_bytes = 16ull << 30;
  uint32_t max_files = 100000;
};

class ScanStaging {
 public:
  // Empties and makes `root` (mode 0700 by the daemon's umask).
  static absl::StatusOr<std::unique_ptr<ScanStaging>> Open(const std::filesystem::path& root,
                                                           StagingLimits limits = {});

  // One upload in progress: Add each chunk in order, then Done.
  class Upload {
   public:
    ~Upload();
    // INVALID_ARGUMENT naming the path that is not acceptable; RESOURCE_EXHAUSTED past a limit.
    absl::Status Add(const kuaguan::v1::ScanChunk& chunk);
    // Closes the last file; the upload is kept for IngestScans.
    absl::StatusOr<kuaguan::v1::StagedScans> Done();

   private:
    friend class ScanStaging;
    Upload(std::filesystem::path dir, std::string id, StagingLimits limits)
        : dir_(std::move(dir)), id_(std::move(id)), limits_(limits) {}
    std::filesystem::path dir_;
    std::string id_;
    StagingLimits limits_;
    int fd_ = -1;
    std::string current_;
    uint64_t file_bytes_ = 0, total_bytes_ = 0;
    uint32_t files_ = 0;
    bool done_ = false;
  };

  // A new upload folder. INTERNAL when it cannot be made.
  absl::StatusOr<std::unique_ptr<Upload>> Begin();
  // The path of `relative` inside upload `id` (empty `relative`: the folder itself). NOT_FOUND for
  // an unknown upload; INVALID_ARGUMENT for a bad path.
  absl::StatusOr<std::filesystem::path> Resolve(const std::string& id, const std::string& relative) const;
  // Removes upload `id` and everything in it.
  void Remove(const std::string& id);

 private:
  explicit ScanStaging(std::filesystem::path root, StagingLimits limits) : root_(std::move(root)), limits_(limits) {}
  std::filesystem::path root_;
  StagingLimits limits_;
};

// Checks a relative path sent by a client: '/'-separated parts, none empty, "." or "..", no
// control characters, valid UTF-8, at most 1024 bytes. INVALID_ARGUMENT naming it.
absl::Status CheckRelativePath(const std::string& path);

}  // namespace kuaguan::node
