// Keyed hashes of personal identifiers: HMAC-SM3 under a per-federation key, so that records can
// be found by a person's identity number without the number being stored in clear.
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace kuaguan::seal {

// 32-byte HMAC-SM3 of `identifier` under `key` (the key must not be empty).
std::string PersonKeyedHash(absl::string_view key, absl::string_view identifier);

}  // namespace kuaguan::seal
