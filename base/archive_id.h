// Archive identities in the federation: a GB/T 2260 administrative division code (six digits)
// naming the archive, e.g. 410000 Henan provincial, 410100 Zhengzhou municipal, 410102 a
// district. The provincial directory is the source of truth; this is the shape rule.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace kuaguan::base {

enum class ArchiveLevel { kProvincial, kMunicipal, kCounty };

struct ArchiveId {
  std::string code;    // six digits
  ArchiveLevel level;  // from the code: xx0000 provincial, xxxx00 municipal, else county
};

// Parses an archive id. INVALID_ARGUMENT unless it is six digits with a plausible province
// part (11-82) and not 000000.
absl::StatusOr<ArchiveId> ParseArchiveId(absl::string_view code);

// "provincial", "municipal" or "county".
absl::string_view ArchiveLevelName(ArchiveLevel level);

}  // namespace kuaguan::base
