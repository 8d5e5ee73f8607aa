// Signatures by a node's TLS key (ECDSA P-256 over SHA-256, DER), checked with the node's
// certificate: what a member signs its audit checkpoints with, so that the hub holds statements
// the member cannot later deny. Pure; thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kuaguan::seal {

// Signs `data` with the unencrypted PKCS#8 PEM key `key_pem`. INVALID_ARGUMENT when the key
// cannot be read or is not ECDSA.
absl::StatusOr<std::string> SignWithNodeKey(absl::string_view key_pem, absl::string_view data);

// OK when `signature` over `data` verifies with the public key of certificate `cert_pem`;
// UNAUTHENTICATED otherwise (INVALID_ARGUMENT for an unreadable certificate).
absl::Status VerifyNodeSignature(absl::string_view cert_pem, absl::string_view data,
                                 absl::string_view signature);

}  // namespace kuaguan::seal
