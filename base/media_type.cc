#include "base/media_type.h"

namespace kuaguan::base {

std::string SniffMediaType(absl::string_view d) {
  if (d.substr(0, 5) == "%PDF-") return "application/pdf";
  if (d.substr(0, 8) == "\x89PNG\r\n\x1a\n") return "image/png";
  if (d.substr(0, 3) == "\xFF\xD8\xFF") return "image/jpeg";
  if (d.substr(0, 3) == "II*" || d.substr(0, 4) == absl::string_view("MM\0*", 4)) return "image/tiff";
  return "";
}

}  // namespace kuaguan::base
