// A staff member's profile (DIR/desk.toml, written by `kuaguan staff add`): the node to reach,
// who the certificate names, and the certificate, key and root files beside it. Used by
// kuaguan-desk and by `kuaguan --profile` for mutual TLS in place of the local socket.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace kuaguan::cli {

struct Profile {
  std::string node, archive, name, role, cert_pem, key_pem, root_pem;
};

// Reads the profile and the files it names, decrypting the key with its passphrase (see
// cli/passphrase.h). INVALID_ARGUMENT naming the file and the missing key; NOT_FOUND naming a
// file that cannot be read; UNAUTHENTICATED for a wrong passphrase.
absl::StatusOr<Profile> LoadProfile(const std::filesystem::path& path,
                                    const std::optional<std::string>& passphrase_file);

}  // namespace kuaguan::cli
