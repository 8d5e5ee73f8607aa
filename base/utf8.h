// UTF-8 helpers: validation, decoding to code points, and Han-character classes.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

namespace kuaguan::base {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(absl::string_view s);

// Byte offset of the first malformed sequence, or absl::string_view::npos when well-formed.
size_t FirstInvalidUtf8(absl::string_view s);

// Decodes well-formed UTF-8 into code points; invalid bytes decode as U+FFFD.
std::vector<char32_t> DecodeUtf8(absl::string_view s);

// Appends the UTF-8 encoding of `cp` to `out`.
void AppendUtf8(char32_t cp, std::string* out);

// Encodes code points as UTF-8.
std::string EncodeUtf8(const std::vector<char32_t>& cps);

// True for CJK ideographs (unified, extensions, compatibility) and 〇.
bool IsHan(char32_t cp);

// Number of code points in well-formed UTF-8.
size_t CodePointCount(absl::string_view s);

// Returns the first control character (other than tab) in `s`, or 0 when none.
char32_t FirstControlChar(absl::string_view s);

}  // namespace kuaguan::base
