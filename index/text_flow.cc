#include "index/text_flow.h"

#include <algorithm>

#include "base/utf8.h"

namespace kuaguan::index {
namespace {

bool IsSpace(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x00A0 || cp == 0x3000;
}

bool IsLetter(char32_t cp) { return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'); }

bool IsHyphen(char32_t cp) { return cp == '-' || cp == 0x00AD || cp == 0x2010; }

}  // namespace

FlowedText Flow(const std::vector<char32_t>& in) {
  FlowedText out;
  out.text.reserve(in.size());
  out.origin.reserve(in.size());
  auto keep = [&](size_t i) {
    out.text.push_back(in[i]);
    out.origin.push_back(static_cast<uint32_t>(i));
  };
  size_t i = 0;
  while (i < in.size()) {
    const char32_t cp = in[i];
    // A hyphen at a line end between two letters joins the word.
    if (IsHyphen(cp) && !out.text.empty() && IsLetter(out.text.back())) {
      size_t j = i + 1, newlines = 0;
      while (j < in.size() && IsSpace(in[j])) newlines += in[j++] == '\n';
      if (newlines == 1 && j < in.size() && IsLetter(in[j])) {
        i = j;
        continue;
      }
    }
    if (!IsSpace(cp)) {
      keep(i++);
      continue;
    }
    size_t j = i, newlines = 0;
    while (j < in.size() && IsSpace(in[j])) newlines += in[j++] == '\n';
    const bool han_before = !out.text.empty() && base::IsHan(out.text.back());
    const bool han_after = j < in.size() && base::IsHan(in[j]);
    const bool flows = newlines <= 1 && (han_before || han_after);
    if (!flows) {
      for (size_t k = i; k < j; ++k) keep(k);
    }
    i = j;
  }
  return out;
}

std::vector<FlowMatch> FindFlowed(const FlowedText& text, const std::vector<char32_t>& needle) {
  std::vector<FlowMatch> out;
  if (needle.empty() || needle.size() > text.text.size()) return out;
  auto it = text.text.begin();
  while ((it = std::search(it, text.text.end(), needle.begin(), needle.end())) != text.text.end()) {
    const auto at = static_cast<size_t>(it - text.text.begin());
    out.push_back({text.origin[at], text.origin[at + needle.size() - 1]});
    ++it;
  }
  return out;
}

}  // namespace kuaguan::index
