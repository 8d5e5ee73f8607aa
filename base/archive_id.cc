#include "absl/strings/string_view.h"
#include "base/archive_id.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace kuaguan::base {

absl::StatusOr<ArchiveId> ParseArchiveId(absl::string_view code) {
  if (code.size() != 6) {
    return absl::InvalidArgumentError(absl::StrCat(
        "archive id '", code, "' must be a six-digit GB/T 2260 division code, e.g. 410100"));
  }
  for (char c : code) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          absl::StrCat("archive id '", code, "' must be digits only, e.g. 410100"));
    }
  }
  const int province = (code[0] - '0') * 10 + (code[1] - '0');
  if (province < 11 || province > 82) {
    return absl::InvalidArgumentError(absl::StrCat(
        "archive id '", code, "' has province part ", code.substr(0, 2), " (expected 11-82)"));
  }
  ArchiveLevel level = ArchiveLevel::kCounty;
  if (code.substr(2) == "0000") {
    level = ArchiveLevel::kProvincial;
  } else if (code.substr(4) == "00") {
    level = ArchiveLevel::kMunicipal;
  }
  return ArchiveId{std::string(code), level};
}

absl::string_view ArchiveLevelName(ArchiveLevel level) {
  switch (level) {
    case ArchiveLevel::kProvincial:
      return "provincial";
    case ArchiveLevel::kMunicipal:
      return "municipal";
    case ArchiveLevel::kCounty:
      return "county";
  }
  return "county";
}

}  // namespace kuaguan::base
