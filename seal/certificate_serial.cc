#include "seal/certificate_serial.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace kuaguan::seal {
namespace {

// ISO 7064 MOD 11-2 (the scheme of identity numbers) over the digits of `payload`: 0-9 or X.
char CheckCharacter(absl::string_view payload) {
  int p = 0;
  for (char c : payload) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) p = ((p + (c - '0')) * 2) % 11;
  }
  const int check = (12 - p) % 11;
  return check == 10 ? 'X' : static_cast<char>('0' + check);
}

}  // namespace

std::string FormatSerial(const CertificateSerial& serial) {
  const std::string payload = absl::StrFormat("%s-%04d-%06d", serial.archive, serial.year, serial.sequence);
  return absl::StrCat(payload, "-", std::string(1, CheckCharacter(payload)));
}

absl::StatusOr<CertificateSerial> ParseSerial(absl::string_view text) {
  const std::string upper = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  const std::vector<std::string> parts = absl::StrSplit(upper, '-');
  auto digits = [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); });
  };
  if (parts.size() != 4 || parts[3].size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("certificate serial '", text, "' is not ARCHIVE-YEAR-SEQUENCE-C"));
  }
  CertificateSerial s;
  if (parts[0].size() != 6 || !digits(parts[0])) {
    return absl::InvalidArgumentError(absl::StrCat("certificate serial '", text, "': archive code '", parts[0], "' is not six digits"));
  }
  s.archive = parts[0];
  if (parts[1].size() != 4 || !absl::SimpleAtoi(parts[1], &s.year) || s.year < 2000) {
    return absl::InvalidArgumentError(absl::StrCat("certificate serial '", text, "': year '", parts[1], "' is not a year"));
  }
  if (parts[2].size() < 6 || !digits(parts[2]) || !absl::SimpleAtoi(parts[2], &s.sequence) || s.sequence == 0) {
    return absl::InvalidArgumentError(absl::StrCat("certificate serial '", text, "': sequence '", parts[2], "' is not six or more digits from 1"));
  }
  const std::string payload = absl::StrCat(parts[0], "-", parts[1], "-", parts[2]);
  if (CheckCharacter(payload) != parts[3][0]) {
    return absl::InvalidArgumentError(absl::StrCat("certificate serial '", text, "': check character ", parts[3],
                                                   " does not match (mistyped?)"));
  }
  return s;
}

}  // namespace kuaguan::seal
