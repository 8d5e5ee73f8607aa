#include "base/printable.h"

#include "base/utf8.h"

namespace kuaguan::base {
namespace {

bool Unsafe(char32_t c, bool keep_newlines) {
  if (keep_newlines && (c == '\n' || c == '\t')) return false;
  if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) return true;
  // Bidirectional embeddings, overrides and isolates; line and paragraph separators.
  return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029;
}

}  // namespace

std::string Printable(absl::string_view text, size_t max_bytes, bool keep_newlines) {
  const std::string kEllipsis = "…";
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  for (char32_t c : DecodeUtf8(text)) {
    std::string one;
    AppendUtf8(Unsafe(c, keep_newlines) ? U'\uFFFD' : c, &one);
    if (out.size() + one.size() > max_bytes) {
      while (!out.empty() && out.size() + kEllipsis.size() > max_bytes) {
        size_t cut = out.size() - 1;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
        out.resize(cut);
      }
      if (out.size() + kEllipsis.size() <= max_bytes) out.append(kEllipsis);
      return out;
    }
    out += one;
  }
  return out;
}

}  // namespace kuaguan::base
