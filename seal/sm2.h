// SM2 signatures with SM3 and the default user id (GB/T 32918, GB/T 35276): proofs of possession
// at enrollment and, later, seals. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace Botan {
class Private_Key;
}

namespace kuaguan::seal {

// The public key of an SM2 private key as SubjectPublicKeyInfo DER (id-ecPublicKey, sm2p256v1).
std::vector<uint8_t> Sm2PublicKeyDer(const Botan::Private_Key& key);

// Signs `data` (DER-encoded signature).
std::string Sm2Sign(const Botan::Private_Key& key, const std::string& data);

// OK when `signature` is `public_key_der`'s SM2 signature of `data`; UNAUTHENTICATED otherwise,
// INVALID_ARGUMENT when the key is not an SM2 key.
absl::Status Sm2Verify(const std::string& public_key_der, const std::string& data, const std::string& signature);

}  // namespace kuaguan::seal
