// Backup objects at rest: content-addressed and encrypted. An object's id is the hex
// HMAC-SM3 of its plaintext under the backup key's id key, so identical chunks are stored once
// and the next backup writes only what changed. Sealed form: "KGBO1" nonce(12) then AES-256/GCM
// (associated data: the magic and the object's label) of an 8-byte length, the plaintext and
// zero padding up to the Padmé size (Nikitin et al. 2019), so sizes reveal at most a few bits.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "seal/backup_key.h"

namespace kuaguan::seal {

// The id of a chunk with `plain` (64 lower-case hex digits).
std::string BackupObjectId(const BackupKey& key, absl::string_view plain);
// Whether `id` has the form of an object id (64 lower-case hex digits).
bool IsBackupObjectId(absl::string_view id);

// Seals `plain` under `key`, bound to `label` (the object's id, or "manifest:ID").
absl::StatusOr<std::string> SealBackupObject(const BackupKey& key, absl::string_view label, absl::string_view plain);
// Opens what SealBackupObject made. DATA_LOSS when the bytes were changed or belong to another
// label; INVALID_ARGUMENT when they are not a sealed object.
absl::StatusOr<std::string> OpenBackupObject(const BackupKey& key, absl::string_view label, absl::string_view sealed);

// The Padmé length for `n` bytes (n <= result <= n * 1.12 for large n).
uint64_t PadmeLength(uint64_t n);

}  // namespace kuaguan::seal
