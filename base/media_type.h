// The media type of a file by its first bytes, for the formats people bring and scans come in:
// application/pdf, image/png, image/jpeg, image/tiff (classic TIFF, either byte order), or ""
// for anything else. Pure; thread-safe.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace kuaguan::base {

std::string SniffMediaType(absl::string_view bytes);

}  // namespace kuaguan::base
