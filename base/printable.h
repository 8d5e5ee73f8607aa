// Text from outside (a peer, a file, a person) made safe to print on an operator's terminal or
// keep in a log: malformed UTF-8 and control characters (C0, DEL, C1, and the bidirectional
// overrides that reorder what a terminal shows) become U+FFFD, and the text is cut at a code
// point boundary to at most `max_bytes` bytes, ending in "…" when cut. Tab and newline are kept
// only when `keep_newlines`. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace kuaguan::base {

std::string Printable(absl::string_view text, size_t max_bytes = 1024, bool keep_newlines = false);

}  // namespace kuaguan::base
