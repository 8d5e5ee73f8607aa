// Detects the encoding of a catalog file and decodes it to UTF-8.
// Accepted: UTF-8 with or without BOM, and GB18030 (which includes GBK and GB2312).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace kuaguan::ingest {

struct DecodedText {
  std::string text;      // UTF-8, without BOM
  std::string encoding;  // "utf-8", "utf-8-bom" or "gb18030"
};

// Decodes `bytes`. Fails with INVALID_ARGUMENT naming the line when the file is in neither
// encoding, mixes the two (some lines UTF-8, others GB18030), or is UTF-16/UTF-32.
absl::StatusOr<DecodedText> DecodeCatalogText(absl::string_view bytes);

// Converts UTF-8 to GB18030 (used by tests and by export when asked for it).
absl::StatusOr<std::string> Utf8ToGb18030(absl::string_view utf8);

}  // namespace kuaguan::ingest
