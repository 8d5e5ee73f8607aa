#include "ingest/personal_data.h"

#include "base/utf8.h"
#include "proto/record_fields.h"
#include "ingest/identity_number.h"

namespace kuaguan::ingest {
using proto::CatalogFields;
namespace {

char32_t AsciiDigitOrX(char32_t cp) {
  if (cp >= 0xFF10 && cp <= 0xFF19) return cp - 0xFF10 + '0';  // full-width digits
  if (cp == 0xFF38 || cp == 0xFF58) return 'X';
  if (cp >= '0' && cp <= '9') return cp;
  if (cp == 'x' || cp == 'X') return 'X';
  return 0;
}

bool IsAlnum(char32_t cp) {
  return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
         (cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) ||
         (cp >= 0xFF41 && cp <= 0xFF5A);
}

// Separators inside one number: dashes, spaces, and a line break (a number wrapped on a page).
bool IsSeparator(char32_t cp) {
  return cp == '-' || cp == ' ' || cp == '\n' || cp == 0xFF0D || cp == 0x2014;
}

struct Group {
  size_t begin, end;  // code points
  std::string digits;
};

}  // namespace

std::vector<PersonalDataFinding> FindPersonalData(absl::string_view text) {
  const std::vector<char32_t> cps = base::DecodeUtf8(text);
  std::vector<PersonalDataFinding> out;
  size_t i = 0;
  while (i < cps.size()) {
    const char32_t d = AsciiDigitOrX(cps[i]);
    if (d == 0 || d == 'X' || (i > 0 && IsAlnum(cps[i - 1]))) {
      ++i;
      continue;
    }
    // Digit groups joined by single separators: 138-1234-5678, 0371 6512 3456.
    std::vector<Group> groups;
    size_t j = i;
    while (true) {
      Group g{j, j, ""};
      while (j < cps.size()) {
        const char32_t c = AsciiDigitOrX(cps[j]);
        if (c == 0 || (c == 'X' && g.digits.size() != 17)) break;
        g.digits.push_back(static_cast<char>(c));
        ++j;
        if (c == 'X') break;
      }
      g.end = j;
      groups.push_back(g);
      if (j + 1 < cps.size() && IsSeparator(cps[j]) && AsciiDigitOrX(cps[j + 1]) != 0 &&
          AsciiDigitOrX(cps[j + 1]) != 'X' && groups.size() < 4) {
        ++j;
        continue;
      }
      break;
    }
    // Letters glued to the end mean this is a code, not a number.
    if (j < cps.size() && IsAlnum(cps[j])) {
      i = j;
      continue;
    }
    std::string all;
    for (const auto& g : groups) all += g.digits;
    bool found = false;
    if (groups.size() == 1) {
      if (auto id = ParseIdentityNumber(all)) {
        out.push_back({PersonalDataKind::kIdentityNumber, i, j, all, id->normalized, id->check_ok});
        found = true;
      }
    }
    // An identity number followed by another number ("…002X 13912345678"): the first group alone.
    if (!found && groups.size() > 1) {
      if (auto id = ParseIdentityNumber(groups.front().digits)) {
        j = groups.front().end;
        out.push_back({PersonalDataKind::kIdentityNumber, i, j, groups.front().digits, id->normalized, id->check_ok});
        found = true;
      }
    }
    if (!found && all.size() == 11 && all[0] == '1' && all[1] >= '3' && all[1] <= '9') {
      out.push_back({PersonalDataKind::kMobilePhone, i, j, all, "", false});
      found = true;
    }
    if (!found && all[0] == '0' && all[1] != '0' && all.size() >= 10 && all.size() <= 12 &&
        (groups.size() == 1 ||
         (groups.front().digits.size() >= 3 && groups.front().digits.size() <= 4))) {
      out.push_back({PersonalDataKind::kLandlinePhone, i, j, all, "", false});
      found = true;
    }
    // Not a finding: move past the first group only, so a later group can start one.
    i = found ? j : groups.front().end;
  }
  return out;
}

std::string MaskPersonalData(absl::string_view text,
                             const std::vector<PersonalDataFinding>& findings) {
  std::vector<char32_t> cps = base::DecodeUtf8(text);
  for (const auto& f : findings) {
    for (size_t k = f.begin; k < f.end && k < cps.size(); ++k) {
      if (AsciiDigitOrX(cps[k]) != 0) cps[k] = '*';
    }
  }
  return base::EncodeUtf8(cps);
}

void RewriteTextFields(kuaguan::v1::Record* record,
                       const std::function<std::string(const std::string&)>& fn) {
  for (const auto& f : CatalogFields()) {
    if (f.key == "code" || f.key == "persons") continue;
    const std::string v = f.get(*record);
    if (v.empty()) continue;
    const std::string out = fn(v);
    if (out != v) (void)f.set(out, record);
  }
  for (auto& [k, v] : *record->mutable_extra()) v = fn(v);
}

std::string MaskIdentityNumbers(absl::string_view text) {
  std::vector<PersonalDataFinding> ids;
  for (auto& f : FindPersonalData(text)) {
    if (f.kind == PersonalDataKind::kIdentityNumber) ids.push_back(std::move(f));
  }
  return ids.empty() ? std::string(text) : MaskPersonalData(text, ids);
}

const char* PersonalDataKindName(PersonalDataKind kind) {
  switch (kind) {
    case PersonalDataKind::kIdentityNumber:
      return "identity number";
    case PersonalDataKind::kMobilePhone:
      return "mobile phone";
    case PersonalDataKind::kLandlinePhone:
      return "landline phone";
  }
  return "personal data";
}

}  // namespace kuaguan::ingest
