// The passphrase of a staff member's key: from a file (--passphrase-file, else the file named by
// $KUAGUAN_PASSPHRASE_FILE), else typed at the terminal with echo off. Never from the command
// line itself, where other accounts could read it.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace kuaguan::cli {

// A passphrase to encrypt a new key: from the file, or typed twice. INVALID_ARGUMENT when it is
// shorter than 8 characters, the two typings differ, or there is neither a file nor a terminal.
absl::StatusOr<std::string> NewPassphrase(const std::optional<std::string>& file, const std::string& what);

// The passphrase of an existing key: from the file, or typed once.
absl::StatusOr<std::string> ExistingPassphrase(const std::optional<std::string>& file, const std::string& what);

}  // namespace kuaguan::cli
