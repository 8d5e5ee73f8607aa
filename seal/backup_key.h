// The backup key: 32 random bytes kept apart from the node's keys (the config's backup_key_file,
// outside the data directory), under which every backup object is encrypted. Two keys are derived
// from it with HMAC-SM3: the object cipher key (AES-256/GCM) and the object-id key (ids are keyed,
// so a peer holding the ciphertext cannot test a guess of the content). For safekeeping it is given
// out as two shares whose XOR is the key, one to the system administrator and one to the security
// officer: a restore on a new machine needs both people. Thread-safe (values only).
#pragma once

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kuaguan::seal {

class BackupKey {
 public:
  // Reads the key file, or makes a new random key there (mode 0600) when it is missing and
  // `create` is set. Errors name the file.
  static absl::StatusOr<BackupKey> Load(const std::filesystem::path& file, bool create);
  // The key the two share texts make together. INVALID_ARGUMENT naming the share that is
  // mistyped (its check fails), or saying that the two belong to different keys or are the same
  // share twice.
  static absl::StatusOr<BackupKey> FromShares(absl::string_view a, absl::string_view b);

  // Writes the key (with its share 1) to `file` (mode 0600), as Load reads it: a restore puts
  // the key made from the two shares beside the restored node.
  absl::Status Save(const std::filesystem::path& file) const;

  // 16 hex digits naming the key (SM3 check value): in every manifest and repository, so a wrong
  // key is told as such, not as damage.
  const std::string& id() const { return id_; }
  // Share 1 or 2 as text: KGBK1-<n>-<key id>-<64 hex>-<4 hex check>.
  std::string ShareText(int n) const;
  const std::string& cipher_key() const { return cipher_key_; }
  const std::string& id_key() const { return id_key_; }

 private:
  BackupKey(std::string raw, std::string share1);
  std::string raw_, share1_, id_, cipher_key_, id_key_;
};

}  // namespace kuaguan::seal
