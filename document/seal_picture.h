// The picture of an archive's electronic seal (电子印章): a red round official seal with a thick
// ring, a five-pointed star in the centre, the archive's name along the upper arc and the seal's
// purpose (e.g. 电子出证专用章) below the star, drawn with cairo and pango (Noto CJK). The seal
// maker embeds it in the seal (SESeal picture); certificates show it on every page.
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace kuaguan::document {

// PNG bytes, `pixels` square, transparent outside the seal. INVALID_ARGUMENT for an empty name
// or pixels < 64.
absl::StatusOr<std::string> RenderSealPng(const std::string& archive_name, const std::string& purpose_text,
                                          int pixels);

}  // namespace kuaguan::document
