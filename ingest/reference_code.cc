#include "absl/strings/string_view.h"
#include "ingest/reference_code.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/utf8.h"

namespace kuaguan::ingest {
namespace {

constexpr size_t kMaxCodeBytes = 100;

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsCategory(absl::string_view s) {
  return s.size() == 2 && absl::ascii_isupper(static_cast<unsigned char>(s[0])) &&
         absl::ascii_isupper(static_cast<unsigned char>(s[1]));
}

bool IsRetention(absl::string_view s) {
  if (s == "Y" || s == "C" || s == "D") return true;
  return s.size() >= 2 && s[0] == 'D' && AllDigits(s.substr(1));
}

}  // namespace

absl::StatusOr<kuaguan::v1::ReferenceCode> ParseReferenceCode(absl::string_view code) {
  if (code.empty()) return absl::InvalidArgumentError("reference code is empty");
  if (code.size() > kMaxCodeBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("reference code is ", code.size(), " bytes (at most ", kMaxCodeBytes, ")"));
  }
  std::vector<std::string> parts;
  std::string cur;
  for (char32_t cp : base::DecodeUtf8(code)) {
    if (cp == '-' || cp == 0x00B7 /* · */) {
      if (cur.empty()) {
        return absl::InvalidArgumentError(
            "reference code has an empty part (doubled or leading separator)");
      }
      parts.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    const bool ok = (cp < 0x80 && absl::ascii_isalnum(static_cast<unsigned char>(cp))) ||
                    base::IsHan(cp);
    if (!ok) {
      std::string shown;
      base::AppendUtf8(cp, &shown);
      return absl::InvalidArgumentError(absl::StrCat(
          "reference code has '", shown,
          "' (only letters, digits and Han characters, joined by '-' or '·')"));
    }
    base::AppendUtf8(cp, &cur);
  }
  if (cur.empty()) return absl::InvalidArgumentError("reference code ends with a separator");
  parts.push_back(std::move(cur));
  if (parts.size() < 2) {
    return absl::InvalidArgumentError(
        "reference code has one part; expected 全宗号 and 件号 at least, e.g. Z109-WS·2011-Y-BGS-0001");
  }
  if (!AllDigits(parts.back())) {
    return absl::InvalidArgumentError(
        absl::StrCat("reference code's last part (件号) '", parts.back(), "' is not digits"));
  }

  kuaguan::v1::ReferenceCode ref;
  for (const auto& p : parts) ref.add_parts(p);
  ref.set_fonds(parts.front());
  ref.set_item(parts.back());
  size_t i = 1;
  if (i < parts.size() - 1 && IsCategory(parts[i])) ref.set_category(parts[i++]);
  for (; i < parts.size() - 1; ++i) {
    const std::string& p = parts[i];
    if (ref.year().empty() && ref.retention().empty() && p.size() == 4 && AllDigits(p) &&
        (p[0] == '1' || p[0] == '2')) {
      ref.set_year(p);
    } else if (ref.retention().empty() && !ref.year().empty() && IsRetention(p)) {
      ref.set_retention(p);
    } else {
      ref.add_units(p);
    }
  }
  return ref;
}

absl::string_view RetentionCodePart(kuaguan::v1::Retention retention) {
  switch (retention) {
    case kuaguan::v1::RETENTION_PERMANENT:
      return "Y";
    case kuaguan::v1::RETENTION_30_YEARS:
      return "D30";
    case kuaguan::v1::RETENTION_10_YEARS:
      return "D10";
    case kuaguan::v1::RETENTION_LONG:
      return "C";
    case kuaguan::v1::RETENTION_SHORT:
      return "D";
    default:
      return "";
  }
}

}  // namespace kuaguan::ingest
