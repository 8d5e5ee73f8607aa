// Small secrets at rest (the keys of the identity-number hashes): AES-256/GCM under a key derived
// from the node's key passphrase (PBKDF2-SHA-256, 100,000 rounds, a random salt per secret).
// Sealed form: "KGSB1" salt(16) nonce(12) ciphertext+tag(16). Thread-safe (no shared state).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kuaguan::seal {

// INVALID_ARGUMENT for an empty passphrase.
absl::StatusOr<std::string> SealSecret(absl::string_view passphrase, absl::string_view plain);
// UNAUTHENTICATED when the passphrase is wrong or the sealed bytes were changed;
// INVALID_ARGUMENT when `sealed` is not in the sealed form.
absl::StatusOr<std::string> OpenSecret(absl::string_view passphrase, absl::string_view sealed);
// Whether `value` has the sealed form's marker.
bool IsSealedSecret(absl::string_view value);

}  // namespace kuaguan::seal
