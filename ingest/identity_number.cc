#include "ingest/identity_number.h"

#include "absl/strings/ascii.h"

namespace kuaguan::ingest {
namespace {

bool Digits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int Num(absl::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool RealDate(int y, int m, int d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1880 || y > 2100 || m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool PlausibleAddress(absl::string_view six) {
  const int province = Num(six.substr(0, 2));
  return province >= 11 && province <= 82;
}

}  // namespace

char IdentityCheckChar(absl::string_view first17) {
  static constexpr int kWeights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  if (first17.size() != 17 || !Digits(first17)) return '\0';
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

std::optional<IdentityNumber> ParseIdentityNumber(absl::string_view text) {
  IdentityNumber id;
  if (text.size() == 18) {
    if (!Digits(text.substr(0, 17))) return std::nullopt;
    const char last = absl::ascii_toupper(static_cast<unsigned char>(text[17]));
    if (!absl::ascii_isdigit(static_cast<unsigned char>(last)) && last != 'X') return std::nullopt;
    if (!PlausibleAddress(text.substr(0, 6))) return std::nullopt;
    if (!RealDate(Num(text.substr(6, 4)), Num(text.substr(10, 2)), Num(text.substr(12, 2)))) {
      return std::nullopt;
    }
    id.normalized = std::string(text.substr(0, 17)) + last;
    id.check_ok = IdentityCheckChar(text.substr(0, 17)) == last;
    return id;
  }
  if (text.size() == 15) {
    if (!Digits(text) || !PlausibleAddress(text.substr(0, 6))) return std::nullopt;
    if (!RealDate(1900 + Num(text.substr(6, 2)), Num(text.substr(8, 2)), Num(text.substr(10, 2)))) {
      return std::nullopt;
    }
    const std::string first17 =
        std::string(text.substr(0, 6)) + "19" + std::string(text.substr(6, 9));
    id.normalized = first17 + IdentityCheckChar(first17);
    id.check_ok = true;  // nothing to check: the upgrade computes it
    id.old_form = true;
    return id;
  }
  return std::nullopt;
}

}  // namespace kuaguan::ingest
