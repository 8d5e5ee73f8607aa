#include "ingest/secrecy_mark.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/utf8.h"

namespace kuaguan::ingest {
namespace {

// Whitespace, including the ideographic space, removed.
std::string Compact(const std::string& s) {
  std::string out;
  for (char32_t cp : base::DecodeUtf8(s)) {
    if (cp == ' ' || cp == '\t' || cp == 0x3000) continue;
    base::AppendUtf8(cp, &out);
  }
  return out;
}

// The first whitespace-separated word of `s`.
std::string FirstWord(const std::string& s) {
  std::string norm;
  for (char32_t cp : base::DecodeUtf8(s)) base::AppendUtf8(cp == 0x3000 ? U' ' : cp, &norm);
  for (absl::string_view w : absl::StrSplit(norm, ' ', absl::SkipWhitespace())) {
    return std::string(w);
  }
  return "";
}

// Parses "机密", "机密★", "机密★10年", "秘密★长期"; nullopt for anything else.
std::optional<SecrecyMark> ParseMark(absl::string_view word) {
  static const std::pair<const char*, kuaguan::v1::Secrecy> kLevels[] = {
      {"绝密", kuaguan::v1::SECRECY_TOP_SECRET},
      {"机密", kuaguan::v1::SECRECY_CONFIDENTIAL},
      {"秘密", kuaguan::v1::SECRECY_SECRET}};
  absl::ConsumePrefix(&word, "密级：");
  absl::ConsumePrefix(&word, "密级:");
  for (const auto& [label, level] : kLevels) {
    absl::string_view rest = word;
    if (!absl::ConsumePrefix(&rest, label)) continue;
    if (rest.empty()) return SecrecyMark{level, "", ""};
    // The star is small and OCR often misreads it (妇, 食, 大, ...) or drops it: any one
    // character may stand in its place when a period follows.
    const bool star = absl::ConsumePrefix(&rest, "★") || absl::ConsumePrefix(&rest, "☆") ||
                      absl::ConsumePrefix(&rest, "*");
    if (star && rest.empty()) return SecrecyMark{level, "", ""};
    if (!star && !rest.empty() && !(rest[0] >= '0' && rest[0] <= '9') &&
        !absl::StartsWith(rest, "长期")) {
      const auto cps = base::DecodeUtf8(rest);
      std::vector<char32_t> tail(cps.begin() + 1, cps.end());
      const std::string after = base::EncodeUtf8(tail);
      if (after.empty() || !((after[0] >= '0' && after[0] <= '9') || after == "长期")) {
        return std::nullopt;
      }
      rest = rest.substr(rest.size() - after.size());
    }
    if (rest == "长期") return SecrecyMark{level, std::string(rest), ""};
    absl::string_view digits = rest;
    if (!absl::ConsumeSuffix(&digits, "年") && !absl::ConsumeSuffix(&digits, "个月")) {
      return std::nullopt;
    }
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
    }
    return SecrecyMark{level, std::string(rest), ""};
  }
  return std::nullopt;
}

}  // namespace

SecrecyCheck CheckSecrecyMark(const std::vector<TextLine>& first_page_lines) {
  SecrecyCheck check;
  for (const auto& line : first_page_lines) {
    if (line.top > kHeaderFraction) continue;
    const std::string compact = Compact(line.text);
    if (absl::StrContains(compact, "解密") || absl::StrContains(compact, "解除密级")) {
      check.declassified = true;
    }
    if (check.mark) continue;
    // A mark leads its line ("秘密★10年   郑政〔2011〕12号"), or is the whole line.
    for (const std::string& candidate : {FirstWord(line.text), compact}) {
      if (auto mark = ParseMark(candidate)) {
        mark->line = line.text;
        check.mark = std::move(mark);
        break;
      }
    }
  }
  return check;
}

}  // namespace kuaguan::ingest
