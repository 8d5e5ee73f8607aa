#include "seal/enrollment_token.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace kuaguan::seal {
namespace {

constexpr size_t kMaxTokenBytes = 512;  // ours have 6 + 3 * 64 + 3

bool IsHex64(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string EnrollmentToken::ToString() const {
  return absl::StrCat(archive, ".", secret, ".", root_sha256, ".", provincial_sha256);
}

absl::StatusOr<EnrollmentToken> ParseEnrollmentToken(absl::string_view token) {
  token = absl::StripAsciiWhitespace(token);
  if (token.size() > kMaxTokenBytes) {
    return absl::InvalidArgumentError(absl::StrCat("the enrollment token has ", token.size(),
                                                   " characters; an enrollment token has 201"));
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() == 3) {
    return absl::InvalidArgumentError(
        "this enrollment token (入网令牌) is of the old form ARCHIVE.SECRET.ROOT-SHA256, which does not pin "
        "the provincial node's own certificate: ask the provincial CA operator for a new one (kuaguan ca token)");
  }
  if (parts.size() != 4) {
    return absl::InvalidArgumentError(
        "malformed enrollment token (入网令牌): it has the form ARCHIVE.SECRET.ROOT-SHA256.PROVINCIAL-SHA256");
  }
  bool digits = parts[0].size() == 6;
  for (char c : parts[0]) digits = digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
  if (!digits) return absl::InvalidArgumentError("malformed enrollment token: its archive is not six digits");
  if (!IsHex64(parts[1])) return absl::InvalidArgumentError("malformed enrollment token: its secret is not 64 hex digits");
  if (!IsHex64(parts[2])) {
    return absl::InvalidArgumentError("malformed enrollment token: its root pin is not a SHA-256 (64 hex digits)");
  }
  if (!IsHex64(parts[3])) {
    return absl::InvalidArgumentError(
        "malformed enrollment token: its pin of the provincial node is not a SHA-256 (64 hex digits)");
  }
  EnrollmentToken t;
  t.archive = std::string(parts[0]);
  t.secret = absl::AsciiStrToLower(parts[1]);
  t.root_sha256 = absl::AsciiStrToLower(parts[2]);
  t.provincial_sha256 = absl::AsciiStrToLower(parts[3]);
  return t;
}

}  // namespace kuaguan::seal
