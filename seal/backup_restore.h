// Reading a backup back: every file of a manifest rebuilt from the repository's objects (each
// object opened and checked against its id), its size and SM3 compared with the manifest, and
// written under a destination folder (or only checked when there is none). Used by
// `kuaguan restore`, the daemon's `backup verify` and `backup drill`. Also the manifest's
// signature check. Thread-compatible.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "kuaguan/v1/ops.pb.h"
#include "seal/backup_repo.h"

namespace kuaguan::seal {

// Bytes done so far, of `total`.
using RestoreProgress = std::function<void(uint64_t done, uint64_t total)>;

// Rebuilds the files of `manifest` from `repo` under `dest` (empty: check only). Files come out
// with their recorded mode (owner bits only). Problems are findings in the report (the run goes
// on past a damaged file); a failure to write under `dest` is an error (e.g. disk full).
// CANCELLED when `cancelled` turns true.
absl::StatusOr<kuaguan::v1::BackupReport> RestoreFiles(const BackupRepo& repo, const kuaguan::v1::BackupManifest& manifest,
                                                      const std::filesystem::path& dest, const RestoreProgress& progress,
                                                      const std::atomic<bool>* cancelled);

// The manifest inside `signed_manifest`, with *signature_ok telling whether its signature
// verifies with the certificate it carries (false also when it is unsigned).
absl::StatusOr<kuaguan::v1::BackupManifest> OpenManifest(const kuaguan::v1::SignedBackupManifest& signed_manifest,
                                                        bool* signature_ok);

// Whether `path` (a manifest's file path) is safe to write under a folder: relative, '/'-separated,
// no "..", "." or empty parts.
bool IsSafeBackupPath(const std::string& path);

}  // namespace kuaguan::seal
