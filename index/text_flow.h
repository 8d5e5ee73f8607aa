// Running text flows across line breaks. In Chinese text a line break, or the stray spaces OCR
// puts between characters, is not a word boundary: whitespace next to a Han character is not a
// boundary unless it holds a blank line (a paragraph end). A Latin word hyphenated at a line end
// ("docu-\nment") is one word. Flow drops exactly that whitespace (and hyphen) from folded text
// and says where each kept code point stood, so matches in flowed text mark the original.
// Everything else (punctuation, whitespace between Latin words, paragraph ends) is kept.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

namespace kuaguan::index {

struct FlowedText {
  std::vector<char32_t> text;
  std::vector<uint32_t> origin;  // origin[i]: index in the input of text[i]
};

FlowedText Flow(const std::vector<char32_t>& folded);

// Every occurrence of `needle` in flowed `text`, as [first, last] code-point indices of the
// input Flow was given (the range may span a line break).
struct FlowMatch {
  uint32_t first = 0;
  uint32_t last = 0;
};
std::vector<FlowMatch> FindFlowed(const FlowedText& text, const std::vector<char32_t>& needle);

}  // namespace kuaguan::index
